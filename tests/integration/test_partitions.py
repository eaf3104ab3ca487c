"""Monthly partitions of the tables that grow for ever (issue 15 item 3, ADR 11).

Proves, on PostgreSQL (SQLite has no partitions: skipped there; make test runs this file in
its PostgreSQL pass): the months are created ahead and a default partition catches rows
out of range; rows land in their month; the append-only guard holds on each partition for
the owner (triggers) and the service's role (grants), new partitions included; an event's
dedupe key stays unique across months; chains verify across months; an old month of a log
is archived and dropped as a whole beyond retention, refused within it, refused for the
events and refused to the service's role; the verification log's seals still verify after;
and a populated database made before partitioning is converted with every row and chain
kept (``partition_convert.py``, run on a scratch database).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import DatabaseError, IntegrityError, connection, transaction
from typer.testing import CliRunner

from fixtures.clock import SHANGHAI, TODAY, frozen
from fixtures.permits import OFFICER, make_permit
from fixtures.verification import make_school
from juzhu.cli import app
from juzhu.registry import audit_key, partitions, partitions_retire, services
from juzhu.registry.anchor import make_anchor, verify_anchor
from juzhu.registry.events import verify_chains
from juzhu.registry.models import AccessLog, Event, Permit, RetiredPartition
from juzhu.registry.roles import do_create_app_role
from juzhu.verification import services as verification_services
from juzhu.verification.models import ApiKey, Verification
from juzhu.verification.seals import do_seal, verify_seals

POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
pytestmark = [
    pytest.mark.skipif(not POSTGRES, reason="partitions are PostgreSQL's (set DATABASE_URL)"),
    pytest.mark.django_db,
    frozen,
]
JAN, JUN, JUL = dt.date(2026, 1, 1), dt.date(2026, 6, 1), dt.date(2026, 7, 1)
ROOT = Path(__file__).resolve().parents[2]


def at(month: dt.date, day: int = 15) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, 10, 0, tzinfo=SHANGHAI)


def where(table: str, row_id: int) -> str:
    """The partition holding ``table``'s row ``row_id``."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [row_id])
        return str(cursor.fetchone()[0])


def read_at(month: dt.date, permit: Permit) -> AccessLog:
    with time_machine.travel(at(month), tick=False):
        return AccessLog.objects.create(
            city="shenzhen", person_id=permit.person_id, viewer_kind="officer",
            viewer_id="officer:1", purpose="review", record_type="permit", record_id=permit.pk,
        )  # fmt: skip


def verification_at(month: dt.date, permit: Permit, key: ApiKey) -> Verification:
    return Verification.objects.create(
        reference=uuid.uuid4(), at=at(month), city="shenzhen", party_id=key.party_id,
        key_id=key.pk, method="consent_code", purpose="school_enrollment", on_date=month,
        outcome="yes", permit=permit, person_id=permit.person_id,
    )  # fmt: skip


def issue_key() -> ApiKey:
    return verification_services.do_issue_api_key(make_school(), actor=OFFICER, label="t").key


@pytest.fixture()
def app_role() -> str:
    role = f"tpart_{connection.settings_dict['NAME'][-20:]}".lower().replace("-", "_")
    do_create_app_role(role, password=None)
    return role


def as_role(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")


def refused(sql: str, match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_tables_are_partitioned_with_months_ahead_and_a_default() -> None:
    created = partitions.ensure(ahead=5, today=TODAY)
    with connection.cursor() as cursor:
        for table in partitions.SPECS:
            assert partitions.is_partitioned(cursor, table)
            names = partitions.partitions(cursor, table)
            assert names[-1] == f"{table}_default"
            for k in range(6):
                month = dt.date(2026, 12, 1) if k == 0 else dt.date(2027, k, 1)
                assert partitions.name(table, month) in names
    assert "registry_event_p202705" in created
    assert partitions.ensure(ahead=5, today=TODAY) == []  # idempotent


def test_the_command_creates_months_and_asks_where_dropped_months_go() -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["db", "partitions", "--ahead", "4"])
    assert made.exit_code == 0, made.output
    assert "registry_event_p202704" in made.output
    assert "created 0 partitions" in runner.invoke(app, ["db", "partitions", "--ahead", "4"]).output
    unsaid = runner.invoke(app, ["db", "partitions", "--detach-before", "2026-06"])
    assert unsaid.exit_code == 2 and "--archive DIR" in unsaid.output
    bad = runner.invoke(app, ["db", "partitions", "--detach-before", "June", "--discard"])
    assert bad.exit_code == 2 and "write it YYYY-MM" in bad.output
    kept = runner.invoke(app, ["db", "partitions", "--detach-before", "2027-01", "--discard"])
    assert kept.exit_code == 0
    assert "kept registry_event 2026-12: events are never dropped" in kept.output
    assert "kept registry_accesslog 2026-12: within retention" in kept.output


def test_rows_land_in_their_month_and_out_of_range_rows_in_the_default() -> None:
    partitions.ensure(ahead=1, today=TODAY, since=JAN)
    permit = make_permit()  # issued now (2 December 2026)
    event = Event.objects.get(record_id=permit.pk, seq=1)
    assert where("registry_event", event.pk) == "registry_event_p202612"
    assert where("registry_accesslog", read_at(JAN, permit).pk) == "registry_accesslog_p202601"
    far = read_at(dt.date(2031, 3, 1), permit)
    assert where("registry_accesslog", far.pk) == "registry_accesslog_default"
    # the default now holds March 2031: that month cannot be created over it, and says why
    with pytest.raises(
        partitions.PartitionError, match="default partition holds 1 rows of 2031-03"
    ):
        partitions.ensure(ahead=0, today=dt.date(2031, 3, 1))
    assert AccessLog.objects.filter(pk=far.pk).exists()


def test_chains_verify_across_months_and_dedupe_keys_stay_unique_across_them() -> None:
    partitions.ensure(ahead=1, today=TODAY, since=dt.date(2025, 1, 1))
    with time_machine.travel(at(dt.date(2025, 1, 1)), tick=False):
        permit = make_permit(on=dt.date(2025, 1, 15))
    with time_machine.travel(at(dt.date(2025, 3, 1), 2), tick=False):
        services.do_suspend_permit(
            permit, on=dt.date(2025, 3, 2), actor=services.SYSTEM, expected_version=permit.version
        )
    months = {where("registry_event", e.pk) for e in Event.objects.filter(record_id=permit.pk)}
    assert months == {"registry_event_p202501", "registry_event_p202503"}
    checked, broken = verify_chains()
    assert broken is None and checked >= 2
    # the suspension's dedupe key, again in another month: refused as on one plain table
    first = Event.objects.get(record_id=permit.pk, dedupe_key__isnull=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            city=first.city, record_type="permit", record_id=permit.pk, seq=99, name=first.name,
            on_date=first.on_date, occurred_at=at(dt.date(2026, 12, 1)), actor="x",
            dedupe_key=first.dedupe_key, body="{}", prev_hash="0" * 64, hash="0" * 64,
        )  # fmt: skip


def test_append_only_holds_on_every_partition_new_ones_included(app_role: str) -> None:
    permit = make_permit()
    read_at(TODAY.replace(day=1), permit)
    partitions.ensure(ahead=8, today=TODAY)  # made after the role: grants copied from the parent
    for table in ("registry_event", "registry_accesslog", "verification_verification"):
        for part in (f"{table}_p202612", f"{table}_p202708", f"{table}_default"):
            # the owner: the triggers (UPDATE/DELETE per row cloned, TRUNCATE per partition)
            refused(f"TRUNCATE {part}", "append-only")
            if table != "verification_verification" and part.endswith("202612"):
                refused(f"UPDATE {part} SET id = id", "append-only")
                refused(f"DELETE FROM {part}", "append-only")
    as_role(app_role)
    for table in ("registry_event", "registry_accesslog", "verification_verification"):
        for part in (f"{table}_p202612", f"{table}_p202708", f"{table}_default"):
            for sql in (f"UPDATE {part} SET id = id", f"DELETE FROM {part}", f"TRUNCATE {part}"):
                refused(sql, "permission denied")
    refused("DELETE FROM registry_eventkey", "permission denied")
    # the outbox is not history: the service updates its rows, in every month
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(current_user, 'notifications_notification_p202708', "
            "'UPDATE')"
        )
        assert cursor.fetchone()[0] is True
    # and it may not drop or detach a month
    refused(
        "ALTER TABLE registry_accesslog DETACH PARTITION registry_accesslog_p202612",
        "must be owner",
    )
    refused("DROP TABLE registry_accesslog_p202612", "must be owner")


def test_an_old_month_is_archived_and_dropped_as_a_whole_beyond_retention(
    tmp_path: Path, frozen_clock: Any
) -> None:
    partitions.ensure(ahead=1, today=TODAY, since=JAN)
    permit = make_permit()
    key = issue_key()
    old_reads = [read_at(JAN, permit).pk for _ in range(3)]
    kept_read = read_at(JUN, permit).pk
    old_checks = [verification_at(JAN, permit, key).pk for _ in range(4)]
    do_seal(now=at(dt.date(2026, 2, 1)))  # January's rows in blocks of their own
    kept_checks = [verification_at(JUL, permit, key).pk for _ in range(2)]
    do_seal(now=at(dt.date(2026, 8, 1)))
    old_anchor = make_anchor()
    frozen_clock.shift(dt.timedelta(minutes=1))

    done, refusals = partitions_retire.detach_before(
        dt.date(2026, 8, 1), archive=tmp_path, today=TODAY
    )
    dropped = {(r.table, r.month) for r in done}
    assert ("registry_accesslog", JAN) in dropped
    assert ("verification_verification", JAN) in dropped
    assert not any(table == "registry_event" for table, _ in dropped)
    # within retention (网络安全法 Art. 21: 6 months; 2 December 2026 keeps June on)
    assert ("registry_accesslog", JUN) not in dropped
    assert any("registry_accesslog 2026-06: within retention" in r for r in refusals)
    assert any("registry_event 2026-01: events are never dropped" in r for r in refusals)
    assert not AccessLog.objects.filter(pk__in=old_reads).exists()
    assert AccessLog.objects.filter(pk=kept_read).exists()
    assert Verification.objects.filter(pk__in=kept_checks).count() == 2
    with connection.cursor() as cursor:
        assert "registry_accesslog_p202601" not in partitions.partitions(
            cursor, "registry_accesslog"
        )

    # the archive: every row, its digest recorded in the database and the manifest
    archived = tmp_path / "registry_accesslog_p202601.csv.gz"
    data = gzip.decompress(archived.read_bytes())
    rows = list(csv.DictReader(data.decode().splitlines()))
    assert sorted(int(r["id"]) for r in rows) == sorted(old_reads)
    retired = RetiredPartition.objects.get(table="registry_accesslog", month=JAN)
    assert retired.rows == 3 and retired.sha256 == hashlib.sha256(data).hexdigest()
    manifest = json.loads((tmp_path / "verification_verification_p202601.json").read_text())
    assert manifest["rows"] == 4 and manifest["last_id"] == max(old_checks)
    assert manifest["seals"] and manifest["seals"][-1]["last_id"] == max(old_checks)

    # the seal chain resumes after the dropped month: the kept rows still checked
    checked, problem = verify_seals()
    assert problem is None and checked == 2
    # an anchor made before says the months went, and why; a new one verifies clean
    trusted = {audit_key.public_key()}
    found = verify_anchor(old_anchor, trusted).problems
    assert any(
        p.startswith("registry.AccessLog: registry_accesslog 2026-01, ")
        and "dropped beyond retention after this anchor" in p
        for p in found
    ), found
    assert verify_anchor(make_anchor(), trusted).problems == []
    # dropping again is a no-op: nothing left before August but what must stay
    assert (
        partitions_retire.detach_before(dt.date(2026, 8, 1), archive=tmp_path, today=TODAY)[0] == []
    )


def test_a_month_with_unsealed_verifications_or_undelivered_notices_is_kept() -> None:
    partitions.ensure(ahead=1, today=TODAY, since=JAN)
    with time_machine.travel(at(JAN), tick=False):
        permit = make_permit(on=dt.date(2026, 1, 15))
    key = issue_key()
    verification_at(JAN, permit, key)  # never sealed
    with time_machine.travel(at(JAN), tick=False):
        services.do_suspend_permit(
            permit, on=dt.date(2026, 1, 20), actor=services.SYSTEM, expected_version=permit.version
        )  # a notice, pending
    _, refusals = partitions_retire.detach_before(
        dt.date(2026, 2, 1), archive=None, today=dt.date(2031, 12, 1)
    )
    assert any("verification_verification 2026-01: rows up to id" in r for r in refusals)
    assert any("notices still to be delivered" in r for r in refusals)


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_made_before_partitions_is_converted_rows_and_chains_kept(
    _flushable: None,
) -> None:
    """A scratch database migrated to just before registry 0022, filled with permits,
    events, reads, verifications and notices over three months, then migrated: the script
    (``partition_convert.py``) reports what it counted before and after."""
    base = connection.settings_dict
    name = f"{base['NAME']}_convert"[:63]
    login = base["USER"] + (f":{base['PASSWORD']}" if base.get("PASSWORD") else "")
    url = f"postgres://{login}@{base['HOST']}:{base['PORT'] or 5432}/{name}"
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # a database is made and dropped: seconds
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": url, "JUZHU_ENV": "development"}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")])
        run = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("partition_convert.py"))],
            env=env, capture_output=True, text=True, timeout=240, cwd=ROOT,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr[-3000:]
        report = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute("RESET statement_timeout")
    before, after = report["before"], report["after"]
    assert before["partitioned"] == [] and len(after["partitioned"]) == 4
    assert after["rows"] == before["rows"] and before["rows"]["registry_event"] >= 6
    assert after["digests"] == before["digests"]  # every row, column for column
    assert len(after["event_months"]) >= 3  # the rows are in their months
    assert after["chains"] == {"broken": None, "checked": before["chains"]["checked"]}
    assert after["seals"] == {"problem": None, "checked": before["seals"]["checked"]}
    assert after["next_event_seq"] > before["max_event_id"]  # ids carry on
    assert after["dedupe_refused"] is True and after["app_role_delete"] == "permission denied"
