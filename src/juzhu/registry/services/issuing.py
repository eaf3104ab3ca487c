"""Decisions that make or change a card: the policy a decision applies, approval, production,
pickup and handover."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from juzhu.domain.lifecycle import Machine
from juzhu.domain.vocabulary import ApplicationStatus, PermitStatus, label
from juzhu.registry.idnumbers import InvalidIdNumber, parse_id_number
from juzhu.registry.models import (
    Application,
    Permit,
)
from juzhu.registry.services.base import Actor, Refused
from juzhu.registry.services.commit import apply_transition
from juzhu.registry.services.permits import (
    FACT_FIELDS,
    do_cancel_permit,
    do_endorse_permit,
    do_issue_permit,
)
from juzhu.registry.services.verdicts import decision_policy, decision_record

CARD_KINDS = frozenset({"first_issue", "reapplication", "change", "replacement"})
"""Kinds whose approval makes a card: production, pickup and handover follow."""


@transaction.atomic
def do_approve_application(
    app: Application, *, on: dt.date, actor: Actor, expected_version: int
) -> Permit | None:
    """Approve, and carry out what the application asked for, in the same transaction.

    first_issue / reapplication issue the permit; endorsement endorses it (late if it was
    suspended); voluntary_cancellation cancels it; change copies the application's facts
    (basis, housing, ...) onto the permit; replacement makes a new card for the same permit
    (same number). Each also writes its event on the permit (PermitDetailsChanged,
    PermitCardReplaced) in the same transaction.
    """
    policy = decision_policy(app, on)
    permit = app.permit
    inputs: dict[str, Any] = decision_record(app, "approve", on, actor, policy)
    changes: dict[str, Any] = {}
    if app.kind in ("change", "replacement"):
        if permit is None:
            raise Refused("这件申请没有关联的居住证", "the application names no permit", "permit")
        if permit.status not in (PermitStatus.ACTIVE, PermitStatus.SUSPENDED):
            raise Refused(
                f"居住证状态为“{label(permit.status)}”，不能变更或补领/换领；请重新申领",
                f"the permit is {permit.status}; it cannot be changed or replaced, re-apply",
                "permit",
            )
        if app.kind == "change":
            changes = _permit_changes(app, permit)
            inputs["permit_changes"] = {k: _jsonable(v) for k, v in changes.items()}
        else:  # replacement
            previous = Application.objects.filter(
                permit=permit, kind="replacement", status__in=[ApplicationStatus.APPROVED, ApplicationStatus.IN_PRODUCTION,
                                                               "ready_for_pickup", "collected"]
            ).count()  # fmt: skip
            inputs["replacement"] = {"permit": permit.number, "card": previous + 2}
    apply_transition(
        app,
        Machine.APPLICATION,
        "approve",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        inputs=inputs or None,
        trace=inputs.get("verdict", {}).get("conditions", []),
        changes={"decided_on": on, "proposal": None},
    )
    if app.kind in ("first_issue", "reapplication"):
        facts = {"basis": app.basis, "housing": app.housing, **app.facts}
        permit = do_issue_permit(
            app.person,
            city=app.city,
            district=app.district,
            station=app.station,
            on=on,
            actor=actor,
            facts=facts,
            application=app,
        )
        Application.objects.filter(pk=app.pk).update(permit=permit)
        app.permit = permit
    elif app.kind == "endorsement" and permit is not None:
        do_endorse_permit(permit, on=on, actor=actor, expected_version=permit.version)
    elif app.kind == "voluntary_cancellation" and permit is not None:
        do_cancel_permit(
            permit, reason="voluntary", on=on, actor=actor, expected_version=permit.version
        )
    elif app.kind in ("change", "replacement") and permit is not None:
        change = app.kind == "change"
        if change and app.facts.get("address"):
            _move_registration(app, on, actor)
        apply_transition(
            permit,
            Machine.PERMIT,
            "change_details" if change else "replace_card",
            on=on,
            actor=actor,
            expected_version=permit.version,
            policy=policy,
            changes=changes,
            inputs={
                "application": app.case_number,
                **inputs["permit_changes" if change else "replacement"],
            },
        )
    return permit


def _move_registration(app: Application, on: dt.date, actor: Actor) -> None:
    """A change of address really changes the stored address: the live registration in the
    city takes it (a move inside the city), with the proof the clerk accepted."""
    from juzhu.registry.services.registration import do_change_address, live_registration

    reg = live_registration(app.person, app.city)
    if reg is None:
        return
    proof = list(
        app.materials.filter(provided=True).values_list("material", flat=True)
    )  # accepted at the counter, with the application
    do_change_address(
        reg, address=str(app.facts["address"]), housing=app.housing, on=on, actor=actor,
        expected_version=reg.version, evidence=proof,
    )  # fmt: skip


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _permit_changes(app: Application, permit: Permit) -> dict[str, Any]:
    """The permit's fact fields the change application sets to new values."""
    wanted: dict[str, Any] = {"basis": app.basis, "housing": app.housing}
    for key in FACT_FIELDS:
        if key in app.facts and key not in wanted:
            value = app.facts[key]
            if key == "registered_since" and isinstance(value, str):
                value = dt.date.fromisoformat(value)
            wanted[key] = value
    return {k: v for k, v in wanted.items() if getattr(permit, k) != v}


def _simple(command: str, notice: str | None = None) -> Any:
    @transaction.atomic
    def run(app: Application, *, on: dt.date, actor: Actor, expected_version: int) -> None:
        apply_transition(
            app,
            Machine.APPLICATION,
            command,
            on=on,
            actor=actor,
            expected_version=expected_version,
            notice=notice,
            notice_context={"case_number": app.case_number},
        )

    run.__name__ = f"do_{command}_application"
    return run


do_start_production = _simple("start_production")
do_mark_ready = _simple("mark_ready", "application_ready")
do_withdraw_application = _simple("withdraw")


IDENTITY_METHODS = {"id_card": "核验本人居民身份证", "agent": "代领：核验代领人身份证件及委托"}


@transaction.atomic
def do_collect(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    identity_checked: bool,
    identity: Mapping[str, Any] | None = None,
) -> None:
    """Hand the card over. ``identity`` records how identity was checked: ``{"method":
    "id_card"}`` (the holder's 居民身份证), or ``{"method": "agent", "agent_name",
    "agent_id_number", "relation"}``; the agent's ID number is kept masked only."""
    if not identity_checked:
        raise Refused(
            "领证前须核验本人身份",
            "check the holder's identity before handing over",
            "identity_checked",
        )
    inputs: dict[str, Any] = {"identity_checked": True}
    if identity is not None:
        inputs["identity"] = _identity_record(identity)
    apply_transition(
        app,
        Machine.APPLICATION,
        "collect",
        on=on,
        actor=actor,
        expected_version=expected_version,
        inputs=inputs,
    )


def _identity_record(identity: Mapping[str, Any]) -> dict[str, str]:
    method = str(identity.get("method") or "")
    if method not in IDENTITY_METHODS:
        raise Refused(
            "请选择身份核验方式", f"say how identity was checked: {', '.join(IDENTITY_METHODS)}",
            "method",
        )  # fmt: skip
    if method == "id_card":
        return {"method": method}
    name = str(identity.get("agent_name") or "").strip()
    relation = str(identity.get("relation") or "").strip()
    if not name:
        raise Refused("请填写代领人姓名", "the agent's name is required", "agent_name")
    try:
        parsed = parse_id_number(str(identity.get("agent_id_number") or ""))
    except InvalidIdNumber as exc:
        raise Refused(f"代领人证件号码：{exc.zh}", exc.en, "agent_id_number") from None
    if not relation:
        raise Refused(
            "请填写代领人与申请人的关系", "give the agent's relation to the holder", "relation"
        )
    masked = parsed.value[:4] + "*" * 10 + parsed.value[-4:]
    return {"method": method, "agent_name": name, "agent_id_masked": masked, "relation": relation}
