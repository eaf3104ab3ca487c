"""The people of the browser journeys, made through the registry's own use cases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from juzhu.registry import services
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.models import Permit, Person, RelyingParty
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
