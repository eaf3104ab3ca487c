"""Permits: issue, endorse, suspend, expire, cancel, revoke, reinstate."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F

from juzhu.domain.lifecycle import Machine
from juzhu.domain.months import add_months
from juzhu.domain.vocabulary import CancellationReason, PermitStatus, label
from juzhu.registry.events import NewEvent, build_events
from juzhu.registry.models import (
    Appeal,
    Application,
    Endorsement,
    Event,
    Permit,
    Person,
)
from juzhu.registry.outbox import do_enqueue_notice
from juzhu.registry.services.base import (
    CITY_PREFIX,
    Actor,
    Conflict,
    Refused,
    policy_of,
    policy_ref,
    statutory_due,
)
from juzhu.registry.services.commit import apply_transition
from juzhu.registry.services.hearing import check_permit_heard
from juzhu.rules.engine import Policy

# -- permits -------------------------------------------------------------------------------


def _permit_number(city: str, on: dt.date) -> str:
    return f"{CITY_PREFIX.get(city, city[:2].upper())}{on:%Y}{secrets.token_hex(5).upper()}"


def expires_on_for(policy: Policy, issued_on: dt.date) -> dt.date | None:
    term = policy.period("validity.term")
    if term is None:
        return None
    months = term.amount * (12 if term.unit == "years" else 1) if term.unit != "days" else None
    return (
        add_months(issued_on, months)
        if months is not None
        else issued_on + dt.timedelta(days=term.amount)
    )


def next_anniversary_from(due: dt.date, on: dt.date) -> dt.date:
    """The first anniversary on or after ``on`` (a reinstated permit gets a fresh one)."""
    while due < on:
        due = add_months(due, 12)
    return due


def next_due_after(policy: Policy, permit: Permit, endorsed_on: dt.date, late: bool) -> dt.date:
    """The next anniversary after an endorsement (居住证暂行条例 Art. 10; see the planner)."""
    if late and policy.get("endorsement.late_resets_anniversary"):
        return add_months(endorsed_on, 12)
    due = permit.next_due_on or add_months(permit.issued_on, 12)
    if not late:
        return add_months(due, 12)
    while (
        due < endorsed_on
    ):  # the late endorsement covers the lapsed year up to the next anniversary
        due = add_months(due, 12)
    return due


FACT_FIELDS = (
    "basis",
    "housing",
    "registered_since",
    "employed",
    "social_insurance_months",
    "social_insurance_continuous",
    "enrolled",
)


def do_issue_permit(
    person: Person,
    *,
    city: str,
    district: str,
    station: str,
    on: dt.date,
    actor: Actor,
    facts: Mapping[str, Any] | None = None,
    application: Application | None = None,
) -> Permit:
    policy = policy_of(city, on)
    permit = Permit(
        person=person,
        city=city,
        district=district,
        station=station,
        number=_permit_number(city, on),
        issued_on=on,
        next_due_on=add_months(on, 12),
        expires_on=expires_on_for(policy, on),
        policy_version=policy.version,
        **{k: v for k, v in dict(facts or {}).items() if k in FACT_FIELDS},
    )
    apply_transition(
        permit,
        Machine.PERMIT,
        "issue",
        on=on,
        actor=actor,
        expected_version=None,
        policy=policy,
        inputs={"application": str(application.pk) if application else None, **dict(facts or {})},
        notice="permit_issued",
        notice_context={"number": permit.number, "on": on.isoformat()},
    )
    return permit


@transaction.atomic
def do_endorse_permit(
    permit: Permit, *, on: dt.date, actor: Actor, expected_version: int
) -> Endorsement:
    policy = policy_of(permit.city, on)
    late = permit.status == PermitStatus.SUSPENDED
    due = next_due_after(policy, permit, on, late)
    apply_transition(
        permit,
        Machine.PERMIT,
        "endorse_late" if late else "endorse",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        changes={"last_endorsed_on": on, "next_due_on": due, "suspended_on": None},
        trace=[policy.step("endorsement.late_resets_anniversary", {"late": late}).as_dict()],
        notice="permit_endorsed",
        notice_context={"number": permit.number, "next_due": due.isoformat()},
    )
    return Endorsement.objects.create(city=permit.city, permit=permit, endorsed_on=on, late=late)


@transaction.atomic
def do_suspend_permit(
    permit: Permit,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    policy: Policy | None = None,
    notice_extra: Mapping[str, Any] | None = None,
) -> None:
    """使用功能中止 from ``on``, the first day after the anniversary went by unendorsed.
    ``policy``: the version the caller decided under (the sweep's run day), else ``on``'s.
    ``notice_extra``: the letter's number and the last days to contest (the sweep's)."""
    apply_transition(
        permit,
        Machine.PERMIT,
        "suspend",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy or policy_of(permit.city, on),
        changes={"suspended_on": on},
        dedupe_key=f"suspend:{permit.next_due_on}",
        notice="permit_suspended",
        notice_context={"number": permit.number, "on": on.isoformat(), **dict(notice_extra or {})},
    )


@transaction.atomic
def do_expire_permit(
    permit: Permit,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    policy: Policy | None = None,
) -> None:
    apply_transition(
        permit,
        Machine.PERMIT,
        "expire",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy or policy_of(permit.city, on),
        dedupe_key=f"expire:{permit.expires_on}",
        notice="permit_expired",
        notice_context={"number": permit.number, "on": on.isoformat()},
    )


@transaction.atomic
def do_remind(
    permit: Permit,
    *,
    event: str,
    template: str,
    due: dt.date,
    on: dt.date,
    actor: Actor,
    policy: Policy,
    dedupe_key: str,
) -> None:
    """A reminder before an endorsement or expiry is not a transition: chain its event and
    move the record's head under the optimistic lock, with the notice, in one transaction."""
    days, expected = (due - on).days, permit.version
    rows = build_events(
        permit,
        [NewEvent(event, on, {"due": due, "days_before": days})],
        actor=str(actor),
        policy=policy_ref(policy),
        dedupe_key=dedupe_key,
    )
    moved = Permit.objects.filter(pk=permit.pk, version=expected).update(
        version=F("version") + 1,
        last_event_seq=permit.last_event_seq,
        last_event_hash=permit.last_event_hash,
    )
    if moved != 1:
        raise Conflict(permit, expected)
    permit.version = expected + 1
    saved = Event.objects.bulk_create(rows)
    context = {"number": permit.number, "due": due.isoformat(), "days": days, "event": event}
    do_enqueue_notice(saved[0], permit.person, template, context)


def _files_input(files: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Evidence files as recorded on the event: name, sha256 and size, never the content."""
    if not files:
        return {}
    keep = ("name", "sha256", "size", "type")
    return {"evidence_files": [{k: f[k] for k in keep if k in f} for f in files]}


def check_cancel_permit(permit: Permit, reason: str, on: dt.date) -> Policy:
    policy = policy_of(permit.city, on)
    grounds = policy.get("cancellation.grounds")
    # A cancellation at the holder's own request rests on the application, not on a ground.
    if reason != "voluntary" and reason not in grounds:
        known = "、".join(label(g) for g in grounds)
        raise Refused(
            f"“{label(reason)}”不是本市的注销事由；可选：{known}",
            f"{reason!r} is not a ground for cancellation here; use one of {', '.join(grounds)}",
            "reason",
        )
    return policy


@transaction.atomic
def do_cancel_permit(
    permit: Permit,
    *,
    reason: str,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    evidence: str = "",
    evidence_files: Sequence[Mapping[str, Any]] = (),
    trace: Sequence[Any] = (),
    notice_extra: Mapping[str, Any] | None = None,
) -> None:
    """注销 on a ground of the city's policy. ``evidence`` is the officer's summary of the
    facts; ``evidence_files`` the stored files (name, sha256, size), recorded on the event.
    ``notice_extra`` adds to the holder's notice what the decision letter says (its number,
    the last days for reconsideration and litigation). An officer's cancellation on the
    evidence they found (``evidence``) is made only after the holder was heard on it
    (``hearing.check_permit_heard``); the sweep's, a death and the holder's own request are not.
    """
    policy = check_cancel_permit(permit, reason, on)
    if evidence.strip():
        check_permit_heard(permit, reason, on)
    apply_transition(
        permit,
        Machine.PERMIT,
        "cancel",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        reason=reason,
        data={"reason": CancellationReason(reason)},
        changes={
            "cancelled_on": on,
            "cancellation_reason": reason,
            **({"intent": None} if permit.intent else {}),
        },
        inputs={"evidence": evidence, **_files_input(evidence_files)},
        trace=[policy.step("cancellation.grounds", {"reason": reason}).as_dict(), *trace],
        dedupe_key=f"cancel:{on}",
        notice="permit_cancelled",
        notice_context={
            "number": permit.number,
            "on": on.isoformat(),
            "reason": reason,
            **dict(notice_extra or {}),
        },
    )


@transaction.atomic
def do_revoke_permit(
    permit: Permit,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    evidence: str,
    evidence_files: Sequence[Mapping[str, Any]] = (),
    notice_extra: Mapping[str, Any] | None = None,
) -> None:
    """撤销 a permit obtained by fraud (行政许可法 Art. 69 para. 2); the evidence is required.
    ``notice_extra`` as for ``do_cancel_permit``."""
    if not evidence.strip():
        raise Refused(
            "撤销须附上认定骗领的证据", "revocation needs the evidence of fraud", "evidence"
        )
    policy = policy_of(permit.city, on)
    check_permit_heard(permit, "ineligible_or_false_info", on)
    apply_transition(
        permit,
        Machine.PERMIT,
        "revoke",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        reason="ineligible_or_false_info",
        data={"reason": "ineligible_or_false_info"},
        inputs={"evidence": evidence, **_files_input(evidence_files)},
        changes={
            "cancelled_on": on,
            "cancellation_reason": "ineligible_or_false_info",
            **({"intent": None} if permit.intent else {}),
        },
        notice="permit_revoked",
        notice_context={"number": permit.number, "on": on.isoformat(), **dict(notice_extra or {})},
    )


@transaction.atomic
def do_reopen_application(
    app: Application, *, appeal: Appeal, on: dt.date, actor: Actor, expected_version: int
) -> None:
    """A refusal revoked on appeal (行政复议法 Art. 64): the application is back with the
    bureau, accepted, for a new decision within a fresh issuing time from today."""
    policy = policy_of(app.city, on)
    due = statutory_due(policy, on)
    apply_transition(
        app,
        Machine.APPLICATION,
        "reopen",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        data={"appeal_ref": str(appeal.pk)},
        changes={"decided_on": None, "decision_reasons": [], "due_on": due},
        notice="application_accepted",
        notice_context={"case_number": app.case_number, "due": due.isoformat()},
    )


@transaction.atomic
def do_reinstate_permit(
    permit: Permit,
    *,
    appeal: Appeal,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Undo a cancellation or revocation that an appeal revoked; ``data`` adds to the event
    what the office recorded (the decision's document number, the continuity applied)."""
    apply_transition(
        permit,
        Machine.PERMIT,
        "reinstate",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy_of(permit.city, on),
        data={"appeal_ref": str(appeal.pk), **dict(data or {})},
        changes={
            "cancelled_on": None,
            "cancellation_reason": "",
            "suspended_on": None,
            "next_due_on": next_anniversary_from(
                permit.next_due_on or add_months(permit.issued_on, 12), on
            ),
        },
        notice="permit_reinstated",
        notice_context={"number": permit.number, "on": on.isoformat()},
    )
