"""The registry use cases, recorded in memory and saved in bulk (for the demo city).

``services.py`` writes one step at a time: a transaction, an optimistic-lock UPDATE, the
event rows, the outbox rows — several queries per step, so 5,000 people with their
histories would take minutes. ``Ledger`` takes the same steps in memory: each runs
``juzhu.domain.lifecycle.transition`` and ``events.build_events`` with the same arguments,
field changes, dedupe keys and notices as the ``do_*`` use case of the same name, and
``flush`` saves everything with a few ``bulk_create`` calls inside the caller's
transaction. The chains verify (``juzhu audit verify``) and every state column is what the
services would have written: ``tests/integration/test_demo.py`` runs the same scripts through
``services.py`` and compares column by column and event by event. The transitions the
nightly sweep makes (suspend, expire, cancel) take what they write — the command, columns,
event data, dedupe key and notice — from the sweep's table (``sweep_rules.RULES``), the
entries both sweep engines are built from.

Calls are laid out compactly (``# fmt: skip``) so each method reads side by side with its
use case in ``services.py``.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from django.utils import timezone

from juzhu.domain.lifecycle import Machine, transition
from juzhu.domain.months import add_months
from juzhu.domain.vocabulary import PermitStatus
from juzhu.registry import pii, services
from juzhu.registry.demo_ledger_facts import LedgerFacts
from juzhu.registry.events import NewEvent, build_events
from juzhu.registry.idnumbers import mask_phone, parse_id_number
from juzhu.registry.models import (
    Appeal,
    Application,
    ApplicationMaterial,
    Endorsement,
    Event,
    Notification,
    Permit,
    Person,
    PersonKey,
    ResidenceRegistration,
)
from juzhu.registry.personal import PendingKeys
from juzhu.registry.sweep_rules import BY_CATEGORY, SWEEP
from juzhu.rules.engine import Policy

# The four records with a lifecycle, as in services.apply_transition.
R = TypeVar("R", ResidenceRegistration, Permit, Application, Appeal)


class Place(NamedTuple):
    """Where a record belongs: the jurisdiction columns every record carries."""

    city: str
    district: str
    station: str


class Ledger(LedgerFacts):
    """Each method takes the arguments of the ``do_*`` use case of the same name, minus
    ``expected_version`` (nothing else writes while the demo loads in one transaction), and
    moves the record exactly as that use case does. ``check_*`` guards that only query the
    database (an open application of the same kind, a live permit) are not repeated: the
    demo's scripts respect them by construction.

    ``rng`` makes ids, permit and case numbers reproducible for a seed.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        # ``services.work_calendar()`` reads the override file and table on every call; one
        # calendar serves the whole load (nothing edits the override table meanwhile).
        self.calendar = services.work_calendar()
        self.people: list[Person] = []
        self.records: dict[
            type[ResidenceRegistration | Permit | Application | Appeal], list[Any]
        ] = {m: [] for m in (ResidenceRegistration, Permit, Application, Appeal)}
        self.events: list[Event] = []
        self.keys = PendingKeys()  # the people's event keys (registry.personal)
        self.notices: list[tuple[Event, Person, str, dict[str, Any]]] = []
        self.endorsements: list[Endorsement] = []
        self.materials: list[ApplicationMaterial] = []
        self.last_on: dict[Any, dt.date] = {}
        self._policies: dict[tuple[str, dt.date], Policy] = {}
        # Each person's registrations and permits, for the registry's own facts.
        self.held: dict[Any, list[ResidenceRegistration | Permit]] = {}

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def policy(self, city: str, on: dt.date) -> Policy:
        key = (city, on)
        if key not in self._policies:
            self._policies[key] = services.policy_of(city, on)
        return self._policies[key]

    def commit(
        self,
        record: R,
        machine: Machine,
        command: str,
        *,
        on: dt.date,
        actor: str,
        changes: Mapping[str, Any] | None = None,
        reason: str = "",
        policy: Policy | None = None,
        inputs: Mapping[str, Any] | None = None,
        trace: Sequence[Any] = (),
        dedupe_key: str | None = None,
        notice: str | None = None,
        notice_context: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> R:
        """``services.apply_transition`` without the database: transition, events, fields, notices."""
        new = record.last_event_seq == 0
        if on < self.last_on.get(record.pk, on):  # a bug in a demo script, not bad input
            raise AssertionError(f"{machine} {record.pk}: {command} on {on} predates its history")
        state = None if new else record.status
        outcome = transition(machine, state, command, on=on, **dict(data or {}))
        rows = build_events(
            record, [NewEvent(e.name, e.on, e.data) for e in outcome.events], actor=actor,
            reason=reason, policy=services.policy_ref(policy) if policy else None,
            inputs=inputs, trace=trace, dedupe_key=dedupe_key, pending_keys=self.keys,
        )  # fmt: skip
        record.status = outcome.state.value
        for name, value in dict(changes or {}).items():
            setattr(record, name, value)
        record.version = 1 if new else record.version + 1
        if new:
            self.records[type(record)].append(record)
            if isinstance(record, ResidenceRegistration | Permit):
                self.held.setdefault(record.person_id, []).append(record)
        self.events.extend(rows)
        self.last_on[record.pk] = on
        if notice:
            person: Person = record.person
            for event in rows:
                context = {**dict(notice_context or {}), "event": event.name}
                self.notices.append((event, person, notice, context))
        return record

    # -- people and registrations ----------------------------------------------------------

    def register_person(self, id_number: str, name: str, *, city: str, phone: str = "") -> Person:
        services.check_register_person(id_number, name, phone)
        parsed = parse_id_number(id_number)
        person = Person(
            id=self.uuid(), city=city, id_kind=parsed.kind, name=name.strip(),
            birth_date=parsed.birth_date, lang="zh",
            id_number_index=pii.blind_index(parsed.value, purpose="id_number"),
            id_number_masked=parsed.value[:4] + "*" * 10 + parsed.value[-4:],
        )  # fmt: skip
        person.id_number_enc = pii.encrypt(parsed.value, purpose="id_number", row=person)
        if phone:
            person.phone_enc = pii.encrypt(phone, purpose="phone", row=person)
            person.phone_index = pii.blind_index(phone, purpose="phone")
            person.phone_masked = mask_phone(phone)
        self.people.append(person)
        return person

    def register_residence(
        self, person: Person, place: Place, *, address: str, housing: str, on: dt.date,
        actor: str,
    ) -> ResidenceRegistration:  # fmt: skip
        reg = ResidenceRegistration(
            id=self.uuid(), person=person, **place._asdict(), address=address.strip(),
            housing=housing, registered_on=on,
        )  # fmt: skip
        return self.commit(
            reg, Machine.REGISTRATION, "register", on=on, actor=actor,
            policy=self.policy(place.city, on), inputs={"housing": housing},
        )  # fmt: skip

    def deregister_residence(
        self, reg: ResidenceRegistration, *, by: str, on: dt.date, actor: str,
        live_permits: Sequence[Permit] = (),
    ) -> list[Permit]:  # fmt: skip
        """``live_permits``: the person's active or suspended permits in the city (the
        use case selects them); cancelled where third-party deregistration ends a permit."""
        policy = self.policy(reg.city, on)
        self.commit(
            reg, Machine.REGISTRATION, "deregister", on=on, actor=actor, policy=policy,
            changes={"deregistered_on": on, "deregistered_by": by}, inputs={"by": by},
        )  # fmt: skip
        key = "cancellation.third_party_deregistration_ends_permit"
        if by not in services.THIRD_PARTIES or not policy.get(key):
            return []
        step = policy.step(key, {"by": by})
        for permit in live_permits:
            self.cancel_permit(
                permit, reason="registration_deregistered", on=on, actor=actor,
                trace=[step.as_dict()],
            )  # fmt: skip
        return list(live_permits)

    # -- permits ---------------------------------------------------------------------------

    def _permit_step(
        self, permit: Permit, command: str, *, on: dt.date, actor: str, notice: str,
        context: Mapping[str, Any] | None = None, **options: Any,
    ) -> Permit:  # fmt: skip
        """The policy of the day and a ``permit_<notice>`` with the number and the date, as
        every permit use case has."""
        options.setdefault("policy", self.policy(permit.city, on))
        context = {"number": permit.number, "on": on.isoformat(), **dict(context or {})}
        return self.commit(
            permit, Machine.PERMIT, command, on=on, actor=actor, notice=f"permit_{notice}",
            notice_context=context, **options,
        )  # fmt: skip

    def issue_permit(
        self, person: Person, place: Place, *, on: dt.date, actor: str,
        facts: Mapping[str, Any], application: Application | None = None,
    ) -> Permit:  # fmt: skip
        policy = self.policy(place.city, on)
        prefix = services.CITY_PREFIX.get(place.city, place.city[:2].upper())
        permit = Permit(
            id=self.uuid(), person=person, **place._asdict(),
            number=f"{prefix}{on:%Y}{self.rng.getrandbits(40):010X}", issued_on=on,
            next_due_on=add_months(on, 12), expires_on=services.expires_on_for(policy, on),
            policy_version=policy.version,
            **{k: v for k, v in facts.items() if k in services.FACT_FIELDS},
        )  # fmt: skip
        inputs = {"application": str(application.pk) if application else None, **facts}
        return self._permit_step(
            permit, "issue", on=on, actor=actor, notice="issued", policy=policy, inputs=inputs
        )

    def endorse_permit(self, permit: Permit, *, on: dt.date, actor: str) -> None:
        policy = self.policy(permit.city, on)
        late = permit.status == PermitStatus.SUSPENDED
        due = services.next_due_after(policy, permit, on, late)
        self.commit(
            permit, Machine.PERMIT, "endorse_late" if late else "endorse", on=on, actor=actor,
            policy=policy,
            changes={"last_endorsed_on": on, "next_due_on": due, "suspended_on": None},
            trace=[policy.step("endorsement.late_resets_anniversary", {"late": late}).as_dict()],
            notice="permit_endorsed",
            notice_context={"number": permit.number, "next_due": due.isoformat()},
        )  # fmt: skip
        self.endorsements.append(
            Endorsement(id=self.uuid(), city=permit.city, permit=permit, endorsed_on=on, late=late)
        )

    def _sweep_step(
        self, category: str, permit: Permit, *, on: dt.date, actor: str, reason: str = "",
        inputs: Mapping[str, Any] | None = None, **options: Any,
    ) -> None:  # fmt: skip
        """A transition the nightly sweep makes, as its rule in ``sweep_rules.RULES`` says:
        the command, the columns set, the event's data and dedupe key, the notice and its
        context (``reason`` and ``inputs`` stand in for the rule's on other grounds)."""
        rule = BY_CATEGORY[category]
        assert rule.command is not None, f"{category} is not a transition"
        due = getattr(permit, rule.due)
        # The sweep serves its decisions with a letter and the days to contest them (the
        # demo's sweep runs on the day: served on the event's date).
        by_sweep = actor == str(SWEEP) and bool(rule.letter)
        remedy = self.remedy(permit.city, on) if by_sweep else None
        values = rule.values(on=on, due=due, number=permit.number, reason=reason, remedy=remedy)
        options.setdefault("policy", self.policy(permit.city, on))
        self.commit(
            permit, Machine.PERMIT, rule.command, on=on, actor=actor,
            changes=rule.changes(values), data=rule.data_for(values),
            reason=values["reason"] if rule.reason else "",
            inputs={**dict(rule.inputs), **dict(inputs or {})},
            dedupe_key=rule.dedupe_key(due, on), notice=rule.template,
            notice_context=rule.notice_context(values), **options,
        )  # fmt: skip

    def suspend_permit(self, permit: Permit, *, on: dt.date, actor: str) -> None:
        self._sweep_step("suspended", permit, on=on, actor=actor)

    def expire_permit(self, permit: Permit, *, on: dt.date, actor: str) -> None:
        self._sweep_step("expired", permit, on=on, actor=actor)

    def cancel_permit(
        self, permit: Permit, *, reason: str, on: dt.date, actor: str, evidence: str = "",
        trace: Sequence[Any] = (),
    ) -> None:  # fmt: skip
        """On any ground; the sweep's rule says what a cancellation writes."""
        policy = services.check_cancel_permit(permit, reason, on)  # refuses a foreign ground
        self._sweep_step(
            "cancelled", permit, on=on, actor=actor, reason=reason, policy=policy,
            inputs={"evidence": evidence},
            trace=[policy.step("cancellation.grounds", {"reason": reason}).as_dict(), *trace],
        )  # fmt: skip

    def revoke_permit(self, permit: Permit, *, on: dt.date, actor: str, evidence: str) -> None:
        """Heard first (陈述申辩, ``services.hearing``), as every officer's revocation is."""
        reason = "ineligible_or_false_info"
        self.hear(permit, reason, evidence, on=on, actor=actor)
        self._permit_step(
            permit, "revoke", on=on, actor=actor, notice="revoked", reason=reason,
            data={"reason": reason}, inputs={"evidence": evidence},
            changes={"cancelled_on": on, "cancellation_reason": reason, "intent": None},
        )  # fmt: skip

    def reinstate_permit(self, permit: Permit, *, appeal: Appeal, on: dt.date, actor: str) -> None:
        self._permit_step(
            permit, "reinstate", on=on, actor=actor, notice="reinstated",
            data={"appeal_ref": str(appeal.pk)},
            changes={"cancelled_on": None, "cancellation_reason": "", "suspended_on": None,
                     "next_due_on": services.next_anniversary_from(
                         permit.next_due_on or add_months(permit.issued_on, 12), on)},
        )  # fmt: skip

    # -- applications ----------------------------------------------------------------------

    def _app_step(
        self, app: Application, command: str, *, on: dt.date, actor: str,
        notice: str | None = None, context: Mapping[str, Any] | None = None, **options: Any,
    ) -> Application:  # fmt: skip
        context = {"case_number": app.case_number, **dict(context or {})}
        return self.commit(
            app, Machine.APPLICATION, command, on=on, actor=actor,
            notice=notice and f"application_{notice}", notice_context=context, **options,
        )  # fmt: skip

    def submit_application(
        self, person: Person, place: Place, *, kind: str, on: dt.date, actor: str,
        basis: str = "residence", housing: str = "rented",
        facts: Mapping[str, Any] | None = None, permit: Permit | None = None,
        materials: Sequence[str] = (), draft: bool = False, channel: str = "online",
    ) -> Application:  # fmt: skip
        """``draft=True``: an online application saved but not yet sent (``create``). The
        services have no use case for drafts yet; the transition is the domain's."""
        policy = self.policy(place.city, on)
        facts = {**dict(facts or {}), **self.registry_facts(person, place.city, on)}
        prefix = services.CITY_PREFIX.get(place.city, place.city[:2].upper())
        app = Application(
            id=self.uuid(), person=person, permit=permit, **place._asdict(),
            case_number=f"{prefix}{on:%Y%m%d}{self.rng.randrange(10**8):08d}", kind=kind,
            basis=basis, housing=housing, facts=facts,
            submitted_on=None if draft else on, policy_version=policy.version, channel=channel,
        )  # fmt: skip
        self._app_step(
            app, "create" if draft else "submit", on=on, actor=actor, policy=policy,
            data={"kind": kind},
            inputs={"basis": basis, "housing": housing, "channel": channel, **facts},
            notice=None if draft else "submitted",
        )  # fmt: skip
        self.materials += [
            ApplicationMaterial(application=app, material=m, provided=True)
            for m in dict.fromkeys(materials)
        ]
        return app

    def request_supplement(
        self, app: Application, *, missing: Sequence[str], on: dt.date, actor: str
    ) -> None:
        app.facts = {**app.facts, "_notice_basis_housing": [app.basis, app.housing]}
        self._app_step(
            app, "request_supplement", on=on, actor=actor, data={"missing": list(missing)},
            changes={"notices_issued": app.notices_issued + 1, "facts": app.facts},
            notice="needs_supplement", context={"missing": list(missing)},
        )  # fmt: skip

    def accept_application(self, app: Application, *, on: dt.date, actor: str) -> None:
        policy = self.policy(app.city, on)
        limit = policy.period("issuing.time_limit")  # services.statutory_due
        assert limit is not None
        due = self.calendar.period_end(on, limit).date
        self._app_step(
            app, "accept", on=on, actor=actor, policy=policy,
            changes={"accepted_on": on, "due_on": due},
            trace=[policy.step("issuing.time_limit", {"accepted_on": on.isoformat()}).as_dict()],
            notice="accepted", context={"due": due.isoformat()},
        )  # fmt: skip

    def refuse_application(
        self, app: Application, *, reasons: Sequence[str], on: dt.date, actor: str
    ) -> None:
        policy = self.policy(app.city, on)
        record = self.decision_inputs(app, "refuse", on, actor, policy)
        self._app_step(
            app, "refuse", on=on, actor=actor, policy=policy,
            inputs=record or None, trace=record.get("verdict", {}).get("conditions", []),
            data={"reasons": list(reasons)},
            changes={"decided_on": on, "decision_reasons": list(reasons)},
            notice="refused", context={"reasons": list(reasons)},
        )  # fmt: skip

    def approve_application(self, app: Application, *, on: dt.date, actor: str) -> Permit | None:
        policy = services.decision_policy(app, on)
        record = self.decision_inputs(app, "approve", on, actor, policy)
        self.commit(
            app, Machine.APPLICATION, "approve", on=on, actor=actor, policy=policy,
            inputs=record or None, trace=record.get("verdict", {}).get("conditions", []),
            changes={"decided_on": on},
        )  # fmt: skip
        permit: Permit | None = app.permit
        if app.kind in ("first_issue", "reapplication"):
            facts = {"basis": app.basis, "housing": app.housing, **app.facts}
            place = Place(app.city, app.district, app.station)
            permit = self.issue_permit(
                app.person, place, on=on, actor=actor, facts=facts, application=app
            )
            app.permit = permit
        elif app.kind == "endorsement" and permit is not None:
            self.endorse_permit(permit, on=on, actor=actor)
        elif app.kind == "voluntary_cancellation" and permit is not None:
            self.cancel_permit(permit, reason="voluntary", on=on, actor=actor)
        return permit

    def advance_application(
        self, app: Application, command: str, *, on: dt.date, actor: str
    ) -> None:
        """``do_start_production``, ``do_mark_ready`` or ``do_withdraw_application``."""
        notice = "ready" if command == "mark_ready" else None
        self._app_step(app, command, on=on, actor=actor, notice=notice)

    def collect(self, app: Application, *, on: dt.date, actor: str) -> None:
        self._app_step(app, "collect", on=on, actor=actor, inputs={"identity_checked": True})

    # -- appeals ---------------------------------------------------------------------------

    def file_appeal(
        self, permit: Permit, *, kind: str, grounds: str, on: dt.date, actor: str
    ) -> Appeal:
        appeal = Appeal(
            id=self.uuid(), permit=permit, person=permit.person, city=permit.city,
            district=permit.district, station=permit.station, kind=kind, filed_on=on,
            grounds=grounds.strip(),
        )  # fmt: skip
        return self.commit(
            appeal, Machine.APPEAL, "file", on=on, actor=actor,
            policy=self.policy(permit.city, on), inputs={"kind": kind},
        )  # fmt: skip

    def accept_appeal(self, appeal: Appeal, *, on: dt.date, actor: str) -> None:
        self.commit(
            appeal, Machine.APPEAL, "accept", on=on, actor=actor, changes={"accepted_on": on}
        )

    def decide_appeal(
        self, appeal: Appeal, *, outcome: str, on: dt.date, actor: str, reasons: str = ""
    ) -> None:
        self.commit(
            appeal, Machine.APPEAL, services.OUTCOMES[outcome], on=on, actor=actor,
            reason=reasons, changes={"decided_on": on}, notice="appeal_decided",
            notice_context={"outcome": outcome},
        )  # fmt: skip
        if outcome == "revoked_act" and appeal.permit is not None:  # as do_decide_appeal
            self.reinstate_permit(appeal.permit, appeal=appeal, on=on, actor=actor)

    # -- saving ----------------------------------------------------------------------------

    def flush(self, *, today: dt.date, delivered: bool = True) -> None:
        """Save everything; the caller holds the transaction.

        ``delivered``: the outbox rows of this history count as sent (inbox notices older
        than a month as read) — the demo's past was delivered in the past, and a worker
        must not send years of SMS on the first ``juzhu notify run``.
        """
        Person.objects.bulk_create(self.people, batch_size=1000)
        PersonKey.objects.bulk_create(self.keys.rows, batch_size=1000)
        for model, rows in self.records.items():
            model.objects.bulk_create(rows, batch_size=1000)
        Event.objects.bulk_create(self.events, batch_size=1000)  # sets ids (Notification FK)
        now = timezone.now()
        notices = []
        for event, person, template, context in self.notices:
            # services' outbox (registry.outbox.do_enqueue_notice): inbox + SMS
            for channel, recipient in (("inbox", str(person.pk)), ("sms", person.phone_index)):
                if not recipient:
                    continue
                read = delivered and channel == "inbox" and (today - event.on_date).days > 30
                notices.append(
                    Notification(
                        city=event.city, event=event, person=person, channel=channel,
                        recipient=recipient, template=template, lang=person.lang,
                        context=context, next_attempt_at=now,
                        status="sent" if delivered else "pending", attempts=int(delivered),
                        sent_at=now if delivered else None, read_at=now if read else None,
                    )
                )  # fmt: skip
        Notification.objects.bulk_create(notices, batch_size=1000)
        Endorsement.objects.bulk_create(self.endorsements, batch_size=1000)
        ApplicationMaterial.objects.bulk_create(self.materials, batch_size=1000)
