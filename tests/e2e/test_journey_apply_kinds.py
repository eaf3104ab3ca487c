"""Journeys: the other application kinds online on a phone. A holder whose permit was
suspended endorses it (no questions, the city's materials); a holder who moved reports the
new address (new home, address, proof of the new home). Each ends with a case number."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_permit, alice_with_a_suspended_permit, log_in
from playwright.sync_api import expect

from fixtures import files as real_files
from fixtures.clock import frozen
from juzhu.registry.models import Application

pytestmark = frozen

PNG = real_files.PNG  # a real PNG: uploads are parsed


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_endorses_a_suspended_permit_online(
    page: Any, live_server: Any, portal_settings: Path, settings: Any, tmp_path: Path, mode: str
) -> None:
    elder = mode == "elder"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    _, permit = alice_with_a_suspended_permit()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name="网上办理居住证业务").click()
    expect(page.locator("h1")).to_have_text("你要办理什么业务？")
    audit(page, "kinds-choose", elder=elder)
    page.get_by_role("button", name="继续").click()
    expect(page.locator("#id_kind-error")).to_contain_text("请选择一项")
    audit(page, "kinds-choose-error", elder=elder)
    page.get_by_label("居住证签注").check()
    page.get_by_role("button", name="继续").click()

    # Shenzhen re-checks work and social insurance at the endorsement (Art. 24)
    expect(page.locator("h1")).to_have_text("你的就业、社保和就读情况")
    audit(page, "endorse-facts", elder=elder)
    page.get_by_role("group", name="你是否在本市稳定就业？").get_by_label("是").check()
    page.get_by_label("近24个月在本市缴纳社保的月数").fill("24")
    page.get_by_role("group", name="社保是否连续缴纳至今、没有断缴？").get_by_label("是").check()
    page.get_by_role("button", name="继续").click()

    expect(page.locator("h1")).to_have_text("上传材料")
    expect(page.locator("main")).to_contain_text("原居住证")
    expect(page.locator("main")).to_contain_text("社保缴纳证明")  # Shenzhen re-proves
    page.locator("#file-social_insurance_record").set_input_files(
        {"name": "shebao.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="上传 社保缴纳证明").click()
    expect(page.locator("main")).to_contain_text("已上传：shebao.png")
    audit(page, "endorse-materials", elder=elder)
    page.get_by_role("button", name="材料上传好了，继续").click()

    expect(page.locator("h1")).to_have_text("核对你的申请")
    expect(page.locator("main")).to_contain_text(permit.number)
    audit(page, "endorse-check", elder=elder)
    page.get_by_label("我已阅读并同意以上承诺").check()
    page.get_by_role("button", name="提交申请").click()

    expect(page.locator("h1")).to_have_text("申请已提交")
    app = Application.objects.get()
    assert (app.kind, app.permit_id) == ("endorsement", permit.pk)
    expect(page.locator(".case-number")).to_have_text(app.case_number)
    expect(page.locator("main")).to_contain_text("受理后15个工作日内办结")
    expect(page.locator("main")).to_contain_text("新的签注日期")
    audit(page, "endorse-submitted", elder=elder)


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_reports_a_change_of_address_online(
    page: Any, live_server: Any, portal_settings: Path, settings: Any, tmp_path: Path, mode: str
) -> None:
    elder = mode == "elder"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    _, permit = alice_with_a_permit(issued=dt.date.today() - dt.timedelta(days=60))
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name="网上办理居住证业务").click()
    page.get_by_label("变更居住地址").check()
    page.get_by_role("button", name="继续").click()

    expect(page.locator("h1")).to_have_text("你现在住的是什么房子？")
    page.get_by_label("自有住房").check()
    page.get_by_role("button", name="继续").click()
    expect(page.locator("h1")).to_have_text("你现在的居住地址")
    page.get_by_label("你现在的居住地址").fill("<b>罗湖</b>")
    page.get_by_role("button", name="继续").click()
    expect(page.locator("#id_address-error")).to_contain_text("地址里不能有")
    audit(page, "change-address-error", elder=elder)
    page.get_by_label("你现在的居住地址").fill("罗湖区人民南路2号5栋")
    page.get_by_role("button", name="继续").click()

    expect(page.locator("h1")).to_have_text("上传材料")
    expect(page.locator("main")).to_contain_text("房屋所有权证")
    expect(page.locator("main")).not_to_contain_text("劳动合同")
    page.locator("#file-property_certificate").set_input_files(
        {"name": "deed.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="上传 房屋所有权证").click()
    expect(page.locator("main")).to_contain_text("已上传：deed.png")
    audit(page, "change-materials", elder=elder)
    page.get_by_role("button", name="材料上传好了，继续").click()

    expect(page.locator("h1")).to_have_text("核对你的申请")
    expect(page.locator("main")).to_contain_text("罗湖区人民南路2号5栋")
    audit(page, "change-check", elder=elder)
    page.get_by_label("我已阅读并同意以上承诺").check()
    page.get_by_role("button", name="提交申请").click()

    expect(page.locator("h1")).to_have_text("申请已提交")
    app = Application.objects.get()
    assert (app.kind, app.permit_id, app.housing) == ("change", permit.pk, "owned")
    assert app.facts["address"] == "罗湖区人民南路2号5栋"
    expect(page.locator(".case-number")).to_have_text(app.case_number)
    audit(page, "change-submitted", elder=elder)
