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
from juzhu.registry import services
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
    assert json.loads(answered.body)["inputs"]["answer"] == statement


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
