"""Issue 13, item 7: timeline and inbox entries carry the date the thing happened, not the
time the data was loaded; an endorsement that is due shows one clear 去签注; evidence files
survive a validation error on the appeal form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fixtures import files as real_files
from fixtures.clock import frozen, today
from fixtures.permits import OFFICER_17, cancelled_permit, make_permit, suspended_permit
from fixtures.portal import login
from juzhu.portal.models import Evidence
from juzhu.registry.models import Appeal, Permit, Person

pytestmark = frozen
PNG = real_files.PNG  # a real PNG: uploads are parsed
GROUNDS = "我一直住在福田区，按时签注，有租赁合同和社保记录为证。"


@pytest.fixture()
def folders(settings: Any, tmp_path: Path) -> Path:
    settings.NOTIFY_FILE_DIR = tmp_path / "outbox"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    return tmp_path / "uploads"


def test_the_timeline_and_inbox_say_when_it_happened_not_when_it_was_recorded(
    client: Client, alice: Person, folders: Path
) -> None:
    permit = cancelled_permit(
        alice, reason="expired_not_renewed", on=dt.date(2025, 12, 1), actor=OFFICER_17
    )  # fmt: skip  (recorded today, 2026-12-02)
    login(client, alice)
    timeline = client.get(f"/portal/me/permits/{permit.pk}/").content.decode()
    assert "2025年12月1日" in timeline and "2024年3月1日" in timeline  # cancelled, issued
    assert "2026-12-02 10:00" not in timeline  # the moment it was written down
    inbox = client.get("/portal/me/inbox/").content.decode()
    assert "2025年12月1日" in inbox and "2026-12-02" not in inbox


def test_an_endorsement_due_shows_one_clear_endorse_action(
    client: Client, alice: Person, folders: Path
) -> None:
    due = today() + dt.timedelta(days=20)
    make_permit(alice, on=due.replace(year=due.year - 1))  # the anniversary in 20 days
    page = login(client, alice).get("/portal/me/").content.decode()
    assert page.count(">去签注<") == 1
    assert "你的居住证需要签注，截止日期：2026年12月22日" in page
    r = client.post("/portal/me/apply/", {"kind": "endorsement"})
    assert r.status_code == 302 and "/portal/me/apply/" in r["Location"]


def test_no_endorse_action_outside_the_window(client: Client, alice: Person, folders: Path) -> None:
    make_permit(alice, on=today() - dt.timedelta(days=60))
    assert "去签注" not in login(client, alice).get("/portal/me/").content.decode()


def test_a_suspended_permit_shows_one_late_endorse_action(
    client: Client, alice: Person, folders: Path
) -> None:
    assert suspended_permit(alice).status == "suspended"
    page = login(client, alice).get("/portal/me/").content.decode()
    assert page.count(">去签注<") == 1 and "补办签注即可恢复" in page


def test_evidence_survives_a_validation_error_and_goes_in_with_the_next_submission(
    client: Client, alice: Person, folders: Path
) -> None:
    permit: Permit = cancelled_permit(alice, on=today() - dt.timedelta(days=10))
    login(client, alice)
    url = f"/portal/me/permits/{permit.pk}/appeal/"
    lease = SimpleUploadedFile("租赁合同.png", PNG, content_type="image/png")
    r = client.post(url, {"kind": "reconsideration", "grounds": "太短", "evidence": [lease]})
    assert r.status_code == 400 and "至少10个字" in r.content.decode()
    assert 'id="held-evidence"' in r.content.decode() and "租赁合同.png" in r.content.decode()
    assert not Appeal.objects.exists()
    r = client.post(url, {"kind": "reconsideration", "grounds": GROUNDS})  # no file chosen again
    assert r.status_code == 302
    (kept,) = Evidence.objects.filter(appeal=Appeal.objects.get())
    assert kept.name == "租赁合同.png" and kept.content_type == "image/png"
    assert not list((folders / "held").iterdir())  # handed in: nothing left held
    fresh = client.get(url).content.decode()
    assert 'id="held-evidence"' not in fresh
