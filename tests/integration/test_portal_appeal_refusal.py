"""Appeals with evidence, and contesting a refused application: the evidence is checked by
content, size and count and listed in the draft 行政复议申请书; a refusal's draft names the
act (不予签发居住证, the decision day, the policy's grounds in words), the actual offices
when the directory knows them, and the deadline: 60 days from the day the person was told."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fixtures import files as real_files
from fixtures.applications import refused_application
from fixtures.clock import frozen, today
from fixtures.officers import make_office
from fixtures.people import make_person
from fixtures.permits import OFFICER_17, cancelled_permit, make_permit
from fixtures.portal import login, pdf_text
from juzhu.portal import appeal as appeal_flow
from juzhu.portal.models import Evidence
from juzhu.portal.present import day
from juzhu.registry import services
from juzhu.registry.models import Appeal, Application, Event, Office, Permit, Person

pytestmark = frozen
GROUNDS = "我在本市居住已满一年，有居住登记回执和租赁合同为证。"
PNG = real_files.PNG  # real files: uploads are parsed
PDF = real_files.PDF


@pytest.fixture()
def cancelled(alice: Person, uploads: Path) -> Permit:
    return cancelled_permit(
        alice,
        reason="ineligible_or_false_info",
        on=today() - dt.timedelta(days=10),
        actor=OFFICER_17,
    )


@pytest.fixture()
def refused(alice: Person, uploads: Path) -> Application:
    """Refused five days ago: residence registered less than half a year."""
    return refused_application(alice)


@pytest.fixture()
def futian(db: Any) -> Office:
    return make_office()


def files(*pairs: tuple[str, bytes]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, data) for name, data in pairs]


def test_evidence_is_kept_outside_the_web_root_and_listed_in_the_draft(
    client: Client, alice: Person, cancelled: Permit, uploads: Path, futian: Office
) -> None:
    login(client, alice)
    r = client.post(
        f"/portal/me/permits/{cancelled.pk}/appeal/",
        {
            "kind": "reconsideration",
            "grounds": GROUNDS,
            "evidence": files(("租赁合同.png", PNG), ("社保记录.pdf", PDF)),
        },
    )
    appeal = Appeal.objects.get()
    assert r["Location"] == f"/portal/me/appeals/{appeal.pk}/"
    rows = list(Evidence.objects.filter(appeal=appeal).order_by("created_at"))
    assert [(e.name, e.content_type) for e in rows] == [
        ("租赁合同.png", "image/png"),
        ("社保记录.pdf", "application/pdf"),
    ]
    assert (uploads / "appeals" / str(appeal.pk) / str(rows[0].pk)).read_bytes() == PNG
    page = client.get(r["Location"]).content.decode()
    assert "你提交的证据" in page and "租赁合同.png" in page
    text = pdf_text(client.get(f"/portal/me/appeals/{appeal.pk}/draft.pdf").content)
    assert "1. 租赁合同.png" in text and "2. 社保记录.pdf" in text
    assert "深圳市公安局福田分局" in text and "深圳市福田区人民政府" in text


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ([("photo.jpg", b"MZ\x90\x00 a program" * 20)], "内容不是 JPG、PNG 或 PDF"),
        ([("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))], "超过5MB"),
        ([("empty.png", b"")], "是空的"),
        ([(f"{i}.png", PNG) for i in range(11)], "最多上传10个证据文件"),
    ],
)
def test_bad_evidence_is_refused_beside_the_field_and_nothing_is_filed(
    client: Client,
    alice: Person,
    cancelled: Permit,
    uploads: Path,
    evidence: list[tuple[str, bytes]],
    message: str,
) -> None:
    login(client, alice)
    r = client.post(
        f"/portal/me/permits/{cancelled.pk}/appeal/",
        {"kind": "reconsideration", "grounds": GROUNDS, "evidence": files(*evidence)},
    )
    html = r.content.decode()
    if message == "超过5MB":  # stopped while streaming in: 413, the limit named (T9)
        assert r.status_code == 413 and message in html
    else:
        assert r.status_code == 400
        assert message in html and 'id="id_evidence-error"' in html
    assert not Appeal.objects.exists() and not Evidence.objects.exists()
    assert not any(p.is_file() for p in uploads.rglob("*"))


def test_a_refused_application_is_contested_with_the_computed_deadline(
    client: Client, alice: Person, refused: Application, futian: Office
) -> None:
    login(client, alice)
    page = client.get(f"/portal/me/applications/{refused.pk}/").content.decode()
    assert "对不予签发有异议" in page
    r = client.post(
        f"/portal/me/applications/{refused.pk}/appeal/",
        {"kind": "reconsideration", "grounds": GROUNDS, "evidence": files(("回执.png", PNG))},
    )
    appeal = Appeal.objects.get()
    assert r["Location"] == f"/portal/me/appeals/{appeal.pk}/"
    assert (appeal.application_id, appeal.permit_id, appeal.status, appeal.kind) == (
        refused.pk,
        None,
        "filed",
        "reconsideration",
    )
    event = Event.objects.get(record_type="appeal", record_id=appeal.pk)
    assert event.name == "AppealFiled" and event.actor == f"holder:{alice.pk}"

    told = appeal_flow.refusal_notified_on(refused)
    assert told == dt.date.today()  # the inbox notice went out when the officer refused
    period = services.policy_of("shenzhen", told).period("remedy.reconsideration.period")
    assert period is not None and period.amount == 60
    due = services.work_calendar().period_end(told, period).date
    page = client.get(r["Location"]).content.decode()
    assert "行政复议截止日期" in page and day(due, "zh") in page and refused.case_number in page

    text = pdf_text(client.get(f"/portal/me/appeals/{appeal.pk}/draft.pdf").content)
    for part in ("行政复议申请书", "艾丽斯", alice.id_number_masked, "深圳市公安局福田分局",
                 "深圳市福田区人民政府", "不予签发居住证", refused.case_number,
                 day(refused.decided_on, "zh"), "居住登记未满12个月（稳定住所条件）",
                 "居住登记不满半年", "复议请求", "1. 回执.png", day(due, "zh")):  # fmt: skip
        assert part in text.replace("\n", ""), part


def test_without_an_office_row_the_policy_words_name_respondent_and_body(
    client: Client, alice: Person, refused: Application
) -> None:
    login(client, alice)
    client.post(
        f"/portal/me/applications/{refused.pk}/appeal/",
        {"kind": "appeal", "grounds": GROUNDS},
    )
    context = appeal_flow.draft_context(Appeal.objects.get(), "zh")
    policy = services.policy_of("shenzhen", dt.date.today())
    respondent, body = policy.remedy_parties()
    # 深圳经济特区居住证条例 Art. 21: the city bureau signs; 行政复议法 (2023) Art. 24: its government
    assert context["respondent"] == respondent["zh"] == "深圳市公安局（居住证由市公安机关签发）"
    assert context["body"] == body["zh"] == "深圳市人民政府"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"kind": "appeal", "grounds": "<script>alert(1)</script> 错了"},
            "grounds",
            "不能有网页代码",
        ),
        ({"kind": "appeal", "grounds": "错了"}, "grounds", "至少10个字"),
        ({"grounds": GROUNDS}, "kind", "请选择一项"),
        ({"kind": "lawsuit", "grounds": GROUNDS}, "kind", ""),
    ],
)
def test_bad_input_on_a_refusal_appeal_stores_nothing(
    client: Client,
    alice: Person,
    refused: Application,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    login(client, alice)
    r = client.post(f"/portal/me/applications/{refused.pk}/appeal/", data)
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html and f'id="id_{field}-error"' in html
    assert "<script>alert(1)</script>" not in html
    assert not Appeal.objects.exists()


def test_a_refusal_is_contested_once_and_only_a_refusal(
    client: Client, alice: Person, refused: Application, uploads: Path
) -> None:
    login(client, alice)
    url = f"/portal/me/applications/{refused.pk}/appeal/"
    assert client.post(url, {"kind": "appeal", "grounds": GROUNDS}).status_code == 302
    r = client.post(url, {"kind": "reconsideration", "grounds": GROUNDS})
    assert r.status_code == 400 and "你已对这一决定提出异议" in r.content.decode()
    assert Appeal.objects.count() == 1
    pending = services.do_submit_application(
        alice,
        kind="replacement",
        city="shenzhen",
        district="futian",
        station="sz-futian-1",
        on=dt.date.today(),
        actor=services.SYSTEM,
        permit=make_permit(alice),
    )
    assert client.get(f"/portal/me/applications/{pending.pk}/appeal/").status_code == 404
    other = login(Client(), make_person(name="鲍勃"))
    assert other.get(url).status_code == 404
