"""Contest a cancellation online: the appeal is recorded and a draft 行政复议申请书 (PDF)
names applicant, respondent, the act, the request, facts and the computed deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import frozen, today
from fixtures.permits import OFFICER_17, cancelled_permit, make_permit
from fixtures.portal import login, pdf_text
from juzhu.registry.models import Appeal, Permit, Person

pytestmark = frozen
GROUNDS = "我一直住在福田区，按时签注，有租赁合同和社保记录为证。"


@pytest.fixture()
def cancelled(alice: Person, settings: Any, tmp_path: Any) -> Permit:
    settings.NOTIFY_FILE_DIR = tmp_path
    return cancelled_permit(
        alice,
        reason="ineligible_or_false_info",
        on=today() - dt.timedelta(days=10),
        actor=OFFICER_17,
    )


def test_contesting_a_cancellation_records_it_and_gives_a_draft_application(
    client: Client, alice: Person, cancelled: Permit
) -> None:
    login(client, alice)
    assert "对注销有异议" in client.get(f"/portal/me/permits/{cancelled.pk}/").content.decode()
    r = client.post(
        f"/portal/me/permits/{cancelled.pk}/appeal/",
        {"kind": "reconsideration", "grounds": GROUNDS},
    )
    appeal = Appeal.objects.get()
    assert r["Location"] == f"/portal/me/appeals/{appeal.pk}/"
    assert (appeal.kind, appeal.status, appeal.grounds) == ("reconsideration", "filed", GROUNDS)
    page = client.get(r["Location"]).content.decode()
    assert "行政复议截止日期" in page and "下载行政复议申请书" in page
    pdf = client.get(f"/portal/me/appeals/{appeal.pk}/draft.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    for part in ("行政复议申请书", "申请人", "艾丽斯", alice.id_number_masked, "被申请人",
                 "深圳市公安局", "深圳市人民政府", "注销", cancelled.number, "复议请求", "事实和理由",
                 "租赁合同", "前递交"):  # fmt: skip
        assert part in text, part


@pytest.mark.parametrize(
    ("grounds", "message"),
    [
        ("<script>alert(1)</script> 注销错了", "不能有网页代码"),
        ("错了", "至少10个字"),
        ("", "请填写"),
    ],
)
def test_bad_reasons_are_refused_beside_the_field_and_nothing_is_filed(
    client: Client, alice: Person, cancelled: Permit, grounds: str, message: str
) -> None:
    login(client, alice)
    r = client.post(
        f"/portal/me/permits/{cancelled.pk}/appeal/", {"kind": "appeal", "grounds": grounds}
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html and 'id="id_grounds-error"' in html
    assert "<script>alert(1)</script>" not in html
    assert not Appeal.objects.exists()


def test_an_active_permit_cannot_be_contested(client: Client, alice: Person) -> None:
    permit = make_permit(alice)
    login(client, alice)
    assert client.get(f"/portal/me/permits/{permit.pk}/appeal/").status_code == 404
