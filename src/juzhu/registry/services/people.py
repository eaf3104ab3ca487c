"""People and residence registrations (居住登记)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from juzhu.domain.lifecycle import Machine
from juzhu.domain.vocabulary import PermitStatus
from juzhu.registry import pii
from juzhu.registry.idnumbers import InvalidIdNumber, is_mobile, mask_phone, parse_id_number
from juzhu.registry.models import (
    Permit,
    Person,
    ResidenceRegistration,
)
from juzhu.registry.services.base import THIRD_PARTIES, Actor, Refused, policy_of
from juzhu.registry.services.commit import apply_transition
from juzhu.registry.services.permits import do_cancel_permit

# -- people --------------------------------------------------------------------------------


def check_register_person(id_number: str, name: str, phone: str = "") -> None:
    try:
        parse_id_number(id_number)
    except InvalidIdNumber as exc:
        raise Refused(exc.zh, exc.en, "id_number") from None
    if not name.strip():
        raise Refused("请填写姓名", "the name is required", "name")
    if phone and not is_mobile(phone):
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
        id_number_index=index,
        id_number_masked=parsed.value[:4] + "*" * 10 + parsed.value[-4:],
        email=email,
    )
    person.id_number_enc = pii.encrypt(parsed.value, purpose="id_number", row=person)
    if phone:
        person.phone_enc = pii.encrypt(phone, purpose="phone", row=person)
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
    arrived_on: dt.date | None = None,
    evidence: Sequence[str] = (),
    inputs: Mapping[str, Any] | None = None,
    trace: Sequence[Any] = (),
) -> ResidenceRegistration:
    """Record a registration as given (imports, the demo); the checked workflow is
    ``registration.do_register``, which calls this after its checks."""
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
        arrived_on=arrived_on,
        evidence=list(evidence),
    )
    apply_transition(
        reg,
        Machine.REGISTRATION,
        "register",
        on=on,
        actor=actor,
        expected_version=None,
        policy=policy_of(city, on),
        inputs={"housing": housing, **dict(inputs or {})},
        trace=trace,
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
            person=reg.person,
            city=reg.city,
            status__in=[PermitStatus.ACTIVE, PermitStatus.SUSPENDED],
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
