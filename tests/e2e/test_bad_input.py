"""Bad input on every form shows a clear message beside the field, runs no script, and
stores nothing; the error pages pass the same accessibility checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import ALICE_ID
from playwright.sync_api import expect

from fixtures.clock import frozen
from juzhu.portal.models import LoginChallenge

pytestmark = frozen

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture()
def no_dialogs(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))
    return seen


def _error_beside(page: Any, field_id: str, text: str) -> None:
    error = page.locator(f"#{field_id}-error")
    expect(error).to_contain_text(text)
    expect(page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
    described = page.locator(f"#{field_id}").get_attribute("aria-describedby") or ""
    assert f"{field_id}-error" in described


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_planner_dates_that_are_impossible_future_or_script_are_refused(
    page: Any, live_server: Any, no_dialogs: list[str], mode: str
) -> None:
    elder = mode == "elder"
    set_mode(page, live_server.url, elder)
    page.goto("/portal/planner/q/city/")
    page.get_by_label("深圳市").check()
    page.get_by_role("button", name="继续").click()
    page.get_by_label("已注销").check()
    page.get_by_role("button", name="继续").click()
    page.get_by_label("有效期届满未续签").check()
    page.get_by_role("button", name="继续").click()
    expect(page.locator("h1")).to_contain_text("哪天被注销")

    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    for typed, message in (
        ("2026-02-30", "不是真实存在的日期"),
        (future, "在今天"),
        (SCRIPT, "请按 年-月-日 填写日期"),
    ):
        page.get_by_label("注销日期").fill(typed)
        page.get_by_role("button", name="继续").click()
        _error_beside(page, "id_cancelled_on", message)
        expect(page.locator(".error-summary")).to_be_focused()
    audit(page, "act-dates-error", elder=elder)
    page.goto("/portal/planner/q/act_dates/")
    expect(page.get_by_label("注销日期")).to_have_value("")  # nothing was stored
    assert no_dialogs == []


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_login_refuses_a_wrong_checksum_and_script_and_a_bad_code(
    page: Any, live_server: Any, portal_settings: Path, no_dialogs: list[str], mode: str
) -> None:
    elder = mode == "elder"
    set_mode(page, live_server.url, elder)
    page.goto("/portal/login/")
    wrong = ALICE_ID[:-1] + ("0" if ALICE_ID[-1] != "0" else "1")
    page.get_by_label("身份证号").fill(wrong)
    page.get_by_role("button", name="获取验证码").click()
    _error_beside(page, "id_id_number", "校验码不对")
    audit(page, "login-error", elder=elder)
    page.get_by_label("身份证号").fill(SCRIPT)
    page.get_by_role("button", name="获取验证码").click()
    _error_beside(page, "id_id_number", "18位")
    assert not LoginChallenge.objects.exists()  # nothing stored

    page.get_by_label("身份证号").fill(ALICE_ID)  # valid, registered or not: same path
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("h1")).to_have_text("输入短信验证码")
    page.get_by_label("6位验证码").fill(SCRIPT)
    page.get_by_role("button", name="登录", exact=True).click()
    _error_beside(page, "id_code", "验证码是6位数字")
    audit(page, "code-error", elder=elder)
    assert LoginChallenge.objects.get().attempts == 0
    assert no_dialogs == []
