"""T25 retention purge (security.md §6) and the crypto-shredding of event details (issue 14,
deliver 8).

Proves: personal details written into the append-only events are sealed with a per-person
key, never in clear; ``juzhu purge`` erases the details and scans of people whose records
ended beyond the policy's retention period (files removed), destroys their event key so the
sealed details cannot be read — while every chain still verifies — and leaves people still
in retention, and every audit row (young or old), untouched.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import time_machine
from typer.testing import CliRunner

from fixtures.clock import FROZEN_AT, TODAY, frozen
from fixtures.people import make_person
from fixtures.permits import OFFICER, cancel, make_permit
from juzhu.cli import app
from juzhu.registry import personal, retention, services
from juzhu.registry.events import verify_chains
from juzhu.registry.models import (
    AccessLog,
    Draft,
    Event,
    Person,
    PersonKey,
    ResidenceRegistration,
    Upload,
)
from juzhu.registry.services.registration import do_change_address

pytestmark = [pytest.mark.django_db, frozen]

OLD_ADDRESS = "深圳市福田区莲花街道彩田路88号3栋1201"
NEW_ADDRESS = "深圳市福田区华富街道新洲路9号2栋701"


def _ended_long_ago(uploads: Path) -> Person:
    """dave: registered, moved and left in 2018-2019, permit cancelled in 2019, a scan."""
    dave = make_person(name="戴夫")
    reg = services.do_register_residence(
        dave, city="shenzhen", district="futian", station="sz-futian-1",
        address=OLD_ADDRESS, housing="rented", on=dt.date(2018, 3, 1), actor=OFFICER,
    )  # fmt: skip
    reg = do_change_address(
        reg, address=NEW_ADDRESS, housing="rented", on=dt.date(2018, 9, 1), actor=OFFICER,
        evidence=["lease_contract", "lease_filing_certificate"],
        expected_version=reg.version,
    )  # fmt: skip
    reg.refresh_from_db()
    services.do_deregister_residence(
        reg, by="self", on=dt.date(2019, 6, 1), actor=OFFICER, expected_version=reg.version
    )
    cancel(make_permit(dave, on=dt.date(2018, 4, 1)), on=dt.date(2019, 6, 1))
    draft = Draft.objects.create(person=dave, kind="first_issue", data={"address": OLD_ADDRESS})
    upload = Upload.objects.create(
        draft=draft, material="id_card", name="身份证.jpg", content_type="image/jpeg",
        size=3, sha256="0" * 64,
    )  # fmt: skip
    (uploads / str(draft.pk)).mkdir(parents=True)
    (uploads / str(draft.pk) / str(upload.pk)).write_bytes(b"jpg")
    return dave


def _log(person: Person, days_ago: int) -> None:
    """An access row written ``days_ago`` (the log is append-only: written then, not edited)."""
    with time_machine.travel(FROZEN_AT - dt.timedelta(days=days_ago), tick=False):
        AccessLog.objects.create(
            city="shenzhen", person=person, viewer_kind="officer", viewer_id="7",
            purpose="office_person", fields="name",
        )  # fmt: skip


def test_event_details_are_sealed_with_the_persons_key(uploads: Path) -> None:
    dave = _ended_long_ago(uploads)
    moved = Event.objects.filter(body__contains='"from"').get()  # the move
    assert OLD_ADDRESS not in moved.body  # never in clear in the append-only log
    opened = personal.reveal(dave.pk, json.loads(moved.body)["inputs"])
    assert opened["from"] == OLD_ADDRESS
    assert PersonKey.objects.filter(person=dave, shredded_at__isnull=True).exists()


def test_purge_erases_people_out_of_retention_and_keeps_every_audit_row(
    uploads: Path, alice: Person
) -> None:
    dave = _ended_long_ago(uploads)
    make_permit(alice, on=TODAY - dt.timedelta(days=60))  # alice: in use, kept
    services.do_register_residence(
        alice, city="shenzhen", district="futian", station="sz-futian-1",
        address=NEW_ADDRESS, housing="rented", on=TODAY - dt.timedelta(days=90), actor=OFFICER,
    )  # fmt: skip
    for who in (dave, alice):
        for days in (10, 179, 400, 3000):
            _log(who, days)
    logs_before = AccessLog.objects.count()
    bodies_before = dict(Event.objects.values_list("id", "hash"))

    report = retention.purge(TODAY)

    assert report.purged == [dave.pk] and report.scans_removed == 1
    dave.refresh_from_db()
    assert dave.purged_on == TODAY and dave.name == retention.ERASED_NAME
    assert not bytes(dave.id_number_enc) and dave.phone_enc is None and not dave.phone_masked
    assert set(
        ResidenceRegistration.objects.filter(person=dave).values_list("address", flat=True)
    ) == {""}
    assert not Draft.objects.filter(person=dave).exists()
    assert not [p for p in uploads.rglob("*") if p.is_file()]  # the scan's file is gone
    # the sealed details are gone for good; the events themselves are untouched
    moved = Event.objects.filter(body__contains='"from"', record_id__in=retention.record_ids(dave.pk)).get()  # fmt: skip
    assert personal.reveal(dave.pk, json.loads(moved.body)["inputs"])["from"] == personal.ERASED
    assert dict(Event.objects.values_list("id", "hash")) == bodies_before
    assert verify_chains()[1] is None  # shredding broke no chain
    # no audit row deleted, young or old
    assert AccessLog.objects.count() == logs_before
    # alice, still in retention, keeps everything
    alice.refresh_from_db()
    assert alice.purged_on is None and alice.name == "艾丽斯"
    assert ResidenceRegistration.objects.get(person=alice).address == NEW_ADDRESS


def test_purge_is_idempotent_and_a_dry_run_changes_nothing(uploads: Path) -> None:
    dave = _ended_long_ago(uploads)
    assert retention.purge(TODAY, dry_run=True).purged == [dave.pk]
    dave.refresh_from_db()
    assert dave.purged_on is None and any(p.is_file() for p in uploads.rglob("*"))
    assert retention.purge(TODAY).purged == [dave.pk]
    assert retention.purge(TODAY).purged == []


def test_a_person_whose_records_ended_recently_is_kept(uploads: Path) -> None:
    recent = make_person(name="近期")
    cancel(make_permit(recent, on=dt.date(2024, 1, 5)), on=TODAY - dt.timedelta(days=200))
    assert retention.purge(TODAY).purged == []


def test_a_policy_keeping_logs_under_six_months_is_refused(monkeypatch: Any) -> None:
    class Short:
        def get(self, key: str) -> Any:
            return {"days": 90} if key == "retention.audit_logs" else {"years": 5}

    monkeypatch.setattr(retention.Policy, "of", classmethod(lambda cls, city, on: Short()))
    with pytest.raises(retention.RetentionPolicyError, match="6 months"):
        retention.cutoffs("shenzhen", TODAY)


def test_juzhu_purge_command_reports_and_refuses_a_future_day(uploads: Path) -> None:
    _ended_long_ago(uploads)
    runner = CliRunner()
    dry = runner.invoke(app, ["purge", "--dry-run"])
    assert dry.exit_code == 0 and "1 would erase" in dry.output
    future = runner.invoke(app, ["purge", "--on", (TODAY + dt.timedelta(days=1)).isoformat()])
    assert future.exit_code == 2


def test_login_attempts_are_deleted_after_their_six_months_and_not_before() -> None:
    """The portal's login attempts (blind indexes, a network log): kept the 6 months of
    网络安全法 Art. 21 (national ``retention.login_attempts``), then deleted by the purge of
    every city; a dry run only counts; a city's own run leaves them alone."""
    from juzhu.portal.models import LoginAttempt

    def attempt(days_ago: int) -> None:
        LoginAttempt.objects.create(
            at=FROZEN_AT - dt.timedelta(days=days_ago), kind="send", id_index="a" * 64,
            client="ip:" + "b" * 64, outcome="sent",
        )  # fmt: skip

    for days_ago in (400, 200, 184, 150, 1):
        attempt(days_ago)
    through = retention.login_attempts_cutoff(TODAY)
    assert through == dt.date(2026, 6, 2)  # six months before 2 December 2026
    runner = CliRunner()
    city_only = runner.invoke(app, ["purge", "--city", "shenzhen"])
    assert city_only.exit_code == 0 and LoginAttempt.objects.count() == 5
    dry = runner.invoke(app, ["purge", "--dry-run"])
    assert "3 portal login attempts up to 2026-06-02 would be deleted" in dry.output
    assert LoginAttempt.objects.count() == 5
    done = runner.invoke(app, ["purge"])
    assert done.exit_code == 0, done.output
    assert "3 portal login attempts up to 2026-06-02 deleted" in done.output
    kept = sorted((FROZEN_AT - a.at).days for a in LoginAttempt.objects.all())
    assert kept == [1, 150]
