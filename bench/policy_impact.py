"""Policy impact over 1,000,000 permits: juzhu's ``policy_impact`` against its floor.

The registry is Shenzhen's: live permits (active, suspended) with a few cancelled ones
mixed in, persons shared by many permits, 2% of permits without ``registered_since``. The
new version, in force from 2027-01-01, lengthens the residence clock (12 → 24 months),
lightens social insurance (12 → 6 continuous months) and adds a material for rented homes.

* juzhu: ``policy_impact("shenzhen", new, 2027-01-01)`` reads the registry in bulk (binary
  COPY into numpy) and judges every record under both versions with the compiled rules; the
  report keeps the verdict of every record, for the CSV.
* floor: ONE SQL query computing the same change inside the database: each version's rule
  as a boolean expression with its parameters inlined (the residence clock as a threshold
  date), counted by basis and housing. Both must give the same counts (asserted).

Setup (database, migrations, COPY load) is outside the timings; best of 3 after a warm-up.
The CSV of affected records is timed once on its own, outside the ratio.

Run: ``.venv/bin/python bench/policy_impact.py [--n 1000000] [--json]``.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import io
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import yaml

DB = "bench_impact"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

ON = dt.date(2027, 1, 1)
CITY = "shenzhen"
REPEAT = 3
PERSONS = 10_000
COUNTS = ("records", "gains", "losses", "materials", "undetermined")
DRAFT_CITE = {"source": "sz_draft_2027", "article": "第十九条"}
NEW_VALUES: dict[str, Any] = {
    "eligibility.residence_months": 24,
    "eligibility.social_insurance": {
        "rule": "continuous_or_total",
        "months": 6,
        "total_months": 18,
        "window_months": 24,
    },
    "materials.by_housing": {
        "owned": [{"any_of": ["property_certificate", "purchase_contract"]}],
        "rented": ["lease_contract", "lease_filing_certificate", "registration_certificate"],
        "employer_dormitory": ["accommodation_certificate"],
        "school_dormitory": ["accommodation_certificate"],
        "relatives": ["host_id_card", "host_consent", "host_property_proof"],
    },
}


# -- setup --------------------------------------------------------------------------------------


def recreate_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB}")


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def copy_text(value: Any) -> str:
    """A constant in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def constants(model: Any, given: set[str]) -> tuple[list[str], str]:
    """Every other column of ``model`` with its default (or NULL), as a COPY text suffix,
    so the load keeps working when a column is added."""
    now = dt.datetime.now(dt.UTC)
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value: Any = now
        elif field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        else:
            raise SystemExit(f"bench: no value for {model.__name__}.{field.name}; add it here")
        columns.append(field.column)
        values.append(copy_text(value))
    return columns, "\t".join(values)


def copy_rows(table: str, columns: list[str], lines: Iterator[str]) -> None:
    from django.db import connection

    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        block = io.StringIO()
        for i, line in enumerate(lines, 1):
            block.write(line)
            if i % 100_000 == 0:
                copy.write(block.getvalue())
                block = io.StringIO()
        copy.write(block.getvalue())


def hex_ids(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.bytes(16 * n).hex()  # PostgreSQL reads 32 hex digits as a UUID
    return [raw[i * 32 : (i + 1) * 32] for i in range(n)]


def load(n: int, seed: int = 2027) -> None:
    from django.db import connection

    from juzhu.registry.models import Permit, Person

    rng = np.random.default_rng(seed)
    people = hex_ids(rng, PERSONS)
    given = ["id", "city", "id_number_index", "id_number_masked", "name", "id_number_enc"]
    other, suffix = constants(Person, set(given))
    copy_rows(
        Person._meta.db_table,
        given + other,
        (
            f"{pid}\t{CITY}\tbench-{i}\t4403**********{i % 10_000:04d}\t测试人\t\\\\x00\t{suffix}\n"
            for i, pid in enumerate(people)
        ),
    )
    status = rng.choice(["active", "suspended", "cancelled"], n, p=[0.9, 0.07, 0.03])
    basis = rng.choice(["employment", "residence", "study"], n, p=[0.7, 0.2, 0.1])
    housing = rng.choice(
        ["owned", "rented", "employer_dormitory", "school_dormitory", "relatives"], n
    )
    since_days = (np.datetime64(ON) - rng.integers(0, 6 * 366, n)).astype(str)
    since = np.where(rng.random(n) < 0.02, r"\N", since_days)
    employed = np.where(rng.random(n) < 0.8, "t", "f")
    si = rng.integers(0, 25, n).astype(str)
    continuous = np.where(rng.random(n) < 0.6, "t", "f")
    enrolled = np.where(rng.random(n) < 0.1, "t", "f")
    owner = rng.integers(0, PERSONS, n)
    given = [
        "id",
        "number",
        "person_id",
        "status",
        "basis",
        "housing",
        "registered_since",
        "employed",
        "social_insurance_months",
        "social_insurance_continuous",
        "enrolled",
        "city",
        "station",
        "issued_on",
    ]
    other, suffix = constants(Permit, set(given))
    ids = hex_ids(rng, n)
    rows = zip(
        ids, status, basis, housing, since, employed, si, continuous, enrolled, owner, strict=True
    )
    copy_rows(
        Permit._meta.db_table,
        given + other,
        (
            f"{pid}\tSZ2026{i:010d}\t{people[o]}\t{st}\t{b}\t{h}\t{s}\t{e}\t{m}\t{c}\t{r}"
            f"\t{CITY}\tsz-futian-1\t2026-01-01\t{suffix}\n"
            for i, (pid, st, b, h, s, e, m, c, r, o) in enumerate(rows)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Permit._meta.db_table}")


def new_tree(directory: Path) -> Path:
    """The installed policies with Shenzhen's 2027 version (an editor's working copy)."""
    from juzhu.rules.loader import POLICY_ROOT

    root = directory / "policies"
    shutil.copytree(POLICY_ROOT, root)
    path = root / "shenzhen" / "policy.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sources"]["sz_draft_2027"] = {
        "title": "深圳经济特区居住证条例（修订草案）",
        "url": "https://www.sz.gov.cn/draft",
        "status": "unverified",
    }
    for key, value in NEW_VALUES.items():
        versions = data["parameters"].setdefault(key, [])
        if versions:
            versions[-1]["to"] = "2026-12-31"
        versions.append({"from": "2027-01-01", "value": value, "cite": DRAFT_CITE})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


# -- the floor: one SQL query ------------------------------------------------------------------


def latest_start(on: dt.date, months: int) -> dt.date:
    """The last registration day whose ``months``-month clock has run by ``on`` (民法典 Art.
    202 clipping: from a month end, the clock ends on the target month's last day)."""
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    on_is_month_end = on.day == calendar.monthrange(on.year, on.month)[1]
    return dt.date(year, month + 1, last if on_is_month_end else min(on.day, last))


def eligible_sql(rule: Any, best: bool) -> str:
    """``BulkRule.evaluate`` as SQL with the parameters inlined; an unknown registration
    day counts as met (``best``) or not."""
    if rule.residence_months == 0:
        residence = "TRUE"
    else:
        day = latest_start(ON, rule.residence_months)
        residence = f"COALESCE(registered_since <= DATE '{day}', {str(best).upper()})"
    if rule.si_rule == "none":
        employment = "employed"
    else:
        si = f"social_insurance_continuous AND social_insurance_months >= {rule.si_months}"
        if rule.si_rule == "continuous_or_total":
            si += f" OR social_insurance_months >= {rule.si_total_months}"
        employment = f"employed AND ({si})"
    from juzhu.rules.bulk import HOUSING_CODES

    stable = [h for h, code in HOUSING_CODES.items() if rule.stable_housing[code]]
    home = f"housing IN ({', '.join(repr(h) for h in stable)})" if stable else "FALSE"
    route = (
        f"({employment}) AND {home}"
        if rule.both_routes
        else f"({employment}) OR {home} OR enrolled"
    )
    return f"({residence} AND ({route}))"


def floor_sql(old: Any, new: Any, changed: list[tuple[str, str]]) -> str:
    from juzhu.registry.models import Permit

    materials = ", ".join(f"('{b}', '{h}')" for b, h in changed) or "(NULL, NULL)"
    return f"""
        SELECT basis, housing,
               count(*),
               count(*) FILTER (WHERE certain AND NOT old_ok AND new_ok),
               count(*) FILTER (WHERE certain AND old_ok AND NOT new_ok),
               count(*) FILTER (WHERE (basis, housing) IN ({materials})),
               count(*) FILTER (WHERE NOT certain)
        FROM (
            SELECT basis, housing, old_ok, new_ok,
                   old_ok = old_best AND new_ok = new_best AS certain
            FROM (
                SELECT basis, housing,
                       {eligible_sql(old, False)} AS old_ok,
                       {eligible_sql(old, True)} AS old_best,
                       {eligible_sql(new, False)} AS new_ok,
                       {eligible_sql(new, True)} AS new_best
                FROM {Permit._meta.db_table}
                WHERE city = '{CITY}' AND status IN ('active', 'suspended')
            ) judged
        ) t
        GROUP BY basis, housing
    """


def run_floor(query: str) -> dict[tuple[str, str], tuple[int, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query)
        return {(b, h): tuple(counts) for b, h, *counts in cursor.fetchall()}


def engine_counts(report: Any) -> dict[tuple[str, str], tuple[int, ...]]:
    from juzhu.registry.impact_read import BASES, HOUSINGS

    out = {}
    permits = report.permits
    for b, basis in enumerate(BASES):
        for h, housing in enumerate(HOUSINGS):
            where = (permits.records.basis == b) & (permits.records.housing == h)
            counts = permits.counts(where)
            if counts["records"]:
                out[(basis, housing)] = tuple(counts[k] for k in COUNTS)
    return out


def best(fn: Callable[[], Any]) -> tuple[float, Any]:
    fn()  # warm-up: page cache, plans, policy lookups
    times, result = [], None
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="summary as JSON on the last line")
    args = parser.parse_args()
    recreate_database()
    import django

    from juzhu.cli.django_setup import batch_budgets

    batch_budgets()  # loading a million rows takes a batch command's database budgets
    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        load(args.n)
        load_s = time.perf_counter() - start
        from juzhu.registry.impact import policy_impact, write_csv
        from juzhu.rules.loader import load_policies

        with tempfile.TemporaryDirectory() as tmp:
            new = load_policies(new_tree(Path(tmp)))
            current = load_policies()
            engine_s, report = best(lambda: policy_impact(CITY, new, ON, current))
            changed = [(m.basis, m.housing) for m in report.materials.values() if m.basis]
            query = floor_sql(report.old_rule, report.new_rule, changed)
            floor_s, floor = best(lambda: run_floor(query))
            start = time.perf_counter()
            csv_rows = write_csv(report, Path(tmp) / "impact.csv")
            csv_s = time.perf_counter() - start
        ours = engine_counts(report)
        assert ours == floor, f"counts differ:\nengine {ours}\nfloor  {floor}"
        live = report.permits.counts()
        rate, floor_rate = args.n / engine_s, args.n / floor_s
        ratio = rate / floor_rate
        print(f"policy impact, {args.n:,} permits ({live['records']:,} live), best of {REPEAT}")
        print(f"  load (COPY)        {load_s:8.2f} s")
        print(
            f"  counts: gains {live['gains']:,}, losses {live['losses']:,}, materials "
            f"{live['materials']:,}, undetermined {live['undetermined']:,} (floor agrees)"
        )
        print(f"  juzhu policy_impact {engine_s * 1e3:8.1f} ms  {rate:>14,.0f} rows/s")
        print(f"  floor (one SQL)     {floor_s * 1e3:8.1f} ms  {floor_rate:>14,.0f} rows/s")
        verdict = "PASS" if ratio >= 0.5 else "FAIL"
        print(f"  ratio juzhu/floor   {ratio:.2f}  (target >= 0.5: {verdict})")
        print(f"  CSV of {csv_rows:,} affected records (outside the ratio): {csv_s:.2f} s")
        if args.json:
            print(
                json.dumps(
                    {
                        "benchmark": "policy_impact",
                        "n": args.n,
                        "live": live,
                        "seconds": {"engine": engine_s, "floor": floor_s, "csv": csv_s},
                        "rows_per_s": {"engine": rate, "floor": floor_rate},
                        "ratio": ratio,
                        "csv_rows": csv_rows,
                    }
                )
            )
    finally:
        drop_database()


if __name__ == "__main__":
    main()
