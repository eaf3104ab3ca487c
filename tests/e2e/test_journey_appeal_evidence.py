"""Journeys: contesting with evidence. A holder contests the cancellation and attaches a
photo of the lease (a disguised file is refused beside the field first); an applicant whose
first application was refused contests the refusal from the application page. Each draft
行政复议申请书 lists the evidence, names the act and gives the deadline."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from a11y import audit, set_mode
from people import alice_with_a_cancelled_permit, alice_with_a_refused_application, log_in
from playwright.sync_api import expect

from fixtures import files as real_files
from fixtures.clock import frozen
from fixtures.officers import make_office
from juzhu.portal.models import Evidence
from juzhu.registry.models import Appeal

pytestmark = frozen

PNG = real_files.PNG  # a real PNG: uploads are parsed


def pdf_text(page: Any) -> tuple[str, str]:
    with page.expect_download() as download:
        page.get_by_role("link", name="下载行政复议申请书（PDF草稿）").click()
    path = str(download.value.path())
    text = subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
    ).stdout
    return path, text


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_a_holder_contests_the_cancellation_with_evidence(
    page: Any, live_server: Any, portal_settings: Path, settings: Any, tmp_path: Path, mode: str
) -> None:
    elder = mode == "elder"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    _, permit = alice_with_a_cancelled_permit()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name="查看详情和办理记录").click()
    page.get_by_role("link", name="对注销有异议").click()
    page.get_by_label("申请行政复议").check()
    page.get_by_label("事实和理由").fill("我一直按时签注，有签注回执和租赁合同为证。")
    page.get_by_label("证据材料（可不传）").set_input_files(
        [{"name": "lease.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo" * 20}]
    )
    page.get_by_role("button", name="提交并生成申请书").click()
    expect(page.locator("#id_evidence-error")).to_contain_text("内容不是 JPG、PNG 或 PDF")
    audit(page, "appeal-evidence-refused", elder=elder)
    assert not Appeal.objects.exists()
    page.get_by_label("证据材料（可不传）").set_input_files(
        [
            {"name": "租赁合同.png", "mimeType": "image/png", "buffer": PNG},
            {"name": "签注回执.png", "mimeType": "image/png", "buffer": PNG},
        ]
    )
    page.get_by_role("button", name="提交并生成申请书").click()
    expect(page.locator("h1")).to_have_text("已登记你的异议")
    expect(page.locator("main")).to_contain_text("租赁合同.png")
    audit(page, "appeal-evidence-filed", elder=elder)
    appeal = Appeal.objects.get()
    assert appeal.permit_id == permit.pk
    assert Evidence.objects.filter(appeal=appeal).count() == 2
    _, text = pdf_text(page)
    assert "1. 租赁合同.png" in text and "2. 签注回执.png" in text and permit.number in text


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_an_applicant_contests_a_refusal_and_gets_the_draft(
    page: Any, live_server: Any, portal_settings: Path, settings: Any, tmp_path: Path, mode: str
) -> None:
    elder = mode == "elder"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    _, app = alice_with_a_refused_application()
    make_office()
    set_mode(page, live_server.url, elder)
    log_in(page, portal_settings)
    page.get_by_role("link", name=f"办件编号 {app.case_number}").click()
    expect(page.locator("main")).to_contain_text("不予办理")
    audit(page, "refused-application", elder=elder)
    page.get_by_role("link", name="对不予签发有异议").click()
    expect(page.locator("h1")).to_have_text("对不予签发有异议")
    audit(page, "refusal-appeal-form", elder=elder)
    page.get_by_role("button", name="提交并生成申请书").click()
    expect(page.locator("#id_kind-error")).to_contain_text("请选择一项")
    expect(page.locator("#id_grounds-error")).to_contain_text("请填写")
    audit(page, "refusal-appeal-error", elder=elder)
    page.get_by_label("申请行政复议").check()
    page.get_by_label("事实和理由").fill(
        "我自去年起在福田区居住并登记，登记回执可以证明已满12个月。"
    )
    page.get_by_label("证据材料（可不传）").set_input_files(
        [
            {
                "name": "登记回执.pdf",
                "mimeType": "application/pdf",
                "buffer": real_files.PDF,  # a real PDF: uploads are parsed
            }
        ]
    )
    page.get_by_role("button", name="提交并生成申请书").click()
    expect(page.locator("h1")).to_have_text("已登记你的异议")
    expect(page.locator("main")).to_contain_text("行政复议截止日期")
    audit(page, "refusal-appeal-filed", elder=elder)
    appeal = Appeal.objects.get()
    assert (appeal.application_id, appeal.permit_id) == (app.pk, None)

    path, text = pdf_text(page)
    flat = "".join(text.split())
    for part in ("行政复议申请书", "深圳市公安局福田分局", "深圳市福田区人民政府", "不予签发居住证",
                 app.case_number, "居住登记未满12个月", "1.登记回执.pdf", "前递交"):  # fmt: skip
        assert part in flat, part
    if not elder:
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", path,
             str(page.shots.dir / "refusal-appeal-pdf")],
            check=True,
        )  # fmt: skip
