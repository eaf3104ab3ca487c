"""Journey: a holder who thinks the cancellation was wrong contests it and downloads the
draft 行政复议申请书 with the computed deadline."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_cancelled_permit, log_in
from playwright.sync_api import expect

from fixtures.clock import frozen
from juzhu.registry.models import Appeal

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_contests_the_cancellation_and_downloads_the_draft_application(
    page: Any, live_server: Any, portal_settings: Path, mode: str
) -> None:
    elder = mode == "elder"
    _, permit = alice_with_a_cancelled_permit()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name="查看详情和办理记录").click()
    page.get_by_role("link", name="对注销有异议").click()
    expect(page.locator("h1")).to_have_text("对注销有异议")
    audit(page, "appeal-form", elder=elder)
    page.get_by_label("申请行政复议").check()
    page.get_by_label("事实和理由").fill("<script>alert(1)</script>")
    page.get_by_role("button", name="提交并生成申请书").click()
    expect(page.locator("#id_grounds-error")).to_contain_text("不能有网页代码")
    audit(page, "appeal-form-error", elder=elder)
    page.get_by_label("事实和理由").fill("我一直按时签注，有签注回执和社保记录为证。")
    page.get_by_role("button", name="提交并生成申请书").click()
    expect(page.locator("h1")).to_have_text("已登记你的异议")
    expect(page.locator("main")).to_contain_text("行政复议截止日期")
    audit(page, "appeal-filed", elder=elder)
    assert Appeal.objects.get().permit_id == permit.pk

    with page.expect_download() as download:
        page.get_by_role("link", name="下载行政复议申请书（PDF草稿）").click()
    path = download.value.path()
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "行政复议申请书" in text and "被申请人" in text and permit.number in text
    assert "签注回执" in text and "前递交" in text
    if not elder:
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(path),
             str(page.shots.dir / "appeal-pdf")],
            check=True,
        )  # fmt: skip
