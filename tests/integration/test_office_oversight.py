"""The oversight part of the back office: appeal steps recorded by the bureau (accept,
reject, withdraw, outcomes; a revoked act reinstates the permit), a reconsideration or suit
recorded on a permit, search, the person page, the dashboard and the audit trail."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.urls import reverse

from fixtures.applications import make_application
from fixtures.clock import TODAY, frozen
from fixtures.officers import officer, signed_in
from fixtures.people import make_id, make_person
from fixtures.permits import appeal_accepted, appeal_filed, cancelled_permit, make_permit
from juzhu.backoffice import appeals as ap
from juzhu.backoffice import oversight
from juzhu.backoffice.models import Denial
from juzhu.domain.lifecycle import Machine
from juzhu.registry import services
from juzhu.registry.events import verify_chains
from juzhu.registry.models import AccessLog, Appeal, Application, Event
from juzhu.registry.selectors import Viewer
from juzhu.registry.services import Actor, commit

pytestmark = [pytest.mark.django_db, frozen]
T = Actor("officer:test")


def post(client: Any, name: str, appeal: Appeal, **data: Any) -> Any:
    return client.post(
        reverse(f"backoffice:{name}", args=[appeal.pk]), {"version": appeal.version, **data}
    )


DECISION = {"body": "深圳市福田区人民政府", "document": "深福府复〔2026〕12号",
            "reasons": "未查明户口迁移事实，注销依据不足"}  # fmt: skip


# -- appeal steps --------------------------------------------------------------------------


def test_accept_then_revoked_act_reinstates_the_permit_with_continuity() -> None:
    permit = cancelled_permit()
    appeal = appeal_filed(permit)
    reviewer = signed_in(officer("reviewer"))
    page = reviewer.get(reverse("backoffice:appeal", args=[appeal.pk])).content.decode()
    assert "记录受理" in page and "不予受理" in page

    r = post(
        reviewer, "appeal_accept", appeal, on=str(TODAY - dt.timedelta(days=30)), body="区政府"
    )
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "accepted" and appeal.accepted_on == TODAY - dt.timedelta(days=30)

    on = TODAY - dt.timedelta(days=3)
    r = post(reviewer, "appeal_decide", appeal, outcome="revoked_act", on=str(on), **DECISION)
    assert r.status_code == 302
    appeal.refresh_from_db()
    permit.refresh_from_db()
    assert appeal.status == "revoked_act" and appeal.decided_on == on
    assert permit.status == "active" and permit.cancelled_on is None
    assert permit.cancellation_reason == "" and permit.next_due_on >= on

    names = list(
        Event.objects.filter(record_type="appeal", record_id=appeal.pk)
        .order_by("seq")
        .values_list("name", flat=True)
    )
    assert names == ["AppealFiled", "AppealAccepted", "AppealActRevoked"]
    decided = json.loads(Event.objects.get(record_id=appeal.pk, name="AppealActRevoked").body)
    assert decided["inputs"]["document"] == DECISION["document"]
    assert decided["reason"] == DECISION["reasons"] and decided["on"] == on.isoformat()
    reinstated = json.loads(Event.objects.get(record_id=permit.pk, name="PermitReinstated").body)
    continuity = reinstated["data"]["continuity"]
    assert reinstated["data"]["appeal_ref"] == str(appeal.pk)
    assert continuity["reinstatement"] == "continuous"
    # the cancelled period counts: the run started at issue and is unbroken
    assert continuity["since"] == permit.issued_on.isoformat()
    assert continuity["days"] == (on - permit.issued_on).days
    checked, broken = verify_chains()
    assert broken is None and checked >= 5


def test_upheld_leaves_the_permit_cancelled_and_a_suit_can_be_recorded() -> None:
    permit = cancelled_permit()
    appeal = appeal_accepted(permit)
    reviewer = signed_in(officer("reviewer"))
    decided_on = TODAY - dt.timedelta(days=4)
    r = post(reviewer, "appeal_decide", appeal, outcome="upheld", on=str(decided_on), **DECISION)
    assert r.status_code == 302
    permit.refresh_from_db()
    appeal.refresh_from_db()
    assert appeal.status == "upheld" and permit.status == "cancelled"
    assert not Event.objects.filter(record_id=permit.pk, name="PermitReinstated").exists()

    # the person page shows the last day to sue (15 days from the decision, 行政诉讼法 Art. 45)
    page = reviewer.get(reverse("backoffice:person", args=[permit.person_id])).content.decode()
    deadline = ap.litigation_deadline(appeal)
    assert deadline is not None and deadline >= decided_on + dt.timedelta(days=15)
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in page

    r = reviewer.post(
        reverse("backoffice:permit_appeal_record", args=[permit.pk]),
        {"kind": "litigation", "filed_on": str(TODAY - dt.timedelta(days=1)),
         "body": "深圳市福田区人民法院", "reference": "(2026)粤0304行初88号",
         "grounds": "请求撤销注销决定"},
    )  # fmt: skip
    assert r.status_code == 302
    suit = Appeal.objects.get(permit=permit, kind="litigation")
    assert suit.status == "filed" and r["Location"] == reverse("backoffice:appeal", args=[suit.pk])
    body = json.loads(Event.objects.get(record_id=suit.pk, name="AppealFiled").body)
    assert body["inputs"]["body"] == "深圳市福田区人民法院"

    # a second open suit on the same permit is refused, nothing written
    before = Appeal.objects.count()
    r = reviewer.post(
        reverse("backoffice:permit_appeal_record", args=[permit.pk]),
        {"kind": "reconsideration", "filed_on": str(TODAY), "body": "区政府", "grounds": "再议"},
    )
    assert r.status_code == 400 and 'role="alert"' in r.content.decode()
    assert "尚未办结" in r.content.decode() and Appeal.objects.count() == before


def test_a_court_judgment_revoking_the_act_reinstates_the_permit() -> None:
    permit = cancelled_permit(reason="ineligible_or_false_info")
    suit = appeal_accepted(permit, kind="litigation")
    reviewer = signed_in(officer("supervisor", station=""))
    page = reviewer.get(reverse("backoffice:appeal", args=[suit.pk])).content.decode()
    assert "驳回诉讼请求" in page and "判决书案号" in page
    r = post(reviewer, "appeal_decide", suit, outcome="revoked_act", on=str(TODAY),
             body="深圳市福田区人民法院", document="(2026)粤0304行初9号", reasons="事实不清")  # fmt: skip
    assert r.status_code == 302
    permit.refresh_from_db()
    assert permit.status == "active"
    assert verify_chains()[1] is None


@pytest.mark.parametrize("outcome", ["changed_act", "confirmed_unlawful"])
def test_other_outcomes_close_the_appeal_without_reinstating(outcome: str) -> None:
    permit = cancelled_permit()
    appeal = appeal_accepted(permit)
    r = post(signed_in(officer("reviewer")), "appeal_decide", appeal, outcome=outcome,
             on=str(TODAY), **DECISION)  # fmt: skip
    assert r.status_code == 302
    appeal.refresh_from_db()
    permit.refresh_from_db()
    assert appeal.status == outcome and permit.status == "cancelled"


def test_a_rejection_needs_reasons_and_nothing_is_written_without_them() -> None:
    appeal = appeal_filed(cancelled_permit())
    reviewer = signed_in(officer("reviewer"))
    events = Event.objects.count()
    r = post(reviewer, "appeal_reject", appeal, on=str(TODAY), step="reject", reasons="  ")
    page = r.content.decode()
    assert (
        r.status_code == 400
        and 'id="reject-reasons-error"' in page
        and "不予受理须写明理由" in page
    )
    appeal.refresh_from_db()
    assert appeal.status == "filed" and appeal.version == 1 and Event.objects.count() == events

    r = post(reviewer, "appeal_reject", appeal, on=str(TODAY), reasons="超过申请期限\n非本机关管辖")
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "rejected"
    body = json.loads(Event.objects.get(record_id=appeal.pk, name="AppealRejected").body)
    assert body["data"]["reasons"] == ["超过申请期限", "非本机关管辖"]


def test_bad_input_and_stale_forms_write_nothing() -> None:
    appeal = appeal_accepted(cancelled_permit())
    reviewer = signed_in(officer("reviewer"))
    r = post(reviewer, "appeal_decide", appeal, outcome="revoked_act", on=str(TODAY),
             body="区政府", document="", reasons="x", step="decide")  # fmt: skip
    assert r.status_code == 400 and 'id="decide-document-error"' in r.content.decode()
    r = post(reviewer, "appeal_decide", appeal, outcome="upheld",
             on=str(TODAY + dt.timedelta(days=1)), step="decide", **DECISION)  # fmt: skip
    assert r.status_code == 400 and "不能晚于今天" in r.content.decode()
    stale = reviewer.post(
        reverse("backoffice:appeal_decide", args=[appeal.pk]),
        {"version": appeal.version - 1, "outcome": "upheld", "on": str(TODAY), **DECISION},
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == "accepted" and appeal.version == 2

    r = post(reviewer, "appeal_withdraw", appeal, on=str(TODAY), note="申请人撤回")
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "withdrawn"


def test_an_active_permit_cannot_get_a_recorded_appeal() -> None:
    permit = make_permit()
    r = signed_in(officer("reviewer")).post(
        reverse("backoffice:permit_appeal_record", args=[permit.pk]),
        {"kind": "reconsideration", "filed_on": str(TODAY), "body": "区政府", "grounds": "x"},
    )
    assert r.status_code == 400 and "只有被注销或撤销" in r.content.decode()
    assert not Appeal.objects.exists()


# -- roles and scope -----------------------------------------------------------------------


def test_out_of_scope_officer_gets_404_and_nothing_is_written() -> None:
    permit = cancelled_permit()
    appeal = appeal_accepted(permit)
    other = signed_in(officer("supervisor", district="nanshan", station="sz-nanshan-3"))
    events, reads = Event.objects.count(), AccessLog.objects.count()
    for name in ("appeal_accept", "appeal_reject", "appeal_decide", "appeal_withdraw"):
        assert post(other, name, appeal, outcome="revoked_act", on=str(TODAY), **DECISION).status_code == 404  # fmt: skip
    assert other.get(reverse("backoffice:appeal", args=[appeal.pk])).status_code == 404
    assert other.get(reverse("backoffice:person", args=[permit.person_id])).status_code == 404
    r = other.post(
        reverse("backoffice:permit_appeal_record", args=[permit.pk]),
        {"kind": "litigation", "filed_on": str(TODAY), "body": "法院", "grounds": "x"},
    )
    assert r.status_code == 404
    assert Event.objects.count() == events and AccessLog.objects.count() == reads
    assert Denial.objects.filter(why="scope").count() == 7
    appeal.refresh_from_db()
    assert appeal.status == "accepted"


def test_a_district_officer_of_another_district_cannot_open_a_person() -> None:
    permit = make_permit()
    other = signed_in(officer("reviewer", district="nanshan", station=""))
    assert other.get(reverse("backoffice:person", args=[permit.person_id])).status_code == 404
    assert not AccessLog.objects.exists()


def test_auditor_reads_the_audit_trail_but_cannot_act() -> None:
    appeal = appeal_accepted(cancelled_permit())
    clerk = signed_in(officer("clerk"))
    assert clerk.get(reverse("backoffice:person", args=[appeal.person_id])).status_code == 200
    assert clerk.get(reverse("backoffice:audit")).status_code == 403
    assert post(clerk, "appeal_decide", appeal, outcome="upheld", **DECISION).status_code == 403

    auditor = signed_in(officer("auditor", station=""))
    page = auditor.get(reverse("backoffice:audit")).content.decode()
    assert "office_person" in page and appeal.person.id_number_masked in page
    assert "clerk-shenzhen-futian-sz-futian-1" in page
    denials = auditor.get(reverse("backoffice:audit") + "?tab=denials").content.decode()
    assert "角色无权" in denials
    for name in ("appeal_accept", "appeal_reject", "appeal_decide", "appeal_withdraw"):
        assert post(auditor, name, appeal, outcome="upheld", on=str(TODAY), **DECISION).status_code == 403  # fmt: skip
    r = auditor.post(
        reverse("backoffice:permit_appeal_record", args=[appeal.permit_id]),
        {"kind": "litigation", "filed_on": str(TODAY), "body": "法院", "grounds": "x"},
    )
    assert r.status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == "accepted"
    # filtered by officer: only that officer's reads
    only = auditor.get(reverse("backoffice:audit") + "?officer=nobody").content.decode()
    assert "office_person" not in only


# -- search and the person page ------------------------------------------------------------


def test_search_finds_people_in_scope_by_id_phone_name_and_case_number() -> None:
    id_number = make_id(dt.date(1988, 8, 8))
    mine = make_person(name="张三丰", id_number=id_number, phone="13900001111")
    app = make_application(mine)
    elsewhere = make_person(name="张三丰", phone="13900002222")
    far = make_application(elsewhere, district="nanshan", station="sz-nanshan-3")
    clerk = signed_in(officer("clerk"))
    url = reverse("backoffice:search")

    for q in (id_number, id_number.lower(), "13900001111", "张三", app.case_number):
        r = clerk.post(url, {"q": q})
        page = r.content.decode()
        assert r.status_code == 200, q
        assert reverse("backoffice:person", args=[mine.pk]) in page, q
        assert reverse("backoffice:person", args=[elsewhere.pk]) not in page, q
        assert mine.id_number_masked in page and id_number not in page, q
        assert "13900001111" not in page and mine.phone_masked in page, q
    for q in ("13900002222", far.case_number):
        page = clerk.post(url, {"q": q}).content.decode()
        assert "辖区内没有找到" in page, q
    # a name or case number may come by GET; an ID number is refused there, never echoed
    assert app.case_number in clerk.get(url, {"q": app.case_number}).content.decode()
    r = clerk.get(url, {"q": id_number})
    assert r.status_code == 400 and id_number not in r.content.decode()
    assert not AccessLog.objects.exists()  # lists are masked and not logged


def test_opening_a_person_is_a_logged_read_and_lists_their_records() -> None:
    permit = cancelled_permit()
    appeal = appeal_filed(permit)
    app = make_application(permit.person, kind="reapplication")
    reviewer = signed_in(officer("reviewer"))
    r = reviewer.get(reverse("backoffice:person", args=[permit.person_id]))
    page = r.content.decode()
    assert r.status_code == 200
    assert permit.number in page and app.case_number in page
    assert reverse("backoffice:appeal", args=[appeal.pk]) in page
    assert "登记在别处提出的行政复议或行政诉讼" in page
    log = AccessLog.objects.get()
    assert log.person_id == permit.person_id and log.purpose == "office_person"
    assert log.viewer_name == "reviewer-shenzhen-futian-sz-futian-1"


# -- dashboard -----------------------------------------------------------------------------

D = dt.date(2025, 3, 3)  # a Monday; 2025's calendar is published


def _app_decided(accept: dt.date, decide: dt.date | None, refuse: bool = False, **kw: Any) -> Application:  # fmt: skip
    if refuse:  # refused for a short residence: registered only this year (the engine agrees)
        kw.setdefault("facts", {"registered_since": "2025-01-01"})
    app = make_application(on=D, **kw)
    services.do_accept_application(app, on=accept, actor=T, expected_version=app.version)
    if decide:
        app.refresh_from_db()
        if refuse:
            services.do_refuse_application(
                app, reasons=["residence_too_short"], on=decide, actor=T, expected_version=app.version
            )  # fmt: skip
        else:
            services.do_approve_application(app, on=decide, actor=T, expected_version=app.version)
    app.refresh_from_db()
    return app


def _appeal_decided(reason: str, station: str, outcome: str, district: str = "futian") -> Appeal:
    permit = cancelled_permit(reason=reason, on=dt.date(2025, 2, 3), district=district, station=station)  # fmt: skip
    appeal = appeal_accepted(permit, filed_on=dt.date(2025, 2, 10), on=dt.date(2025, 2, 12))
    ap.do_record_outcome(appeal, outcome=outcome, on=dt.date(2025, 3, 10), actor=T,
                         expected_version=appeal.version, **DECISION)  # fmt: skip
    return appeal


def test_dashboard_numbers_on_a_known_data_set() -> None:
    tue = D + dt.timedelta(days=1)
    quick = _app_decided(tue, dt.date(2025, 3, 6))  # 2 working days, in time
    _app_decided(tue, dt.date(2025, 3, 11), refuse=True)  # 5 working days
    late = _app_decided(tue, dt.date(2025, 4, 1))  # 20 working days, due 25 March: late
    assert late.due_on == dt.date(2025, 3, 25)
    open_one = _app_decided(tue, None)  # accepted, past its due day
    waiting = make_application(on=D)  # never accepted nor noticed
    _app_decided(tue, dt.date(2025, 3, 6), district="nanshan", station="sz-nanshan-3")
    _appeal_decided("hukou_settled", "sz-futian-1", "revoked_act")
    _appeal_decided("hukou_settled", "sz-futian-2", "upheld")
    _appeal_decided("ineligible_or_false_info", "sz-futian-1", "changed_act")
    _appeal_decided("hukou_settled", "sz-nanshan-3", "revoked_act", district="nanshan")

    boss = officer("supervisor", station="")
    viewer = Viewer.of_officer(boss)
    start, end = dt.date(2025, 3, 1), dt.date(2025, 4, 30)
    vol = oversight.volumes(viewer, start, end)
    assert vol["total"] == 5
    cells = dict(zip(vol["statuses"], vol["rows"][0]["cells"], strict=True))
    assert cells == {"accepted": 1, "approved": 2, "refused": 1, "submitted": 1}
    proc = oversight.processing(viewer, start, end, services.work_calendar())
    assert (proc["decided"], proc["in_time"], proc["late"]) == (3, 2, 1)
    assert proc["in_time_rate"] == 66.7 and proc["median_working_days"] == 5
    out = oversight.appeal_outcomes(viewer, start, end)
    assert (out["decided"], out["overturned"], out["rate"]) == (3, 2, 66.7)
    by_ground = {r["key"]: (r["decided"], r["overturned"], r["rate"]) for r in out["by_ground"]}
    assert by_ground == {"hukou_settled": (2, 1, 50.0), "ineligible_or_false_info": (1, 1, 100.0)}
    by_station = {r["key"]: (r["decided"], r["overturned"]) for r in out["by_station"]}
    assert by_station == {"sz-futian-1": (2, 2), "sz-futian-2": (1, 0)}
    late_cases = oversight.overdue(viewer, TODAY, services.work_calendar())
    # approved first issues never made into cards are past their issuing day too
    assert {a.pk for a in late_cases["applications"]} == {
        open_one.pk,
        waiting.pk,
        quick.pk,
        late.pk,
    }

    page = (
        signed_in(boss)
        .get(reverse("backoffice:dashboard"), {"from": "2025-03-01", "to": "2025-04-30"})
        .content.decode()
    )

    def n(key: str) -> str:
        m = re.search(rf'data-n="{key}">([^<]*)<', page)
        assert m, key
        return m.group(1)

    assert n("volume-total") == "5" and n("decided") == "3" and n("in-time") == "2"
    assert n("median") == "5.0" and n("overturn-rate") == "66.7%"
    assert n("overdue-applications") == "4"
    assert reverse("backoffice:application", args=[open_one.pk]) in page
    # a station clerk sees only their station
    clerk = Viewer.of_officer(officer("clerk"))
    assert oversight.appeal_outcomes(clerk, start, end)["decided"] == 2


def test_a_revoked_refusal_reopens_the_application_for_a_new_decision() -> None:
    app = make_application(status="refused")
    appeal = Appeal(
        application=app, person=app.person, city=app.city, district=app.district,
        station=app.station, kind="reconsideration", filed_on=TODAY - dt.timedelta(days=9),
        grounds="居住时间已满半年",
    )  # fmt: skip
    commit.apply_transition(
        appeal, Machine.APPEAL, "file", on=appeal.filed_on, actor=T, expected_version=None
    )
    services.do_accept_appeal(appeal, on=TODAY - dt.timedelta(days=8), actor=T, expected_version=1)
    appeal.refresh_from_db()
    reviewer = signed_in(officer("reviewer"))
    page = reviewer.get(reverse("backoffice:appeal", args=[appeal.pk])).content.decode()
    assert "须重新作出签发决定" in page
    r = post(reviewer, "appeal_decide", appeal, outcome="revoked_act", on=str(TODAY), **DECISION)
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == "revoked_act"
    body = json.loads(Event.objects.get(record_id=appeal.pk, name="AppealActRevoked").body)
    assert body["inputs"]["refusal_revoked"] == str(app.pk)
    assert not Event.objects.filter(name="PermitReinstated").exists()
    app.refresh_from_db()  # back with the bureau, accepted, a fresh issuing time from today
    assert app.status == "accepted" and app.decided_on is None and app.due_on > TODAY
    reopened = json.loads(Event.objects.get(record_id=app.pk, name="ApplicationReopened").body)
    assert reopened["data"]["appeal_ref"] == str(appeal.pk)
    person = reviewer.get(reverse("backoffice:person", args=[app.person_id])).content.decode()
    assert "针对不予签发决定" in person and reverse("backoffice:appeal", args=[appeal.pk]) in person
    out = oversight.appeal_outcomes(Viewer.of_officer(officer("auditor")), TODAY, TODAY)
    assert [(r["key"], r["overturned"]) for r in out["by_ground"]] == [("refused", 1)]
