"""States, commands and allowed transitions of the four lifecycles (PRODUCT.md, capability 2).

One ``StrEnum`` of states, one ``StrEnum`` of commands and one transition table per machine,
in the style of polar's ``SubscriptionStatus``. The table maps ``(state, command)`` to
``(new_state, event_name)``; ``None`` is the state of a record that does not exist yet.
``transition`` is the only way to move a record: it checks the table and the guards and
returns the new state with the events to append to the log. Status is derived from the log
by ``replay`` (events were guarded when they were written, so replay checks the table only).

Machines:

- permit (居住证): ``PermitStatus``. ``suspended`` is 使用功能中止 after a missed
  endorsement, restored by ``endorse_late`` (补办签注, 居住证暂行条例 Art. 10); ``cancelled``
  is 注销 and ``revoked`` is 撤销 for fraud (docs/law.md §7.2: keep them apart).
  ``reinstate`` follows a successful appeal and returns to ``active``. A re-application
  after the permit ended issues again on the same record, which starts a new continuity
  run (see ``continuity.py``).
- application: ``ApplicationStatus``. ``approved`` is final for kinds that produce no card
  (endorsement, voluntary cancellation); ``mark_ready`` may follow ``approved`` directly
  when the card is made on the spot (e.g. Chongqing Art. 9).
- registration (居住登记): ``RegistrationStatus``. Deregistration may be filed by the
  holder or a third party (Guangzhou 2023, docs/law.md §3.4); say who in ``by``.
- appeal: ``AppealStatus`` covers 申诉 to the deciding office and 行政复议 alike. The four
  decisions are the outcomes of 行政复议法 Arts. 63-68 that matter to a permit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeAlias

from juzhu.domain.errors import TransitionNotAllowed
from juzhu.domain.vocabulary import (
    AppealStatus,
    ApplicationKind,
    ApplicationStatus,
    CancellationReason,
    PermitStatus,
    RegistrationStatus,
)


class Machine(StrEnum):
    PERMIT = "permit"
    APPLICATION = "application"
    REGISTRATION = "registration"
    APPEAL = "appeal"


class PermitCommand(StrEnum):
    ISSUE = "issue"
    ENDORSE = "endorse"
    SUSPEND = "suspend"
    ENDORSE_LATE = "endorse_late"
    EXPIRE = "expire"
    CANCEL = "cancel"
    REVOKE = "revoke"
    REINSTATE = "reinstate"
    REPLACE_CARD = "replace_card"  # 补领 / 换领: a new card, the same permit
    CHANGE_DETAILS = "change_details"  # 变更: address, housing or basis on the permit
    # 陈述申辩 before an officer's cancellation or revocation: the notice and the answer
    INTEND_DECISION = "intend_decision"
    ANSWER_INTENT = "answer_intent"


class ApplicationCommand(StrEnum):
    CREATE = "create"
    SUBMIT = "submit"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    ACCEPT = "accept"
    REFUSE = "refuse"
    APPROVE = "approve"
    START_PRODUCTION = "start_production"
    MARK_READY = "mark_ready"
    COLLECT = "collect"
    WITHDRAW = "withdraw"
    AMEND = "amend"  # change basis or housing before a decision (may justify a new notice)
    REOPEN = "reopen"  # a refusal revoked on appeal: the office must decide again
    # A decision against the rules engine's verdict, proposed by one officer with the reason;
    # it takes effect only when a second officer countersigns it (approve / refuse).
    PROPOSE = "propose"
    # 陈述申辩: the notice of an intended refusal, and the applicant's answer to it.
    INTEND_REFUSAL = "intend_refusal"
    ANSWER_INTENT = "answer_intent"


class RegistrationCommand(StrEnum):
    REGISTER = "register"
    CHANGE_ADDRESS = "change_address"
    DEREGISTER = "deregister"


class AppealCommand(StrEnum):
    FILE = "file"
    ACCEPT = "accept"
    DECIDE_UPHOLD = "decide_uphold"
    DECIDE_REVOKE = "decide_revoke"
    DECIDE_CHANGE = "decide_change"
    DECIDE_CONFIRM_UNLAWFUL = "decide_confirm_unlawful"
    WITHDRAW = "withdraw"
    REJECT = "reject"


State: TypeAlias = StrEnum | None
Table: TypeAlias = Mapping[tuple[State, StrEnum], tuple[StrEnum, str]]

P, PC = PermitStatus, PermitCommand
A, AC = ApplicationStatus, ApplicationCommand
R, RC = RegistrationStatus, RegistrationCommand
AP, APC = AppealStatus, AppealCommand

PERMIT_ENDED = frozenset({P.EXPIRED, P.CANCELLED, P.REVOKED})

PERMIT_TRANSITIONS: Table = {
    **{(s, PC.ISSUE): (P.ACTIVE, "PermitIssued") for s in (None, *PERMIT_ENDED)},
    (P.ACTIVE, PC.ENDORSE): (P.ACTIVE, "PermitEndorsed"),
    (P.ACTIVE, PC.SUSPEND): (P.SUSPENDED, "PermitSuspended"),
    (P.SUSPENDED, PC.ENDORSE_LATE): (P.ACTIVE, "PermitEndorsedLate"),
    (P.ACTIVE, PC.EXPIRE): (P.EXPIRED, "PermitExpired"),
    (P.SUSPENDED, PC.EXPIRE): (P.EXPIRED, "PermitExpired"),
    **{
        (s, PC.CANCEL): (P.CANCELLED, "PermitCancelled") for s in (P.ACTIVE, P.SUSPENDED, P.EXPIRED)
    },
    **{(s, PC.REVOKE): (P.REVOKED, "PermitRevoked") for s in (P.ACTIVE, P.SUSPENDED, P.EXPIRED)},
    (P.CANCELLED, PC.REINSTATE): (P.ACTIVE, "PermitReinstated"),
    **{(s, PC.REPLACE_CARD): (s, "PermitCardReplaced") for s in (P.ACTIVE, P.SUSPENDED)},
    **{(s, PC.CHANGE_DETAILS): (s, "PermitDetailsChanged") for s in (P.ACTIVE, P.SUSPENDED)},
    **{
        (s, PC.INTEND_DECISION): (s, "PermitDecisionIntended")
        for s in (P.ACTIVE, P.SUSPENDED, P.EXPIRED)
    },
    **{
        (s, PC.ANSWER_INTENT): (s, "PermitIntentAnswered")
        for s in (P.ACTIVE, P.SUSPENDED, P.EXPIRED)
    },
    (P.REVOKED, PC.REINSTATE): (P.ACTIVE, "PermitReinstated"),
}

_UNDECIDED = (A.SUBMITTED, A.NEEDS_SUPPLEMENT, A.ACCEPTED)
APPLICATION_TRANSITIONS: Table = {
    (None, AC.CREATE): (A.DRAFT, "ApplicationCreated"),
    # A clerk entering a paper application at the counter submits it in one step.
    (None, AC.SUBMIT): (A.SUBMITTED, "ApplicationSubmitted"),
    (A.DRAFT, AC.SUBMIT): (A.SUBMITTED, "ApplicationSubmitted"),
    (A.SUBMITTED, AC.REQUEST_SUPPLEMENT): (A.NEEDS_SUPPLEMENT, "ApplicationSupplementRequested"),
    (A.NEEDS_SUPPLEMENT, AC.SUPPLEMENT): (A.SUBMITTED, "ApplicationSupplemented"),
    (A.SUBMITTED, AC.AMEND): (A.SUBMITTED, "ApplicationAmended"),
    (A.NEEDS_SUPPLEMENT, AC.AMEND): (A.NEEDS_SUPPLEMENT, "ApplicationAmended"),
    (A.SUBMITTED, AC.ACCEPT): (A.ACCEPTED, "ApplicationAccepted"),
    **{(s, AC.REFUSE): (A.REFUSED, "ApplicationRefused") for s in _UNDECIDED},
    (A.ACCEPTED, AC.APPROVE): (A.APPROVED, "ApplicationApproved"),
    (A.ACCEPTED, AC.PROPOSE): (A.ACCEPTED, "ApplicationDecisionProposed"),
    (A.ACCEPTED, AC.INTEND_REFUSAL): (A.ACCEPTED, "ApplicationRefusalIntended"),
    (A.ACCEPTED, AC.ANSWER_INTENT): (A.ACCEPTED, "ApplicationIntentAnswered"),
    (A.APPROVED, AC.START_PRODUCTION): (A.IN_PRODUCTION, "ApplicationProductionStarted"),
    (A.APPROVED, AC.MARK_READY): (A.READY_FOR_PICKUP, "ApplicationMarkedReady"),
    (A.IN_PRODUCTION, AC.MARK_READY): (A.READY_FOR_PICKUP, "ApplicationMarkedReady"),
    (A.READY_FOR_PICKUP, AC.COLLECT): (A.COLLECTED, "ApplicationCollected"),
    # 行政复议法 Art. 64: the refusal is revoked and the office ordered to decide again.
    (A.REFUSED, AC.REOPEN): (A.ACCEPTED, "ApplicationReopened"),
    **{(s, AC.WITHDRAW): (A.WITHDRAWN, "ApplicationWithdrawn") for s in (A.DRAFT, *_UNDECIDED)},
}

REGISTRATION_TRANSITIONS: Table = {
    (None, RC.REGISTER): (R.ACTIVE, "ResidenceRegistered"),
    (R.DEREGISTERED, RC.REGISTER): (R.ACTIVE, "ResidenceRegistered"),
    (R.ACTIVE, RC.CHANGE_ADDRESS): (R.ACTIVE, "ResidenceAddressChanged"),
    (R.ACTIVE, RC.DEREGISTER): (R.DEREGISTERED, "ResidenceDeregistered"),
}

APPEAL_TRANSITIONS: Table = {
    (None, APC.FILE): (AP.FILED, "AppealFiled"),
    (AP.FILED, APC.ACCEPT): (AP.ACCEPTED, "AppealAccepted"),
    (AP.FILED, APC.REJECT): (AP.REJECTED, "AppealRejected"),
    (AP.ACCEPTED, APC.DECIDE_UPHOLD): (AP.UPHELD, "AppealActUpheld"),
    (AP.ACCEPTED, APC.DECIDE_REVOKE): (AP.REVOKED_ACT, "AppealActRevoked"),
    (AP.ACCEPTED, APC.DECIDE_CHANGE): (AP.CHANGED_ACT, "AppealActChanged"),
    (AP.ACCEPTED, APC.DECIDE_CONFIRM_UNLAWFUL): (
        AP.CONFIRMED_UNLAWFUL,
        "AppealActConfirmedUnlawful",
    ),
    (AP.FILED, APC.WITHDRAW): (AP.WITHDRAWN, "AppealWithdrawn"),
    (AP.ACCEPTED, APC.WITHDRAW): (AP.WITHDRAWN, "AppealWithdrawn"),
}


@dataclass(frozen=True)
class Event:
    name: str  # past tense, e.g. "PermitCancelled"
    machine: str  # a Machine value
    on: date
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Outcome:
    state: StrEnum
    events: tuple[Event, ...]


class _Refusal(Exception):
    """A guard's refusal; ``transition`` turns it into ``TransitionNotAllowed``."""


Guard = Callable[[dict[str, Any]], None]  # may normalise the data in place


def _required_text(key: str, why: str) -> Guard:
    def guard(data: dict[str, Any]) -> None:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _Refusal(why)

    return guard


def _required_list(key: str, why: str) -> Guard:
    def guard(data: dict[str, Any]) -> None:
        value = data.get(key)
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise _Refusal(f"{why} (give `{key}` as a list)")
        items = tuple(value)
        if not items or not all(isinstance(i, str) and i.strip() for i in items):
            raise _Refusal(why)
        data[key] = items

    return guard


def _cancel_reason(data: dict[str, Any]) -> None:
    known = ", ".join(r for r in CancellationReason if r is not CancellationReason.UNKNOWN)
    given = data.get("reason")
    if not isinstance(given, str) or given not in set(CancellationReason):
        raise _Refusal(f"a cancellation (注销) must state its ground; use one of: {known}")
    reason = CancellationReason(given)
    if reason is CancellationReason.UNKNOWN:
        raise _Refusal(f"'unknown' is not a ground for cancelling (注销); use one of: {known}")
    data["reason"] = reason


def _revoke_reason(data: dict[str, Any]) -> None:
    # 撤销 undoes a permit obtained by fraud (Beijing Art. 15; Shenzhen Art. 27(3)); any other
    # ground is a cancellation (注销).
    if data.get("reason") != CancellationReason.INELIGIBLE_OR_FALSE_INFO:
        raise _Refusal(
            "a permit is revoked (撤销) only for false information or fraud: give reason "
            "'ineligible_or_false_info', or cancel (注销) it on another ground"
        )
    data["reason"] = CancellationReason.INELIGIBLE_OR_FALSE_INFO


def _application_kind(data: dict[str, Any]) -> None:
    if "kind" in data:
        try:
            data["kind"] = ApplicationKind(data["kind"])
        except ValueError:
            kinds = ", ".join(ApplicationKind)
            raise _Refusal(
                f"unknown application kind {data['kind']!r}; use one of: {kinds}"
            ) from None


_DECISION_REASONS = "a refusal must list its reasons so the applicant can act on or contest them"

GUARDS: Mapping[tuple[Machine, StrEnum], Guard] = {
    (Machine.PERMIT, PC.CANCEL): _cancel_reason,
    (Machine.PERMIT, PC.REVOKE): _revoke_reason,
    (Machine.APPLICATION, AC.REOPEN): _required_text(
        "appeal_ref",
        "reopening a refused application needs the reference of the decision that revoked "
        "the refusal (appeal_ref)",
    ),
    (Machine.PERMIT, PC.REINSTATE): _required_text(
        "appeal_ref",
        "reinstatement needs the reference of the appeal or reconsideration decision that "
        "revoked the cancellation (appeal_ref)",
    ),
    (Machine.APPLICATION, AC.CREATE): _application_kind,
    (Machine.APPLICATION, AC.SUBMIT): _application_kind,
    (Machine.APPLICATION, AC.REFUSE): _required_list("reasons", _DECISION_REASONS),
    (Machine.APPLICATION, AC.PROPOSE): _required_text(
        "reason",
        "a decision against the rules engine's verdict must record why (reason), for the "
        "second officer who countersigns it and for the file",
    ),
    # 一次性告知: one complete list of what is missing, never a drip of requests.
    (Machine.APPLICATION, AC.REQUEST_SUPPLEMENT): _required_list(
        "missing", "a request for supplements must list every missing item at once (一次性告知)"
    ),
    (Machine.APPEAL, APC.REJECT): _required_list(
        "reasons", "a rejection (不予受理) must list its reasons so the appellant can contest them"
    ),
}


Hints = Mapping[tuple[State, StrEnum], str]


def _hints(*rows: tuple[Iterable[State], Iterable[StrEnum], str]) -> Hints:
    return {(s, c): text for states, commands, text in rows for s in states for c in commands}


@dataclass(frozen=True)
class MachineSpec:
    machine: Machine
    states: type[StrEnum]
    commands: type[StrEnum]
    table: Table
    hints: Hints  # what a clerk reads when the table has no entry (state, command)


_LATE = "a suspended permit needs a late endorsement (补办签注): use endorse_late"
_NOT_LATE = "the permit is not suspended: use an ordinary endorsement"
_ALREADY = "the permit is already active; a new card is a replacement (补领/换领)"
_RESTORE = "a suspended permit is restored by a late endorsement (补办签注), not a new issue"
_RENEW = "an expired permit is renewed by re-applying, not reinstated"
_ONLY_ENDED = "only a cancelled or revoked permit can be reinstated, after a successful appeal"
_PERMIT_HINTS = _hints(
    ((P.SUSPENDED,), (PC.ENDORSE,), _LATE),
    ((P.ACTIVE,), (PC.ENDORSE_LATE,), _NOT_LATE),
    ((P.ACTIVE,), (PC.ISSUE,), _ALREADY),
    ((P.SUSPENDED,), (PC.ISSUE,), _RESTORE),
    ((P.EXPIRED,), (PC.REINSTATE,), _RENEW),
    ((P.ACTIVE, P.SUSPENDED), (PC.REINSTATE,), _ONLY_ENDED),
    *(
        ((s,), (PC.ENDORSE, PC.ENDORSE_LATE), f"a {s} permit cannot be endorsed; re-apply instead")
        for s in PERMIT_ENDED
    ),
)
_NOT_ACCEPTED = "the application must be accepted (受理) before it is approved"
_MISSING = "materials are still missing: the applicant must supplement them first"
_ONE_NOTICE = "supplements were already requested; list everything missing in one notice"
_DECIDED_APP = "the application has been decided and can no longer be withdrawn"
_APPLICATION_HINTS = _hints(
    ((A.SUBMITTED,), (AC.APPROVE,), _NOT_ACCEPTED),
    ((A.NEEDS_SUPPLEMENT,), (AC.ACCEPT,), _MISSING),
    ((A.NEEDS_SUPPLEMENT,), (AC.REQUEST_SUPPLEMENT,), _ONE_NOTICE),
    ((A.APPROVED, A.IN_PRODUCTION, A.READY_FOR_PICKUP, A.REFUSED), (AC.WITHDRAW,), _DECIDED_APP),
)
_REGISTERED = "the person is already registered here: use change_address for a new address"
_REREGISTER = "the registration was deregistered: register again instead"
_REGISTRATION_HINTS = _hints(
    ((R.ACTIVE,), (RC.REGISTER,), _REGISTERED),
    ((R.DEREGISTERED,), (RC.CHANGE_ADDRESS,), _REREGISTER),
)
_DECISIONS = (APC.DECIDE_UPHOLD, APC.DECIDE_REVOKE, APC.DECIDE_CHANGE, APC.DECIDE_CONFIRM_UNLAWFUL)
_DECIDED = (AP.UPHELD, AP.REVOKED_ACT, AP.CHANGED_ACT, AP.CONFIRMED_UNLAWFUL)
_ACCEPT_FIRST = (
    "the appeal has not been accepted yet: accept it first (a reconsideration counts as "
    "accepted if not rejected within 5 working days, 行政复议法 Art. 30)"
)
_DECIDED_APPEAL = "the appeal has already been decided; challenge the decision by litigation"
_APPEAL_HINTS = _hints(
    ((AP.FILED,), _DECISIONS, _ACCEPT_FIRST),
    (_DECIDED, (*_DECISIONS, APC.WITHDRAW), _DECIDED_APPEAL),
)

SPECS: Mapping[Machine, MachineSpec] = {
    spec.machine: spec
    for spec in (
        MachineSpec(Machine.PERMIT, P, PC, PERMIT_TRANSITIONS, _PERMIT_HINTS),
        MachineSpec(Machine.APPLICATION, A, AC, APPLICATION_TRANSITIONS, _APPLICATION_HINTS),
        MachineSpec(Machine.REGISTRATION, R, RC, REGISTRATION_TRANSITIONS, _REGISTRATION_HINTS),
        MachineSpec(Machine.APPEAL, AP, APC, APPEAL_TRANSITIONS, _APPEAL_HINTS),
    )
}


def _state_name(state: StrEnum | str | None) -> str:
    return "none" if state is None else str(state)


def _refused(
    spec: MachineSpec, state: StrEnum | str | None, command: str, why: str
) -> TransitionNotAllowed:
    return TransitionNotAllowed(spec.machine.value, _state_name(state), str(command), why)


def _coerce(
    spec: MachineSpec, state: StrEnum | str | None, command: StrEnum | str
) -> tuple[State, StrEnum]:
    """The machine's own enum members for ``state`` and ``command`` (given as ids or members)."""
    noun = spec.machine.value
    try:
        cmd = spec.commands(command)
    except ValueError:
        known = ", ".join(spec.commands)
        raise _refused(spec, state, command, f"unknown {noun} command; use: {known}") from None
    try:
        return (None if state is None else spec.states(state)), cmd
    except ValueError:
        known = ", ".join(spec.states)
        raise _refused(spec, state, cmd, f"unknown {noun} state; use: {known}") from None


def _why(spec: MachineSpec, state: State, command: StrEnum) -> str:
    hint = spec.hints.get((state, command))
    if hint is not None:
        return hint
    noun, possible = spec.machine.value, sorted(allowed_commands(spec.machine, state))
    if state is None:
        return f"there is no {noun} yet; start with {' or '.join(possible)}"
    words = str(state).replace("_", " ")
    if not possible:
        return f"the {noun} is {words}, which is final; nothing more can be done to it"
    return f"the {noun} is {words}; what can be done now: {', '.join(possible)}"


def allowed_commands(machine: Machine, state: StrEnum | str | None) -> frozenset[StrEnum]:
    """Commands the table allows from ``state``; guards on their arguments may still refuse."""
    spec = SPECS[Machine(machine)]
    current = None if state is None else spec.states(state)
    return frozenset(c for (s, c) in spec.table if s == current)


def transition(
    machine: Machine, state: StrEnum | str | None, command: StrEnum | str, *, on: date, **data: Any
) -> Outcome:
    """Apply ``command`` to a record of ``machine`` in ``state`` (``None``: not yet existing).

    ``state`` and ``command`` are enum members or their ids (``"active"``, ``"cancel"``).

    ``data`` are the command's arguments; they are checked by the guards in ``GUARDS`` and
    recorded, normalised (enum members, lists as tuples), on the emitted event. Raises
    ``TransitionNotAllowed`` with a reason a clerk understands; nothing is returned then, so
    the caller's state is left as it was.
    """
    spec = SPECS[Machine(machine)]
    current, cmd = _coerce(spec, state, command)
    target = spec.table.get((current, cmd))
    if target is None:
        raise _refused(spec, current, cmd, _why(spec, current, cmd))
    args = dict(data)
    guard = GUARDS.get((spec.machine, cmd))
    if guard is not None:
        try:
            guard(args)
        except _Refusal as refusal:
            raise _refused(spec, current, cmd, str(refusal)) from None
    new_state, event_name = target
    event = Event(event_name, str(spec.machine), on, MappingProxyType(args))
    return Outcome(new_state, (event,))


def event_names(machine: Machine) -> frozenset[str]:
    """Every event name the machine can emit."""
    return frozenset(name for _, name in SPECS[Machine(machine)].table.values())


def next_state(machine: Machine, state: StrEnum | str | None, event: Event) -> StrEnum:
    """The state after one logged ``event`` of ``machine``; the table only, no guards.

    Raises ``TransitionNotAllowed`` if the table has no transition from ``state`` emitting
    that event: the log is corrupt or out of order.
    """
    spec = SPECS[Machine(machine)]
    current = None if state is None else spec.states(state)
    for (s, _), (new, name) in spec.table.items():
        if s == current and name == event.name:
            return new
    raise _refused(
        spec,
        current,
        event.name,
        f"the log has {event.name} on {event.on.isoformat()}, which cannot follow state "
        f"{_state_name(current)}; the history is corrupt or out of order",
    )


def replay(machine: Machine, events: Iterable[Event], state: State = None) -> State:
    """The state after ``events`` (in log order); other machines' events are skipped.

    Only the table is checked: the guards ran when the events were written.
    """
    for event in events:
        if event.machine == Machine(machine):
            state = next_state(machine, state, event)
    return state
