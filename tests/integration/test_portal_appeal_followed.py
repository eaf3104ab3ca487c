"""An appeal, once filed, is followed on 我的居住证 (issue 13, item 7): its status, evidence
and dates; the plan takes it into account (no 无需补救, no second filing offered); and a
complaint (申诉) gives a 申诉书 addressed to the office that decided, not a 复议申请书."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fixtures import files as real_files
from fixtures.clock import frozen, today
from fixtures.officers import make_office
from fixtures.permits import OFFICER_17, cancelled_permit
from fixtures.portal import login, pdf_text
from juzhu.registry import services
from juzhu.registry.models import Appeal, Permit, Person

pytestmark = frozen
GROUNDS = "我一直住在福田区，按时签注，有租赁合同和社保记录为证。"
PNG = real_files.PNG  # a real PNG: uploads are parsed


@pytest.fixture()
def cancelled(alice: Person, settings: Any, tmp_path: Path) -> Permit:
    settings.NOTIFY_FILE_DIR = tmp_path / "outbox"
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    make_office()
    return cancelled_permit(
        alice, reason="hukou_settled", on=today() - dt.timedelta(days=10), actor=OFFICER_17
    )


def file(client: Client, permit: Permit, kind: str, **extra: Any) -> Appeal:
    r = client.post(
        f"/portal/me/permits/{permit.pk}/appeal/", {"kind": kind, "grounds": GROUNDS, **extra}
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    return Appeal.objects.get(pk=r["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_a_filed_reconsideration_is_on_my_permit_with_status_evidence_and_dates(
    client: Client, alice: Person, cancelled: Permit
) -> None:
    login(client, alice)
    before = client.get("/portal/me/").content.decode()
    assert "无需补救" in before  # a hukou match: the plan thinks no permit is needed...
    evidence = SimpleUploadedFile("户籍证明.png", PNG, content_type="image/png")
    appeal = file(client, cancelled, "reconsideration", evidence=evidence)
    page = client.get("/portal/me/").content.decode()
    assert "我的申诉和复议" in page and "申请行政复议" in page
    assert f"居住证 {cancelled.number} 被注销" in page
    assert "已提交，等待受理" in page and "办理中，不必再次提交" in page
    assert "户籍证明.png" in page
    assert "最晚决定是否受理" in page and "应作出决定" in page
    assert f'href="/portal/me/appeals/{appeal.pk}/"' in page
    assert "无需补救" not in page  # ...until it is contested: the plan follows the challenge


def test_a_running_reconsideration_is_not_offered_again(
    client: Client, alice: Person, cancelled: Permit
) -> None:
    login(client, alice)
    appeal = file(client, cancelled, "reconsideration")
    detail = client.get(f"/portal/me/permits/{cancelled.pk}/").content.decode()
    assert "对注销有异议" not in detail and "我的申诉和复议" in detail
    form = client.get(f"/portal/me/permits/{cancelled.pk}/appeal/")
    assert form.status_code == 302 and form["Location"] == f"/portal/me/appeals/{appeal.pk}/"
    me = client.get("/portal/me/").content.decode()
    section = me.split('class="what-now"', 1)[1].split("</section>", 1)[0]
    assert "申请行政复议：截止" not in section  # no second filing, no deadline to meet
    assert Appeal.objects.count() == 1


def test_after_a_complaint_only_reconsideration_is_offered_and_a_second_complaint_refused(
    client: Client, alice: Person, cancelled: Permit
) -> None:
    login(client, alice)
    complaint = file(client, cancelled, "appeal")
    form = client.get(f"/portal/me/permits/{cancelled.pk}/appeal/").content.decode()
    assert 'value="reconsideration"' in form and 'value="appeal"' not in form
    r = client.post(
        f"/portal/me/permits/{cancelled.pk}/appeal/", {"kind": "appeal", "grounds": GROUNDS}
    )
    assert r.status_code == 400 and Appeal.objects.count() == 1
    with pytest.raises(services.Refused, match="already filed"):
        services.do_file_appeal(
            cancelled, kind="appeal", grounds=GROUNDS, on=today(),
            actor=services.Actor(f"holder:{alice.pk}"),
        )  # fmt: skip
    page = client.get(f"/portal/me/appeals/{complaint.pk}/").content.decode()
    assert "申诉不会让复议期限停下来" in page and "下载申诉书" in page
    assert "下载行政复议申请书" not in page


def test_a_complaint_gives_a_complaint_letter_to_the_office_that_decided(
    client: Client, alice: Person, cancelled: Permit
) -> None:
    login(client, alice)
    complaint = file(client, cancelled, "appeal")
    pdf = client.get(f"/portal/me/appeals/{complaint.pk}/draft.pdf")
    assert pdf.status_code == 200 and "shensu-" in pdf["Content-Disposition"]
    text = pdf_text(pdf.content)
    for part in ("申诉书", "致：深圳市公安局福田分局", "经福田派出所转交", "申诉人", "申诉请求",
                 cancelled.number, "事实和理由", "深圳市福田区人民政府"):  # fmt: skip
        assert part in text, part
    assert "行政复议申请书" not in text and "被申请人" not in text and "复议机关" not in text
