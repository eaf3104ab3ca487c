"""Residence registration (居住登记) as a workflow: register an address, change it, end it.

The registration is the residence clock every eligibility rule counts (``eligibility``
reads its date). A move to another address in the same city changes the registration and
keeps the clock where the city's law reads it so (``registration.move_within_city`` =
``change``); a city whose law restarts it (``restart``) ends the old registration and opens
a new one from the day of the move. The reporting period (``registration.deadline``, the
1958 regulation's three days) counts from the day the person began living there; a late
report is still registered — the law asks people to report, and refusing would leave them
with no clock at all — and the lateness is recorded on the event.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from juzhu.domain.lifecycle import Machine
from juzhu.domain.vocabulary import Housing, RegistrationStatus
from juzhu.registry.models import Office, Person, ResidenceRegistration
from juzhu.registry.services.base import Actor, Refused, policy_of, work_calendar
from juzhu.registry.services.commit import apply_transition
from juzhu.registry.services.people import do_deregister_residence, do_register_residence
from juzhu.rules.engine import Policy

_UNSAFE = re.compile(r"[<>{}\\\x00-\x1f]")


def evidence_for(policy: Policy, housing: str) -> list[list[str]]:
    """The proof of address the policy asks for this housing: each entry is a list of
    alternatives (any one of them)."""
    out = []
    for entry in policy.get("materials.by_housing").get(housing, []):
        out.append(list(entry["any_of"]) if isinstance(entry, dict) else [str(entry)])
    return out


def all_evidence(policy: Policy) -> list[str]:
    """Every proof of address the policy lists for any housing, once each, in order (the
    choices a form offers; ``check_evidence`` says which the chosen housing needs)."""
    seen: dict[str, None] = {}
    for housing in Housing:
        for alternatives in evidence_for(policy, housing.value):
            seen.update(dict.fromkeys(alternatives))
    return list(seen)


def check_address(address: str, housing: str) -> str:
    address = " ".join(address.split())
    if not 4 <= len(address) <= 200 or _UNSAFE.search(address):
        raise Refused(
            "请填写完整的居住地址（4到200个字，不含 < > { } \\ 等符号）",
            "give the full address (4 to 200 characters, no < > { } \\)",
            "address",
        )
    if housing not in {h.value for h in Housing}:
        raise Refused("请选择住房类型", f"unknown housing {housing!r}", "housing")
    return address


def check_station(city: str, district: str, station: str) -> None:
    """Where the directory knows the city's stations, the station must be one of them."""
    known = Office.objects.filter(city=city)
    if known.exists() and not known.filter(district=district, station=station).exists():
        raise Refused("请选择本市的派出所或受理点", f"no station {station} in {city}", "station")


def check_evidence(policy: Policy, housing: str, evidence: Sequence[str]) -> list[str]:
    """Every entry of the housing's proof covered by one of ``evidence``."""
    given = list(dict.fromkeys(evidence))
    missing = [alts for alts in evidence_for(policy, housing) if not set(alts) & set(given)]
    if missing:
        from juzhu.domain.vocabulary import label

        names = "；".join("或".join(label(m, "zh") for m in alts) for alts in missing)
        raise Refused(
            f"这类住房的居住登记需要：{names}", f"this housing needs proof: {missing}", "evidence"
        )
    return given


def reporting(policy: Policy, arrived_on: dt.date | None, on: dt.date) -> dict[str, Any]:
    """The reporting period in force and whether this report is within it."""
    period = policy.period("registration.deadline")
    if arrived_on is None or period is None:
        return {}
    last = work_calendar().period_end(arrived_on, period).date
    return {"arrived_on": arrived_on.isoformat(), "report_by": last.isoformat(), "late": on > last}


@transaction.atomic
def do_register(
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
) -> ResidenceRegistration:
    """Register the person's address in ``city`` (居住登记), checked: the address, the
    station, the proof the policy lists for the housing, the day they arrived. A person
    already registered in the city changes the address instead."""
    address = check_address(address, housing)
    check_station(city, district, station)
    policy = policy_of(city, on)
    proof = check_evidence(policy, housing, evidence)
    if arrived_on is not None and not (on - dt.timedelta(days=3650) <= arrived_on <= on):
        raise Refused(
            "开始居住的日期不能晚于今天，也不能早于十年前",
            "the day you began living there must be in the last ten years, not the future",
            "arrived_on",
        )
    live = ResidenceRegistration.objects.filter(
        person=person, city=city, status=RegistrationStatus.ACTIVE
    )
    if live.exists():
        raise Refused(
            "你在本市已有居住登记；搬家请办理变更，不要重新登记",
            "you are registered in this city already; change the address instead",
            "city",
        )
    return do_register_residence(
        person, city=city, district=district, station=station, address=address,
        housing=housing, on=on, actor=actor, arrived_on=arrived_on, evidence=proof,
        inputs={"evidence": proof, **reporting(policy, arrived_on, on)},
        trace=[policy.step("registration.deadline", {"arrived_on": str(arrived_on)}).as_dict()],
    )  # fmt: skip


@transaction.atomic
def do_change_address(
    reg: ResidenceRegistration,
    *,
    address: str,
    housing: str,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    district: str = "",
    station: str = "",
    evidence: Sequence[str] = (),
    moved_on: dt.date | None = None,
) -> ResidenceRegistration:
    """A move inside the city. Under ``change`` the same registration takes the new address
    (the residence clock keeps counting); under ``restart`` the old one ends and a new one
    begins today. Returns the registration now in force."""
    if reg.status != RegistrationStatus.ACTIVE:
        raise Refused(
            "这条居住登记已注销，请重新登记", "the registration has ended", "registration"
        )
    address = check_address(address, housing)
    district, station = district or reg.district, station or reg.station
    check_station(reg.city, district, station)
    policy = policy_of(reg.city, on)
    proof = check_evidence(policy, housing, evidence)
    step = policy.step("registration.move_within_city", {"from": reg.address, "to": address})
    if policy.get("registration.move_within_city") == "restart":
        do_deregister_residence(
            reg, by="moved", on=on, actor=actor, expected_version=expected_version
        )
        return do_register(
            reg.person, city=reg.city, district=district, station=station, address=address,
            housing=housing, on=on, actor=actor, arrived_on=moved_on, evidence=proof,
        )  # fmt: skip
    apply_transition(
        reg,
        Machine.REGISTRATION,
        "change_address",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=policy,
        inputs={"from": reg.address, "housing": housing, "evidence": proof},
        trace=[step.as_dict()],
        changes={
            "address": address, "housing": housing, "district": district, "station": station,
            "evidence": proof,
        },
    )  # fmt: skip
    return reg


def live_registration(person: Person, city: str) -> ResidenceRegistration | None:
    return (
        ResidenceRegistration.objects.filter(
            person=person, city=city, status=RegistrationStatus.ACTIVE
        )
        .order_by("-registered_on")
        .first()
    )
