"""The county bureau's decisions in the back office: approve or refuse with policy grounds
(refusal letter with legal basis, respondent and remedy deadlines), production, pickup and
handover with the identity check, endorsement / replacement / change approvals, and the
cancellation or revocation of a permit (preview of the impacts and the letter, then
confirm). Stale versions give 409 and write nothing; a clerk gets 403; a reviewer of
another district gets 404 on every POST, and nothing is written."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fixtures import files as real_files
from fixtures.applications import RECENT, heard, make_application
from fixtures.clock import frozen
from fixtures.officers import make_office, officer, signed_in
from fixtures.people import make_person
from fixtures.permits import heard_permit, make_permit
from juzhu.backoffice import letters
from juzhu.backoffice.letters import zh_date
from juzhu.backoffice.models import Denial, Letter
from juzhu.notifications.models import Notification
from juzhu.registry import services
from juzhu.registry.models import Application, Endorsement, Event, Office, Permit, Person
from juzhu.registry.services import Actor

pytestmark = [pytest.mark.django_db, frozen]

PNG = real_files.PNG  # a real PNG: uploads are parsed
BUREAU, GOVERNMENT = "深圳市公安局福田分局", "深圳市福田区人民政府"


@pytest.fixture(autouse=True)
def futian_office(db: Any) -> Office:
    return make_office(
        bureau_zh=BUREAU, government_zh=GOVERNMENT, address="福田路1号", phone="0755-1"
    )


@pytest.fixture(autouse=True)
def evidence_dir(settings: Any, tmp_path: Path) -> Path:
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    return settings.EVIDENCE_DIR


@pytest.fixture()
def reviewer(db: Any) -> Client:
    return signed_in(officer("reviewer"))


def url(name: str, pk: Any) -> str:
    return reverse(f"backoffice:{name}", args=[pk])


def post(client: Client, name: str, record: Any, **data: Any) -> Any:
    return client.post(url(name, record.pk), {"version": record.version, **data})


def expected_deadlines(city: str) -> tuple[str, str]:
    """The last days to apply for reconsideration and to sue, counted here with the
    working-day calendar from today (the day of service)."""
    day = timezone.localdate()
    policy = services.policy_of(city, day)
    cal = services.work_calendar()
    rec = cal.period_end(day, policy.period("remedy.reconsideration.period")).date  # type: ignore[arg-type]
    lit = cal.period_end(day, policy.period("remedy.litigation.direct")).date  # type: ignore[arg-type]
    assert (rec - day).days >= 60 and (lit - day).days >= 180
    return zh_date(rec), zh_date(lit)


def pdf_text(letter: Letter) -> str:
    pdf = letters.render_pdf(letter)
    assert pdf.startswith(b"%PDF-")
    if not shutil.which("pdftotext"):
        return letters.render_html(letter, for_print=True)  # poppler-utils missing: the HTML
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return "".join(out.stdout.decode().split())  # CJK lines wrap anywhere


def written() -> tuple[int, int, int, int]:
    return (
        Event.objects.count(),
        Letter.objects.count(),
        Notification.objects.count(),
        Permit.objects.count(),
    )


# -- review --------------------------------------------------------------------------------


def test_approving_a_first_issue_issues_the_permit(reviewer: Client) -> None:
    app = make_application(status="accepted")
    r = post(reviewer, "application_approve", app)
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "approved" and app.decided_on == timezone.localdate()
    assert app.permit is not None and app.permit.status == "active"
    assert app.permit.person_id == app.person_id and app.permit.basis == "employment"
    page = reviewer.get(url("application", app.pk)).content.decode()
    assert "开始制证" in page and app.permit.number in page


def test_a_refusal_gives_a_letter_with_grounds_law_respondent_and_both_deadlines(
    reviewer: Client,
) -> None:
    # registered in September: the engine finds the residence clock short, as the officer does
    app = heard(make_application(status="accepted", facts=RECENT))
    form = reviewer.get(url("application_decide", app.pk)).content.decode()
    assert 'name="grounds" value="registration_too_short"' in form
    assert "《深圳经济特区居住证条例》第十九条第一项" in form  # the law beside each ground
    r = post(
        reviewer, "application_refuse", app,
        grounds=["registration_too_short", "false_materials"],
        facts="租赁合同所载房屋经核查不存在。",
    )  # fmt: skip
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "refused" and app.permit is None
    assert app.decision_reasons == [
        "registration_too_short",
        "false_materials",
        "租赁合同所载房屋经核查不存在。",
    ]
    event = Event.objects.filter(record_id=app.pk, name="ApplicationRefused").get()
    assert json.loads(event.body)["inputs"]["grounds"] == [
        "registration_too_short",
        "false_materials",
    ]
    letter = Letter.objects.get(record_id=app.pk, kind="refusal")
    rec_by, lit_by = expected_deadlines("shenzhen")
    html = letters.render_html(letter)
    for text in (
        "不予签发居住证决定书",
        "居住登记未满12个月",
        "《深圳经济特区居住证条例》第十九条第一项",
        "提交的证明材料经核查不真实",
        "租赁合同所载房屋经核查不存在",
        BUREAU,  # the respondent
        GOVERNMENT,  # the reconsideration body
        rec_by,
        lit_by,
        app.case_number,
    ):
        assert text in html, text
    text = pdf_text(letter)
    for part in ("居住登记未满12个月", GOVERNMENT, rec_by, lit_by):
        assert "".join(part.split()) in text, part
    notice = Notification.objects.filter(person=app.person, template="application_refused").first()
    assert notice is not None and "居住登记未满12个月" in notice.context["reasons"][0]
    # the notice carries the same last days as the letter (for texts that print them)
    assert notice.context["reconsideration_by"] == letter.context["remedy"]["reconsideration_by"]
    assert notice.context["litigation_by"] == letter.context["remedy"]["litigation_by"]
    assert notice.context["letter"] == letter.number
    # the case page lists the letter
    assert letter.number in reviewer.get(url("application", app.pk)).content.decode()


def test_a_refusal_without_a_ground_is_refused_next_to_the_field_and_writes_nothing(
    reviewer: Client,
) -> None:
    app = make_application(status="accepted")
    before = written()
    r = post(reviewer, "application_refuse", app, facts="只有事实，没有理由")
    assert r.status_code == 400
    page = r.content.decode()
    assert 'role="alert" id="grounds-error"' in page and "请至少选择一项" in page
    assert "只有事实，没有理由" in page  # what was typed is kept
    r = post(reviewer, "application_refuse", app, grounds=["made_up_ground"])
    assert r.status_code == 400 and "不是本市政策规定的不予签发理由" in r.content.decode()
    assert written() == before
    app.refresh_from_db()
    assert app.status == "accepted"


# -- production, pickup, handover ------------------------------------------------------------


def test_production_then_ready_notifies_the_holder_then_collection_needs_identity(
    reviewer: Client,
) -> None:
    app = make_application(status="approved")
    assert post(reviewer, "application_production", app).status_code == 302
    app.refresh_from_db()
    assert app.status == "in_production"
    assert "证件已制好，通知领取" in reviewer.get(url("application", app.pk)).content.decode()
    assert post(reviewer, "application_ready", app).status_code == 302
    app.refresh_from_db()
    assert app.status == "ready_for_pickup"
    assert Notification.objects.filter(person=app.person, template="application_ready").exists()
    pickup = Letter.objects.get(record_id=app.pk, kind="pickup_notice")
    assert app.permit.number in letters.render_html(pickup)  # type: ignore[union-attr]

    clerk = signed_in(officer("clerk"))  # handover happens at the window
    before = written()
    r = post(clerk, "application_collect", app, method="id_card")  # box not ticked
    assert r.status_code == 400 and "领证前须核验本人身份" in r.content.decode()
    r = post(
        clerk, "application_collect", app, method="agent", identity_checked="1",
        agent_name="王五", agent_id_number="123", relation="配偶",
    )  # fmt: skip
    assert r.status_code == 400 and 'id="agent-id-error"' in r.content.decode()
    assert written() == before
    r = post(clerk, "application_collect", app, method="id_card", identity_checked="1")
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "collected"
    event = Event.objects.get(record_id=app.pk, name="ApplicationCollected")
    assert json.loads(event.body)["inputs"]["identity"] == {"method": "id_card"}


def test_an_agent_collecting_is_recorded_with_a_masked_id_and_the_relation(
    reviewer: Client,
) -> None:
    from fixtures.people import make_id

    app = make_application(status="ready_for_pickup")
    agent_id = make_id()
    r = post(
        reviewer, "application_collect", app, method="agent", identity_checked="1",
        agent_name="王五", agent_id_number=agent_id, relation="配偶",
    )  # fmt: skip
    assert r.status_code == 302
    body = Event.objects.get(record_id=app.pk, name="ApplicationCollected").body
    identity = json.loads(body)["inputs"]["identity"]
    assert identity["relation"] == "配偶" and identity["agent_name"] == "王五"
    assert identity["agent_id_masked"].endswith(agent_id[-4:]) and agent_id not in body


# -- endorsement, replacement, change -----------------------------------------------------------


def holder_with_permit() -> tuple[Person, Permit]:
    person = make_person()
    return person, make_permit(person)


def test_approving_an_endorsement_endorses_the_permit_and_ends_the_case(
    reviewer: Client,
) -> None:
    person, permit = holder_with_permit()
    app = make_application(person, kind="endorsement", permit=permit, status="accepted")
    assert post(reviewer, "application_approve", app).status_code == 302
    permit.refresh_from_db()
    app.refresh_from_db()
    assert app.status == "approved" and permit.last_endorsed_on == timezone.localdate()
    assert Endorsement.objects.filter(permit=permit).count() == 1
    page = reviewer.get(url("application", app.pk)).content.decode()
    assert "签注已生效" in page and "开始制证" not in page
    assert post(reviewer, "application_production", app).status_code == 400  # no card


def test_approving_a_replacement_makes_a_new_card_for_the_same_permit(
    reviewer: Client,
) -> None:
    person, permit = holder_with_permit()
    app = make_application(person, kind="replacement", permit=permit, status="accepted")
    before = (permit.number, Permit.objects.count())
    assert post(reviewer, "application_approve", app).status_code == 302
    permit.refresh_from_db()
    assert (permit.number, Permit.objects.count()) == before and permit.status == "active"
    event = Event.objects.get(record_id=app.pk, name="ApplicationApproved")
    assert json.loads(event.body)["inputs"]["replacement"] == {"permit": permit.number, "card": 2}
    app.refresh_from_db()
    assert post(reviewer, "application_ready", app).status_code == 302
    app.refresh_from_db()
    assert app.status == "ready_for_pickup"


def test_approving_a_change_updates_the_permit_facts(reviewer: Client) -> None:
    person, permit = holder_with_permit()
    assert permit.housing == "rented"
    app = make_application(person, kind="change", permit=permit, status="accepted", housing="owned")
    assert post(reviewer, "application_approve", app).status_code == 302
    permit.refresh_from_db()
    assert permit.housing == "owned"
    event = Event.objects.get(record_id=app.pk, name="ApplicationApproved")
    assert json.loads(event.body)["inputs"]["permit_changes"]["housing"] == "owned"


# -- conflicts, roles, scope ----------------------------------------------------------------


def test_two_reviewers_approving_the_same_version_one_wins_the_other_gets_409(
    reviewer: Client,
) -> None:
    app = make_application(status="accepted")
    other = signed_in(officer("supervisor", name="supervisor-2"))
    seen = app.version
    assert reviewer.post(url("application_approve", app.pk), {"version": seen}).status_code == 302
    app.refresh_from_db()
    state = (app.version, app.permit_id, app.last_event_hash, written())
    r = other.post(url("application_refuse", app.pk), {"version": seen, "grounds": ["false_materials"]})  # fmt: skip
    assert r.status_code == 409 and "操作冲突" in r.content.decode()
    r = other.post(url("application_approve", app.pk), {"version": seen})
    assert r.status_code == 409
    app.refresh_from_db()
    assert (app.version, app.permit_id, app.last_event_hash, written()) == state
    assert Permit.objects.filter(person=app.person).count() == 1


def test_a_clerk_cannot_decide(db: Any) -> None:
    app = make_application(status="accepted")
    clerk = signed_in(officer("clerk"))
    before = written()
    for name in ("application_approve", "application_refuse", "application_ready"):
        assert post(clerk, name, app, grounds=["false_materials"]).status_code == 403
    permit = make_permit()
    before = written()
    r = post(clerk, "permit_cancel", permit, ground="hukou_settled", facts="x")
    assert r.status_code == 403
    assert written() == before
    assert Denial.objects.filter(why="role").count() == 4


def test_a_reviewer_of_another_district_gets_404_on_every_post_and_nothing_is_written(
    evidence_dir: Path,
) -> None:
    accepted = make_application(status="accepted")
    approved = make_application(status="approved")
    ready = make_application(status="ready_for_pickup")
    permit = make_permit()
    elsewhere = signed_in(officer("reviewer", district="nanshan", station="sz-nanshan-3"))
    before = written()
    attempts = [
        ("application_approve", accepted, {}),
        ("application_refuse", accepted, {"grounds": ["false_materials"], "facts": "x"}),
        ("application_production", approved, {}),
        ("application_ready", approved, {}),
        ("application_collect", ready, {"method": "id_card", "identity_checked": "1"}),
        ("permit_cancel_preview", permit, {"ground": "hukou_settled", "facts": "x"}),
        ("permit_cancel", permit, {"ground": "hukou_settled", "facts": "x"}),
    ]
    for name, record, data in attempts:
        r = post(elsewhere, name, record, **data)
        assert r.status_code == 404, name
    assert elsewhere.get(url("application_decide", accepted.pk)).status_code == 404
    assert elsewhere.get(url("permit", permit.pk)).status_code == 404
    assert written() == before
    assert not evidence_dir.exists()
    assert Denial.objects.filter(why="scope").count() == len(attempts) + 2
    for app in (accepted, approved, ready):
        assert Application.objects.get(pk=app.pk).status == app.status


# -- cancellation and revocation ----------------------------------------------------------------


def test_cancellation_preview_shows_impacts_and_draft_then_confirm_decides_with_letter(
    reviewer: Client, evidence_dir: Path
) -> None:
    person, permit = holder_with_permit()
    open_app = make_application(person, kind="endorsement", permit=permit, status="submitted")
    permit = heard_permit(permit, ground="hukou_settled", facts="持证人已于本月办理深圳户籍登记。")
    page = reviewer.get(url("permit", permit.pk)).content.decode()
    assert 'value="hukou_settled"' in page and "预览影响和决定书" in page
    before = written()
    upload = _upload("户籍证明.png", PNG)
    r = post(
        reviewer, "permit_cancel_preview", permit, ground="hukou_settled",
        facts="持证人已于本月办理深圳户籍登记。", evidence=upload,
    )  # fmt: skip
    assert r.status_code == 200
    preview = r.content.decode()
    assert "对持证人的影响" in preview
    assert "孩子在深圳上学要有效居住证" in preview  # a linked service that needs the permit
    assert "给机动车办登记时" not in preview  # one that does not
    assert open_app.case_number in preview  # the person's open application
    assert "注销居住证决定书" in preview and "已在本市落户" in preview  # the draft letter
    assert written() == before  # a preview decides nothing
    digest = hashlib.sha256(PNG).hexdigest()
    assert (evidence_dir / digest[:2] / f"{digest}.png").read_bytes() == PNG
    r = reviewer.post(
        url("permit_cancel", permit.pk),
        {
            "version": r.context["permit"].version,
            "ground": "hukou_settled",
            "facts": r.context["facts"],
            "evidence_files": r.context["files_json"],
        },
    )
    assert r.status_code == 302
    permit.refresh_from_db()
    assert permit.status == "cancelled" and permit.cancellation_reason == "hukou_settled"
    event = json.loads(Event.objects.get(record_id=permit.pk, name="PermitCancelled").body)
    assert event["inputs"]["evidence_files"] == [
        {"name": "户籍证明.png", "sha256": digest, "size": len(PNG), "type": "image/png"}
    ]
    letter = Letter.objects.get(record_id=permit.pk, kind="cancellation")
    rec_by, lit_by = expected_deadlines("shenzhen")
    html = letters.render_html(letter)
    for text in (
        "注销居住证决定书", "已在本市落户", "深圳经济特区居住证条例", "第二十七条",
        "持证人已于本月办理深圳户籍登记", "户籍证明.png", BUREAU, GOVERNMENT, rec_by, lit_by,
    ):  # fmt: skip
        assert text in html, text
    assert "".join(rec_by.split()) in pdf_text(letter)
    assert Notification.objects.filter(person=person, template="permit_cancelled").exists()
    page = reviewer.get(url("permit", permit.pk)).content.decode()
    assert letter.number in page and "无可办理的注销或撤销" in page


def test_a_permit_changed_after_the_preview_gives_409_and_is_not_cancelled(
    reviewer: Client,
) -> None:
    permit = make_permit()
    r = post(reviewer, "permit_cancel_preview", permit, ground="hukou_settled", facts="已落户")
    assert r.status_code == 200
    seen = r.context["permit"].version
    services.do_endorse_permit(
        permit, on=timezone.localdate(), actor=Actor("officer:other"), expected_version=seen
    )
    before = written()
    r = reviewer.post(
        url("permit_cancel", permit.pk),
        {"version": seen, "ground": "hukou_settled", "facts": "已落户", "evidence_files": "[]"},
    )
    assert r.status_code == 409 and "预览后已有变化" in r.content.decode()
    permit.refresh_from_db()
    assert permit.status == "active" and written() == before


def test_revocation_needs_the_evidence_of_fraud(reviewer: Client) -> None:
    permit = make_permit()
    before = written()
    r = post(reviewer, "permit_cancel_preview", permit, ground="ineligible_or_false_info")
    assert r.status_code == 400
    assert 'id="facts-error"' in r.content.decode() and "撤销须写明" in r.content.decode()
    r = post(reviewer, "permit_cancel", permit, ground="ineligible_or_false_info", facts=" ")
    assert r.status_code == 400
    assert written() == before
    permit.refresh_from_db()
    assert permit.status == "active"


def test_revocation_with_evidence_revokes_and_cites_the_licensing_law(reviewer: Client) -> None:
    facts = "申领时提交的劳动合同经用人单位核实系伪造。"
    permit = heard_permit(make_permit(), ground="ineligible_or_false_info", facts=facts)
    r = post(reviewer, "permit_cancel_preview", permit, ground="ineligible_or_false_info", facts=facts)  # fmt: skip
    assert r.status_code == 200 and "撤销居住证决定书" in r.content.decode()
    r = post(reviewer, "permit_cancel", permit, ground="ineligible_or_false_info", facts=facts)
    assert r.status_code == 302
    permit.refresh_from_db()
    assert permit.status == "revoked"
    html = letters.render_html(Letter.objects.get(record_id=permit.pk, kind="revocation"))
    assert "《中华人民共和国行政许可法》第六十九条第二款" in html and facts in html
    assert GOVERNMENT in html


def test_evidence_of_the_wrong_type_is_refused_and_not_stored(
    reviewer: Client, evidence_dir: Path
) -> None:
    permit = make_permit()
    r = post(
        reviewer, "permit_cancel_preview", permit, ground="hukou_settled", facts="已落户",
        evidence=_upload("run.exe", b"MZ\x90\x00" + b"\x00" * 32),
    )  # fmt: skip
    assert r.status_code == 400 and 'id="evidence-error"' in r.content.decode()
    assert not evidence_dir.exists() or not any(evidence_dir.rglob("*.*"))
    forged = json.dumps([{"name": "x.png", "sha256": "0" * 64, "ext": "png"}])
    r = post(
        reviewer, "permit_cancel", permit, ground="hukou_settled", facts="已落户",
        evidence_files=forged,
    )  # fmt: skip
    assert r.status_code == 400
    permit.refresh_from_db()
    assert permit.status == "active"


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
