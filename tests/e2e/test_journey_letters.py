"""Journey: a holder whose permit the nightly sweep cancelled reads the notice, opens 我的文书
and finds the decision letter, with its PDF and seal file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import log_in, make_alice
from playwright.sync_api import expect

from fixtures.clock import frozen
from fixtures.permits import make_permit
from juzhu.registry import sweep

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_swept_holder_finds_the_decision_letter(
    page: Any, live_server: Any, portal_settings: Path, settings: Any, tmp_path: Path, mode: str
) -> None:
    elder = mode == "elder"
    settings.LETTER_DIR = tmp_path / "letters"
    alice = make_alice()
    make_permit(alice, city="shanghai", district="huangpu", station="sh-1")
    sweep.sweep(dt.date(2025, 3, 2))  # suspended: the endorsement was missed
    sweep.sweep(dt.date(2025, 5, 1))  # cancelled: 60 days' grace in Shanghai ran out
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name="通知消息").click()
    expect(page.locator("main")).to_contain_text("居住证已注销")
    page.get_by_role("link", name="查看决定书").first.click()
    expect(page.locator("h1")).to_have_text("我的文书")
    expect(page.locator("main")).to_contain_text("注销居住证决定书")
    expect(page.locator("main")).to_contain_text("居住证使用功能中止通知书")
    audit(page, "letters", elder=elder)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载PDF").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
