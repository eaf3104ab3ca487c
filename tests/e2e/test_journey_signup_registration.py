"""Journey: a newcomer with no record signs up on a phone (ID number, name, phone proven by
SMS), registers the address with the proof the city asks for, and gets the 居住登记凭证,
whose QR page says it is in force."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import last_code
from playwright.sync_api import expect

from fixtures.clock import frozen
from fixtures.officers import make_office
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.models import ResidenceRegistration
from juzhu.registry.registration_certificate import token_for

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_newcomer_signs_up_and_registers_an_address(
    page: Any, live_server: Any, portal_settings: Path, mode: str
) -> None:
    elder = mode == "elder"
    make_office()
    set_mode(page, live_server.url, elder)
    page.goto("/portal/login/")
    page.get_by_role("link", name="第一次使用？注册").click()
    expect(page.locator("h1")).to_have_text("第一次使用：注册")
    audit(page, "signup", elder=elder)
    page.get_by_label("身份证号").fill(make_id_number("440304", dt.date(1998, 4, 4), 321))
    page.get_by_label("姓名（与身份证一致）").fill("新来的")
    page.get_by_label("手机号").fill("13600000321")
    page.get_by_label("深圳").check()
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("h1")).to_have_text("输入短信验证码")
    page.get_by_label("6位验证码").fill(last_code(portal_settings))
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page.locator("h1")).to_have_text("居住登记")
    audit(page, "registration-empty", elder=elder)
    page.get_by_label("居住地址").fill("福田区福华路88号3栋501")
    page.locator("#n-housing-rented").check()
    page.locator("#n-evidence-lease_contract").check()
    page.get_by_role("button", name="提交居住登记").click()
    # one proof short: said at once, and what was typed is kept
    expect(page.get_by_role("alert")).to_contain_text("租赁合同登记备案证明")
    expect(page.get_by_label("居住地址")).to_have_value("福田区福华路88号3栋501")
    page.locator("#n-housing-rented").check()
    page.locator("#n-evidence-lease_contract").check()
    page.locator("#n-evidence-lease_filing_certificate").check()
    page.get_by_label("开始在这里居住的日期").fill("2026-11-30")
    page.get_by_role("button", name="提交居住登记").click()
    expect(page.locator("main")).to_contain_text("有效")
    expect(page.get_by_role("link", name="下载居住登记凭证")).to_be_visible()
    audit(page, "registration-done", elder=elder)
    reg = ResidenceRegistration.objects.get()
    page.goto(f"/portal/r/{token_for(reg)}/")
    expect(page.locator("main")).to_contain_text("这份居住登记有效")
    audit(page, "registration-check", elder=elder)
