"""Legacy import of 1,000,000 CSV rows against COPY of the very rows it stored (PostgreSQL).

* import: ``import_permits(path)``: the file scanned, every row validated (ID checksum and
  area, dates and their order, city, vocabulary), ID and phone encrypted (AES-GCM) and
  blind-indexed (HMAC), a hash-chained ``PermitImported`` event per permit, people
  deduplicated (staged, ``INSERT ... ON CONFLICT``), permits and events COPYed into the
  three indexed tables.
* **the floor (issue 15, item 7)**: every row the import stored (people, permits, events),
  read back from the imported database (binary ``COPY ... TO``, a file per table) and
  COPYed (binary, one connection, one transaction) into the same tables of a second
  database made from the migrated, still empty one (``CREATE DATABASE ... TEMPLATE``):
  every index, constraint, foreign key and guard trigger in place. The append-only guards
  fire on UPDATE, DELETE and TRUNCATE only, so nothing is disabled. Printed: the import's
  rate as a ratio to that (target >= 0.5).
* re-import: the same file again (every row stored as it is: nothing checked, nothing
  written); printed: how many times faster than the first import (target >= 5).
* for reference, as before: COPY of the CSV into one plain typed table with no index
  (the floor until issue 15), and the stored rows COPYed into copies of their tables
  without any index or constraint.

The file is generated deterministically (5% of the rows are a second permit of an earlier
person); generation is not timed. The database ``bench_import`` is created, migrated and
dropped by the script.

Run: ``.venv/bin/python bench/import.py [--n 1000000] [--workers N] [--json]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

DB = "bench_import"
DB_COPY = "bench_import_copy"  # the COPY floor's database (the same empty schema)
SERVER = "postgres://postgres@127.0.0.1:5432"
AREAS = ("440304", "440305", "440106", "110105", "310115", "330106", "510107")
CITIES = {
    "440304": ("shenzhen", "futian", "sz-futian-1", "SZ"),
    "440305": ("shenzhen", "nanshan", "sz-nanshan-3", "SZ"),
    "440106": ("guangzhou", "tianhe", "gz-tianhe-2", "GZ"),
    "110105": ("beijing", "chaoyang", "bj-chaoyang-1", "BJ"),
    "310115": ("shanghai", "pudong", "sh-pudong-4", "SH"),
    "330106": ("hangzhou", "xihu", "hz-xihu-1", "HZ"),
    "510107": ("chengdu", "wuhou", "cd-wuhou-2", "CD"),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
BASIS_HOUSING = (("employment", "rented"), ("employment", "employer_dormitory"),
                 ("residence", "owned"), ("residence", "relatives"), ("study", "school_dormitory"))  # fmt: skip
FLOOR_TABLE = """CREATE TABLE floor_permits (id_number text, name text, phone text, city text,
  district text, station text, permit_number text, status text, issued_on date,
  last_endorsed_on date, next_due_on date, suspended_on date, cancelled_on date,
  cancellation_reason text, expires_on date, basis text, housing text, registered_since date,
  employed boolean, social_insurance_months smallint, social_insurance_continuous boolean,
  enrolled boolean)"""


def generate(path: Path, n: int) -> None:
    """``n`` valid rows, the same for the same ``n``."""
    from juzhu.registry.idnumbers import make_id_number
    from juzhu.registry.legacy_import import COLUMNS

    rng = random.Random(20160101)
    today = dt.date(2025, 6, 30)
    born = dt.date(1995, 1, 1)  # every area code below is valid for births from 1995
    people: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(COLUMNS) + "\n")
        for i in range(n):
            if people and rng.random() < 0.05:
                id_number = rng.choice(people)  # a second permit of an earlier person
                area = id_number[:6]
            else:
                area = AREAS[i % len(AREAS)]
                # unique: rows with the same area and sequence are 7,000 apart, 7 days apart
                birth = born + dt.timedelta(days=(i // 1000) % 4000 + rng.randrange(0, 3))
                id_number = make_id_number(area, birth, i % 1000)
                people.append(id_number)
            city, district, station, prefix = CITIES[area]
            issued = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(0, 3000))
            endorsed = issued + dt.timedelta(days=rng.randrange(300, 400))
            endorsed_s = str(endorsed) if endorsed <= today and rng.random() < 0.7 else ""
            status, suspended, cancelled, reason = "active", "", "", ""
            roll = rng.random()
            if roll < 0.10:
                status, suspended = "suspended", str(min(today, issued + dt.timedelta(days=400)))
            elif roll < 0.18:
                status, reason = (
                    "cancelled",
                    rng.choice(("moved_away", "hukou_settled", "voluntary")),
                )
                cancelled = str(min(today, issued + dt.timedelta(days=rng.randrange(30, 900))))
            basis, housing = BASIS_HOUSING[rng.randrange(len(BASIS_HOUSING))]
            employed = basis == "employment"
            months = rng.randrange(0, 25) if employed else 0
            phone = f"13{rng.randrange(0, 10**9):09d}" if rng.random() < 0.8 else ""
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 2 else "")
            row = (
                id_number, name, phone, city, district, station, f"{prefix}{issued:%Y}{i:08d}",
                status, str(issued), endorsed_s, "", suspended, cancelled, reason, "", basis,
                housing, str(issued - dt.timedelta(days=rng.randrange(180, 2000))),
                "true" if employed else "false", str(months),
                "true" if months and rng.random() < 0.6 else "false",
                "true" if basis == "study" else "false",
            )  # fmt: skip
            f.write(",".join(row) + "\n")


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def floor(path: Path) -> float:
    """Seconds to COPY the file into a plain typed table (file streamed like the import)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS floor_permits")
        cur.execute(FLOOR_TABLE)
    started = time.perf_counter()
    statement = "COPY floor_permits FROM STDIN (FORMAT csv, HEADER true)"
    with connection.cursor() as cur, path.open("rb") as f, cur.copy(statement) as copy:
        while block := f.read(1 << 20):
            copy.write(block)
    seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("DROP TABLE floor_permits")
    return seconds


STORED = ("registry_person", "registry_permit", "registry_event")  # in foreign-key order


def dump_stored(folder: Path) -> tuple[dict[str, Path], int]:
    """Every row the import stored (people, permits, events), one binary COPY file per
    table, read back from the imported database; and how many rows that is."""
    from django.db import connection

    files = {table: folder / f"{table}.copy" for table in STORED}
    rows = 0
    with connection.cursor() as cur:
        for table, file in files.items():
            with (
                file.open("wb") as out,
                # a query, not the table: the events are partitioned by month on PostgreSQL
                cur.copy(f"COPY (SELECT * FROM {table}) TO STDOUT (FORMAT binary)") as copy,
            ):
                for block in copy:
                    out.write(block)
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (a module constant)
            rows += int(cur.fetchone()[0])
    return files, rows


def copy_in(cur: Any, files: dict[str, Path], prefix: str = "") -> None:
    for table, file in files.items():
        with file.open("rb") as f, cur.copy(f"COPY {prefix}{table} FROM STDIN (FORMAT binary)") as copy:  # fmt: skip
            while block := f.read(1 << 20):
                copy.write(block)


def copy_floor(files: dict[str, Path]) -> float:
    """Seconds to COPY the stored rows into the REAL tables: a database made from the
    migrated, still empty one (``CREATE DATABASE … TEMPLATE``), so every index, constraint,
    foreign key and guard trigger is in place. One connection, one transaction, one binary
    COPY per table: the simplest fast way to put these rows where the import puts them.
    The append-only guards fire on UPDATE, DELETE and TRUNCATE only: nothing is disabled."""
    import psycopg

    with psycopg.connect(f"{SERVER}/{DB_COPY}") as conn, conn.cursor() as cur:
        conn.execute("CHECKPOINT")
        conn.commit()
        started = time.perf_counter()
        copy_in(cur, files)
        conn.commit()
        return time.perf_counter() - started


def storage_floor(files: dict[str, Path]) -> float:
    """Seconds to COPY the same rows into copies of their tables with no index, no
    constraint and no check: the least any import of this file has to write, before
    validating, encrypting, chaining or keeping an index."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in STORED:
            cur.execute(f"DROP TABLE IF EXISTS bare_{table}")
            cur.execute(f"CREATE TABLE bare_{table} (LIKE {table})")
    started = time.perf_counter()
    with connection.cursor() as cur:
        copy_in(cur, files, prefix="bare_")
    seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        for table in STORED:
            cur.execute(f"DROP TABLE bare_{table}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="rows in the file")
    parser.add_argument("--batch", type=int, default=50000, help="rows per transaction")
    parser.add_argument("--workers", type=int, default=None, help="checking processes")
    parser.add_argument("--loaders", type=int, default=None, help="connections storing")
    parser.add_argument("--json", action="store_true", help="summary as JSON on the last line")
    args = parser.parse_args()

    for name in (DB, DB_COPY):
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
    import django

    from juzhu.cli.django_setup import batch_budgets

    batch_budgets()  # loading a million rows takes a batch command's database budgets
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from juzhu.registry.legacy_import import import_permits
    from juzhu.registry.models import Event, Permit, Person

    call_command("migrate", verbosity=0)
    connection.close()  # a template database must have no session
    admin(f"CREATE DATABASE {DB_COPY} TEMPLATE {DB}")  # migrated, empty: the COPY floor's
    result: dict[str, Any] = {"benchmark": "import", "n": args.n}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "permits.csv"
            generate(path, args.n)
            size = path.stat().st_size
            floor_s = floor(path)
            with connection.cursor() as cur:
                cur.execute("CHECKPOINT")
            started = time.perf_counter()
            options = {"batch": args.batch, "workers": args.workers, "loaders": args.loaders}
            first = import_permits(path, **options)
            import_s = time.perf_counter() - started
            started = time.perf_counter()
            again = import_permits(path, **options)
            again_s = time.perf_counter() - started
            files, stored_rows = dump_stored(Path(tmp))
            counts = (Permit.objects.count(), Event.objects.count(), Person.objects.count())
            copy_s = copy_floor(files)
            bare_s = storage_floor(files)
    finally:
        connection.close()
        for name in (DB, DB_COPY):
            admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    assert first.rejected == 0 and first.loaded == args.n == counts[0] == counts[1], counts
    assert again.loaded == 0 and again.already_stored == args.n
    assert again.unchanged == args.n, again.unchanged
    n = args.n
    rate = {"floor": n / floor_s, "import": n / import_s, "reimport": n / again_s,
            "copy_stored": n / copy_s, "stored_bare": n / bare_s}  # fmt: skip
    ratio = {"import_copy": copy_s / import_s, "reimport_speedup": import_s / again_s,
             "import_csv": floor_s / import_s, "bare_csv": floor_s / bare_s}  # fmt: skip
    print(f"legacy import, {n:,} rows ({size / 1e6:.0f} MB), batch {args.batch:,}")
    print(f"  COPY of the CSV into a plain table  {floor_s:7.2f} s  {rate['floor']:>10,.0f} rows/s")
    print(f"  import_permits                      {import_s:7.2f} s  {rate['import']:>10,.0f} rows/s")  # fmt: skip
    print(f"    of which in the database          {first.store_seconds:7.2f} s")
    print(f"  import again (all stored)           {again_s:7.2f} s  {rate['reimport']:>10,.0f} rows/s")  # fmt: skip
    print(f"    {again.unchanged:,} unchanged, {again.changed:,} changed, {again.loaded:,} new")
    print(f"  COPY of what it stored ({stored_rows:,} rows in 3 tables)")
    print(f"    into the real tables (indexes, constraints) {copy_s:7.2f} s  {rate['copy_stored']:>10,.0f} file rows/s")  # fmt: skip
    print(f"    into bare copies (no index, no check)       {bare_s:7.2f} s  {rate['stored_bare']:>10,.0f} file rows/s")  # fmt: skip
    ok = ratio["import_copy"] >= 0.5
    fast = ratio["reimport_speedup"] >= 5
    print(f"  ratio import / COPY into the real tables: {ratio['import_copy']:.3f}  "
          f"(target >= 0.5: {'PASS' if ok else 'FAIL'})")  # fmt: skip
    print(f"  re-import {ratio['reimport_speedup']:.1f}x faster than the first import  "
          f"(target >= 5: {'PASS' if fast else 'FAIL'})")  # fmt: skip
    print(f"  ratio import / COPY of the CSV into one plain table: {ratio['import_csv']:.3f}; "
          f"bare COPY of what it stores / that: {ratio['bare_csv']:.3f}")  # fmt: skip
    print(f"  stored: {counts[0]:,} permits, {counts[1]:,} events, {counts[2]:,} people")
    if args.json:
        result.update(
            seconds={"floor": floor_s, "import": import_s, "reimport": again_s,
                     "import_in_database": first.store_seconds, "copy_stored": copy_s,
                     "stored_bare": bare_s},
            rows_per_s=rate, ratio=ratio, people=counts[2], stored_rows=stored_rows,
            passed={"import_copy": ok, "reimport": fast},
        )  # fmt: skip
        print(json.dumps(result))


if __name__ == "__main__":
    main()
