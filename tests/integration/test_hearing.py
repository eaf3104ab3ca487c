"""陈述申辩 before a refusal (issue 13 item 4): the reviewer first notifies the intended
refusal with its grounds and facts; the applicant sees it in the portal and answers within
the policy's period; only then (or once the period has run) may the refusal be made, and the
answer is in the case."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fixtures.applications import RECENT, make_application
from fixtures.clock import frozen
from fixtures.officers import make_office, officer, signed_in
from fixtures.portal import login
from juzhu.registry import personal, services
from juzhu.registry.models import Application, Event, Letter, Notification

pytestmark = [pytest.mark.django_db, frozen]
GROUNDS = ["registration_too_short"]
FACTS = "居住登记始于2026年9月，不满12个月"


@pytest.fixture(autouse=True)
def futian_office(db: Any) -> None:
    make_office()


_REVIEWER: list[Client] = []


def office(name: str, app: Application, **data: Any) -> Any:
    app.refresh_from_db()
    if not _REVIEWER:
        _REVIEWER.append(signed_in(officer("reviewer")))
    return _REVIEWER[0].post(
        reverse(f"backoffice:{name}", args=[app.pk]), {"version": app.version, **data}
    )


def test_refusal_needs_the_notice_then_the_answer_and_the_answer_is_in_the_case(
    client: Client,
) -> None:
    _REVIEWER.clear()
    app = make_application(status="accepted", facts=RECENT)
    # straight to a refusal: refused, nothing written
    r = office("application_refuse", app, grounds=GROUNDS, facts=FACTS)
    assert r.status_code == 400 and "陈述申辩" in r.content.decode()
    r = office("application_intend", app, grounds=GROUNDS, facts=FACTS)
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "accepted" and app.intent["grounds"] == GROUNDS
    respond_by = dt.date.fromisoformat(app.intent["respond_by"])
    assert respond_by == dt.date(2026, 12, 9)  # 5 working days from Wednesday 2 December
    notice = Notification.objects.get(template="refusal_intended", channel="inbox")
    assert notice.context["respond_by"] == "2026-12-09"
    # the period runs and no answer yet: no refusal
    r = office("application_refuse", app, grounds=GROUNDS, facts=FACTS)
    assert r.status_code == 400 and "2026-12-09" in r.content.decode()
    # the applicant reads it in the portal and answers
    login(client, app.person)
    page = client.get(f"/portal/me/applications/{app.pk}/").content.decode()
    assert "拟不予签发" in page and "居住登记未满12个月" in page and "2026-12-09" in page
    assert f'action="/portal/me/applications/{app.pk}/answer/"' in page  # its own form
    r = client.post(f"/portal/me/applications/{app.pk}/answer/", {"answer": "不"})
    assert r.status_code == 400 and "5到2000个字" in r.content.decode()
    assert "不</textarea>" in r.content.decode()  # what was typed is kept
    statement = "我2025年就住在福田，租赁合同和水电费单据可以证明，请核查。"
    r = client.post(f"/portal/me/applications/{app.pk}/answer/", {"answer": statement})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.intent["answer"] == statement and app.intent["answered_on"] == "2026-12-02"
    assert (
        client.post(f"/portal/me/applications/{app.pk}/answer/", {"answer": statement}).status_code
        == 400
    )  # once
    # heard: the reviewer sees the answer, and may now refuse
    html = (
        signed_in(officer("reviewer", name="rv2"))
        .get(reverse("backoffice:application_decide", args=[app.pk]))
        .content.decode()
    )
    assert statement in html
    r = office("application_refuse", app, grounds=GROUNDS, facts=FACTS)
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "refused"
    assert Letter.objects.filter(record_id=app.pk, kind="refusal").exists()
    names = list(
        Event.objects.filter(record_id=app.pk).order_by("seq").values_list("name", flat=True)
    )
    assert names[-3:] == [
        "ApplicationRefusalIntended",
        "ApplicationIntentAnswered",
        "ApplicationRefused",
    ]
    answered = Event.objects.get(record_id=app.pk, name="ApplicationIntentAnswered")
    # the statement is in the event sealed with the applicant's key (registry.personal)
    assert statement not in answered.body
    inputs = personal.reveal(app.person_id, json.loads(answered.body)["inputs"])
    assert inputs["answer"] == statement


def test_once_the_period_has_run_without_an_answer_the_office_decides(
    frozen_clock: Any,
) -> None:
    app = make_application(status="accepted", facts=RECENT)
    on = dt.date(2026, 12, 2)
    services.do_intend_refusal(
        app, grounds=GROUNDS, facts=FACTS, on=on, actor=services.Actor("officer:r"),
        expected_version=app.version,
    )  # fmt: skip
    app.refresh_from_db()
    with pytest.raises(services.Refused):
        services.check_heard(app, dt.date(2026, 12, 9))  # the last day is still open
    services.check_heard(app, dt.date(2026, 12, 10))  # run out: may decide
    with pytest.raises(services.Refused, match="ended"):
        services.do_answer_intent(
            app, answer="太晚了但还是想说明一下情况", on=dt.date(2026, 12, 10),
            actor=services.Actor("holder:x"), expected_version=app.version,
        )  # fmt: skip


def test_an_officer_s_cancellation_is_heard_first_and_the_holder_answers_in_the_portal(
    client: Client,
) -> None:
    from fixtures.permits import make_permit

    permit = make_permit()
    facts = "户籍系统比对：持证人已于本月落户深圳。"
    reviewer = signed_in(officer("reviewer", name="rv-permit"))

    def post(name: str, **data: Any) -> Any:
        permit.refresh_from_db()
        return reviewer.post(
            reverse(f"backoffice:{name}", args=[permit.pk]), {"version": permit.version, **data}
        )

    # straight to the decision: refused, nothing written
    with pytest.raises(services.Refused, match="notify the holder"):
        services.do_cancel_permit(
            permit, reason="hukou_settled", on=dt.date(2026, 12, 2), actor=services.Actor("o:1"),
            expected_version=permit.version, evidence=facts,
        )  # fmt: skip
    r = post("permit_intend", ground="hukou_settled", facts=facts)
    assert r.status_code == 302
    permit.refresh_from_db()
    assert permit.status == "active" and permit.intent["ground"] == "hukou_settled"
    assert Notification.objects.filter(template="decision_intended", channel="inbox").exists()
    # the holder sees it on the permit's page and answers
    login(client, permit.person)
    page = client.get(f"/portal/me/permits/{permit.pk}/").content.decode()
    assert "拟注销或撤销" in page and "2026-12-09" in page
    assert f'action="/portal/me/permits/{permit.pk}/answer/"' in page  # its own form
    r = client.post(
        f"/portal/me/permits/{permit.pk}/answer/", {"answer": "我没有落户，户口还在老家。"}
    )
    assert r.status_code == 302
    permit.refresh_from_db()
    assert permit.intent["answered_on"] == "2026-12-02"
    # heard: the preview and the decision follow, and the intent is cleared with it
    assert post("permit_cancel_preview", ground="hukou_settled", facts=facts).status_code == 200
    assert post("permit_cancel", ground="hukou_settled", facts=facts).status_code == 302
    permit.refresh_from_db()
    assert permit.status == "cancelled" and permit.intent is None


def test_a_death_is_decided_without_a_notice_of_intent() -> None:
    from fixtures.permits import make_permit

    permit = make_permit()
    services.check_permit_heard(permit, "holder_deceased", dt.date(2026, 12, 2))
    with pytest.raises(services.Refused, match="needs no notice"):
        services.do_intend_permit_decision(
            permit, ground="holder_deceased", facts="死亡证明", on=dt.date(2026, 12, 2),
            actor=services.Actor("o:1"), expected_version=permit.version,
        )  # fmt: skip
