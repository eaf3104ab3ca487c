"""Appeals: complaint, reconsideration and litigation, filed, accepted, decided."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from juzhu.domain.lifecycle import Machine
from juzhu.domain.vocabulary import AppealStatus, ApplicationStatus, PermitStatus
from juzhu.registry.models import (
    Appeal,
    Application,
    Permit,
)
from juzhu.registry.services.base import Actor, Refused, policy_of
from juzhu.registry.services.commit import apply_transition
from juzhu.registry.services.permits import do_reinstate_permit, do_reopen_application

# -- appeals -------------------------------------------------------------------------------


@transaction.atomic
def do_file_appeal(
    permit: Permit | None,
    *,
    kind: str,
    grounds: str,
    on: dt.date,
    actor: Actor,
    inputs: Mapping[str, Any] | None = None,
    application: Application | None = None,
) -> Appeal:
    """File an appeal, reconsideration or suit against a cancellation or revocation of
    ``permit``, or against the refusal of ``application``; ``inputs`` adds what an office
    recorded (the body it went to, its reference)."""
    if application is not None:
        if application.status != ApplicationStatus.REFUSED:
            raise Refused(
                "只有被不予签发的申请才能提出异议",
                "only a refused application can be contested",
                "application",
            )
        subject: Permit | Application = application
    elif permit is None or permit.status not in (PermitStatus.CANCELLED, PermitStatus.REVOKED):
        raise Refused(
            "只有被注销或撤销的居住证才能申诉或复议",
            "only a cancelled or revoked permit can be contested",
            "permit",
        )
    else:
        subject = permit
    if not grounds.strip():
        raise Refused("请写明理由", "give your reasons", "grounds")
    running = Appeal.objects.filter(kind=kind, status__in=AppealStatus.open())
    if application is not None:
        running = running.filter(application=application)
    else:
        running = running.filter(permit=permit)
    if running.exists():
        raise Refused(
            "你已就这一决定提出同样的异议，正在办理中，不必再次提交",
            "you have already filed this challenge of the decision; it is being handled, "
            "so there is no need to file it again",
            "kind",
        )
    appeal = Appeal(
        permit=permit if application is None else None,
        application=application,
        person=subject.person,
        city=subject.city,
        district=subject.district,
        station=subject.station,
        kind=kind,
        filed_on=on,
        grounds=grounds.strip(),
    )
    about = {"application": application.case_number} if application is not None else {}
    apply_transition(
        appeal,
        Machine.APPEAL,
        "file",
        on=on,
        actor=actor,
        expected_version=None,
        policy=policy_of(subject.city, on),
        inputs={"kind": kind, **about, **dict(inputs or {})},
    )
    return appeal


OUTCOMES = {
    "upheld": "decide_uphold",
    "revoked_act": "decide_revoke",
    "changed_act": "decide_change",
    "confirmed_unlawful": "decide_confirm_unlawful",
}


@transaction.atomic
def do_accept_appeal(
    appeal: Appeal,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    inputs: Mapping[str, Any] | None = None,
) -> None:
    """The body accepted the case; ``inputs``: the body and its reference, as recorded."""
    apply_transition(
        appeal,
        Machine.APPEAL,
        "accept",
        on=on,
        actor=actor,
        expected_version=expected_version,
        changes={"accepted_on": on},
        inputs=dict(inputs or {}),
    )


@transaction.atomic
def do_reject_appeal(
    appeal: Appeal,
    *,
    on: dt.date,
    reasons: Sequence[str],
    actor: Actor,
    expected_version: int,
    inputs: Mapping[str, Any] | None = None,
) -> None:
    """The body refused to accept the case, with its reasons (the applicant may sue on them)."""
    if not reasons:
        raise Refused(
            "不予受理须写明理由（每行一条），申请人据此可以起诉",
            "a refusal to accept must list its reasons",
            "reasons",
        )
    apply_transition(
        appeal,
        Machine.APPEAL,
        "reject",
        on=on,
        actor=actor,
        expected_version=expected_version,
        reason="；".join(reasons),
        data={"reasons": list(reasons)},
        changes={"decided_on": on},
        inputs=dict(inputs or {}),
    )


@transaction.atomic
def do_withdraw_appeal(
    appeal: Appeal, *, on: dt.date, note: str, actor: Actor, expected_version: int
) -> None:
    apply_transition(
        appeal,
        Machine.APPEAL,
        "withdraw",
        on=on,
        actor=actor,
        expected_version=expected_version,
        reason=note.strip(),
    )


@transaction.atomic
def do_decide_appeal(
    appeal: Appeal,
    *,
    outcome: str,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    reasons: str = "",
    inputs: Mapping[str, Any] | None = None,
    reinstatement: Mapping[str, Any] | None = None,
) -> bool:
    """Record the outcome. A revoked act, in the same transaction, reinstates a permit that
    is still cancelled or revoked (``reinstatement`` adds to its event: the decision's
    document, the continuity applied), or reopens a refused application for a new
    decision. Returns whether a permit was reinstated."""
    if outcome not in OUTCOMES:
        raise Refused(
            f"未知的复议结果 {outcome}",
            f"unknown outcome {outcome!r}; use {', '.join(OUTCOMES)}",
            "outcome",
        )
    apply_transition(
        appeal,
        Machine.APPEAL,
        OUTCOMES[outcome],
        on=on,
        actor=actor,
        expected_version=expected_version,
        reason=reasons,
        changes={"decided_on": on},
        inputs=inputs,
        notice="appeal_decided",
        notice_context={"outcome": outcome},
    )
    if outcome != "revoked_act":
        return False
    if appeal.permit_id:
        permit = Permit.objects.select_for_update().get(pk=appeal.permit_id)
        if permit.status not in (PermitStatus.CANCELLED, PermitStatus.REVOKED):
            return False  # issued again since: nothing to undo
        do_reinstate_permit(
            permit, appeal=appeal, on=on, actor=actor, expected_version=permit.version,
            data=reinstatement,
        )  # fmt: skip
        return True
    if appeal.application_id:
        refused = Application.objects.select_for_update().get(pk=appeal.application_id)
        if refused.status == ApplicationStatus.REFUSED:
            do_reopen_application(
                refused, appeal=appeal, on=on, actor=actor, expected_version=refused.version
            )
    return False
