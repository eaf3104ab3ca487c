"""Journey: a holder complains (申诉) about the cancellation, then follows it on 我的居住证:
its status, the evidence handed in and the dates; the complaint is not offered again and
its draft is a 申诉书 to the office that decided (issue 13, item 7)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_cancelled_permit, contest_cancellation, log_in
from playwright.sync_api import expect

from fixtures import files as real_files
from fixtures.clock import frozen
from fixtures.officers import make_office

pytestmark = frozen
PNG = real_files.PNG  # a real PNG: uploads are parsed


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_complaint_is_followed_on_my_permit_and_gives_a_complaint_letter(
    page: Any, live_server: Any, portal_settings: Path, settings: Any, tmp_path: Path, mode: str
) -> None:
    elder = mode == "elder"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    make_office()
    _, permit = alice_with_a_cancelled_permit()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    receipt = {"name": "签注回执.png", "mimeType": "image/png", "buffer": PNG}
    contest_cancellation(page, "向原办理机关申诉", "我一直按时签注，有签注回执为证。", [receipt])
    expect(page.locator("h1")).to_have_text("已登记你的异议")
    expect(page.locator("main")).to_contain_text("申诉不会让复议期限停下来")
    audit(page, "complaint-filed", elder=elder)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载申诉书（PDF草稿）").click()
    text = subprocess.run(
        ["pdftotext", "-layout", str(download.value.path()), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "申诉书" in text and "致：深圳市公安局福田分局" in text and "行政复议申请书" not in text

    page.goto("/portal/me/")
    appeals = page.locator("section.appeals")
    expect(appeals).to_contain_text("向原办理机关申诉")
    expect(appeals).to_contain_text("已提交，等待受理")
    expect(appeals).to_contain_text("签注回执.png")
    expect(appeals).to_contain_text(permit.number)
    audit(page, "me-with-complaint", elder=elder)
    page.get_by_role("link", name="查看详情和办理记录").click()
    page.get_by_role("link", name="对注销有异议").click()
    expect(page.get_by_label("向原办理机关申诉")).to_have_count(0)  # not offered twice
    expect(page.get_by_label("申请行政复议")).to_have_count(1)  # it does not stop this clock
