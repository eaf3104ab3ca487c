"""Journey: a holder with a valid permit shows an e-permit QR to the school."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_permit, log_in
from playwright.sync_api import expect

from fixtures.clock import frozen
from fixtures.verification import make_school

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_shows_an_e_permit_qr_to_a_school(
    page: Any, live_server: Any, portal_settings: Path, mode: str
) -> None:
    elder = mode == "elder"
    alice_with_a_permit(issued=dt.date.today() - dt.timedelta(days=60))
    make_school()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name="电子居住证").click()
    expect(page.locator("h1")).to_have_text("电子居住证")
    audit(page, "epermit-choose", elder=elder)
    page.get_by_label("福田区实验小学").check()
    page.get_by_role("button", name="生成二维码").click()
    expect(page.locator(".qr svg")).to_be_visible()
    expect(page.locator("main")).to_contain_text("福田区实验小学")
    audit(page, "epermit-qr", elder=elder)
    page.goto("/portal/e/")
    audit(page, "epermit-public", elder=elder)
