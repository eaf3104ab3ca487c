"""Journey: a holder makes a one-time consent code for the school, then locks verification."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_permit, log_in
from playwright.sync_api import expect

from fixtures.clock import frozen
from fixtures.verification import make_school
from juzhu.verification.models import ConsentCode

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_makes_a_consent_code_for_a_school_and_locks_verification(
    page: Any, live_server: Any, portal_settings: Path, mode: str
) -> None:
    elder = mode == "elder"
    _, permit = alice_with_a_permit(issued=dt.date.today() - dt.timedelta(days=60))
    school = make_school()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name="授权单位查验").click()
    expect(page.locator("h1")).to_have_text("授权单位查验")
    audit(page, "consent-choose-party", elder=elder)
    page.get_by_label("福田区实验小学").check()
    page.get_by_role("button", name="继续").click()
    expect(page.get_by_text("福田区实验小学要办理什么事项？")).to_be_visible()
    audit(page, "consent-choose-purpose", elder=elder)
    page.get_by_label("随迁子女入学").check()
    page.get_by_role("button", name="生成核验码").click()
    code = page.locator(".consent-code [aria-hidden=true]")
    expect(code).to_have_text(re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"))
    box = code.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375  # one line, on screen
    expect(page.locator("main")).to_contain_text("10分钟内有效，只能用一次")
    expect(page.locator("main")).to_contain_text("你的身份证号、姓名、住址")
    stored = ConsentCode.objects.get()
    assert (stored.party_id, stored.purpose, stored.permit_id) == (
        school.pk,
        "school_enrollment",
        permit.pk,
    )
    audit(page, "consent-code", elder=elder)
    page.get_by_role("button", name="锁定核验").click()
    expect(page.locator("main")).to_contain_text("现在已锁定")
    permit.refresh_from_db()
    assert permit.verification_locked is True
    audit(page, "consent-locked", elder=elder)
