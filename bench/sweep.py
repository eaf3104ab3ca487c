"""The nightly sweep over 1,000,000 permits in PostgreSQL, 10% due, against its floor.

The registry is Shenzhen's (reminders 60/30/7/1 days ahead, 2 years' grace). Every permit
already has its ``PermitIssued`` event (a real hash chain, so the event table and its
unique indexes hold 1,000,000 rows); persons are shared, four permits each, 80% with a
phone. Of the due 10%: 40% are active past their anniversary (suspend), 30% suspended past
the grace (cancel), 30% due for an endorsement reminder at one of the offsets.

* sweep: ``juzhu.registry.sweep.sweep(on)``, exactly what ``juzhu sweep`` runs: per rule a
  count for the progress bar, then chunks of 10,000 rows, each one transaction and one
  statement (pick with ``FOR UPDATE SKIP LOCKED`` and the dedupe check, state change with
  version check and chain head, event with its hash, outbox rows: inbox + SMS).
* floor: ONE statement doing the same state changes and event inserts (same bodies, hash
  included, same dedupe keys) for the same rows: no chunks, no locks, no dedupe check, no
  outbox.

Each contender runs on a fresh copy of the loaded database (``CREATE DATABASE ... TEMPLATE``),
after a CHECKPOINT; setup (migrate, COPY load, VACUUM ANALYZE) is outside the timings. Rates
are events written per second; both must write the same number (asserted).

What separates the two is the outbox: 1.8 notice rows per event, each with 7 index entries
and 2 foreign-key checks that lock the referenced person and event rows. At 1,000,000
permits the sweep writes about 1.5 GB of WAL against the floor's 0.6 GB; with the default
``max_wal_size`` (1 GB) that forces checkpoints mid-run, and every page touched again after
one is logged whole again. The ratio is therefore sensitive to the server's WAL settings
and to whatever else the machine is doing.

Run: ``.venv/bin/python bench/sweep.py [--n 1000000] [--json] [--verify]``.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

DB, RUN_DB = "bench_sweep", "bench_sweep_run"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
for _key, _fill in (("SECRET", b"s"), ("DATA", b"d"), ("INDEX", b"i")):
    os.environ.setdefault(f"JUZHU_{_key}_KEY", base64.b64encode(_fill * 32).decode())
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

ON = dt.date(2026, 3, 10)
CITY = "shenzhen"
OFFSETS = (60, 30, 7, 1)
GENESIS = "0" * 64
BLOCK = 100_000


# -- data ----------------------------------------------------------------------------------------


def _permit_plan(rng: random.Random, due_share: float) -> tuple[str, dt.date]:
    """(status, next_due_on) of one permit: due for one rule, or for none."""
    r = rng.random()
    if r < due_share * 0.4:  # active, anniversary missed within the last 300 days
        return "active", ON - dt.timedelta(days=rng.randint(1, 300))
    if r < due_share * 0.7:  # suspended, anniversary 2 years + a month to 4 years ago
        return "suspended", ON - dt.timedelta(days=rng.randint(762, 1460))
    if r < due_share:
        return "active", ON + dt.timedelta(days=rng.choice(OFFSETS))
    if r < due_share + (1 - due_share) * 0.1:  # suspended, still within the grace
        return "suspended", ON - dt.timedelta(days=rng.randint(1, 600))
    days = rng.randint(2, 365)
    while days in OFFSETS:
        days = rng.randint(2, 365)
    return "active", ON + dt.timedelta(days=days)


def _rows(n: int, due_share: float) -> Iterator[tuple[str, str, str]]:
    """Lines for COPY (text format): person (every 4th permit), permit, its issue event."""
    rng = random.Random(20260310)
    person = ""
    for i in range(n):
        if i % 4 == 0:
            person = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            phone = f"{rng.getrandbits(256):064x}" if rng.random() < 0.8 else ""
            yield (
                "person",
                f"{person}\t{CITY}\tmainland\t\\\\x00\tbench{i:09d}\t4403**********0000\t测试"
                f"\t{phone}\t{'138****0000' if phone else ''}\t\tzh\t2020-01-01 00:00:00+00\n",
                "",
            )
        status, due = _permit_plan(rng, due_share)
        pid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        issued = due - dt.timedelta(days=365)
        body = json.dumps(
            {"record_type": "permit", "record_id": pid, "seq": 1, "name": "PermitIssued",
             "on": issued.isoformat(), "actor": "officer:bench", "city": CITY},
            separators=(",", ":"),
        )  # fmt: skip
        digest = hashlib.sha256(f"{GENESIS}\n{body}".encode()).hexdigest()
        suspended = (due + dt.timedelta(days=1)).isoformat() if status == "suspended" else "\\N"
        yield (
            "permit",
            f"{pid}\t{CITY}\tfutian\tsz-futian-1\t1\t1\t{digest}\tSZB{i:09d}\t{person}\t{status}"
            f"\t{issued}\t{due}\t{suspended}\t\tresidence\trented\tf\t0\tf\tf\t\tf"
            f"\t2020-01-01 00:00:00+00\n",
            f"{CITY}\tpermit\t{pid}\t1\tPermitIssued\t{issued}\t2020-01-01 00:00:00+00"
            f"\tofficer:bench\t{body}\t{GENESIS}\t{digest}\n",
        )


COPY = {
    "person": "COPY registry_person (id, city, id_kind, id_number_enc, id_number_index, "
    "id_number_masked, name, phone_index, phone_masked, email, lang, created_at) FROM STDIN",
    "permit": "COPY registry_permit (id, city, district, station, version, last_event_seq, "
    "last_event_hash, number, person_id, status, issued_on, next_due_on, suspended_on, "
    "cancellation_reason, basis, housing, employed, social_insurance_months, "
    "social_insurance_continuous, enrolled, policy_version, verification_locked, updated_at) "
    "FROM STDIN",
    "event": "COPY registry_event (city, record_type, record_id, seq, name, on_date, "
    "occurred_at, actor, body, prev_hash, hash) FROM STDIN",
}


def build_template(n: int, due_share: float) -> None:
    from django.core.management import call_command
    from django.db import connection

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        for name in (RUN_DB, DB):
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB}")
    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    raw: Any = connection.connection
    buffers: dict[str, list[str]] = {"person": [], "permit": [], "event": []}

    def flush() -> None:
        with raw.cursor() as cur:
            for table, lines in buffers.items():
                if lines:
                    with cur.copy(COPY[table]) as copy:
                        copy.write("".join(lines))
                    lines.clear()
        raw.commit()

    for kind, line, event in _rows(n, due_share):
        buffers[kind].append(line)
        if event:
            buffers["event"].append(event)
            if len(buffers["event"]) >= BLOCK:
                flush()
    flush()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


# -- the floor -----------------------------------------------------------------------------------

FLOOR_SQL = """
WITH due AS (
    SELECT p.id, p.city, p.last_event_seq + 1 AS seq, p.last_event_hash AS prev_hash,
           p.next_due_on AS due,
           CASE WHEN p.status = 'suspended' THEN 'cancel'
                WHEN p.next_due_on < %(on)s THEN 'suspend' ELSE 'remind' END AS kind
    FROM registry_permit p
    WHERE p.city = %(city)s AND (
          (p.status = 'active' AND (p.next_due_on < %(on)s OR p.next_due_on = ANY(%(days)s)))
       OR (p.status = 'suspended' AND p.next_due_on <= %(cutoff)s))
), dated AS (
    SELECT d.*,
           CASE d.kind WHEN 'suspend' THEN d.due + 1 ELSE %(on)s::date END AS on_date,
           CASE d.kind WHEN 'suspend' THEN 'PermitSuspended' WHEN 'cancel' THEN 'PermitCancelled'
                ELSE 'PermitEndorsementReminded' END AS name,
           CASE d.kind WHEN 'suspend' THEN 'suspend:' || to_char(d.due, 'YYYY-MM-DD')
                WHEN 'cancel' THEN %(cancel_key)s::text
                ELSE 'remind:' || to_char(d.due, 'YYYY-MM-DD') || ':' || (d.due - %(on)s::date)
           END AS dedupe_key
    FROM due d
), bodied AS (
    SELECT d.*, json_build_object(
        'record_type', 'permit', 'record_id', d.id, 'seq', d.seq, 'name', d.name,
        'on', d.on_date, 'at', %(at)s, 'actor', 'system:sweep',
        'reason', CASE d.kind WHEN 'cancel' THEN 'expired_not_renewed' ELSE '' END,
        'city', d.city, 'policy', %(policy)s::json,
        'inputs', CASE d.kind WHEN 'cancel' THEN %(cancel_inputs)s::json ELSE '{}'::json END,
        'trace', CASE d.kind WHEN 'cancel' THEN %(trace)s::json ELSE '[]'::json END,
        'data', CASE d.kind WHEN 'cancel' THEN json_build_object('reason', 'expired_not_renewed')
                WHEN 'remind' THEN json_build_object('due', d.due, 'days_before', d.due - d.on_date)
                ELSE '{}'::json END,
        'dedupe_key', d.dedupe_key)::text AS body
    FROM dated d
), chained AS (
    SELECT b.*, encode(sha256(%(hmac_outer)s::bytea || sha256(%(hmac_inner)s::bytea
           || convert_to(b.prev_hash || E'\\n' || b.body, 'UTF8'))), 'hex') AS hash
    FROM bodied b
), moved AS (
    UPDATE registry_permit p SET
        status = CASE c.kind WHEN 'suspend' THEN 'suspended' WHEN 'cancel' THEN 'cancelled'
                 ELSE p.status END,
        suspended_on = CASE c.kind WHEN 'suspend' THEN c.on_date ELSE p.suspended_on END,
        cancelled_on = CASE c.kind WHEN 'cancel' THEN c.on_date ELSE p.cancelled_on END,
        cancellation_reason = CASE c.kind WHEN 'cancel' THEN 'expired_not_renewed'
                              ELSE p.cancellation_reason END,
        version = p.version + 1, last_event_seq = c.seq, last_event_hash = c.hash
    FROM chained c WHERE p.id = c.id
    RETURNING p.id
)
INSERT INTO registry_event (city, record_type, record_id, seq, name, on_date, occurred_at,
                            actor, dedupe_key, body, prev_hash, hash)
SELECT c.city, 'permit', c.id, c.seq, c.name, c.on_date, %(now)s, 'system:sweep',
       c.dedupe_key, c.body, c.prev_hash, c.hash
FROM chained c JOIN moved m ON m.id = c.id
"""


def floor() -> int:
    from django.db import connection, transaction
    from django.utils import timezone

    from juzhu.registry import sweep
    from juzhu.registry.audit_key import hmac_pads

    plan = sweep.plan_city(CITY, ON)
    now = timezone.now()
    inner, outer = hmac_pads()  # the keyed link, as sweep_sql computes it
    params = {
        "hmac_inner": inner,
        "hmac_outer": outer,
        "on": ON,
        "city": CITY,
        "days": [ON + dt.timedelta(days=d) for d in plan.offsets],
        "cutoff": plan.cutoff,
        "cancel_key": f"cancel:{ON}",
        "at": now.isoformat(),
        "now": now,
        "policy": json.dumps({"id": plan.policy.id, "version": plan.policy.version}),
        "cancel_inputs": json.dumps({"evidence": ""}),
        "trace": json.dumps(
            [plan.policy.step("cancellation.grounds", {"reason": sweep.REASON}).as_dict()]
            + plan.cancel_trace(),
            ensure_ascii=False,
        ),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, params)
        return int(cursor.rowcount)


def run_sweep() -> int:
    from juzhu.registry import sweep

    report = sweep.sweep(ON, CITY, progress=lambda task, done, total: None)
    return report.total()


# -- timing --------------------------------------------------------------------------------------


LETTERS: dict[str, float] = {}


def issue_letters() -> None:
    """The decision letters ``juzhu sweep`` issues after the sweep's transactions (timed
    apart: they are not in the sweep's transactions, and the floor writes none)."""
    from juzhu.registry.letters_sweep import issue_missing

    started = time.perf_counter()
    LETTERS["letters"] = issue_missing(batch=1000)
    LETTERS["seconds"] = time.perf_counter() - started


def timed(name: str, contender: Any, verify: bool, after: Any = None) -> tuple[int, float]:
    from django.db import connection

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {RUN_DB} TEMPLATE {DB}")
        admin.execute("CHECKPOINT")
    connection.settings_dict["NAME"] = RUN_DB
    try:
        started = time.perf_counter()
        rows = contender()
        seconds = time.perf_counter() - started
        if verify:
            from juzhu.registry.events import verify_chains

            checked, broken = verify_chains()
            assert broken is None, f"{name}: {broken}"
            print(f"  {name}: {checked:,} events verified", file=sys.stderr)
        if after is not None:
            after()
    finally:
        connection.close()
        connection.settings_dict["NAME"] = DB
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {RUN_DB} WITH (FORCE)")
    return rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="permits (default 1,000,000)")
    parser.add_argument("--due", type=float, default=0.10, help="share due tonight (0.10)")
    parser.add_argument("--verify", action="store_true", help="walk every chain after each run")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DB} database")
    parser.add_argument("--json", action="store_true", help="summary as JSON on the last line")
    args = parser.parse_args()
    if args.n < 4 or not 0 < args.due <= 1:
        parser.error("--n must be >= 4 and --due in (0, 1]")

    import django

    from juzhu.cli.django_setup import batch_budgets

    batch_budgets()  # loading a million rows takes a batch command's database budgets
    django.setup()
    from juzhu.rules.loader import load_policies

    load_policies()  # both contenders read the same cached policy set
    started = time.perf_counter()
    build_template(args.n, args.due)
    print(f"loaded {args.n:,} permits in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    try:
        sweep_rows, sweep_s = timed("sweep", run_sweep, args.verify, after=issue_letters)
        floor_rows, floor_s = timed("floor", floor, args.verify)
    finally:
        if not args.keep:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    assert sweep_rows == floor_rows, f"sweep wrote {sweep_rows} events, floor {floor_rows}"
    sweep_rate, floor_rate = sweep_rows / sweep_s, floor_rows / floor_s
    print(f"permits {args.n:,}, due {sweep_rows:,} ({sweep_rows / args.n:.1%})")
    print(f"sweep  {sweep_s:8.2f}s  {sweep_rate:12,.0f} rows/s")
    print(f"floor  {floor_s:8.2f}s  {floor_rate:12,.0f} rows/s")
    print(f"ratio  {sweep_rate / floor_rate:.2f}x of the floor")
    letters, letter_s = int(LETTERS["letters"]), LETTERS["seconds"]
    print(f"letters {letters:,} issued after the sweep in {letter_s:.2f}s "
          f"({letters / letter_s:,.0f}/s; not in the sweep's transactions)")  # fmt: skip
    if args.json:
        summary = {
            "benchmark": "sweep",
            "n": args.n,
            "due": sweep_rows,
            "sweep_seconds": round(sweep_s, 3),
            "floor_seconds": round(floor_s, 3),
            "sweep_rows_per_s": round(sweep_rate),
            "floor_rows_per_s": round(floor_rate),
            "ratio": round(sweep_rate / floor_rate, 3),
            "letters": letters,
            "letter_seconds": round(letter_s, 3),
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
