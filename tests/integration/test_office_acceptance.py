"""The acceptance point: materials check, accept with a receipt, the one-time notice (and
the refusal of a second one), 容缺受理, supplements at the counter, deemed acceptance,
counter intake; 404 out of scope, 403 for the wrong role, 409 on a stale version."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from typer.testing import CliRunner

from fixtures.applications import SUBMITTED, make_application
from fixtures.clock import frozen, today
from fixtures.officers import officer, signed_in
from fixtures.people import make_id, make_person
from fixtures.permits import make_permit
from juzhu.backoffice import acceptance, letters
from juzhu.backoffice.deemed import run_deemed
from juzhu.backoffice.models import Denial, Letter
from juzhu.cli import app as cli_app
from juzhu.notifications.models import Notification
from juzhu.portal.models import Draft, Upload
from juzhu.registry import letters as registry_letters
from juzhu.registry import services
from juzhu.registry.models import (
    AccessLog,
    Application,
    ApplicationMaterial,
    Event,
    Office,
    Person,
)

pytestmark = [pytest.mark.django_db, frozen]

# Shenzhen, employment basis, rented home: the generated checklist is
# id_card, photo, lease_contract, lease_filing_certificate,
# labour_contract | business_licence | employment_certificate, social_insurance_record.
PROVIDED = ["id_card", "photo", "lease_contract"]
MISSING = ["lease_filing_certificate", "labour_contract", "social_insurance_record"]
ALL = PROVIDED + MISSING


def fresh(app: Application) -> Application:
    return Application.objects.get(pk=app.pk)


def url(name: str, app: Application) -> str:
    return reverse(f"backoffice:{name}", args=[app.pk])


def events(app: Application) -> list[dict[str, Any]]:
    rows = Event.objects.filter(record_id=app.pk).order_by("seq")
    return [{"name": e.name, "actor": e.actor, **json.loads(e.body)} for e in rows]


def pdf_text(letter: Letter) -> str:
    pdf = letters.render_pdf(letter)
    assert pdf.startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        return letters.render_html(letter, for_print=True)
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return "".join(out.stdout.decode().split())  # table cells wrap inside words


@pytest.fixture()
def clerk() -> Any:
    return officer("clerk")


@pytest.fixture()
def app() -> Application:
    return make_application(on=today())


# -- the materials check --------------------------------------------------------------


def test_checklist_shows_status_and_uploads_through_a_logged_view(
    clerk: Any, app: Application, settings: Any, tmp_path: Path
) -> None:
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    draft = Draft.objects.create(person=app.person, kind="reapplication", data={}, application=app)
    upload = Upload.objects.create(
        draft=draft, material="lease_contract", name="租房合同.pdf",
        content_type="application/pdf", size=9, sha256="0" * 64,
    )  # fmt: skip
    folder = tmp_path / "uploads" / str(draft.pk)
    folder.mkdir(parents=True)
    (folder / str(upload.pk)).write_bytes(b"%PDF-1.4\n")
    client = signed_in(clerk)

    case = client.get(url("application", app)).content.decode()
    assert "材料核验" in case and "租房合同.pdf" in case  # the panel is drawn in the case page

    page = client.get(url("acceptance", app)).content.decode()
    for text in (
        "居民身份证",
        "租赁合同登记备案证明",
        "劳动合同 或 营业执照 或 单位出具的就业证明",
    ):
        assert text in page
    assert page.count("未提交") == len(MISSING)
    link = reverse("backoffice:application_upload", args=[app.pk, upload.pk])
    assert link in page and "租房合同.pdf" in page
    # the panel alone, for htmx
    panel = client.get(url("acceptance", app), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in panel and "材料核验" in panel

    got = client.get(link)
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4\n"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"].startswith("attachment;")  # never rendered inline (T9)
    assert AccessLog.objects.filter(record_id=app.pk, purpose="office_upload").exists()
    # another station's clerk cannot fetch it
    other = signed_in(officer("clerk", district="nanshan", station="sz-nanshan-3"))
    assert other.get(link).status_code == 404


# -- accept ---------------------------------------------------------------------------


def test_accept_issues_a_receipt_with_case_number_and_due_date(
    clerk: Any, app: Application
) -> None:
    client = signed_in(clerk)
    r = client.post(url("application_accept", app), {"version": app.version, "checked": ALL})
    assert r.status_code == 302
    app = fresh(app)
    assert app.status == "accepted" and app.accepted_on == today()
    due = services.statutory_due(services.policy_of("shenzhen", today()), today())
    assert app.due_on == due
    assert set(
        ApplicationMaterial.objects.filter(application=app, provided=True).values_list(
            "material", flat=True
        )
    ) == set(ALL)
    receipt = Letter.objects.get(record_id=app.pk)
    assert receipt.kind == "receipt" and receipt.context["case_number"] == app.case_number
    text = pdf_text(receipt)
    assert app.case_number in text
    assert letters.zh_date(due) in text and "法定办结时限" in text
    assert "15个工作日" in text and "劳动合同" in text
    case = client.get(url("application", app)).content.decode()
    assert receipt.number in case and reverse("backoffice:letter_pdf", args=[receipt.pk]) in case


def test_a_receipt_number_already_taken_is_drawn_again_and_the_accept_goes_through(
    clerk: Any, app: Application, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Letter numbers end in 6 random digits a city, kind and day: the soak's 1,500 receipts
    in a day drew one twice, and the second accept answered 500 (benchmarks.md §12)."""
    draws, real = iter([7, 7, 8]), registry_letters.secrets.randbelow
    monkeypatch.setattr(
        registry_letters.secrets, "randbelow", lambda n: next(draws) if n == 10**6 else real(n)
    )
    other = make_application(on=today())
    client = signed_in(clerk)
    for each in (app, other):
        r = client.post(url("application_accept", each), {"version": each.version, "checked": ALL})
        assert r.status_code == 302
        assert fresh(each).status == "accepted"
    numbers = sorted(Letter.objects.filter(kind="receipt").values_list("number", flat=True))
    assert [n[-6:] for n in numbers] == ["000007", "000008"]


def test_accept_with_items_unchecked_is_refused_and_writes_nothing(
    clerk: Any, app: Application
) -> None:
    r = signed_in(clerk).post(
        url("application_accept", app), {"version": app.version, "checked": PROVIDED}
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert 'role="alert"' in page and "租赁合同登记备案证明" in page and "一次性告知书" in page
    assert fresh(app).status == "submitted" and fresh(app).version == app.version
    assert not Letter.objects.exists()


# -- the one-time notice ------------------------------------------------------------------


def test_one_time_notice_lists_every_missing_item(clerk: Any, app: Application) -> None:
    r = signed_in(clerk).post(
        url("application_notice", app), {"version": app.version, "checked": PROVIDED}
    )
    assert r.status_code == 302
    app = fresh(app)
    assert app.status == "needs_supplement" and app.notices_issued == 1
    assert "_supplement_due" not in app.facts  # Shenzhen sets no supplement period
    notice = Letter.objects.get(record_id=app.pk, kind="supplement_notice")
    assert [i["id"] for i in notice.context["items"]] == MISSING
    text = pdf_text(notice)
    for words in (
        "租赁合同登记备案证明",
        "劳动合同",
        "营业执照",
        "单位出具的就业证明",
        "社保缴纳证明",
    ):
        assert words in text
    assert "未规定补正期限" in text and "行政许可法" in text and "即为受理" in text
    event = events(app)[-1]
    assert event["name"] == "ApplicationSupplementRequested"
    assert event["data"]["missing"] == MISSING


def test_second_notice_refused_unless_basis_or_housing_changed(
    clerk: Any, app: Application, frozen_clock: time_machine.Traveller
) -> None:
    client = signed_in(clerk)
    client.post(url("application_notice", app), {"version": app.version, "checked": PROVIDED})
    app = fresh(app)
    # the applicant hands in one item at the counter, nothing else changes
    r = client.post(
        url("application_supplement", app),
        {"version": app.version, "provided": ["lease_filing_certificate"]},
    )
    assert r.status_code == 302
    app = fresh(app)
    assert app.status == "submitted"
    r = client.post(url("application_notice", app), {"version": app.version, "checked": []})
    assert r.status_code == 400
    assert "已经发过一次性告知书" in r.content.decode() and 'role="alert"' in r.content.decode()
    assert fresh(app).version == app.version and fresh(app).notices_issued == 1
    assert Letter.objects.filter(kind="supplement_notice").count() == 1
    # the applicant changes the basis: a second notice is now allowed
    frozen_clock.shift(dt.timedelta(minutes=5))  # later, so the letters are in order
    r = client.post(url("application_amend", app), {"version": app.version, "basis": "residence"})
    assert r.status_code == 302
    app = fresh(app)
    r = client.post(
        url("application_notice", app),
        {"version": app.version, "checked": [*PROVIDED, "lease_filing_certificate"]},
    )
    assert r.status_code == 302
    app = fresh(app)
    assert app.notices_issued == 2 and app.status == "needs_supplement"
    second = Letter.objects.filter(kind="supplement_notice").order_by("issued_at").last()
    assert second is not None and second.context["second"] is True


def test_supplement_with_nothing_ticked_is_refused(clerk: Any) -> None:
    app = make_application(on=today(), status="needs_supplement")
    r = signed_in(clerk).post(url("application_supplement", app), {"version": app.version})
    assert r.status_code == 400 and "请勾选申请人补交的材料" in r.content.decode()
    assert fresh(app).status == "needs_supplement"


def test_notice_after_the_notice_limit_is_refused_and_acceptance_dates_from_receipt(
    clerk: Any, monkeypatch: Any
) -> None:
    app = make_application(on=SUBMITTED)  # Monday 16 Nov 2026; 5 working days end on the 23rd
    monkeypatch.setattr(acceptance, "today", lambda: dt.date(2026, 11, 25))
    client = signed_in(clerk)
    r = client.post(url("application_notice", app), {"version": app.version, "checked": PROVIDED})
    assert r.status_code == 400 and "视为受理" in r.content.decode()
    r = client.post(url("application_accept", app), {"version": app.version, "checked": ALL})
    assert r.status_code == 302
    app = fresh(app)
    assert app.accepted_on == SUBMITTED
    assert app.due_on == services.statutory_due(
        services.policy_of("shenzhen", SUBMITTED), SUBMITTED
    )
    assert events(app)[-1]["inputs"]["deemed_from"] == SUBMITTED.isoformat()


# -- 容缺受理 -----------------------------------------------------------------------------


def _defer(client: Any, app: Application, **form: Any) -> Any:
    data = {"version": app.version, "checked": [*PROVIDED, "labour_contract"]}
    data.update(form)
    return client.post(url("application_accept", app), data)


def test_deferral_of_a_core_material_is_refused(clerk: Any, app: Application) -> None:
    client = signed_in(clerk)
    r = client.post(
        url("application_accept", app),
        {
            "version": app.version,
            "checked": PROVIDED,
            "defer": ["labour_contract", "lease_filing_certificate", "social_insurance_record"],
            "commitment": "1",
            "deferred_until": (today() + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert r.status_code == 400
    assert "核心材料，不能容缺受理" in r.content.decode() and "劳动合同" in r.content.decode()
    assert fresh(app).status == "submitted" and not Letter.objects.exists()


def test_deferral_needs_commitment_and_a_date_within_the_limit(
    clerk: Any, app: Application
) -> None:
    client = signed_in(clerk)
    deferred = ["lease_filing_certificate", "social_insurance_record"]
    limit = acceptance.deferral_deadline(services.policy_of("shenzhen", today()), today())
    assert limit is not None
    r = _defer(client, app, defer=deferred, deferred_until=limit.isoformat())
    assert r.status_code == 400 and "承诺书" in r.content.decode()
    late = limit + dt.timedelta(days=1)
    r = _defer(client, app, defer=deferred, commitment="1", deferred_until=late.isoformat())
    assert r.status_code == 400 and f"不能晚于{letters.zh_date(limit)}" in r.content.decode()
    assert fresh(app).status == "submitted" and not Letter.objects.exists()

    r = _defer(client, app, defer=deferred, commitment="1", deferred_until=limit.isoformat())
    assert r.status_code == 302
    app = fresh(app)
    assert app.status == "accepted" and app.accepted_on == today()
    rows = ApplicationMaterial.objects.filter(application=app, deferred_until=limit)
    assert sorted(rows.values_list("material", flat=True)) == sorted(deferred)
    assert not rows.filter(provided=True).exists()
    inputs = events(app)[-1]["inputs"]
    assert inputs["commitment"] is True and inputs["deferred"] == deferred
    kinds = sorted(Letter.objects.filter(record_id=app.pk).values_list("kind", flat=True))
    assert kinds == ["deferral_notice", "receipt"]
    text = pdf_text(Letter.objects.get(kind="deferral_notice"))
    assert letters.zh_date(limit) in text and "社保缴纳证明" in text and app.case_number in text


# -- deemed acceptance ----------------------------------------------------------------------


def test_deemed_acceptance_from_receipt_and_idempotent() -> None:
    app = make_application(on=SUBMITTED)
    noticed = make_application(on=SUBMITTED, status="needs_supplement")
    assert run_deemed(dt.date(2026, 11, 23)).accepted == []  # the last day of the limit
    result = run_deemed(dt.date(2026, 11, 24))
    assert result.accepted == [app.case_number]
    app = fresh(app)
    assert app.status == "accepted" and app.accepted_on == SUBMITTED
    assert app.due_on == services.statutory_due(
        services.policy_of("shenzhen", SUBMITTED), SUBMITTED
    )
    last = events(app)[-1]
    assert last["actor"] == "system:deemed" and last["reason"] == "deemed_accepted"
    assert Notification.objects.filter(template="application_accepted", person=app.person).exists()
    receipt = Letter.objects.get(record_id=app.pk, kind="receipt")
    assert receipt.context["deemed"] is True and "即为受理" in letters.render_html(receipt)
    assert fresh(noticed).status == "needs_supplement"
    # a second run (or the CLI) changes nothing
    version, n_events = app.version, Event.objects.count()
    n_notices, n_letters = Notification.objects.count(), Letter.objects.count()
    assert run_deemed(dt.date(2026, 11, 25)).accepted == []
    out = CliRunner().invoke(cli_app, ["office-deem", "--on", "2026-11-26"])
    assert out.exit_code == 0 and "0 deemed accepted" in out.output
    assert fresh(app).version == version and Event.objects.count() == n_events
    assert Notification.objects.count() == n_notices and Letter.objects.count() == n_letters


# -- counter intake ---------------------------------------------------------------------


def _intake(**overrides: Any) -> dict[str, Any]:
    data = {
        "id_number": make_id(dt.date(1995, 3, 9)),
        "name": "王阿姨",
        "phone": "13900001111",
        "kind": "first_issue",
        "basis": "employment",
        "housing": "rented",
        "registered_since": "2024-01-10",
        "employed": "1",
        "social_insurance_months": "24",
        "social_insurance_continuous": "1",
        "agent": "1",
        "agent_name": "王小明",
        "agent_relation": "子女",
        "materials": ["id_card", "photo", "lease_contract", "agent_id_card"],
    }
    data.update(overrides)
    return data


def test_intake_registers_a_new_person_and_submits_at_the_counter(clerk: Any) -> None:
    data = _intake()
    r = signed_in(clerk).post(reverse("backoffice:intake"), data)
    assert r.status_code == 302
    app = Application.objects.get()
    assert r["Location"] == url("application", app)
    assert app.channel == "counter" and app.station == "sz-futian-1" and app.district == "futian"
    assert app.person.name == "王阿姨" and app.status == "submitted"
    assert app.facts["agent"] == {"name": "王小明", "relation": "子女"}
    assert app.facts["social_insurance_months"] == 24 and app.facts["employed"] is True
    assert events(app)[0]["actor"] == f"officer:{clerk.user_id}"
    assert set(app.materials.values_list("material", flat=True)) == set(data["materials"])
    # the agent's ID card joins the checklist
    assert "agent_id_card" in [ln.id for ln in acceptance.checklist(app)]


def test_intake_for_an_existing_person_with_their_permit(clerk: Any) -> None:
    id_number = make_id(dt.date(1993, 7, 1))
    person = make_person(id_number=id_number, name="李先生")
    permit = make_permit(person)
    data = _intake(
        id_number=id_number, name="", kind="replacement", permit_number=permit.number,
        agent="", materials=["id_card", "photo"],
    )  # fmt: skip
    r = signed_in(clerk).post(reverse("backoffice:intake"), data)
    assert r.status_code == 302
    app = Application.objects.get()
    assert app.person == person and app.permit == permit and app.kind == "replacement"
    assert Person.objects.count() == 1
    # a permit number that is not theirs is a field error, nothing written
    data = _intake(id_number=id_number, name="", kind="change", permit_number="SZ2024NOPE")
    r = signed_in(clerk).post(reverse("backoffice:intake"), data)
    assert r.status_code == 400 and "没有找到申请人的这本居住证" in r.content.decode()
    assert Application.objects.count() == 1


def test_intake_bad_id_number_is_reported_next_to_the_field(clerk: Any) -> None:
    good = make_id(dt.date(1995, 3, 9))
    bad = good[:-1] + ("1" if good[-1] == "0" else "0")  # the check digit, wrong
    r = signed_in(clerk).post(
        reverse("backoffice:intake"), _intake(id_number=bad, basis="", social_insurance_months="x")
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert 'id="e-id_number"' in page and 'id="e-basis"' in page
    assert 'id="e-social_insurance_months"' in page
    assert not Person.objects.exists() and not Application.objects.exists()


def test_intake_by_a_district_clerk_picks_one_of_their_stations() -> None:
    for district, station in (("futian", "sz-futian-1"), ("futian", "sz-futian-2"),
                              ("nanshan", "sz-nanshan-3")):  # fmt: skip
        Office.objects.create(
            city="shenzhen", district=district, station=station, name_zh=f"{station}派出所",
            bureau_zh="深圳市公安局福田分局", government_zh="深圳市福田区人民政府",
        )  # fmt: skip
    district_clerk = officer("clerk", station="")
    client = signed_in(district_clerk)
    page = client.get(reverse("backoffice:intake")).content.decode()
    assert "sz-futian-2" in page and "sz-nanshan-3" not in page
    r = client.post(reverse("backoffice:intake"), _intake(station=""))
    assert r.status_code == 400 and 'id="e-station"' in r.content.decode()
    r = client.post(reverse("backoffice:intake"), _intake(station="sz-nanshan-3"))
    assert r.status_code == 404 and Denial.objects.filter(why="scope").exists()
    assert not Application.objects.exists() and not Person.objects.exists()
    r = client.post(reverse("backoffice:intake"), _intake(station="sz-futian-2"))
    assert r.status_code == 302 and Application.objects.get().station == "sz-futian-2"


# -- access: scope, role, version ------------------------------------------------------------

POSTS = ("application_accept", "application_notice", "application_amend", "application_supplement")


def _form(app: Application) -> dict[str, Any]:
    return {
        "version": app.version, "checked": ALL, "basis": "residence",
        "provided": ["lease_filing_certificate"],
    }  # fmt: skip


def test_out_of_scope_clerk_gets_404_on_every_post_and_nothing_is_written() -> None:
    app = make_application(on=today())
    later = make_application(on=today(), status="needs_supplement")
    other = signed_in(officer("clerk", district="nanshan", station="sz-nanshan-3"))
    n_events = Event.objects.count()
    for name in POSTS:
        target = later if name == "application_supplement" else app
        assert other.post(url(name, target), _form(target)).status_code == 404, name
    assert Denial.objects.filter(why="scope").count() == len(POSTS)
    assert Event.objects.count() == n_events and not Letter.objects.exists()
    assert fresh(app).version == app.version and fresh(later).version == later.version
    assert not AccessLog.objects.filter(record_id__in=[app.pk, later.pk]).exists()


def test_reviewer_gets_403_on_every_acceptance_post() -> None:
    app = make_application(on=today())
    reviewer = signed_in(officer("reviewer"))
    for name in POSTS:
        assert reviewer.post(url(name, app), _form(app)).status_code == 403, name
    assert reviewer.post(reverse("backoffice:intake"), _intake()).status_code == 403
    assert reviewer.get(reverse("backoffice:intake")).status_code == 403
    assert Denial.objects.filter(why="role").count() == len(POSTS) + 2
    assert fresh(app).version == app.version and not Person.objects.filter(name="王阿姨").exists()
    # the case page shows the checklist to the reviewer without the forms
    page = reviewer.get(url("acceptance", app)).content.decode()
    assert "材料核验" in page and url("application_accept", app) not in page


def test_stale_version_gives_409_and_overwrites_nothing(clerk: Any) -> None:
    app = make_application(on=today())
    client = signed_in(clerk)
    stale = app.version
    client.post(url("application_amend", app), {"version": stale, "housing": "owned"})
    assert fresh(app).version == stale + 1
    for name in ("application_accept", "application_notice", "application_amend"):
        r = client.post(url(name, app), {**_form(app), "version": stale, "housing": "rented"})
        assert r.status_code == 409, name
        assert "已被他人修改" in r.content.decode()
    app = fresh(app)
    assert app.status == "submitted" and app.version == stale + 1 and app.housing == "owned"
    assert not Letter.objects.exists()
    later = make_application(on=today(), status="needs_supplement")
    r = client.post(
        url("application_supplement", later),
        {"version": later.version - 1, "provided": ["lease_filing_certificate"]},
    )
    assert r.status_code == 409 and fresh(later).status == "needs_supplement"


def test_nav_links_to_intake_for_those_who_accept(clerk: Any) -> None:
    home = signed_in(clerk).get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:intake") in home
    auditor = signed_in(officer("auditor")).get(reverse("backoffice:home")).content.decode()
    assert reverse("backoffice:intake") not in auditor


def test_intake_does_not_find_a_person_on_record_in_another_city(clerk: Any) -> None:
    """Counter intake looks people up in the clerk's jurisdiction only (issue 14): a number
    on record in Beijing reads as "not found here", the Beijing record's name never shows,
    nothing is written, and the attempt is a Denial (scope) row for the auditor. Without
    the scope the clerk would see the "name does not match" hint (or file an application
    on the Beijing person)."""
    id_number = make_id(dt.date(1988, 8, 8))
    make_person(id_number=id_number, name="北京人", city="beijing")
    r = signed_in(clerk).post(
        reverse("backoffice:intake"), _intake(id_number=id_number, name="冒名")
    )
    page = r.content.decode()
    assert r.status_code == 400 and "在你的辖区内没有找到这个身份号码的记录" in page
    assert "北京人" not in page
    assert not Application.objects.exists() and Person.objects.count() == 1
    denial = Denial.objects.get()
    assert (denial.why, denial.action, denial.user_id) == ("scope", "accept", clerk.user_id)
    # a person of the clerk's own city is still found (the name check still applies)
    local = make_id(dt.date(1988, 8, 9))
    make_person(id_number=local, name="本市人")
    r = signed_in(clerk).post(reverse("backoffice:intake"), _intake(id_number=local, name="冒名"))
    assert r.status_code == 400 and "姓名与该身份号码已登记的姓名不一致" in r.content.decode()
    assert Denial.objects.count() == 1


def test_counter_registration_refuses_a_number_on_record_in_another_city(clerk: Any) -> None:
    """居住登记 at the counter does not register (and then show) a person whose record is
    held by another city: "not found here", a Denial row, nothing written."""
    id_number = make_id(dt.date(1987, 7, 7))
    person = make_person(id_number=id_number, name="北京人", city="beijing")
    data = {"id_number": id_number, "name": "北京人", "phone": "13600009998",
            "address": "福田区福华路2号", "housing": "owned"}  # fmt: skip
    r = signed_in(clerk).post(reverse("backoffice:counter_registration"), data)
    assert r.status_code == 400 and "在你的辖区内没有找到这个身份号码的记录" in r.content.decode()
    assert not person.registrations.exists()
    assert Denial.objects.get().why == "scope"
