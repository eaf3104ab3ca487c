"""陈述申辩: before refusing an application the office tells the applicant the intended
decision, its grounds and facts, and a period to answer; the answer joins the case, and only
once it is given, or the period has run, may the refusal be made (行政许可法 Arts. 7, 36;
the period is the policy's ``decision.hearing_period``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from juzhu.domain.days import WorkCalendar
from juzhu.domain.lifecycle import Machine
from juzhu.domain.vocabulary import ApplicationStatus, label
from juzhu.registry.models import Application, Permit
from juzhu.registry.services.base import Actor, R, Refused, policy_of, work_calendar
from juzhu.registry.services.commit import apply_transition
from juzhu.registry.services.verdicts import check_refuse_application
from juzhu.rules.engine import Policy

MAX_ANSWER = 2000


def new_intent(
    policy: Policy,
    facts: str,
    on: dt.date,
    calendar: WorkCalendar | None = None,
    **which: Any,
) -> dict[str, Any]:
    """The intent recorded on a case when the person is told of an intended adverse
    decision: ``which`` (its grounds or ground), the facts, the day told, the last day to
    answer (``decision.hearing_period`` on the working-day calendar), no answer yet."""
    facts = facts.strip()
    if len(facts) < 4:
        raise Refused(
            "请写明认定的事实（告知书和决定书都要写明）",
            "state the facts found (the notice and the letter both print them)",
            "facts",
        )
    period = policy.period("decision.hearing_period")
    assert period is not None  # the schema requires a period
    last = (calendar or work_calendar()).period_end(on, period).date
    return {
        **which,
        "facts": facts,
        "notified_on": on.isoformat(),
        "respond_by": last.isoformat(),
        "answer": "",
        "answered_on": None,
    }


def _notify(
    record: R,
    machine: Machine,
    command: str,
    *,
    intent: dict[str, Any],
    policy: Policy,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    notice: str,
    notice_context: dict[str, Any],
) -> dict[str, Any]:
    """Record the notice of an intended adverse decision on the case and tell the person."""
    apply_transition(
        record,
        machine,
        command,
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        inputs={"intent": intent},
        trace=[policy.step("decision.hearing_period", {"notified_on": on.isoformat()}).as_dict()],
        changes={"intent": intent},
        notice=notice,
        notice_context={**notice_context, "respond_by": intent["respond_by"]},
    )
    return intent


@transaction.atomic
def do_intend_refusal(
    app: Application,
    *,
    grounds: Sequence[str],
    facts: str,
    on: dt.date,
    actor: Actor,
    expected_version: int,
) -> dict[str, Any]:
    """Notify the applicant of the intended refusal (grounds from the policy, the facts) and
    the last day to answer; returns the intent recorded on the case."""
    if app.status != ApplicationStatus.ACCEPTED:
        raise Refused("只有已受理、待审核的申请才能告知拟作决定", "only an accepted case", "status")
    policy, chosen = check_refuse_application(app, grounds, facts, on)
    intent = new_intent(policy, facts, on, grounds=[g["id"] for g in chosen])
    lang = "en" if app.person.lang.startswith("en") else "zh"
    return _notify(
        app, Machine.APPLICATION, "intend_refusal", intent=intent, policy=policy, on=on,
        actor=actor, expected_version=expected_version, notice="refusal_intended",
        notice_context={
            "case_number": app.case_number,
            "reasons": [*(g[lang] for g in chosen), intent["facts"]],
        },
    )  # fmt: skip


@transaction.atomic
def do_answer_intent(
    app: Application, *, answer: str, on: dt.date, actor: Actor, expected_version: int
) -> None:
    """The applicant's statement and defence (陈述申辩), once, within the period."""
    intent = app.intent or {}
    _check_answer(intent, answer, on)
    answer = answer.strip()
    answered = {**intent, "answer": answer, "answered_on": on.isoformat()}
    apply_transition(
        app,
        Machine.APPLICATION,
        "answer_intent",
        on=on,
        actor=actor,
        expected_version=expected_version,
        inputs={"answer": answer},
        changes={"intent": answered},
    )


def answer_open(intent: dict[str, Any] | None, on: dt.date) -> bool:
    """Whether the person may still answer the notice ``intent`` on ``on``."""
    if not intent or intent.get("answered_on"):
        return False
    return on.isoformat() <= str(intent["respond_by"])


def _check_answer(intent: dict[str, Any], answer: str, on: dt.date) -> None:
    if not intent:
        raise Refused(
            "没有拟作决定的告知需要答复", "there is no intended decision to answer", "answer"
        )
    if intent.get("answered_on"):
        raise Refused("你已经提交过陈述申辩", "you have already answered", "answer")
    if on > dt.date.fromisoformat(intent["respond_by"]):
        raise Refused(
            f"陈述申辩的期限已于{intent['respond_by']}届满",
            f"the time to answer ended on {intent['respond_by']}",
            "answer",
        )
    if not 5 <= len(answer.strip()) <= MAX_ANSWER:
        raise Refused(
            f"请写下你的陈述和申辩（5到{MAX_ANSWER}个字）",
            f"write your statement (5 to {MAX_ANSWER} characters)",
            "answer",
        )


def check_heard(app: Application, on: dt.date) -> None:
    """Refuse a refusal the applicant has not been heard on: no notice of it yet, or the
    period to answer still running and no answer given."""
    intent = app.intent or {}
    if not intent:
        raise Refused(
            "作出不予签发决定前，须先告知申请人拟作决定的理由和事实，听取陈述申辩",
            "before refusing, notify the applicant of the intended refusal and hear them",
            "intent",
        )
    last = dt.date.fromisoformat(intent["respond_by"])
    if not intent.get("answered_on") and on <= last:
        raise Refused(
            f"申请人可在{last.isoformat()}前陈述申辩，期满或收到答复后才能作出决定",
            f"the applicant may answer until {last.isoformat()}; decide after that or their answer",
            "intent",
        )


# -- before an officer cancels or revokes a permit -------------------------------------------

# Grounds the holder cannot be heard on: a death (the record is corrected, not contested
# here) and the holder's own request.
NOT_HEARD = frozenset({"holder_deceased", "voluntary"})
REVOCATION_GROUND = "ineligible_or_false_info"


def permit_ground_text(ground: str, lang: str) -> str:
    """A cancellation or revocation ground in words (the vocabulary's label)."""
    return label(ground, lang)


@transaction.atomic
def do_intend_permit_decision(
    permit: Permit,
    *,
    ground: str,
    facts: str,
    on: dt.date,
    actor: Actor,
    expected_version: int,
) -> dict[str, Any]:
    """Notify the holder of an intended cancellation (a ground of the city's law) or
    revocation (fraud), with the facts and the last day to answer (陈述申辩)."""
    policy = policy_of(permit.city, on)
    grounds = policy.get("cancellation.grounds") or {}
    if ground in NOT_HEARD:
        raise Refused(
            "这一情形无需告知和听取陈述申辩，可直接办理",
            "this ground needs no notice of intent; decide directly",
            "ground",
        )
    if ground not in grounds and ground != REVOCATION_GROUND:
        raise Refused(
            "这不是本市法规规定的注销情形", f"{ground} is not a ground in the city's law", "ground"
        )
    intent = new_intent(policy, facts, on, ground=ground)
    lang = "en" if permit.person.lang.startswith("en") else "zh"
    return _notify(
        permit, Machine.PERMIT, "intend_decision", intent=intent, policy=policy, on=on,
        actor=actor, expected_version=expected_version, notice="decision_intended",
        notice_context={
            "number": permit.number,
            "reasons": [permit_ground_text(ground, lang), intent["facts"]],
        },
    )  # fmt: skip


@transaction.atomic
def do_answer_permit_intent(
    permit: Permit, *, answer: str, on: dt.date, actor: Actor, expected_version: int
) -> None:
    """The holder's statement against an intended cancellation or revocation."""
    intent = permit.intent or {}
    _check_answer(intent, answer, on)
    answered = {**intent, "answer": answer.strip(), "answered_on": on.isoformat()}
    apply_transition(
        permit,
        Machine.PERMIT,
        "answer_intent",
        on=on,
        actor=actor,
        expected_version=expected_version,
        inputs={"answer": answer.strip()},
        changes={"intent": answered},
    )


def check_permit_heard(permit: Permit, ground: str, on: dt.date) -> None:
    """An officer's cancellation or revocation on ``ground`` only after the holder was told
    of it and heard (or the period ran), on that same ground."""
    if ground in NOT_HEARD:
        return
    intent = permit.intent or {}
    if not intent or intent.get("ground") != ground:
        raise Refused(
            "作出注销或撤销决定前，须先告知持证人拟作决定的情形和事实，听取陈述申辩",
            "before cancelling or revoking, notify the holder of it and hear them",
            "intent",
        )
    last = dt.date.fromisoformat(intent["respond_by"])
    if not intent.get("answered_on") and on <= last:
        raise Refused(
            f"持证人可在{last.isoformat()}前陈述申辩，期满或收到答复后才能作出决定",
            f"the holder may answer until {last.isoformat()}; decide after that or their answer",
            "intent",
        )
