"""An admin officer onboards a school as a relying party in Debian's chromium, issues its key
(read off the page once), suspends and resumes it, then revokes the key; every page passes
axe-core."""

from __future__ import annotations

import re
from typing import Any

from a11y import audit
from office_people import make_office_officer, make_offices, office_sign_in
from playwright.sync_api import expect

from fixtures.clock import frozen
from juzhu.verification.models import ApiKey, PartyAction

pytestmark = frozen


def test_an_admin_onboards_a_school_and_manages_its_key(office_page: Any, live_server: Any) -> None:  # fmt: skip
    page = office_page
    make_offices()
    office_sign_in(page, live_server.url, make_office_officer("admin-ann", "admin"))
    page.get_by_role("link", name="核验单位").first.click()
    expect(page.locator("h1")).to_contain_text("核验单位")
    audit(page, "parties", elder=False)

    page.get_by_label("单位名称").fill("福田区实验小学")
    page.get_by_label("单位类型").select_option("school")
    page.get_by_label("随迁子女入学").check()
    page.get_by_label("联系人及电话或邮箱").fill("招生办 王老师 0755-8888 0000")
    page.get_by_role("button", name="登记").click()
    expect(page.locator("h1")).to_contain_text("福田区实验小学")
    expect(page.locator("main")).to_contain_text("held_for_months")
    audit(page, "party", elder=False)

    page.get_by_label("用途说明").fill("招生办")
    page.get_by_role("button", name="签发").click()
    secret = page.locator("#new-key").inner_text()
    assert re.fullmatch(r"jzk_\w+_\S+", secret), secret
    audit(page, "party-key-issued", elder=False)
    key = ApiKey.objects.get()
    page.goto(page.url.rsplit("/keys", 1)[0] + "/")
    expect(page.locator("main")).not_to_contain_text(secret)
    expect(page.locator("main")).to_contain_text(key.prefix)

    page.get_by_label("暂停理由").fill("协议到期")
    page.get_by_role("button", name="暂停核验").click()
    expect(page.locator("main")).to_contain_text("已暂停")
    audit(page, "party-suspended", elder=False)
    page.get_by_role("button", name="恢复核验").click()
    expect(page.locator("main")).to_contain_text("已恢复")

    page.get_by_role("button", name=f"吊销 {key.prefix}").click()
    expect(page.locator("main")).to_contain_text("已吊销")
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert list(PartyAction.objects.order_by("id").values_list("action", flat=True)) == [
        "registered", "key_issued", "suspended", "resumed", "key_revoked",
    ]  # fmt: skip
