"""Journey: a holder opens "who viewed my data" (every read, page by page), then downloads
their data and opens the readable version (PIPL Art. 45), both modes, axe clean."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_permit, log_in
from playwright.sync_api import expect

from fixtures.clock import frozen
from fixtures.officers import officer
from juzhu.registry.models import AccessLog
from juzhu.registry.selectors import Viewer, access_permit

pytestmark = frozen


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_sees_every_read_and_downloads_their_data(
    page: Any, live_server: Any, portal_settings: Path, mode: str
) -> None:
    elder = mode == "elder"
    _, permit = alice_with_a_permit(issued=dt.date.today() - dt.timedelta(days=60))
    clerk = Viewer.of_officer(officer("clerk"))
    for _ in range(60):  # more than one page
        access_permit(clerk, permit.pk, purpose="office_case")
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name="查看全部记录").click()
    expect(page.locator("h1")).to_have_text("谁查看过我的信息")
    expect(page.locator("tr.check-row")).to_have_count(50)
    audit(page, "checks-page-1", elder=elder)
    page.get_by_role("link", name="较早的记录").click()
    expect(page.locator("tr.check-row")).to_have_count(10)
    page.goto(f"{live_server.url}/portal/me/data/")
    expect(page.locator("h1")).to_have_text("下载我的数据")
    audit(page, "my-data", elder=elder)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载机器可读文件（JSON）").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert len(data["access_log"]) == 60 and data["permits"][0]["number"] == permit.number
    page.get_by_role("link", name="打开可阅读版本（可打印）").click()
    expect(page.locator("main")).to_contain_text(permit.number)
    audit(page, "my-data-readable", elder=elder)
    assert AccessLog.objects.filter(purpose="subject_access").count() == 2
