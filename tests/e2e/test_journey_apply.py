"""Journey: after learning why the permit was cancelled, the holder re-applies online on a
phone — one question a page, uploads (a disguised file is refused), check your answers —
and gets a case number with the time limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_cancelled_permit, log_in
from playwright.sync_api import expect

from fixtures import files as real_files
from fixtures.clock import frozen
from juzhu.registry.models import Application

pytestmark = frozen

PNG = real_files.PNG  # a real PNG: uploads are parsed


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_re_applies_online_with_uploads_and_gets_a_case_number(
    page: Any, live_server: Any, portal_settings: Path, settings: Any, tmp_path: Path, mode: str
) -> None:
    elder = mode == "elder"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    alice_with_a_cancelled_permit()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name="网上重新申领居住证").click()
    expect(page.locator("h1")).to_have_text("网上重新申领居住证")
    audit(page, "apply-start", elder=elder)
    page.get_by_role("button", name="开始申请").click()

    expect(page.locator("h1")).to_have_text("你以什么理由申领？")
    audit(page, "apply-basis", elder=elder)
    page.get_by_label("合法稳定就业").check()
    page.get_by_role("button", name="继续").click()
    expect(page.locator("h1")).to_have_text("你现在住的是什么房子？")
    audit(page, "apply-housing", elder=elder)
    page.get_by_label("租赁住房").check()
    page.get_by_role("button", name="继续").click()
    expect(page.locator("h1")).to_have_text("你现在的居住地址")
    audit(page, "apply-address", elder=elder)
    page.get_by_label("你现在的居住地址").fill("福田区福华路88号3栋501")
    page.get_by_role("button", name="继续").click()
    # Shenzhen asks everyone for a job and social insurance (Regulations Art. 19)
    expect(page.locator("h1")).to_have_text("你的就业、社保和就读情况")
    audit(page, "apply-facts", elder=elder)
    page.get_by_role("group", name="你是否在本市稳定就业？").get_by_label("是").check()
    page.get_by_label("近24个月在本市缴纳社保的月数").fill("20")
    page.get_by_role("group", name="社保是否连续缴纳至今、没有断缴？").get_by_label("是").check()
    page.get_by_role("button", name="继续").click()

    expect(page.locator("h1")).to_have_text("上传材料")
    audit(page, "apply-materials", elder=elder)
    lease = page.locator("#file-lease_contract")
    lease.set_input_files(
        {"name": "lease.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo" * 20}
    )
    page.get_by_role("button", name="上传 房屋租赁合同").click()
    expect(page.locator("#file-lease_contract-error")).to_contain_text("内容不是 JPG、PNG 或 PDF")
    audit(page, "apply-upload-refused", elder=elder)
    page.locator("#file-lease_contract").set_input_files(
        {"name": "lease.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="上传 房屋租赁合同").click()
    expect(page.locator("main")).to_contain_text("已上传：lease.png")
    page.get_by_role("button", name="材料上传好了，继续").click()

    expect(page.locator("h1")).to_have_text("核对你的申请")
    expect(page.locator("main")).to_contain_text("福田区福华路88号3栋501")
    audit(page, "apply-check", elder=elder)
    page.get_by_label("我已阅读并同意以上承诺").check()
    page.get_by_role("button", name="提交申请").click()

    expect(page.locator("h1")).to_have_text("申请已提交")
    app = Application.objects.get()
    expect(page.locator(".case-number")).to_have_text(app.case_number)
    expect(page.locator("main")).to_contain_text("受理后15个工作日内办结")
    audit(page, "apply-submitted", elder=elder)
