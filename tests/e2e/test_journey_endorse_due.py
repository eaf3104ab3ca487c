"""Journey: a holder whose endorsement is due sees one clear 去签注 on 我的居住证, and it
leads straight to the endorsement's materials (issue 13, item 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_suspended_permit, log_in
from playwright.sync_api import expect

from fixtures.clock import frozen

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_due_endorsement_is_one_button_away(
    page: Any, live_server: Any, portal_settings: Path, settings: Any, tmp_path: Path, mode: str
) -> None:
    elder = mode == "elder"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    alice_with_a_suspended_permit()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    endorse = page.get_by_role("button", name="去签注")
    expect(endorse).to_have_count(1)
    expect(page.locator("section.due")).to_contain_text("补办签注即可恢复")
    audit(page, "me-endorse-due", elder=elder)
    endorse.click()
    # Shenzhen re-checks work and social insurance at the endorsement (Art. 24)
    expect(page.locator("h1")).to_have_text("你的就业、社保和就读情况")
    page.get_by_role("group", name="你是否在本市稳定就业？").get_by_label("是").check()
    page.get_by_label("近24个月在本市缴纳社保的月数").fill("24")
    page.get_by_role("group", name="社保是否连续缴纳至今、没有断缴？").get_by_label("是").check()
    page.get_by_role("button", name="继续").click()
    expect(page.locator("h1")).to_have_text("上传材料")
    expect(page.locator("main")).to_contain_text("原居住证")
