"""Journey: a holder logs in with an ID number and an SMS code, learns why the permit was
cancelled, what to do by when, sees its history, who checked it, and every notice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import ALICE_ID, alice_with_a_cancelled_permit, last_code
from playwright.sync_api import expect

from fixtures.clock import frozen

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_logs_in_and_reads_status_history_and_notices(
    page: Any, live_server: Any, portal_settings: Path, mode: str
) -> None:
    elder = mode == "elder"
    alice, permit = alice_with_a_cancelled_permit()
    set_mode(page, live_server.url, elder)
    page.goto("/portal/")
    page.get_by_role("link", name="登录", exact=True).click()
    expect(page.locator("h1")).to_have_text("登录")
    audit(page, "login", elder=elder)
    page.get_by_label("身份证号").fill(ALICE_ID)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("h1")).to_have_text("输入短信验证码")
    expect(page.get_by_role("button", name="重新发送验证码")).to_be_disabled()  # 60 s
    audit(page, "code", elder=elder)
    page.get_by_label("6位验证码").fill(last_code(portal_settings))
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page.locator("h1")).to_have_text("我的居住证")
    main = page.locator("main")
    expect(main).to_contain_text(permit.number)
    expect(main).to_contain_text("已注销")
    expect(main).to_contain_text("有效期届满未续签")  # why
    expect(main.locator(".what-now")).to_contain_text("重新申领居住证")  # what to do
    expect(main.locator(".what-now")).to_contain_text("申请行政复议")  # by when
    expect(main).to_contain_text("福田区实验小学")  # who checked it
    expect(main).to_contain_text(alice.id_number_masked)
    assert ALICE_ID not in page.content()  # the full ID number is never shown
    audit(page, "me", elder=elder)

    page.get_by_role("link", name="查看详情和办理记录").click()
    expect(page.locator("h2", has_text="办理记录")).to_be_visible()
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("居住证签发")
    expect(timeline).to_contain_text("注销")
    expect(timeline).to_contain_text("公安机关工作人员 (***17)")
    expect(timeline).to_contain_text("有效期届满未续签")
    audit(page, "permit", elder=elder)

    page.get_by_role("link", name="我的居住证").first.click()
    page.get_by_role("link", name="通知消息").click()
    expect(page.locator("h1")).to_have_text("通知消息")
    expect(page.locator("main")).to_contain_text("居住证已注销")
    expect(page.locator("main")).to_contain_text("行政复议")
    audit(page, "inbox", elder=elder)
    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("h1")).to_have_text("居住证服务")
