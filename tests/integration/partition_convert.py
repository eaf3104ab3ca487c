"""Run by test_partitions.py in a subprocess, on a scratch PostgreSQL database (DATABASE_URL):
migrate to just before the partitions (registry 0022), fill the tables over three months,
count and digest every row, verify the chains and seals, migrate (registry 0022 converts the
tables), and count, digest and verify again. Prints one JSON line: {"before", "after"}."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, IntegrityError, connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402

from fixtures.permits import OFFICER, make_permit  # noqa: E402
from fixtures.verification import make_school  # noqa: E402
from juzhu.registry import partitions, services  # noqa: E402
from juzhu.registry.events import verify_chains  # noqa: E402
from juzhu.registry.models import AccessLog, Event  # noqa: E402
from juzhu.registry.roles import do_create_app_role  # noqa: E402
from juzhu.verification import services as verification_services  # noqa: E402
from juzhu.verification.models import Verification, VerificationSeal  # noqa: E402
from juzhu.verification.seals import do_seal, verify_seals  # noqa: E402

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONTHS = (dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1))


def at(month: dt.date, day: int = 10) -> dt.datetime:
    return dt.datetime(month.year, month.month, day, 9, 30, tzinfo=SHANGHAI)


def fill() -> None:
    key = verification_services.do_issue_api_key(make_school(), actor=OFFICER, label="c").key
    for n, month in enumerate(MONTHS):
        with time_machine.travel(at(month), tick=False):
            permit = make_permit(on=month)
        with time_machine.travel(at(month, 20), tick=False):
            # suspended: an event with a dedupe key and its notices (inbox, SMS)
            services.do_suspend_permit(
                permit, on=month.replace(day=20), actor=services.SYSTEM,
                expected_version=permit.version,
            )  # fmt: skip
            for _ in range(n + 1):
                AccessLog.objects.create(
                    city="shenzhen", person_id=permit.person_id, viewer_kind="officer",
                    viewer_id="officer:1", purpose="review", record_type="permit",
                    record_id=permit.pk,
                )  # fmt: skip
                Verification.objects.create(
                    reference=uuid.uuid4(), at=at(month, 21), city="shenzhen",
                    party_id=key.party_id, key_id=key.pk, method="consent_code",
                    purpose="school_enrollment", on_date=month, outcome="yes", permit=permit,
                    person_id=permit.person_id,
                )  # fmt: skip
    do_seal(now=at(dt.date(2026, 11, 1)))


def state(*, migrated: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"rows": {}, "digests": {}}
    with connection.cursor() as cursor:
        out["partitioned"] = [t for t in partitions.SPECS if partitions.is_partitioned(cursor, t)]
        for table in partitions.SPECS:
            cursor.execute(
                f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY id)) FROM {table} t"
            )
            out["rows"][table], out["digests"][table] = cursor.fetchone()
        cursor.execute("SELECT max(id) FROM registry_event")
        out["max_event_id"] = cursor.fetchone()[0]
        cursor.execute("SELECT DISTINCT tableoid::regclass::text FROM registry_event")
        out["event_months"] = sorted(r[0] for r in cursor.fetchall())
    checked, broken = verify_chains()
    out["chains"] = {"broken": str(broken) if broken else None, "checked": checked}
    if migrated:
        checked, problem = verify_seals()
    else:  # this code's verify_seals reads registry 0022's table: count what the seals cover
        checked = sum(VerificationSeal.objects.values_list("count", flat=True))
        problem = None
    out["seals"] = {"problem": problem, "checked": checked}
    return out


def after_checks(out: dict[str, Any]) -> None:
    first = Event.objects.filter(dedupe_key__isnull=False).first()
    assert first is not None
    try:
        with transaction.atomic():
            Event.objects.create(
                city=first.city, record_type=first.record_type, record_id=first.record_id,
                seq=99, name=first.name, on_date=first.on_date,
                occurred_at=at(dt.date(2026, 12, 1)), actor="x", dedupe_key=first.dedupe_key,
                body="{}", prev_hash="0" * 64, hash="0" * 64,
            )  # fmt: skip
        out["dedupe_refused"] = False
    except IntegrityError:
        out["dedupe_refused"] = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('registry_event_id_seq')")
        out["next_event_seq"] = cursor.fetchone()[0]
    role = f"tconv_{os.getpid()}"
    do_create_app_role(role, password=None)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {role}")
            cursor.execute(f"DELETE FROM registry_event_p{MONTHS[0]:%Y%m}")
        out["app_role_delete"] = "allowed"
    except DatabaseError as exc:
        out["app_role_delete"] = (
            "permission denied" if "permission denied" in str(exc) else str(exc)
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


def main() -> None:
    executor = MigrationExecutor(connection)
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "registry"]
    executor.migrate([*leaves, ("registry", "0021_permit_import_digest")])
    fill()
    before = state(migrated=False)
    call_command("migrate", verbosity=0)
    after = state(migrated=True)
    after_checks(after)
    print(json.dumps({"before": before, "after": after}))


if __name__ == "__main__":
    main()
