"""My permit: status, dates, history in plain words, the plan and deadlines when it ended,
who checked it, and the inbox — for the logged-in holder only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import frozen
from fixtures.permits import OFFICER_17, cancelled_permit, make_permit
from fixtures.portal import login
from juzhu.notifications.models import Notification
from juzhu.registry.models import Permit, Person, RelyingParty
from juzhu.registry.selectors import Viewer, access_permit

pytestmark = frozen
CANCELLED_ON = dt.date(2025, 12, 1)


@pytest.fixture()
def logged_in(client: Client, alice: Person, settings: Any, tmp_path: Path) -> Client:
    settings.NOTIFY_FILE_DIR = tmp_path
    return login(client, alice)


@pytest.fixture()
def cancelled(alice: Person) -> Permit:
    return cancelled_permit(alice, reason="expired_not_renewed", on=CANCELLED_ON, actor=OFFICER_17)


def test_my_permit_says_why_it_was_cancelled_and_what_to_do_by_when(
    logged_in: Client, cancelled: Permit
) -> None:
    page = logged_in.get("/portal/me/").content.decode()
    assert cancelled.number in page
    assert "已注销" in page and "有效期届满未续签" in page
    assert "2025年12月1日" in page  # cancelled on
    assert "现在该怎么办" in page and "重新申领居住证" in page
    assert "救济期限" in page and "申请行政复议" in page and "提起行政诉讼" in page


def test_the_permit_page_shows_the_history_with_who_when_what_and_why(
    logged_in: Client, cancelled: Permit
) -> None:
    page = logged_in.get(f"/portal/me/permits/{cancelled.pk}/").content.decode()
    assert "居住证签发" in page and "注销" in page
    assert "公安机关工作人员 (***17)" in page  # the officer, masked
    assert "officer:17" not in page
    assert "原因：有效期届满未续签" in page
    assert "需要准备的材料" in page  # the full plan


def test_who_checked_my_permit_lists_every_reading_by_a_relying_party(
    logged_in: Client, cancelled: Permit, school: RelyingParty
) -> None:
    access_permit(Viewer.of_party(school), cancelled.pk, purpose="school_enrollment")
    page = logged_in.get("/portal/me/").content.decode()
    assert "福田区实验小学" in page and "随迁子女入学" in page


def test_the_inbox_shows_every_notice_rendered_and_marks_them_read(
    logged_in: Client, cancelled: Permit, alice: Person
) -> None:
    assert Notification.objects.filter(person=alice, channel="inbox", read_at=None).count() == 2
    page = logged_in.get("/portal/me/").content.decode()
    assert "2 未读" in page
    inbox = logged_in.get("/portal/me/inbox/").content.decode()
    assert "居住证已注销" in inbox
    assert "行政复议" in inbox  # the cancellation notice states the remedy rights
    assert not Notification.objects.filter(person=alice, channel="inbox", read_at=None).exists()


def test_an_active_permit_shows_its_next_endorsement(logged_in: Client, alice: Person) -> None:
    permit = make_permit(alice, on=dt.date.today() - dt.timedelta(days=100))
    page = logged_in.get("/portal/me/").content.decode()
    assert "有效" in page and "下次签注截止" in page
    assert permit.number in page


def test_english_is_one_switch_away_and_stays(logged_in: Client, cancelled: Permit) -> None:
    r = logged_in.post("/portal/lang/", {"lang": "en", "next": "/portal/me/"})
    assert r.status_code == 302 and r["Location"] == "/portal/me/"
    page = logged_in.get("/portal/me/").content.decode()
    assert 'lang="en"' in page and "My permit" in page and "re-apply for a permit" in page


def test_a_switch_never_redirects_off_the_site(client: Client, db: Any) -> None:
    r = client.post("/portal/mode/", {"elder": "1", "next": "https://evil.example/"})
    assert r["Location"] == "/portal/"
    assert r.cookies["portal_elder"].value == "1"
