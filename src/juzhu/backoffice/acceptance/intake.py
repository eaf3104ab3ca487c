"""Counter intake (窗口代录): a clerk enters an application for a person who cannot use the
portal. The form is checked field by field (``FormErrors``, a message per field) before
anything is written; then the person is found or registered and the application submitted
with ``channel="counter"``, in one transaction through the registry's use cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from juzhu.backoffice.acceptance.materials import NEEDS_PERMIT, actor_of, known_materials, today
from juzhu.domain.vocabulary import ApplicationKind, Basis, Housing
from juzhu.registry import services
from juzhu.registry.idnumbers import InvalidIdNumber
from juzhu.registry.models import Application, Office, Officer, Permit, Person
from juzhu.registry.selectors import NotFound, Viewer, access_permit, scoped
from juzhu.registry.services import Refused


class FormErrors(Exception):
    """Several fields are wrong; ``errors`` maps field name → message."""

    def __init__(self, errors: dict[str, str], *, denied: bool = False) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        # True when the form named a person outside the officer's jurisdiction: the view
        # writes a ``Denial`` row (scope) for the auditor.
        self.denied = denied


# A person is looked up only inside the officer's city (the registry's person scope): a
# number held by a record elsewhere reads as "not found here", never shows that record's
# name, and cannot be registered again (the ID number is unique nationwide).
OUT_OF_SCOPE_ZH = (
    "在你的辖区内没有找到这个身份号码的记录，也不能在此新登记。"
    "请核对身份证；如申请人的户籍或登记在其他城市，请其先在本市办理居住登记。"
    " / No record with this ID number in your jurisdiction, and it cannot be registered"
    " here: check the ID card; a person on record in another city registers residence here"
    " first."
)


def find_person_in_scope(viewer: Viewer, id_number: str) -> Person | None:
    """The person with this ID number inside the viewer's scope, or ``None`` when there is
    none anywhere. A record outside the scope raises ``NotFound`` (the caller refuses and
    logs the attempt); nothing about it is returned."""
    person = services.find_person(id_number)
    if person is None:
        return None
    if not scoped(viewer, Person.objects.filter(pk=person.pk)).exists():
        raise NotFound("person outside the officer's jurisdiction")
    return person


def stations_for(officer: Officer) -> list[Office]:
    """The acceptance points a clerk may enter applications for."""
    qs = Office.objects.filter(city=officer.city)
    if officer.district:
        qs = qs.filter(district=officer.district)
    if officer.station:
        qs = qs.filter(station=officer.station)
    return list(qs.order_by("district", "station"))


@dataclass
class Intake:
    """The checked form of a counter intake."""

    id_number: str
    name: str
    phone: str
    kind: str
    basis: str
    housing: str
    facts: dict[str, Any]
    materials: list[str]
    district: str
    station: str
    permit_number: str = ""


def _int(value: str, field_name: str, errors: dict[str, str], lo: int, hi: int) -> int:
    try:
        n = int(value.strip() or "0")
    except ValueError:
        errors[field_name] = f"请填写 {lo} 到 {hi} 之间的整数"
        return 0
    if not lo <= n <= hi:
        errors[field_name] = f"请填写 {lo} 到 {hi} 之间的整数"
    return n


def parse_intake(officer: Officer, data: Any, on: dt.date) -> Intake:
    """Check the form; raise ``FormErrors`` with a message per field. A station outside the
    clerk's jurisdiction raises ``NotFound`` (the form offers only their own)."""
    errors: dict[str, str] = {}
    id_number = (data.get("id_number") or "").strip().upper()
    name = (data.get("name") or "").strip()
    phone = (data.get("phone") or "").strip()
    try:
        services.check_register_person(id_number, name or "?", phone)
    except Refused as exc:
        errors[exc.field] = exc.zh
    kind = data.get("kind") or ""
    if kind not in {k.value for k in ApplicationKind}:
        errors["kind"] = "请选择申请类型"
    basis, housing = data.get("basis") or "", data.get("housing") or ""
    if basis not in {b.value for b in Basis}:
        errors["basis"] = "请选择申领依据"
    if housing not in {h.value for h in Housing}:
        errors["housing"] = "请选择住房类型"
    facts: dict[str, Any] = {}
    since = (data.get("registered_since") or "").strip()
    if since:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            errors["registered_since"] = "日期格式应为 年-月-日，例如 2024-03-01"
        else:
            if day > on:
                errors["registered_since"] = "居住登记日期不能晚于今天"
            facts["registered_since"] = day.isoformat()
    # A fact the clerk did not check stays missing (the engine then says "unknown"): never a
    # default "not employed" or "0 months" the person did not declare.
    for fact in ("employed", "social_insurance_continuous"):
        answer = (data.get(fact) or "").strip()
        if answer in ("yes", "1", "on"):
            facts[fact] = True
        elif answer == "no":
            facts[fact] = False
    months = (data.get("social_insurance_months") or "").strip()
    if months:
        facts["social_insurance_months"] = _int(months, "social_insurance_months", errors, 0, 600)
    if data.get("agent"):
        agent = {
            "name": (data.get("agent_name") or "").strip(),
            "relation": (data.get("agent_relation") or "").strip(),
        }
        if not agent["name"]:
            errors["agent_name"] = "请填写代办人姓名"
        if not agent["relation"]:
            errors["agent_relation"] = "请填写代办人与申请人的关系"
        facts["agent"] = agent
    policy = services.policy_of(officer.city, on)
    known = set(known_materials(policy))
    materials = [m for m in data.getlist("materials") if m]
    if any(m not in known for m in materials):
        errors["materials"] = "材料清单中没有这一项，请刷新页面后重新勾选"
    permit_number = (data.get("permit_number") or "").strip().upper()
    if kind in NEEDS_PERMIT and not permit_number:
        errors["permit_number"] = "这类申请需要申请人的居住证号码"
    code = data.get("station") or ""
    places = {o.station: o for o in stations_for(officer)}
    if officer.station:
        station, district = officer.station, officer.district
    elif not code:
        errors["station"] = "请选择受理点"
        station, district = "", officer.district
    elif code in places:
        station, district = code, places[code].district
    else:
        raise NotFound(f"station {code} is not in the officer's jurisdiction")
    if errors:
        raise FormErrors(errors)
    return Intake(
        id_number, name, phone, kind, basis, housing, facts, materials, district, station,
        permit_number,
    )  # fmt: skip


def do_intake(
    officer: Officer, viewer: Viewer, data: Any, on: dt.date | None = None
) -> Application:
    """Enter an application at the counter: find or register the person, submit with
    ``channel="counter"``. Everything is checked first; nothing is written on an error."""
    on = on or today()
    form = parse_intake(officer, data, on)
    errors: dict[str, str] = {}
    try:
        person = find_person_in_scope(viewer, form.id_number)
    except InvalidIdNumber as exc:  # checked above; kept for safety
        raise FormErrors({"id_number": exc.zh}) from None
    except NotFound:
        raise FormErrors({"id_number": OUT_OF_SCOPE_ZH}, denied=True) from None
    if person is None and not form.name:
        errors["name"] = "新登记的申请人须填写姓名（与身份证一致）"
    elif person is not None and form.name and person.name != form.name:
        errors["name"] = "姓名与该身份号码已登记的姓名不一致，请核对身份证"
    permit: Permit | None = None
    if form.kind in NEEDS_PERMIT:
        found = (
            scoped(viewer, Permit.objects.filter(number=form.permit_number, person=person))
            .values_list("pk", flat=True)
            .first()
            if person is not None
            else None
        )
        if found is None:
            errors["permit_number"] = "在你的辖区内没有找到申请人的这本居住证，请核对号码"
        else:
            permit = access_permit(viewer, found, purpose="office_intake")
    if person is not None and not errors:
        try:
            services.check_submit_application(person, form.kind, officer.city, permit)
        except Refused as exc:
            errors[exc.field or "kind"] = exc.zh.replace("你", "申请人")
    if errors:
        raise FormErrors(errors)
    actor = actor_of(officer)
    try:
        with transaction.atomic():
            if person is None:
                person = services.do_register_person(
                    form.id_number, form.name, city=officer.city, phone=form.phone
                )
            # The clerk has the ID card in hand: the record is verified, and a phone given
            # here replaces one typed online (changing a number at the counter).
            services.do_confirm_identity(person, actor=actor, phone=form.phone)
            return services.do_submit_application(
                person,
                kind=form.kind,
                city=officer.city,
                district=form.district,
                station=form.station,
                on=on,
                actor=actor,
                basis=form.basis,
                housing=form.housing,
                facts=form.facts,
                permit=permit,
                materials=form.materials,
                channel="counter",
            )
    except Refused as exc:
        raise FormErrors({exc.field or "kind": exc.zh.replace("你", "申请人")}) from None
