"""The people of the browser journeys, made through the registry's own use cases (the
factories of ``tests/fixtures/``), and the real login through the portal's pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fixtures.applications import refused_application
from fixtures.clock import today
from fixtures.outbox import last_code
from fixtures.people import make_person
from fixtures.permits import ISSUED, OFFICER_17, cancel, make_permit, suspended_permit
from fixtures.verification import make_school
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.models import Application, Permit, Person
from juzhu.registry.selectors import Viewer, access_permit
from juzhu.registry.services import Actor

ALICE_ID = make_id_number("440304", dt.date(1992, 2, 29), 7)


def make_alice() -> Person:
    return make_person(id_number=ALICE_ID, name="艾丽斯", phone="13812345678")


def alice_with_a_permit(issued: dt.date = ISSUED) -> tuple[Person, Permit]:
    alice = make_alice()
    return alice, make_permit(alice, on=issued, actor=OFFICER_17)


def alice_with_a_cancelled_permit() -> tuple[Person, Permit]:
    """Cancelled 20 days ago (not renewed in time); the school has checked it since."""
    alice, permit = alice_with_a_permit()
    permit = cancel(
        permit, reason="expired_not_renewed", on=today() - dt.timedelta(days=20), actor=OFFICER_17
    )
    access_permit(Viewer.of_party(make_school()), permit.pk, purpose="school_enrollment")
    permit.refresh_from_db()
    return alice, permit


def log_in(page: Any, outbox: Path) -> None:
    """The real login: ID number, then the code from the fake SMS gateway's file."""
    from playwright.sync_api import expect

    page.goto("/portal/login/")
    page.get_by_label("身份证号").fill(ALICE_ID)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("h1")).to_have_text("输入短信验证码")
    page.get_by_label("6位验证码").fill(last_code(outbox))
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_have_text("我的居住证")


def alice_with_a_suspended_permit() -> tuple[Person, Permit]:
    """Not endorsed on time: the permit's use is suspended until she endorses it late."""
    alice = make_alice()
    return alice, suspended_permit(alice, actor=Actor("system:sweep"))


def alice_with_a_refused_application() -> tuple[Person, Application]:
    """She applied for the first time and the officer refused: residence registered too short."""
    alice = make_alice()
    decided = today() - dt.timedelta(days=3)
    app = refused_application(
        alice,
        decided_on=decided,
        submitted_on=decided - dt.timedelta(days=12),
        facts="居住登记自今年6月起，不满12个月",
    )
    return alice, app


def contest_cancellation(page: Any, way: str, grounds: str, files: list[dict[str, Any]]) -> None:
    """From 我的居住证: the permit's page, 对注销有异议, the ``way`` (its label), the reasons
    and the evidence files, submitted."""
    page.get_by_role("link", name="查看详情和办理记录").click()
    page.get_by_role("link", name="对注销有异议").click()
    page.get_by_label(way).check()
    page.get_by_label("事实和理由").fill(grounds)
    page.get_by_label("证据材料（可不传）").set_input_files(files)
    page.get_by_role("button", name="提交并生成申请书").click()
