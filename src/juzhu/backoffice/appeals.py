"""Appeals in the back office: record what the reconsideration body or the court did.

A reconsideration (行政复议) is heard by the district government and a suit (行政诉讼) by a
court; the bureau is the respondent and records each step it is told of: acceptance (受理) or
refusal to accept (不予受理, with reasons), withdrawal, and the outcome with the deciding
body, the document number and the reasons. Every step is one transaction through
the registry's appeal services (optimistic lock on the appeal, hash-chained event).

An act revoked on appeal (撤销, 行政复议法 Art. 64; 行政诉讼法 Art. 70) is void from the
start, so the permit is reinstated in the same transaction and its residence years are not
broken: ``ContinuityRule.reinstatement == "continuous"`` (domain/continuity.py) counts the
cancelled period as residence. No policy names a different rule yet (docs/law.md §5), so
the rule applied is written into the ``PermitReinstated`` event with the count it gives.

A reconsideration decision (upheld, or a refusal to accept) may be taken to court within 15
days of receiving it (行政诉讼法 Art. 45, ``remedy.litigation.after_reconsideration``); the
bureau records such a suit as a new ``litigation`` appeal on the same permit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from juzhu.domain.continuity import compute_continuity
from juzhu.domain.lifecycle import Event as DomainEvent
from juzhu.domain.vocabulary import AppealStatus, PermitStatus
from juzhu.registry import services
from juzhu.registry.continuity import continuity_rule, permit_events
from juzhu.registry.models import Appeal, Permit
from juzhu.registry.services import (
    OUTCOMES,
    Actor,
    Refused,
    policy_of,
    work_calendar,
)

RECORDABLE_KINDS = ("reconsideration", "litigation")
OPEN = AppealStatus.open()
OVERTURNED = AppealStatus.overturned()
# what each outcome is called in a reconsideration decision and in a judgment
OUTCOME_WORDS: dict[str, dict[str, str]] = {
    "reconsideration": {
        "upheld": "维持原行政行为（行政复议法第六十八条）",
        "revoked_act": "撤销原行政行为（第六十四条）——居住证恢复有效",
        "changed_act": "变更原行政行为（第六十三条）",
        "confirmed_unlawful": "确认原行政行为违法（第六十五条）",
    },
    "litigation": {
        "upheld": "驳回诉讼请求（行政诉讼法第六十九条）",
        "revoked_act": "判决撤销原行政行为（第七十条）——居住证恢复有效",
        "changed_act": "判决变更（第七十七条）",
        "confirmed_unlawful": "判决确认违法（第七十四条）",
    },
    "appeal": {
        "upheld": "维持原决定",
        "revoked_act": "撤销原决定——居住证恢复有效",
        "changed_act": "变更原决定",
        "confirmed_unlawful": "确认原决定违法",
    },
}
BODY_HINT = {
    "reconsideration": "行政复议机关，如：深圳市福田区人民政府",
    "litigation": "人民法院，如：深圳市福田区人民法院",
    "appeal": "作出申诉决定的机关",
}
DOCUMENT_HINT = {
    "reconsideration": "行政复议决定书文号",
    "litigation": "判决书或裁定书案号",
    "appeal": "决定书文号",
}


# -- form values ---------------------------------------------------------------------------


def parse_day(
    raw: str, field: str, *, today: dt.date, not_before: dt.date | None = None
) -> dt.date:
    """A date from a form: ISO ``YYYY-MM-DD``, not in the future, not before ``not_before``."""
    try:
        day = dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        raise Refused(
            "请填写日期，格式如 2026-11-20", "give the date as YYYY-MM-DD", field
        ) from None
    if day > today:
        raise Refused("日期不能晚于今天", "the date cannot be in the future", field)
    if not_before and day < not_before:
        raise Refused(
            f"日期不能早于 {not_before.isoformat()}",
            f"the date cannot be before {not_before.isoformat()}",
            field,
        )
    return day


def parse_lines(raw: str) -> list[str]:
    return [line.strip() for line in (raw or "").splitlines() if line.strip()]


def required(value: str, field: str, zh: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Refused(f"请填写{zh}", f"{field} is required", field)
    return value


# -- recording a reconsideration or a suit filed elsewhere ---------------------------------


@transaction.atomic
def do_record_appeal(
    permit: Permit,
    *,
    kind: str,
    filed_on: dt.date,
    grounds: str,
    body: str,
    reference: str,
    actor: Actor,
) -> Appeal:
    """The district government or a court told the bureau that the person applied or sued.

    Refused while another reconsideration or suit on the permit is open: one cannot sue
    while a reconsideration is pending, nor apply for one after suing (行政复议法 Art. 29)."""
    if kind not in RECORDABLE_KINDS:
        raise Refused("请选择行政复议或行政诉讼", "kind: reconsideration or litigation", "kind")
    permit = Permit.objects.select_for_update().get(pk=permit.pk)
    if permit.status not in (PermitStatus.CANCELLED, PermitStatus.REVOKED):
        raise Refused(
            "只有被注销或撤销的居住证才能复议或起诉",
            "only a cancelled or revoked permit can be contested",
            "kind",
        )
    if Appeal.objects.filter(permit=permit, kind__in=RECORDABLE_KINDS, status__in=OPEN).exists():
        raise Refused(
            "该居住证已有尚未办结的行政复议或行政诉讼；复议期间不能起诉，起诉后不能再申请复议",
            "a reconsideration or suit on this permit is still open",
            "kind",
        )
    grounds = required(grounds, "grounds", "申请人的请求和理由")
    body = required(body, "body", "受理机关（复议机关或人民法院）")
    appeal = services.do_file_appeal(
        permit,
        kind=kind,
        grounds=grounds,
        on=filed_on,
        actor=actor,
        inputs={"body": body, "reference": reference.strip(), "recorded": True},
    )
    return appeal


# -- steps on an appeal --------------------------------------------------------------------


def do_accept(
    appeal: Appeal, *, on: dt.date, body: str, reference: str, actor: Actor, expected_version: int
) -> None:
    services.do_accept_appeal(
        appeal,
        on=on,
        actor=actor,
        expected_version=expected_version,
        inputs={"body": body.strip(), "reference": reference.strip()},
    )


def do_reject(
    appeal: Appeal,
    *,
    on: dt.date,
    reasons: list[str],
    body: str,
    reference: str,
    actor: Actor,
    expected_version: int,
) -> None:
    services.do_reject_appeal(
        appeal,
        on=on,
        reasons=reasons,
        actor=actor,
        expected_version=expected_version,
        inputs={"body": body.strip(), "reference": reference.strip()},
    )


def do_withdraw(
    appeal: Appeal, *, on: dt.date, note: str, actor: Actor, expected_version: int
) -> None:
    services.do_withdraw_appeal(
        appeal, on=on, note=note, actor=actor, expected_version=expected_version
    )


@dataclass(frozen=True)
class Recorded:
    outcome: str
    reinstated: bool
    continuity: dict[str, Any] | None


@transaction.atomic
def do_record_outcome(
    appeal: Appeal,
    *,
    outcome: str,
    on: dt.date,
    body: str,
    document: str,
    reasons: str,
    actor: Actor,
    expected_version: int,
) -> Recorded:
    """The decision or judgment. ``revoked_act`` reinstates the permit in this transaction
    (when it is still cancelled or revoked: a permit issued again since is left alone, and
    the event says so)."""
    if outcome not in OUTCOMES:
        raise Refused("请选择结果", f"outcome: one of {', '.join(OUTCOMES)}", "outcome")
    body = required(body, "body", "作出决定的机关")
    document = required(document, "document", "文书编号")
    reasons = required(reasons, "reasons", "决定理由（摘要）")
    # an appeal against a refused application has no permit: a revoked refusal sends the
    # application back to the bureau for a new decision (reopened, accepted), in this
    # transaction; nothing is reinstated
    permit = (
        Permit.objects.select_for_update().get(pk=appeal.permit_id) if appeal.permit_id else None
    )
    reinstate = (
        outcome == "revoked_act"
        and permit is not None
        and permit.status in (PermitStatus.CANCELLED, PermitStatus.REVOKED)
    )
    data: dict[str, Any] = {"body": body, "document": document}
    if outcome == "revoked_act" and permit is not None and not reinstate:
        data["permit_not_reinstated"] = f"permit is {permit.status}"
    if outcome == "revoked_act" and permit is None:
        data["refusal_revoked"] = str(appeal.application_id or "")
    continuity = reinstatement_continuity(permit, on) if reinstate and permit else None
    services.do_decide_appeal(
        appeal,
        outcome=outcome,
        on=on,
        actor=actor,
        expected_version=expected_version,
        reasons=reasons,
        inputs=data,
        reinstatement={"document": document, "continuity": continuity},
    )
    return Recorded(outcome, reinstate, continuity)


def reinstatement_continuity(permit: Permit, on: dt.date) -> dict[str, Any]:
    """What reinstating ``permit`` on ``on`` makes of the residence years, under the city's
    rule: written into the PermitReinstated event."""
    rule = continuity_rule(permit.city, on, reinstatement="continuous")
    after = compute_continuity(
        [*permit_events(permit.pk), DomainEvent("PermitReinstated", "permit", on)], rule, on
    )
    return {
        "reinstatement": rule.reinstatement,
        "explained": "原注销/撤销行为被撤销，自始无效：注销期间计入居住年限，居住年限不中断",
        "since": after.since.isoformat() if after.since else None,
        "days": after.days,
        "years": after.years,
    }


# -- what the pages show -------------------------------------------------------------------


def litigation_deadline(appeal: Appeal) -> dt.date | None:
    """Last day to sue after a reconsideration decision (upheld or not accepted), counted
    from the decision date: service is usually later, so the real deadline is no earlier."""
    if appeal.kind != "reconsideration" or appeal.status not in (
        AppealStatus.UPHELD,
        AppealStatus.REJECTED,
    ):
        return None
    if appeal.decided_on is None:
        return None
    period = policy_of(appeal.city, appeal.decided_on).period(
        "remedy.litigation.after_reconsideration"
    )
    if period is None:
        return None
    return work_calendar().period_end(appeal.decided_on, period).date


def may_record(permit: Permit) -> bool:
    return (
        permit.status in (PermitStatus.CANCELLED, PermitStatus.REVOKED)
        and not Appeal.objects.filter(
            permit=permit, kind__in=RECORDABLE_KINDS, status__in=OPEN
        ).exists()
    )


def default_body(appeal_or_permit: Any, kind: str, on: dt.date) -> str:
    """The reconsideration body from the office directory (the district government)."""
    if kind != "reconsideration":
        return ""
    from juzhu.registry.offices import office_names

    r = appeal_or_permit
    return office_names(r.city, r.district, r.station, policy_of(r.city, on))["government"]
