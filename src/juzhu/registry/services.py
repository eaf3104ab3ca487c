"""Write use cases of the registry (zulip ``actions``, cosmicpython ``handlers``).

``check_*`` validates and authorises, raising ``Refused`` with a reason a person can act on;
``do_*`` writes. Every state change is one transaction that applies the domain transition
(``juzhu.domain.lifecycle``), saves the record under its optimistic lock (a stale
``expected_version`` raises ``Conflict``, never overwrites), appends the hash-chained events
and writes the outbox rows for the notices.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F

from juzhu.domain.days import Period, WorkCalendar
from juzhu.domain.errors import TransitionNotAllowed
from juzhu.domain.lifecycle import Machine, transition
from juzhu.domain.months import add_months, full_months_between
from juzhu.domain.vocabulary import ApplicationKind, CancellationReason, label
from juzhu.notifications.services import do_enqueue_notice
from juzhu.registry import pii
from juzhu.registry.events import NewEvent, build_events
from juzhu.registry.idnumbers import InvalidIdNumber, mask_phone, parse_id_number
from juzhu.registry.models import (
    Appeal,
    Application,
    ApplicationMaterial,
    Chained,
    Endorsement,
    Event,
    Permit,
    Person,
    ResidenceRegistration,
)
from juzhu.rules.engine import Policy

R = TypeVar("R", bound=Chained)
THIRD_PARTIES = {"landlord", "employer", "school", "hotel"}
CITY_PREFIX = {
    "beijing": "BJ",
    "shanghai": "SH",
    "shenzhen": "SZ",
    "guangzhou": "GZ",
    "hangzhou": "HZ",
    "chengdu": "CD",
}


class Refused(Exception):
    """A use case refused: ``zh`` / ``en`` say why and what to do."""

    def __init__(self, zh: str, en: str, field: str = "") -> None:
        self.zh, self.en, self.field = zh, en, field
        super().__init__(en)


class Conflict(Exception):
    """The record changed since it was read; reload and try again."""

    def __init__(self, record: Chained, expected: int) -> None:
        name = type(record).__name__.lower()
        super().__init__(
            f"this {name} was changed by someone else since you opened it "
            f"(you had version {expected}); reload it and try again"
        )
        self.zh = "该记录在你打开后已被他人修改，请刷新后重试"


@dataclass(frozen=True)
class Actor:
    """Who acts: ``officer:<user id>``, ``holder:<person id>``, ``system:sweep``..."""

    id: str

    def __str__(self) -> str:
        return self.id


SYSTEM = Actor("system")


def policy_of(city: str, on: dt.date) -> Policy:
    return Policy.of(city, on)


def policy_ref(policy: Policy) -> dict[str, str]:
    return {"id": policy.id, "version": policy.version}


@functools.cache
def _bundled_calendar() -> WorkCalendar:
    return WorkCalendar.load()  # chinese-calendar + the bundled override file (read once)


def work_calendar() -> WorkCalendar:
    """chinese-calendar + the bundled override file + the operator's override table."""
    from juzhu.registry.models import WorkingDayOverride

    table = dict(WorkingDayOverride.objects.values_list("day", "is_workday"))
    base = _bundled_calendar()
    return base.with_overrides(table) if table else base


# -- the shared commit path ----------------------------------------------------------------


def apply_transition(
    record: R,
    machine: Machine,
    command: str,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int | None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    policy: Policy | None = None,
    inputs: Mapping[str, Any] | None = None,
    trace: Sequence[Any] = (),
    dedupe_key: str | None = None,
    notice: str | None = None,
    notice_context: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> list[Event]:
    """Apply ``command`` to ``record`` and persist record + events + notices (caller holds
    the transaction). ``expected_version=None`` creates the record."""
    state = getattr(record, "status", None) if expected_version is not None else None
    try:
        outcome = transition(machine, state or None, command, on=on, **dict(data or {}))
    except TransitionNotAllowed as exc:
        raise Refused(f"不能办理：{exc.why}", exc.why) from None
    rows = build_events(
        record,
        [NewEvent(e.name, e.on, e.data) for e in outcome.events],
        actor=str(actor),
        reason=reason,
        policy=policy_ref(policy) if policy else None,
        inputs=inputs,
        trace=trace,
        dedupe_key=dedupe_key,
    )
    fields = {
        "status": outcome.state.value,
        "last_event_seq": record.last_event_seq,
        "last_event_hash": record.last_event_hash,
        **dict(changes or {}),
    }
    for name, value in fields.items():
        setattr(record, name, value)
    model = type(record)
    if expected_version is None:
        record.version = 1
        record.save(force_insert=True)
    else:
        updated = model.objects.filter(pk=record.pk, version=expected_version).update(
            version=F("version") + 1, **fields
        )
        if updated != 1:
            raise Conflict(record, expected_version)
        record.version = expected_version + 1
    try:
        saved = Event.objects.bulk_create(rows)
    except IntegrityError:
        raise Conflict(record, expected_version or 0) from None
    if notice:
        person = record.person  # type: ignore[attr-defined]
        for event in saved:
            do_enqueue_notice(
                event, person, notice, {**dict(notice_context or {}), "event": event.name}
            )
    return saved


# -- people --------------------------------------------------------------------------------


def check_register_person(id_number: str, name: str, phone: str = "") -> None:
    try:
        parse_id_number(id_number)
    except InvalidIdNumber as exc:
        raise Refused(exc.zh, exc.en, "id_number") from None
    if not name.strip():
        raise Refused("请填写姓名", "the name is required", "name")
    if phone and not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        raise Refused(
            "手机号应为11位数字，以1开头", "a mobile number has 11 digits starting with 1", "phone"
        )


def find_person(id_number: str) -> Person | None:
    parsed = parse_id_number(id_number)
    return Person.objects.filter(
        id_number_index=pii.blind_index(parsed.value, purpose="id_number")
    ).first()


def do_register_person(
    id_number: str, name: str, *, city: str, phone: str = "", lang: str = "zh", email: str = ""
) -> Person:
    """Create the person, or return the existing one with this ID number (idempotent)."""
    check_register_person(id_number, name, phone)
    parsed = parse_id_number(id_number)
    index = pii.blind_index(parsed.value, purpose="id_number")
    existing = Person.objects.filter(id_number_index=index).first()
    if existing:
        return existing
    person = Person(
        city=city,
        id_kind=parsed.kind,
        name=name.strip(),
        birth_date=parsed.birth_date,
        lang=lang,
        id_number_enc=pii.encrypt(parsed.value, purpose="id_number"),
        id_number_index=index,
        id_number_masked=parsed.value[:4] + "*" * 10 + parsed.value[-4:],
        email=email,
    )
    if phone:
        person.phone_enc = pii.encrypt(phone, purpose="phone")
        person.phone_index = pii.blind_index(phone, purpose="phone")
        person.phone_masked = mask_phone(phone)
    try:
        with transaction.atomic():
            person.save(force_insert=True)
    except IntegrityError:  # registered concurrently
        return Person.objects.get(id_number_index=index)
    return person


# -- residence registration ----------------------------------------------------------------


@transaction.atomic
def do_register_residence(
    person: Person,
    *,
    city: str,
    district: str,
    station: str,
    address: str,
    housing: str,
    on: dt.date,
    actor: Actor,
) -> ResidenceRegistration:
    if not address.strip():
        raise Refused("请填写居住地址", "the address is required", "address")
    reg = ResidenceRegistration(
        person=person,
        city=city,
        district=district,
        station=station,
        address=address.strip(),
        housing=housing,
        registered_on=on,
    )
    apply_transition(
        reg,
        Machine.REGISTRATION,
        "register",
        on=on,
        actor=actor,
        expected_version=None,
        policy=policy_of(city, on),
        inputs={"housing": housing},
    )
    return reg


@transaction.atomic
def do_deregister_residence(
    reg: ResidenceRegistration, *, by: str, on: dt.date, actor: Actor, expected_version: int
) -> list[Permit]:
    """End a registration. Where the city says third-party deregistration ends the permit
    (Guangzhou 2023), the person's live permits in that city are cancelled in the same
    transaction, with their own events and notices. Returns the permits cancelled."""
    policy = policy_of(reg.city, on)
    apply_transition(
        reg,
        Machine.REGISTRATION,
        "deregister",
        on=on,
        actor=actor,
        expected_version=expected_version,
        changes={"deregistered_on": on, "deregistered_by": by},
        policy=policy,
        inputs={"by": by},
    )
    cancelled: list[Permit] = []
    if by in THIRD_PARTIES and policy.get("cancellation.third_party_deregistration_ends_permit"):
        step = policy.step("cancellation.third_party_deregistration_ends_permit", {"by": by})
        for permit in Permit.objects.select_for_update().filter(
            person=reg.person, city=reg.city, status__in=["active", "suspended"]
        ):
            do_cancel_permit(
                permit,
                reason="registration_deregistered",
                on=on,
                actor=actor,
                expected_version=permit.version,
                trace=[step.as_dict()],
            )
            cancelled.append(permit)
    return cancelled


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
    late = permit.status == "suspended"
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
def do_suspend_permit(permit: Permit, *, on: dt.date, actor: Actor, expected_version: int) -> None:
    policy = policy_of(permit.city, on)
    apply_transition(
        permit,
        Machine.PERMIT,
        "suspend",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        changes={"suspended_on": on},
        dedupe_key=f"suspend:{permit.next_due_on}",
        notice="permit_suspended",
        notice_context={"number": permit.number, "on": on.isoformat()},
    )


@transaction.atomic
def do_expire_permit(permit: Permit, *, on: dt.date, actor: Actor, expected_version: int) -> None:
    apply_transition(
        permit,
        Machine.PERMIT,
        "expire",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy_of(permit.city, on),
        dedupe_key=f"expire:{permit.expires_on}",
        notice="permit_expired",
        notice_context={"number": permit.number, "on": on.isoformat()},
    )


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
    the last days for reconsideration and litigation)."""
    policy = check_cancel_permit(permit, reason, on)
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
        changes={"cancelled_on": on, "cancellation_reason": reason},
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
        changes={"cancelled_on": on, "cancellation_reason": "ineligible_or_false_info"},
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


# -- applications --------------------------------------------------------------------------


def _case_number(city: str, on: dt.date) -> str:
    return f"{CITY_PREFIX.get(city, city[:2].upper())}{on:%Y%m%d}{secrets.randbelow(10**8):08d}"


def check_submit_application(person: Person, kind: str, city: str, permit: Permit | None) -> None:
    kinds = {k.value for k in ApplicationKind}
    if kind not in kinds:
        raise Refused(f"未知的申请类型 {kind}", f"unknown application kind {kind!r}", "kind")
    needs_permit = kind in {"endorsement", "change", "replacement", "voluntary_cancellation"}
    if needs_permit and (permit is None or permit.person_id != person.pk):
        raise Refused(
            "这类申请需要你本人的居住证", "this kind of application needs your own permit", "permit"
        )
    if permit is not None and permit.city != city:
        raise Refused("居住证不属于这个城市", "the permit belongs to another city", "permit")
    if (
        kind in {"first_issue", "reapplication"}
        and Permit.objects.filter(
            person=person, city=city, status__in=["active", "suspended"]
        ).exists()
    ):
        raise Refused(
            "你在本市已有有效（或中止）的居住证，请办理签注而不是重新申领",
            "you already hold a live permit here; endorse it instead",
            "kind",
        )
    open_same = Application.objects.filter(person=person, city=city, kind=kind).exclude(
        status__in=["refused", "collected", "withdrawn", "approved"]
    )
    if open_same.exists():
        raise Refused(
            "你已有一件同类申请在办理中",
            "you already have an open application of this kind",
            "kind",
        )


@transaction.atomic
def do_submit_application(
    person: Person,
    *,
    kind: str,
    city: str,
    district: str,
    station: str,
    on: dt.date,
    actor: Actor,
    basis: str = "residence",
    housing: str = "rented",
    facts: Mapping[str, Any] | None = None,
    permit: Permit | None = None,
    materials: Iterable[str] = (),
    channel: str = "online",
) -> Application:
    check_submit_application(person, kind, city, permit)
    policy = policy_of(city, on)
    app = Application(
        person=person,
        permit=permit,
        city=city,
        district=district,
        station=station,
        case_number=_case_number(city, on),
        kind=kind,
        basis=basis,
        housing=housing,
        facts=dict(facts or {}),
        submitted_on=on,
        policy_version=policy.version,
        channel=channel,
    )
    apply_transition(
        app,
        Machine.APPLICATION,
        "submit",
        on=on,
        actor=actor,
        expected_version=None,
        policy=policy,
        data={"kind": kind},
        inputs={"basis": basis, "housing": housing, "channel": channel, **dict(facts or {})},
        notice="application_submitted",
        notice_context={"case_number": app.case_number},
    )
    ApplicationMaterial.objects.bulk_create(
        [
            ApplicationMaterial(application=app, material=m, provided=True)
            for m in dict.fromkeys(materials)
        ]
    )
    return app


@transaction.atomic
def do_request_supplement(
    app: Application, *, missing: Sequence[str], on: dt.date, actor: Actor, expected_version: int
) -> None:
    """One complete notice of everything missing (一次性告知, 居住证暂行条例 Art. 9). A second
    notice is refused unless the applicant changed basis or housing since the first."""
    if not missing:
        raise Refused(
            "一次性告知须列出所缺的全部材料", "the notice must list every missing item", "missing"
        )
    first = app.facts.get("_notice_basis_housing")
    if app.notices_issued and first == [app.basis, app.housing]:
        raise Refused(
            "已经发过一次性告知书；除非申请人改变了申领依据或住房类型，不能再发第二次",
            "a one-time notice was already issued; a second is allowed only if the applicant "
            "changed basis or housing",
            "missing",
        )
    app.facts = {**app.facts, "_notice_basis_housing": [app.basis, app.housing]}
    apply_transition(
        app,
        Machine.APPLICATION,
        "request_supplement",
        on=on,
        actor=actor,
        expected_version=expected_version,
        data={"missing": list(missing)},
        changes={"notices_issued": app.notices_issued + 1, "facts": app.facts},
        notice="application_needs_supplement",
        notice_context={"case_number": app.case_number, "missing": list(missing)},
    )


@transaction.atomic
def do_amend_application(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    basis: str | None = None,
    housing: str | None = None,
) -> None:
    """Change the basis or housing before a decision (the applicant moved, changed jobs)."""
    changes = {k: v for k, v in (("basis", basis), ("housing", housing)) if v}
    if not changes:
        raise Refused("没有要修改的内容", "nothing to change", "basis")
    apply_transition(
        app,
        Machine.APPLICATION,
        "amend",
        on=on,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        inputs=changes,
    )


@transaction.atomic
def do_supplement_application(
    app: Application,
    *,
    provided: Sequence[str],
    on: dt.date,
    actor: Actor,
    expected_version: int,
    basis: str | None = None,
    housing: str | None = None,
) -> None:
    changes: dict[str, Any] = {}
    if basis:
        changes["basis"] = basis
    if housing:
        changes["housing"] = housing
    apply_transition(
        app,
        Machine.APPLICATION,
        "supplement",
        on=on,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        inputs={"provided": list(provided)},
    )
    for material in provided:
        ApplicationMaterial.objects.update_or_create(
            application=app, material=material, defaults={"provided": True}
        )


def statutory_due(policy: Policy, accepted_on: dt.date) -> dt.date:
    limit = policy.period("issuing.time_limit")
    assert limit is not None
    return work_calendar().period_end(accepted_on, limit).date


@transaction.atomic
def do_accept_application(
    app: Application, *, on: dt.date, actor: Actor, expected_version: int
) -> None:
    policy = policy_of(app.city, on)
    due = statutory_due(policy, on)
    apply_transition(
        app,
        Machine.APPLICATION,
        "accept",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        changes={"accepted_on": on, "due_on": due},
        trace=[policy.step("issuing.time_limit", {"accepted_on": on.isoformat()}).as_dict()],
        notice="application_accepted",
        notice_context={"case_number": app.case_number, "due": due.isoformat()},
    )


def check_refuse_application(
    app: Application, grounds: Sequence[str], facts: str, on: dt.date
) -> tuple[Policy, list[dict[str, Any]]]:
    """The refusal grounds, each from the policy ``refusal.grounds`` with its legal basis.
    Returns the policy applied and the grounds as ``{"id", "zh", "en", "law": {zh, en}}``."""
    policy = decision_policy(app, on)
    known: Mapping[str, Any] = policy.get("refusal.grounds") or {}
    unknown = [g for g in grounds if g not in known]
    if unknown:
        raise Refused(
            f"“{'、'.join(unknown)}”不是本市政策规定的不予签发理由",
            f"{', '.join(unknown)} is not a refusal ground in this city's policy; use one of "
            f"{', '.join(known)}",
            "grounds",
        )
    if not grounds:
        raise Refused(
            "请至少选择一项不予签发的理由（须有法律依据）",
            "choose at least one refusal ground from the policy (each has its legal basis)",
            "grounds",
        )
    chosen = [{"id": g, **dict(known[g])} for g in dict.fromkeys(grounds)]
    return policy, chosen


@transaction.atomic
def do_refuse_application(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    reasons: Sequence[str] = (),
    grounds: Sequence[str] = (),
    facts: str = "",
    notice_extra: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Refuse with reasons the applicant can act on or contest.

    ``grounds`` are ids of the policy's ``refusal.grounds`` (checked; each carries its legal
    basis) and ``facts`` the officer's free text: stored as ``decision_reasons`` = the
    ground ids, then the facts; the event records both as inputs. ``reasons`` alone (plain
    sentences, as imports and older callers give) are stored as they are. ``notice_extra``
    adds the decision letter's number and remedy deadlines to the notice. Returns the
    chosen grounds (``{"id", "zh", "en", "law"}``), empty for plain reasons.
    """
    if reasons and not grounds and not facts.strip():
        apply_transition(
            app,
            Machine.APPLICATION,
            "refuse",
            on=on,
            actor=actor,
            expected_version=expected_version,
            policy=policy_of(app.city, on),
            data={"reasons": list(reasons)},
            changes={"decided_on": on, "decision_reasons": list(reasons)},
            notice="application_refused",
            notice_context={
                "case_number": app.case_number,
                "reasons": list(reasons),
                **dict(notice_extra or {}),
            },
        )
        return []
    facts = facts.strip()
    policy, chosen = check_refuse_application(app, grounds, facts, on)
    stored = [*(g["id"] for g in chosen), *reasons, *([facts] if facts else [])]
    lang = "en" if app.person.lang.startswith("en") else "zh"
    told = [*(g[lang] for g in chosen), *reasons, *([facts] if facts else [])]
    apply_transition(
        app,
        Machine.APPLICATION,
        "refuse",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        reason="；".join(g["zh"] for g in chosen),
        data={"reasons": stored},
        inputs={"grounds": [g["id"] for g in chosen], "facts": facts},
        trace=[policy.step("refusal.grounds", {"grounds": list(grounds)}).as_dict()],
        changes={"decided_on": on, "decision_reasons": stored},
        notice="application_refused",
        notice_context={
            "case_number": app.case_number,
            "reasons": told,
            **dict(notice_extra or {}),
        },
    )
    return chosen


def decision_policy(app: Application, on: dt.date) -> Policy:
    """The policy a decision on ``app`` applies (PRODUCT.md, capability 1).

    An in-flight case keeps the version in force when it was submitted, unless the version
    in force on the decision day is more favourable to the applicant on eligibility; then
    the newer one applies (a later, milder rule benefits the applicant).
    """
    from juzhu.rules.engine import Facts, evaluate_eligibility

    started = policy_of(app.city, app.submitted_on or on)
    today = policy_of(app.city, on)
    if started.version == today.version:
        return today
    since = app.facts.get("registered_since")
    months = full_months_between(dt.date.fromisoformat(str(since)), on) if since else None
    facts = Facts(
        residence_months=months,
        employed=app.facts.get("employed"),
        social_insurance_months=app.facts.get("social_insurance_months"),
        social_insurance_continuous=app.facts.get("social_insurance_continuous"),
        housing=app.housing,
        enrolled=app.facts.get("enrolled"),
    )
    old = evaluate_eligibility(started, facts).eligible
    new = evaluate_eligibility(today, facts).eligible
    return today if (new and not old) else started


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
    inputs: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if app.kind in ("change", "replacement"):
        if permit is None:
            raise Refused("这件申请没有关联的居住证", "the application names no permit", "permit")
        if permit.status not in ("active", "suspended"):
            raise Refused(
                f"居住证状态为“{label(permit.status)}”，不能变更或补领/换领；请重新申领",
                f"the permit is {permit.status}; it cannot be changed or replaced, re-apply",
                "permit",
            )
    if app.kind == "change":
        changes = _permit_changes(app, permit)  # type: ignore[arg-type]  # checked above
        inputs["permit_changes"] = {k: _jsonable(v) for k, v in changes.items()}
    if app.kind == "replacement":
        previous = Application.objects.filter(
            permit=permit, kind="replacement", status__in=["approved", "in_production",
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
        changes={"decided_on": on},
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


# -- appeals -------------------------------------------------------------------------------


@transaction.atomic
def do_file_appeal(
    permit: Permit,
    *,
    kind: str,
    grounds: str,
    on: dt.date,
    actor: Actor,
    inputs: Mapping[str, Any] | None = None,
) -> Appeal:
    """File an appeal, reconsideration or suit against a cancellation or revocation;
    ``inputs`` adds what an office recorded (the body it went to, its reference)."""
    if permit.status not in ("cancelled", "revoked"):
        raise Refused(
            "只有被注销或撤销的居住证才能申诉或复议",
            "only a cancelled or revoked permit can be contested",
            "permit",
        )
    if not grounds.strip():
        raise Refused("请写明理由", "give your reasons", "grounds")
    appeal = Appeal(
        permit=permit,
        person=permit.person,
        city=permit.city,
        district=permit.district,
        station=permit.station,
        kind=kind,
        filed_on=on,
        grounds=grounds.strip(),
    )
    apply_transition(
        appeal,
        Machine.APPEAL,
        "file",
        on=on,
        actor=actor,
        expected_version=None,
        policy=policy_of(permit.city, on),
        inputs={"kind": kind, **dict(inputs or {})},
    )
    return appeal


OUTCOMES = {
    "upheld": "decide_uphold",
    "revoked_act": "decide_revoke",
    "changed_act": "decide_change",
    "confirmed_unlawful": "decide_confirm_unlawful",
}


@transaction.atomic
def do_accept_appeal(appeal: Appeal, *, on: dt.date, actor: Actor, expected_version: int) -> None:
    apply_transition(
        appeal,
        Machine.APPEAL,
        "accept",
        on=on,
        actor=actor,
        expected_version=expected_version,
        changes={"accepted_on": on},
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
        if permit.status not in ("cancelled", "revoked"):
            return False  # issued again since: nothing to undo
        do_reinstate_permit(
            permit, appeal=appeal, on=on, actor=actor, expected_version=permit.version,
            data=reinstatement,
        )  # fmt: skip
        return True
    if appeal.application_id:
        refused = Application.objects.select_for_update().get(pk=appeal.application_id)
        if refused.status == "refused":
            do_reopen_application(
                refused, appeal=appeal, on=on, actor=actor, expected_version=refused.version
            )
    return False


def expected_ready(policy: Policy, on: dt.date) -> dt.date:
    period = policy.period("issuing.time_limit") or Period(15, "days")
    return work_calendar().period_end(on, period, side="estimate").date
