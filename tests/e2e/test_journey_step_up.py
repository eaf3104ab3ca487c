"""Journey: someone has been asking codes for alice's number all morning (issue 14). Alice,
on her phone, is not locked out: the login page asks her to type the characters of a
picture (the step-up challenge), and she signs in. The page passes axe in both modes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from captcha.models import CaptchaStore
from people import ALICE_ID, alice_with_a_permit, last_code
from playwright.sync_api import expect

from fixtures.clock import frozen
from juzhu.portal import auth
from juzhu.registry import abuse

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_alice_passes_the_step_up_and_signs_in(
    page: Any, live_server: Any, portal_settings: Path, mode: str
) -> None:
    elder = mode == "elder"
    alice_with_a_permit()
    key = auth.id_key(ALICE_ID)
    for _ in range(3):  # the number's free codes for the hour, spent by someone else
        abuse.hit(None, "portal-id-send", key, auth.ID_FREE_SENDS)
    set_mode(page, live_server.url, elder)
    page.goto("/portal/login/")
    page.get_by_label("身份证号").fill(ALICE_ID)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".step-up img")).to_be_visible()
    audit(page, "step-up", elder=elder)
    page.shots.take(page, f"step-up-{mode}")
    hashkey = page.locator("input[name=step_up_key]").input_value()
    answer = CaptchaStore.objects.get(hashkey=hashkey).response  # what the picture shows
    page.get_by_label("请输入图片中的字符").fill(answer)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("h1")).to_have_text("输入短信验证码")
    page.get_by_label("6位验证码").fill(last_code(portal_settings))
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("h1")).to_have_text("我的居住证")
