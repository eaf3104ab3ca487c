"""The engine decides, people confirm (issue 13 item 4): the case page shows the rules
engine's verdict with each condition, its value, the facts and the citation; refusal
grounds come from the unmet conditions; a decision against the engine needs the reason and a
second officer's countersign; every decision event stores the facts, the verdict and the
policy's digest, whose text is kept whole."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from fixtures.applications import CLERK, FACTS, RECENT, heard, make_application
from fixtures.clock import frozen
from fixtures.officers import make_office, officer, signed_in
from fixtures.people import make_id, make_person
from juzhu.backoffice.acceptance.intake import parse_intake
from juzhu.registry import services
from juzhu.registry.models import Application, Event, PolicyText
from juzhu.registry.services import Actor, Refused

pytestmark = [pytest.mark.django_db, frozen]


@pytest.fixture(autouse=True)
def futian_office(db: Any) -> None:
    make_office()


def url(name: str, pk: Any) -> str:
    return reverse(f"backoffice:{name}", args=[pk])


def post(client: Client, name: str, app: Application, **data: Any) -> Any:
    app.refresh_from_db()
    return client.post(url(name, app.pk), {"version": app.version, **data})


def body_of(app: Application, name: str) -> dict[str, Any]:
    event = Event.objects.get(record_id=app.pk, name=name)
    return dict(json.loads(event.body))


def test_the_case_page_shows_each_condition_with_its_value_facts_and_article() -> None:
    app = make_application(status="accepted")
    page = signed_in(officer("reviewer")).get(url("application_decide", app.pk))
    html = page.content.decode()
    assert "规则引擎判定" in html and "符合申领条件" in html
    assert "居住登记时间" in html and "就业与社会保险" in html
    assert "深圳经济特区居住证条例" in html  # each condition's citation
    assert "residence_months=" in html and "未提供" not in html


def test_an_ineligible_case_preselects_the_ground_its_unmet_condition_supports() -> None:
    app = make_application(status="accepted", facts=RECENT)
    html = signed_in(officer("reviewer")).get(url("application_decide", app.pk)).content.decode()
    assert "不符合申领条件" in html
    assert 'value="registration_too_short" id="ground-registration_too_short" checked' in html
    verdict = services.verdict_of(app, dt.date(2026, 12, 2))
    assert verdict is not None and verdict.eligible is False
    assert verdict.grounds == ("registration_too_short",)
    assert [u["rule"] for u in verdict.unmet] == ["eligibility.residence_months"]


def test_a_missing_fact_is_unknown_never_a_default() -> None:
    facts = {k: v for k, v in FACTS.items() if k != "employed"}
    app = make_application(status="accepted", facts={})
    Application.objects.filter(pk=app.pk).update(facts=facts)
    app.refresh_from_db()
    verdict = services.verdict_of(app, dt.date(2026, 12, 2))
    assert verdict is not None
    assert verdict.eligible is None and "employment.employed" in verdict.missing
    html = signed_in(officer("reviewer")).get(url("application_decide", app.pk)).content.decode()
    assert "无法判定：缺少事实" in html and "未提供" in html


def test_approving_against_the_engine_needs_a_reason_and_a_second_officer() -> None:
    app = make_application(status="accepted", facts=RECENT)
    first = signed_in(officer("reviewer", name="reviewer-a"))
    r = post(first, "application_approve", app)
    assert r.status_code == 400
    assert "第二名工作人员会签" in r.content.decode()
    app.refresh_from_db()
    assert app.status == "accepted" and app.proposal is None  # nothing written
    r = post(
        first,
        "application_approve",
        app,
        override_reason="居住登记系统漏录，已核实租赁备案自2023年起",
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "accepted" and app.proposal["outcome"] == "approve"
    proposed = body_of(app, "ApplicationDecisionProposed")
    assert proposed["inputs"]["verdict"]["eligible"] is False
    # the proposer cannot countersign their own proposal
    r = post(first, "application_approve", app)
    assert r.status_code == 400 and "另一名工作人员" in r.content.decode()
    second = signed_in(officer("reviewer", name="reviewer-b"))
    html = second.get(url("application_decide", app.pk)).content.decode()
    assert "待会签" in html and "居住登记系统漏录" in html
    r = post(second, "application_approve", app)
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "approved" and app.proposal is None
    inputs = body_of(app, "ApplicationApproved")["inputs"]
    override = inputs["override"]
    assert override["reason"].startswith("居住登记系统漏录")
    assert override["by"] != override["countersigned_by"]
    assert inputs["verdict"]["eligible"] is False


def test_refusing_an_eligible_applicant_needs_a_countersign_too() -> None:
    app = heard(
        make_application(status="accepted"), grounds=["false_materials"], facts="合同系伪造"
    )
    on = dt.date(2026, 12, 2)
    a, b = Actor("officer:a"), Actor("officer:b")
    with pytest.raises(Refused, match="countersign"):
        services.do_refuse_application(
            app, grounds=["false_materials"], facts="合同系伪造", on=on, actor=a,
            expected_version=app.version,
        )  # fmt: skip
    services.do_propose_decision(
        app, outcome="refuse", reason="租赁合同经核查系伪造，引擎无从判断", on=on, actor=a,
        expected_version=app.version, grounds=["false_materials"], facts="合同系伪造",
    )  # fmt: skip
    app.refresh_from_db()
    services.do_refuse_application(
        app, grounds=["false_materials"], facts="合同系伪造", on=on, actor=b,
        expected_version=app.version,
    )  # fmt: skip
    app.refresh_from_db()
    assert app.status == "refused"
    assert body_of(app, "ApplicationRefused")["inputs"]["override"]["countersigned_by"] == str(b)


def test_a_proposal_that_agrees_with_the_engine_is_refused() -> None:
    app = make_application(status="accepted")
    with pytest.raises(Refused, match="agrees"):
        services.do_propose_decision(
            app, outcome="approve", reason="理由写得足够长的一段话", on=dt.date(2026, 12, 2),
            actor=Actor("officer:a"), expected_version=app.version,
        )  # fmt: skip


def test_each_decision_stores_facts_verdict_and_the_policy_text_it_applied() -> None:
    app = make_application(status="approved")
    inputs = body_of(app, "ApplicationApproved")["inputs"]
    assert inputs["application_facts"]["registered_since"] == "2024-01-01"
    assert inputs["verdict"]["eligible"] is True
    assert {c["rule"] for c in inputs["verdict"]["conditions"]} >= {
        "eligibility.residence_months",
        "eligibility.routes",
    }
    text = PolicyText.objects.get(digest=inputs["policy_digest"])
    assert "shenzhen/policy.yaml" in text.files and "national/policy.yaml" in text.files


def test_the_registry_s_own_registration_date_is_the_fact_not_a_declaration() -> None:
    person = make_person()
    services.do_register_residence(
        person, city="shenzhen", district="futian", station="sz-futian-1",
        address="福田区福华路1号", housing="rented", on=dt.date(2025, 3, 1), actor=CLERK,
    )  # fmt: skip
    app = make_application(person, facts={"registered_since": "2020-01-01"})
    assert app.facts["registered_since"] == "2025-03-01"
    assert app.facts["previous_permits"] == 0


def test_the_counter_stores_no_employment_fact_the_clerk_did_not_check() -> None:
    clerk = officer("clerk")
    data = QueryDict(mutable=True)
    data.update({
        "id_number": make_id(), "name": "王阿姨",
        "phone": "", "kind": "first_issue", "basis": "residence", "housing": "rented",
        "registered_since": "2025-01-01",
    })  # fmt: skip
    intake = parse_intake(clerk, data, dt.date(2026, 12, 2))
    assert "employed" not in intake.facts and "social_insurance_months" not in intake.facts
