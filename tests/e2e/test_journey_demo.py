"""Journey: a newcomer tries the demo (issue 13, item 9). With the demo flag on, the code
page shows the code the fake SMS gateway got, and it signs her in; with it off, it does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import ALICE_ID, alice_with_a_permit, last_code
from playwright.sync_api import expect

from fixtures.clock import frozen

pytestmark = frozen


def ask_for_a_code(page: Any) -> None:
    page.goto("/portal/login/")
    page.get_by_label("身份证号").fill(ALICE_ID)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("h1")).to_have_text("输入短信验证码")


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_in_demo_mode_the_code_page_shows_the_code_and_it_signs_in(
    page: Any, live_server: Any, portal_settings: Path, settings: Any, mode: str
) -> None:
    settings.DEMO = True
    elder = mode == "elder"
    alice_with_a_permit()
    set_mode(page, live_server.url, elder)
    ask_for_a_code(page)
    shown = page.locator("#demo-code strong")
    expect(shown).to_have_text(last_code(portal_settings))
    expect(page.locator("#demo-code")).to_contain_text("messages.jsonl")
    audit(page, "demo-code", elder=elder)
    page.get_by_label("6位验证码").fill(shown.inner_text())
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_have_text("我的居住证")


def test_without_the_demo_flag_the_code_page_shows_no_code(
    page: Any, live_server: Any, portal_settings: Path
) -> None:
    alice_with_a_permit()
    ask_for_a_code(page)
    expect(page.locator("#demo-code")).to_have_count(0)
    assert last_code(portal_settings) not in page.content()
    page.shots.take(page, "no-demo-code")
