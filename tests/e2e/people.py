"""The people of the browser journeys, made through the registry's own use cases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from juzhu.registry import services
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.models import Application, Permit, Person, RelyingParty
from juzhu.registry.selectors import Viewer, access_permit

ALICE_ID = make_id_number("440304", dt.date(1992, 2, 29), 7)


def alice_with_a_permit(issued: dt.date = dt.date(2024, 3, 1)) -> tuple[Person, Permit]:
    alice = services.do_register_person(ALICE_ID, "艾丽斯", city="shenzhen", phone="13812345678")
    permit = services.do_issue_permit(
        alice,
        city="shenzhen",
        district="futian",
        station="sz-futian-1",
        on=issued,
        actor=services.Actor("officer:17"),
        facts={
            "basis": "employment",
            "housing": "rented",
            "registered_since": "2022-01-01",
            "employed": True,
            "social_insurance_months": 24,
            "social_insurance_continuous": True,
        },
    )
    return alice, permit


def alice_with_a_cancelled_permit() -> tuple[Person, Permit]:
    alice, permit = alice_with_a_permit()
    services.do_cancel_permit(
        permit,
        reason="expired_not_renewed",
        on=dt.date.today() - dt.timedelta(days=20),
        actor=services.Actor("officer:17"),
        expected_version=permit.version,
    )
    school = RelyingParty.objects.create(
        city="shenzhen",
        name="福田区实验小学",
        kind="school",
        allowed_purposes=["school_enrollment"],
    )
    access_permit(Viewer.of_party(school), permit.pk, purpose="school_enrollment")
    permit.refresh_from_db()
    return alice, permit


def last_code(outbox: Path) -> str:
    lines = (outbox / "sms" / "messages.jsonl").read_text().splitlines()
    record: dict[str, Any] = json.loads(lines[-1])
    return str(record["params"]["code"])


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
    alice, permit = alice_with_a_permit()
    services.do_suspend_permit(
        permit,
        on=dt.date(2025, 3, 2),
        actor=services.Actor("system:sweep"),
        expected_version=permit.version,
    )
    permit.refresh_from_db()
    return alice, permit


def alice_with_a_refused_application() -> tuple[Person, Application]:
    """She applied for the first time and the officer refused: residence registered too short."""
    alice = services.do_register_person(ALICE_ID, "艾丽斯", city="shenzhen", phone="13812345678")
    decided = dt.date.today() - dt.timedelta(days=3)
    app = services.do_submit_application(
        alice,
        kind="first_issue",
        city="shenzhen",
        district="futian",
        station="sz-futian-1",
        on=decided - dt.timedelta(days=12),
        actor=services.Actor(f"holder:{alice.pk}"),
    )
    services.do_refuse_application(
        app,
        on=decided,
        actor=services.Actor("officer:17"),
        expected_version=app.version,
        grounds=["registration_too_short"],
        facts="居住登记自今年6月起，不满12个月",
    )
    app.refresh_from_db()
    return alice, app
