"""T13 audit tamper-evidence (security.md §6), issue 14 finding 2 and deliver items 2–3.

Proves: the history's chains are keyed (a database superuser who rewrites a row and
recomputes the plain SHA-256 links is caught at that very event); a chain with no head is
reported; every event, log and seal table refuses UPDATE/DELETE even for its owner; the
service's own role (``juzhu db roles``) gets "permission denied" on UPDATE, DELETE and
TRUNCATE of those tables and cannot lift the triggers, yet runs the service; the signed
anchor (``juzhu audit anchor`` / ``verify --anchor``) catches what a keyed chain cannot —
the last 100 rows cut off, whole records removed — and an added row, naming the first
broken index and exiting 1. Two seal runs at once keep one seal chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from typer.testing import CliRunner

from fixtures.officers import signed_in
from fixtures.permits import OFFICER, make_permit
from fixtures.tamper import triggers_disabled
from fixtures.verification import ask, code_for
from juzhu.backoffice.models import AdminChange, Denial, SignInAttempt
from juzhu.cli import app
from juzhu.registry import anchor as anchors
from juzhu.registry import audit_key, services
from juzhu.registry.append_only import AUDIT_TABLES
from juzhu.registry.events import chain_hash, verify_chains
from juzhu.registry.models import GENESIS_HASH, AccessLog, Event, Permit, Person, PolicyText
from juzhu.registry.selectors import Viewer, access_permit
from juzhu.verification import seals
from juzhu.verification.models import KeyDenial, PartyAction, Verification, VerificationSeal

pytestmark = pytest.mark.django_db
PG_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL only: SQLite has no roles or grants (set DATABASE_URL to run it)",
)
SUSPENDED_ON = dt.date(2025, 3, 2)


def plain(prev: str, body: str) -> str:
    """The unkeyed link an attacker without JUZHU_AUDIT_KEY can compute."""
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


def rechain_plainly(permit_id: Any) -> None:
    """The superuser's cover-up: every link of the chain and the record's head recomputed."""
    prev = GENESIS_HASH
    seq = 0
    for event in Event.objects.filter(record_id=permit_id).order_by("seq"):
        digest = plain(prev, event.body)
        Event.objects.filter(pk=event.pk).update(prev_hash=prev, hash=digest)
        prev, seq = digest, event.seq
    Permit.objects.filter(pk=permit_id).update(last_event_seq=seq, last_event_hash=prev)


def suspended(permit: Permit) -> Permit:
    services.do_suspend_permit(
        permit, on=SUSPENDED_ON, actor=OFFICER, expected_version=permit.version
    )
    permit.refresh_from_db()
    return permit


def verify_cli(path: Path) -> Any:
    return CliRunner().invoke(app, ["audit", "verify", "--anchor", str(path)])


def write_anchor(tmp_path: Path) -> Path:
    out = tmp_path / "anchor.json"
    result = CliRunner().invoke(app, ["audit", "anchor", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


# -- keyed chain ------------------------------------------------------------------------------


def test_a_superuser_rewrite_with_recomputed_plain_hashes_is_caught_at_that_event(
    alice_permit: Permit, tmp_path: Path
) -> None:
    """Without the key the plain SHA-256 chain would verify again after the cover-up; the
    keyed chain names the rewritten event (the first broken index), and verify exits 1."""
    suspended(alice_permit)
    path = write_anchor(tmp_path)
    victim = Event.objects.get(record_id=alice_permit.pk, seq=2)
    with triggers_disabled():
        Event.objects.filter(pk=victim.pk).update(
            body=victim.body.replace("PermitSuspended", "PermitEndorsed")
        )
        rechain_plainly(alice_permit.pk)
    _, broken = verify_chains()
    assert broken is not None
    assert broken.event_id == Event.objects.get(record_id=alice_permit.pk, seq=1).pk
    assert "altered" in broken.problem  # seq 1 first: its plain link no longer matches either
    result = verify_cli(path)
    assert result.exit_code == 1
    assert f"event {broken.event_id}" in result.output
    assert "the chain was rewritten" in result.output  # the anchored head is not there


def test_a_forged_record_with_a_plain_chain_is_caught(alice_permit: Permit) -> None:
    """An added record whose events the attacker chained with plain SHA-256."""
    forged = make_permit()
    first = Event.objects.get(record_id=forged.pk)
    with triggers_disabled():
        rechain_plainly(forged.pk)
    _, broken = verify_chains()
    assert broken is not None and broken.event_id == first.pk and "altered" in broken.problem


def test_events_of_a_record_with_no_chain_head_are_reported(alice_permit: Permit) -> None:
    """Finding 2: a chain whose record has no head (seq 0, or no record at all: deleted) was
    skipped by the verifier; now it is reported, naming its first event."""
    event = Event.objects.get(record_id=alice_permit.pk)
    with triggers_disabled():
        Permit.objects.filter(pk=alice_permit.pk).update(
            last_event_seq=0, last_event_hash=GENESIS_HASH
        )
    _, broken = verify_chains()
    assert broken is not None and broken.event_id == event.pk
    assert "the record's chain head is seq 0" in broken.problem

    Permit.objects.filter(pk=alice_permit.pk).update(
        last_event_seq=event.seq, last_event_hash=event.hash
    )
    orphan_id = uuid.uuid4()
    body = event.body.replace(str(alice_permit.pk), str(orphan_id))
    orphan = Event.objects.create(
        city="shenzhen", record_type="permit", record_id=orphan_id, seq=1, name=event.name,
        on_date=event.on_date, occurred_at=event.occurred_at, actor=event.actor, body=body,
        prev_hash=GENESIS_HASH, hash=chain_hash(GENESIS_HASH, body),
    )  # fmt: skip
    _, broken = verify_chains()
    assert broken is not None and broken.event_id == orphan.pk
    assert "no chain head" in broken.problem


# -- append-only, for everyone ----------------------------------------------------------------


def test_every_history_table_refuses_update_and_delete_even_for_its_owner(
    alice: Person, alice_permit: Permit, bob: Any, school: Any, school_key: str
) -> None:
    """The triggers: the event table had one; the access, denial and sign-in logs had none."""
    access_permit(Viewer.of_officer(bob), alice_permit.pk)
    assert ask(school_key, consent_code=code_for(alice, school, "school_enrollment")).status_code == 200  # fmt: skip
    assert seals.do_seal(now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    Denial.objects.create(
        user=bob.user, city="shenzhen", action="view", method="GET", path="/x", why="scope"
    )
    SignInAttempt.objects.create(username="bob", ok=False)
    AdminChange.objects.create(
        user=bob.user, city="shenzhen", what="office", key="k", action="update"
    )
    PolicyText.objects.create(digest="p" * 64, files={"x.yaml": "x"})
    PartyAction.objects.create(party=school, city="shenzhen", action="registered", actor="t",
                               at=dt.datetime.now(dt.UTC))  # fmt: skip
    KeyDenial.objects.create(at=dt.datetime.now(dt.UTC), problem="api-key-invalid")
    for table in AUDIT_TABLES:
        column = "created_at" if table == "registry_policytext" else "id"
        for sql in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as c,
            ):
                c.execute(sql)
    assert AccessLog.objects.count() == 2 and Denial.objects.count() == 1
    assert SignInAttempt.objects.count() == 1


# -- the service's role owns nothing ----------------------------------------------------------


@PG_ONLY
def test_the_app_role_is_denied_update_delete_truncate_on_every_history_table(
    alice_permit: Permit, as_app_role: Any
) -> None:
    as_app_role()
    for table in AUDIT_TABLES:
        for sql in (
            f"UPDATE {table} SET created_at = created_at"
            if table == "registry_policytext"
            else f"UPDATE {table} SET id = id",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            with (
                pytest.raises(DatabaseError, match="permission denied"),
                transaction.atomic(),
                connection.cursor() as c,
            ):
                c.execute(sql)


@PG_ONLY
def test_the_app_role_cannot_lift_the_triggers(alice_permit: Permit, as_app_role: Any) -> None:
    as_app_role()
    for sql, error in (
        ("ALTER TABLE registry_event DISABLE TRIGGER USER", "must be owner"),
        ("DROP TRIGGER registry_event_no_update ON registry_event", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("DELETE FROM django_migrations", "permission denied"),
        ("CREATE OR REPLACE FUNCTION juzhu_append_only() RETURNS trigger AS $$ BEGIN "
         "RETURN NEW; END; $$ LANGUAGE plpgsql", "must be owner|permission denied"),
    ):  # fmt: skip
        with (
            pytest.raises(DatabaseError, match=error),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql)


@PG_ONLY
def test_the_service_works_as_the_app_role(
    alice: Person, bob: Any, school: Any, school_key: str, as_app_role: Any
) -> None:
    """Real service calls as juzhu_app: issue and suspend (events, heads), an officer's
    logged read through the back office, a relying party's verification, a seal run."""
    as_app_role()
    permit = suspended(make_permit(alice))
    page = signed_in(bob).get(reverse("backoffice:person", args=[alice.pk]))
    assert page.status_code == 200
    assert AccessLog.objects.filter(person=alice, viewer_kind="officer").exists()
    answer = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"))
    assert answer.status_code == 200, answer.content
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert len(seals.do_seal(now=later)) == 1
    assert verify_chains()[1] is None and seals.verify_seals()[1] is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0].startswith("tapp_")
    assert permit.last_event_seq == 2


def test_db_roles_says_it_does_not_apply_on_sqlite() -> None:
    result = CliRunner().invoke(app, ["db", "roles"])
    if connection.vendor == "sqlite":
        assert result.exit_code == 0 and "PostgreSQL matter" in result.output
    else:  # the command itself, on PostgreSQL (inside the test's transaction)
        assert result.exit_code == 0, result.output
        assert "SELECT/INSERT only on the history" in result.output


def test_db_roles_refuses_a_bad_name() -> None:
    result = CliRunner().invoke(app, ["db", "roles", "--name", "x; DROP TABLE y"])
    assert result.exit_code == (2 if connection.vendor == "postgresql" else 0)


# -- the anchor outside the database ----------------------------------------------------------


def _many_events(n_permits: int) -> list[Permit]:
    return [suspended(make_permit()) for _ in range(n_permits)]


def test_truncating_the_last_100_events_is_caught_by_the_anchor_only(tmp_path: Path) -> None:
    """The superuser deletes the last 100 events and resets every head to what is left:
    each remaining chain is still intact, so only the anchored heads show the cut."""
    permits = _many_events(60)  # 120 events
    path = write_anchor(tmp_path)
    cut = list(Event.objects.order_by("-id")[:100])
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_notification")
        Event.objects.filter(pk__in=[e.pk for e in cut]).delete()
        for permit in permits:
            last = Event.objects.filter(record_id=permit.pk).order_by("-seq").first()
            Permit.objects.filter(pk=permit.pk).update(
                last_event_seq=last.seq if last else 0,
                last_event_hash=last.hash if last else GENESIS_HASH,
            )
    assert verify_chains()[1] is None  # the keyed chains alone cannot tell
    found = anchors.verify_anchor(json.loads(path.read_text()), {audit_key.public_key()})
    hit = sorted(str(p.pk) for p in permits[10:])  # the last 50 permits lost both events
    assert len(found.problems) == 50
    assert found.problems[0] == (
        f"permit {hit[0]}: anchored event seq 2 is gone; the chain now ends at seq 0: "
        "events from seq 1 were removed"
    )
    result = verify_cli(path)
    assert result.exit_code == 1 and "events from seq" in result.output


def test_truncating_the_last_100_log_rows_is_caught_with_the_first_broken_block(
    alice: Person, tmp_path: Path
) -> None:
    rows = [
        AccessLog(city="shenzhen", person=alice, viewer_kind="officer", viewer_id=str(i),
                  purpose="view")
        for i in range(1500)
    ]  # fmt: skip
    AccessLog.objects.bulk_create(rows)
    path = write_anchor(tmp_path)
    last_ids = list(AccessLog.objects.order_by("-id").values_list("id", flat=True)[:100])
    with triggers_disabled():
        AccessLog.objects.filter(id__in=last_ids).delete()
    result = verify_cli(path)
    assert result.exit_code == 1
    assert "registry.AccessLog: rows 1025..2048 in id order (block 1" in result.output
    assert "1500 rows up to id" in result.output and "1400 found (rows removed)" in result.output


def test_an_added_log_row_is_caught(alice: Person, tmp_path: Path) -> None:
    """A row slipped into the anchored range (an id no row had: here the gaps between
    ids a bulk load left) with nothing else changed."""
    AccessLog.objects.bulk_create(
        AccessLog(id=10 * (i + 1), city="shenzhen", person=alice, viewer_kind="officer",
                  viewer_id="bob", purpose="view")
        for i in range(20)
    )  # fmt: skip
    path = write_anchor(tmp_path)
    AccessLog.objects.create(
        id=55,
        city="shenzhen",
        person=alice,
        viewer_kind="officer",
        viewer_id="bob",
        purpose="view",
    )  # fmt: skip  (an INSERT: the role may add rows, so the anchor is what tells)
    result = verify_cli(path)
    assert result.exit_code == 1
    assert "registry.AccessLog: rows 1..1024 in id order (block 0, from id 10)" in result.output
    assert "21 found (rows added)" in result.output


def test_a_changed_log_row_and_a_removed_record_are_caught(
    alice_permit: Permit, bob: Any, tmp_path: Path
) -> None:
    access_permit(Viewer.of_officer(bob), alice_permit.pk)
    other = make_permit()
    path = write_anchor(tmp_path)
    with triggers_disabled(), connection.cursor() as cursor:
        AccessLog.objects.update(viewer_id="someone-else")
        cursor.execute("DELETE FROM notifications_notification")
        Event.objects.filter(record_id=other.pk).delete()
        Permit.objects.filter(pk=other.pk).delete()
    result = verify_cli(path)
    assert result.exit_code == 1
    assert "registry.AccessLog: rows 1..1024" in result.output
    assert f"permit {other.pk}: the record is gone" in result.output


def test_new_history_after_the_anchor_is_not_a_finding(
    alice_permit: Permit, bob: Any, tmp_path: Path
) -> None:
    access_permit(Viewer.of_officer(bob), alice_permit.pk)
    path = write_anchor(tmp_path)
    suspended(alice_permit)
    make_permit()
    access_permit(Viewer.of_officer(bob), alice_permit.pk)
    result = verify_cli(path)
    assert result.exit_code == 0, result.output
    assert "as it was" in result.output


def test_an_edited_anchor_or_another_key_is_refused(alice_permit: Permit, tmp_path: Path) -> None:
    path = write_anchor(tmp_path)
    data = json.loads(path.read_text())
    data["chains"][0][3] = "f" * 64  # the attacker "fixes" the anchored head
    path.write_text(json.dumps(data))
    result = verify_cli(path)
    assert result.exit_code == 1 and "do not hash to its Merkle root" in result.output
    result = CliRunner().invoke(
        app,
        ["audit", "verify", "--anchor", str(write_anchor(tmp_path)),
         "--public-key", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
    )  # fmt: skip
    assert result.exit_code == 1 and "not a trusted audit key" in result.output


# -- the verification log's seals -------------------------------------------------------------


def test_a_resealed_verification_row_is_caught_without_the_key(
    alice: Person, permit: Permit, school: Any, school_key: str
) -> None:
    answer = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"))
    assert answer.status_code == 200
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    (seal,) = seals.do_seal(now=later)
    with triggers_disabled():
        Verification.objects.update(outcome="no")
        digest, _ = seals.rows_digest(seals._rows(seal.first_id, seal.last_id))
        VerificationSeal.objects.filter(pk=seal.pk).update(hash=plain(GENESIS_HASH, digest))
    _, problem = seals.verify_seals()
    assert problem is not None and "no longer match" in problem


@PG_ONLY
@pytest.mark.django_db(transaction=True)
def test_two_seal_runs_at_once_keep_one_seal_chain(
    _flushable: None,
    alice: Person,
    permit: Permit,
    school: Any,
    school_key: str,
    monkeypatch: Any,
) -> None:
    """Without the seal lock both runs read the same head and chain a block onto it: a
    fork that verify_seals reports for ever. With it the second waits and carries on."""
    for _ in range(6):
        assert ask(school_key, consent_code=code_for(alice, school, "school_enrollment")).status_code == 200  # fmt: skip
    slow_digest = seals.rows_digest

    def slowly(rows: Any) -> Any:
        time.sleep(0.5)  # both runs are inside do_seal at once
        return slow_digest(rows)

    monkeypatch.setattr(seals, "rows_digest", slowly)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    errors: list[BaseException] = []

    def run(batch: int) -> None:
        try:
            seals.do_seal(now=later, batch=batch)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(b,)) for b in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    monkeypatch.setattr(seals, "rows_digest", slow_digest)
    assert seals.verify_seals() == (6, None)
    firsts = list(VerificationSeal.objects.order_by("last_id").values_list("first_id", "last_id"))
    assert firsts[0][0] == 1 and all(
        a[1] + 1 == b[0] for a, b in zip(firsts, firsts[1:], strict=False)
    )


def test_the_anchor_is_checked_with_the_published_public_key_alone(
    alice_permit: Permit, tmp_path: Path
) -> None:
    """Where the anchor is checked the private key need not be: --public-key is enough."""
    path = write_anchor(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    result = CliRunner().invoke(
        app, ["audit", "verify", "--anchor", str(path), "--public-key", audit_key.public_key()]
    )
    assert result.exit_code == 0, result.output


def test_a_removed_admin_change_or_refused_query_is_caught(
    alice: Person, tmp_path: Path, django_user_model: Any
) -> None:
    """Fails when the anchor leaves out the admins' edits of shared reference data or the
    verify queries refused before any party was known (``anchor.LOGS``)."""
    admin = django_user_model.objects.create_user("anchor-admin", password="x" * 12)
    AdminChange.objects.create(user=admin, city="shenzhen", what="working_day",
                               key="2026-12-31", action="create", after={"working": False})  # fmt: skip
    KeyDenial.objects.create(at=dt.datetime(2026, 12, 2, 2, tzinfo=dt.UTC), problem="no-key")
    path = write_anchor(tmp_path)
    with triggers_disabled():
        AdminChange.objects.all().delete()
        KeyDenial.objects.all().delete()
    result = verify_cli(path)
    assert result.exit_code == 1
    assert "backoffice.AdminChange" in result.output
    assert "verification.KeyDenial" in result.output
