"""The acceptance point (受理): check the materials against the generated checklist, then
accept with a receipt (受理回执), or give ONE complete notice of everything missing
(一次性告知书, 居住证暂行条例 Art. 9; 行政许可法 Art. 32), or accept with non-core
materials to follow (容缺受理, with the applicant's signed commitment and a due date);
record a supplement handed in at the counter; enter an application at the counter for a
person who cannot use the portal (窗口代录).

Every write is one transaction through the registry's use cases (``services``) or its one
commit path (``services.do_*``), with the letters issued inside it. Inputs are
checked before anything is written; ``Refused`` carries the message and the form field.

The checklist is the planner's (``planner.checklist.checklist_for``) for the application's
city, basis and housing on the day it was submitted, by kind: first issue and
re-application need the full list; an endorsement the ID card and the permit (plus the
proofs where the city re-checks the conditions); a change the permit and the new proof of
address; a replacement the ID card and a photo; a voluntary cancellation the ID card and
the permit. An agent (代办人) adds ``materials.agent``. A line "A 或 B" is provided when any
of its alternatives is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from juzhu.backoffice import letters
from juzhu.backoffice.deadlines import acceptance_due
from juzhu.backoffice.models import Letter
from juzhu.domain.days import WorkCalendar
from juzhu.domain.vocabulary import ApplicationKind, Basis, Housing, RemedyPath, label
from juzhu.planner.checklist import checklist_for
from juzhu.planner.situation import Situation
from juzhu.registry import services
from juzhu.registry.idnumbers import InvalidIdNumber
from juzhu.registry.models import (
    Application,
    ApplicationMaterial,
    Draft,
    Office,
    Officer,
    Permit,
    Upload,
)
from juzhu.registry.selectors import NotFound, Viewer, access_permit, scoped
from juzhu.registry.services import Actor, Refused
from juzhu.rules.engine import Decision, MissingParameter, Policy

NEEDS_PERMIT = {"endorsement", "change", "replacement", "voluntary_cancellation"}
# The applicant's time to supplement (null in every bundled policy so far: the letter says so).
SUPPLEMENT_LIMIT = "acceptance.supplement_limit"
COMMITMENT_NOTE = "申请人已签署容缺受理承诺书"
PURPOSE = {  # what a checklist line proves, from the policy key it came from
    "materials.common": "身份和照片",
    "materials.by_housing": "合法稳定住所",
    "materials.by_basis": "申领条件（就业、就读等）",
    "materials.agent": "代办人身份",
    "endorsement": "签注",
    "kind": "本类申请所需",
}


def today() -> dt.date:
    return timezone.localdate()


def actor_of(officer: Officer) -> Actor:
    return Actor(f"officer:{officer.user_id}")


# -- the checklist ---------------------------------------------------------------------


@dataclass
class Line:
    """One line of the checklist: ``id`` and its ``alternatives`` ("A 或 B")."""

    id: str
    alternatives: list[str]
    text: str
    why: str
    status: str = "missing"  # provided | deferred | missing
    provided_as: str = ""  # which alternative was provided
    deferred_until: dt.date | None = None
    deferrable: bool = False
    files: list[Upload] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [self.id, *self.alternatives]

    @property
    def options(self) -> list[str]:
        """What satisfies this line, in words (for the notice)."""
        return [label(i, "zh") for i in self.ids]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "alternatives": self.alternatives,
            "text": self.text,
            "options": self.options,
            "why": self.why,
            "purpose": PURPOSE.get(self.why, ""),
        }


def policy_for(app: Application) -> Policy:
    return services.policy_of(app.city, app.submitted_on or today())


def _situation(app: Application, on: dt.date) -> Situation:
    housing = Housing(app.housing) if app.housing in set(Housing) else None
    return Situation(
        city=app.city,
        as_of=on,
        housing=housing,
        employed=app.basis == Basis.EMPLOYMENT.value,
        enrolled=app.basis == Basis.STUDY.value,
    )


def _raw_lines(policy: Policy, app: Application, on: dt.date) -> list[dict[str, Any]]:
    situation = _situation(app, on)
    decision = Decision(None, app.basis, (), (), ())  # type: ignore[arg-type]
    kind = app.kind
    if kind in ("first_issue", "reapplication"):
        items = checklist_for(policy, RemedyPath.REAPPLY, situation, decision, "zh")
    elif kind == "endorsement":
        items = checklist_for(policy, RemedyPath.LATE_ENDORSEMENT, situation, decision, "zh")
    else:
        items = [
            {"id": m, "alternatives": [], "text": label(m, "zh"), "why": "kind"}
            for m in {
                "change": ["id_card", "old_permit"],
                "replacement": ["id_card", "photo"],
                "voluntary_cancellation": ["id_card", "old_permit"],
            }.get(kind, ["id_card"])
        ]
        if kind == "change":  # the new address needs its proof
            address = checklist_for(
                policy, RemedyPath.RESIDENCE_REGISTRATION, situation, decision, "zh"
            )
            items += [i for i in address if i["why"] == "materials.by_housing"]
    if app.facts.get("agent"):
        items += [
            {"id": m, "alternatives": [], "text": label(m, "zh"), "why": "materials.agent"}
            for m in policy.get("materials.agent")
        ]
    seen: set[str] = set()
    out = []
    for item in items:
        if item["id"] not in seen:
            seen.add(item["id"])
            out.append(item)
    return out


def uploads_of(app: Application) -> list[Upload]:
    draft = Draft.objects.filter(application=app).first()
    return list(draft.uploads.order_by("created_at")) if draft else []


def checklist(app: Application, *, with_files: bool = True) -> list[Line]:
    """The generated checklist for ``app``, each line marked provided / deferred / missing."""
    policy = policy_for(app)
    deferrable = set(policy.get("materials.deferrable") or [])
    rows = {m.material: m for m in ApplicationMaterial.objects.filter(application=app)}
    files = uploads_of(app) if with_files else []
    lines = []
    for raw in _raw_lines(policy, app, app.submitted_on or today()):
        line = Line(raw["id"], list(raw["alternatives"]), raw["text"], raw["why"])
        line.deferrable = all(i in deferrable for i in line.ids)
        line.files = [f for f in files if f.material in line.ids]
        provided = [i for i in line.ids if i in rows and rows[i].provided]
        deferred = [i for i in line.ids if i in rows and rows[i].deferred_until]
        if provided:
            line.status, line.provided_as = "provided", provided[0]
        elif deferred:
            line.status, line.deferred_until = "deferred", rows[deferred[0]].deferred_until
        lines.append(line)
    return lines


def extra_materials(app: Application, lines: list[Line]) -> list[str]:
    """Materials on file that are not on the checklist (e.g. before a basis change)."""
    known = {i for line in lines for i in line.ids}
    return [
        m
        for m in ApplicationMaterial.objects.filter(application=app, provided=True)
        .order_by("material")
        .values_list("material", flat=True)
        if m not in known
    ]


def notice_deadline(app: Application, cal: WorkCalendar | None = None) -> dt.date | None:
    """Last day for the one-time notice (``acceptance.notice_limit`` from receipt)."""
    return acceptance_due(app, cal or services.work_calendar())


def is_past_notice_limit(app: Application, on: dt.date, cal: WorkCalendar | None = None) -> bool:
    """No notice was given in time, so by law it is accepted from receipt (行政许可法 §32)."""
    end = notice_deadline(app, cal)
    return app.notices_issued == 0 and end is not None and on > end


def deferral_deadline(policy: Policy, accepted_on: dt.date) -> dt.date | None:
    limit = policy.period("acceptance.deferral_limit")
    return services.work_calendar().period_end(accepted_on, limit).date if limit else None


def supplement_due(policy: Policy, on: dt.date) -> dt.date | None:
    try:
        limit = policy.period(SUPPLEMENT_LIMIT)
    except MissingParameter:
        return None
    return services.work_calendar().period_end(on, limit).date if limit else None


def panel_context(app: Application, on: dt.date | None = None) -> dict[str, Any]:
    """What the submitted / needs-supplement panels show."""
    on = on or today()
    policy = policy_for(app)
    lines = checklist(app)
    accepted_on = app.submitted_on if is_past_notice_limit(app, on) else on
    return {
        "lines": lines,
        "extra": [label(m, "zh") for m in extra_materials(app, lines)],
        "missing": [ln for ln in lines if ln.status == "missing"],
        "notice_deadline": notice_deadline(app),
        "late": is_past_notice_limit(app, on),
        "deferral_by": deferral_deadline(policy, accepted_on or on),
        "deferral_limit": _describe(policy, "acceptance.deferral_limit"),
        "time_limit": _describe(policy, "issuing.time_limit"),
        "bases": [(b.value, label(b.value, "zh")) for b in Basis],
        "housings": [(h.value, label(h.value, "zh")) for h in Housing],
    }


def _describe(policy: Policy, key: str) -> str:
    period = policy.period(key)
    return period.describe("zh") if period else ""


# -- accept, with or without 容缺 -------------------------------------------------------


def _chosen(lines: list[Line], ids: list[str], field_name: str) -> list[Line]:
    by_id = {ln.id: ln for ln in lines}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise Refused(
            f"清单中没有这些材料：{'、'.join(unknown)}；请刷新页面后重新勾选",
            f"not on the checklist: {', '.join(unknown)}",
            field_name,
        )
    return [by_id[i] for i in dict.fromkeys(ids)]


def check_accept(
    app: Application,
    lines: list[Line],
    *,
    checked: list[str],
    deferred: list[str],
    deferred_until: dt.date | None,
    commitment: bool,
    on: dt.date,
) -> tuple[list[Line], list[Line], dt.date]:
    """Validate an acceptance; return (checked lines, deferred lines, accepted_on)."""
    if app.status != "submitted":
        raise Refused(
            "只有待受理的申请才能受理", "only a submitted application can be accepted", "checked"
        )
    ok = _chosen(lines, checked, "checked")
    later = _chosen(lines, deferred, "defer")
    both = [ln.text for ln in later if ln in ok]
    if both:
        raise Refused(
            f"{'、'.join(both)}：已勾选“已核验”，不能同时容缺",
            "a material cannot be both checked and deferred",
            "defer",
        )
    core = [ln.text for ln in later if not ln.deferrable]
    if core:
        raise Refused(
            f"{'、'.join(core)} 是核心材料，不能容缺受理；请收齐后受理，或发一次性告知书",
            f"core materials cannot be deferred: {', '.join(core)}",
            "defer",
        )
    accepted_on = app.submitted_on if is_past_notice_limit(app, on) else on
    assert accepted_on is not None
    if later:
        if not commitment:
            raise Refused(
                "容缺受理须由申请人签署承诺书，请勾选“申请人已签署承诺书”",
                "deferral needs the applicant's signed commitment",
                "commitment",
            )
        if deferred_until is None:
            raise Refused(
                "请填写补齐容缺材料的期限（日期）",
                "give the date the items are due",
                "deferred_until",
            )
        limit = deferral_deadline(policy_for(app), accepted_on)
        if deferred_until <= on:
            raise Refused(
                "补齐期限应晚于今天", "the due date must be after today", "deferred_until"
            )
        if limit is not None and deferred_until > limit:
            raise Refused(
                f"补齐期限不能晚于{letters.zh_date(limit)}（受理之日起"
                f"{_describe(policy_for(app), 'acceptance.deferral_limit')}）",
                f"the due date may not be after {limit.isoformat()}",
                "deferred_until",
            )
    left = [ln.text for ln in lines if ln not in ok and ln not in later]
    if left:
        raise Refused(
            f"以下材料未核验：{'；'.join(left)}。材料不全的，请发一次性告知书；"
            "非核心材料可容缺受理",
            f"not checked: {', '.join(ln.id for ln in lines if ln not in ok and ln not in later)}",
            "checked",
        )
    return ok, later, accepted_on


@transaction.atomic
def do_accept(
    app: Application,
    *,
    officer: Officer,
    expected_version: int,
    checked: list[str],
    deferred: list[str] = (),  # type: ignore[assignment]
    deferred_until: dt.date | None = None,
    commitment: bool = False,
    on: dt.date | None = None,
) -> list[Letter]:
    """Accept (受理) and issue the receipt, plus the 容缺 notice when items follow later."""
    on = on or today()
    lines = checklist(app, with_files=False)
    ok, later, accepted_on = check_accept(
        app,
        lines,
        checked=list(checked),
        deferred=list(deferred),
        deferred_until=deferred_until,
        commitment=commitment,
        on=on,
    )
    actor = actor_of(officer)
    policy = services.policy_of(app.city, on)
    deemed = accepted_on != on
    if not later and not deemed:
        services.do_accept_application(app, on=on, actor=actor, expected_version=expected_version)
    else:
        inputs: dict[str, Any] = {"checked": [ln.provided_as or ln.id for ln in ok]}
        if later:
            inputs |= {
                "deferred": [ln.id for ln in later],
                "deferred_until": deferred_until.isoformat() if deferred_until else None,
                "commitment": True,
            }
        if deemed:
            inputs["deemed_from"] = accepted_on.isoformat()
        services.do_accept_application(
            app,
            on=on,
            actor=actor,
            expected_version=expected_version,
            accepted_on=accepted_on,
            reason="deemed_accepted" if deemed else "",
            inputs=inputs,
        )
    for ln in ok:
        ApplicationMaterial.objects.update_or_create(
            application=app,
            material=ln.provided_as or ln.id,
            defaults={"provided": True, "deferred_until": None},
        )
    for ln in later:
        ApplicationMaterial.objects.update_or_create(
            application=app,
            material=ln.id,
            defaults={"provided": False, "deferred_until": deferred_until, "note": COMMITMENT_NOTE},
        )
    issued = [issue_receipt(app, on=on, actor=actor, received=ok, deferred=later, deemed=deemed)]
    if later:
        assert deferred_until is not None
        issued.append(
            letters.issue_for_application(
                "deferral_notice",
                app,
                on=on,
                actor=actor,
                context={
                    "case_number": app.case_number,
                    "accepted_on": app.accepted_on,
                    "due_on": app.due_on,
                    "items": [ln.as_dict() for ln in later],
                    "deferred_until": deferred_until,
                    "deferral_limit": _describe(policy, "acceptance.deferral_limit"),
                    "commitment": COMMITMENT_NOTE,
                },
            )
        )
    return issued


def progress_url() -> str:
    try:
        path = reverse("portal:me")
    except NoReverseMatch:
        path = "/portal/me/"
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def issue_receipt(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    received: list[Line],
    deferred: list[Line] = (),  # type: ignore[assignment]
    deemed: bool = False,
) -> Letter:
    policy = services.policy_of(app.city, on)
    return letters.issue_for_application(
        "receipt",
        app,
        on=on,
        actor=actor,
        context={
            "case_number": app.case_number,
            "kind": app.kind,
            "kind_zh": _kind_zh(app.kind),
            "channel": app.channel,
            "basis_zh": label(app.basis, "zh"),
            "housing_zh": label(app.housing, "zh"),
            "submitted_on": app.submitted_on,
            "accepted_on": app.accepted_on,
            "due_on": app.due_on,
            "time_limit": _describe(policy, "issuing.time_limit"),
            "received": [label(ln.provided_as or ln.id, "zh") for ln in received],
            "deferred": [ln.text for ln in deferred],
            "deemed": deemed,
            "notice_limit": _describe(policy, "acceptance.notice_limit"),
            "progress_url": progress_url(),
        },
    )


def _kind_zh(kind: str) -> str:
    from juzhu.backoffice.words import WORDS

    return WORDS.get(kind, kind)


# -- the one-time notice ------------------------------------------------------------------


@transaction.atomic
def do_notice(
    app: Application,
    *,
    officer: Officer,
    expected_version: int,
    checked: list[str],
    on: dt.date | None = None,
) -> Letter:
    """One notice listing every line not checked, with what would satisfy it."""
    on = on or today()
    lines = checklist(app, with_files=False)
    ok = _chosen(lines, list(checked), "checked")
    missing = [ln for ln in lines if ln not in ok]
    if app.status != "submitted":
        raise Refused(
            "只有待受理的申请才能发一次性告知书",
            "only a submitted application can get a notice",
            "missing",
        )
    if not missing:
        raise Refused(
            "清单上的材料都已核验，无需一次性告知，请直接受理",
            "every material was checked; accept instead",
            "missing",
        )
    if is_past_notice_limit(app, on):
        end = notice_deadline(app)
        raise Refused(
            f"一次性告知的期限已于{letters.zh_date(end)}届满；依照《行政许可法》第三十二条，"
            f"自收到申请材料之日（{letters.zh_date(app.submitted_on)}）起即视为受理，"
            "不能再发一次性告知书。请受理（非核心材料可容缺受理）",
            "the notice period has ended: the application counts as accepted from receipt",
            "missing",
        )
    policy = services.policy_of(app.city, on)
    due = supplement_due(policy, on)
    if due is not None:
        app.facts = {**app.facts, "_supplement_due": due.isoformat()}
    actor = actor_of(officer)
    previous = app.notices_issued
    services.do_request_supplement(
        app,
        missing=[ln.id for ln in missing],
        on=on,
        actor=actor,
        expected_version=expected_version,
    )
    notice_limit = policy_for(app).period("acceptance.notice_limit")
    return letters.issue_for_application(
        "supplement_notice",
        app,
        on=on,
        actor=actor,
        context={
            "case_number": app.case_number,
            "kind_zh": _kind_zh(app.kind),
            "basis_zh": label(app.basis, "zh"),
            "housing_zh": label(app.housing, "zh"),
            "submitted_on": app.submitted_on,
            "items": [ln.as_dict() for ln in missing],
            "received": [label(ln.provided_as or ln.id, "zh") for ln in ok],
            "supplement_due": due,
            "notice_limit": notice_limit.describe("zh") if notice_limit else "",
            "notice_deadline": notice_deadline(app),
            "second": previous > 0,
            "progress_url": progress_url(),
        },
    )


# -- amend and supplement at the counter --------------------------------------------------


def _check_basis_housing(basis: str, housing: str) -> None:
    if basis and basis not in {b.value for b in Basis}:
        raise Refused("请选择申领依据", f"unknown basis {basis!r}", "basis")
    if housing and housing not in {h.value for h in Housing}:
        raise Refused("请选择住房类型", f"unknown housing {housing!r}", "housing")


def do_amend(
    app: Application,
    *,
    officer: Officer,
    expected_version: int,
    basis: str = "",
    housing: str = "",
    on: dt.date | None = None,
) -> None:
    _check_basis_housing(basis, housing)
    basis = basis if basis and basis != app.basis else ""
    housing = housing if housing and housing != app.housing else ""
    if not basis and not housing:
        raise Refused(
            "申领依据和住房类型都没有改变", "neither the basis nor the housing changed", "basis"
        )
    services.do_amend_application(
        app,
        on=on or today(),
        actor=actor_of(officer),
        expected_version=expected_version,
        basis=basis or None,
        housing=housing or None,
    )


def known_materials(policy: Policy) -> list[str]:
    """Every material a checklist of this policy can ask for (the counter's tick boxes)."""
    ids: list[str] = []

    def add(items: Any) -> None:
        for item in items or []:
            ids.extend(item["any_of"] if isinstance(item, dict) else [item])

    add(policy.get("materials.common"))
    for items in (policy.get("materials.by_housing") or {}).values():
        add(items)
    for items in (policy.get("materials.by_basis") or {}).values():
        add(items)
    add(policy.get("materials.agent"))
    ids += ["old_permit", "registration_certificate", "relationship_proof"]
    return list(dict.fromkeys(ids))


def do_record_supplement(
    app: Application,
    *,
    officer: Officer,
    expected_version: int,
    provided: list[str],
    basis: str = "",
    housing: str = "",
    on: dt.date | None = None,
) -> None:
    _check_basis_housing(basis, housing)
    basis = basis if basis and basis != app.basis else ""
    housing = housing if housing and housing != app.housing else ""
    known = set(known_materials(policy_for(app)))
    unknown = [m for m in provided if m not in known]
    if unknown:
        raise Refused(
            f"不认识的材料：{'、'.join(unknown)}", f"unknown materials {unknown}", "provided"
        )
    if not provided and not basis and not housing:
        raise Refused(
            "请勾选申请人补交的材料（或记录申领依据、住房类型的变化）",
            "tick what the applicant handed in",
            "provided",
        )
    services.do_supplement_application(
        app,
        provided=list(dict.fromkeys(provided)),
        on=on or today(),
        actor=actor_of(officer),
        expected_version=expected_version,
        basis=basis or None,
        housing=housing or None,
    )


# -- counter intake (窗口代录) -------------------------------------------------------------


class FormErrors(Exception):
    """Several fields are wrong; ``errors`` maps field name → message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


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
    facts["employed"] = bool(data.get("employed"))
    facts["social_insurance_months"] = _int(
        data.get("social_insurance_months") or "", "social_insurance_months", errors, 0, 600
    )
    facts["social_insurance_continuous"] = bool(data.get("social_insurance_continuous"))
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
        person = services.find_person(form.id_number)
    except InvalidIdNumber as exc:  # checked above; kept for safety
        raise FormErrors({"id_number": exc.zh}) from None
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
