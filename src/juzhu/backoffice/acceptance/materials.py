"""The material checklist at the acceptance point, and the time limits around it.

The checklist is the planner's (``planner.checklist.checklist_for``) for the application's
city, basis and housing on the day it was submitted, by kind: first issue and
re-application need the full list; an endorsement the ID card and the permit (plus the
proofs where the city re-checks the conditions); a change the permit and the new proof of
address; a replacement the ID card and a photo; a voluntary cancellation the ID card and
the permit. An agent (代办人) adds ``materials.agent``. A line "A 或 B" is provided when any
of its alternatives is.

The limits: the one-time notice within ``acceptance.notice_limit`` of receipt (else the
application counts as accepted from receipt, 行政许可法 Art. 32), 容缺 materials within
``acceptance.deferral_limit`` of acceptance, a supplement within
``acceptance.supplement_limit`` of the notice (null so far: the letter says so).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from juzhu.backoffice.deadlines import acceptance_due
from juzhu.domain.days import WorkCalendar
from juzhu.domain.vocabulary import Basis, Housing, RemedyPath, label
from juzhu.planner.checklist import checklist_for
from juzhu.planner.situation import Situation
from juzhu.registry import services
from juzhu.registry.models import Application, ApplicationMaterial, Draft, Officer, Upload
from juzhu.registry.services import Actor
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
    decision = Decision(None, app.basis, (), (), ())
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


# -- the time limits -----------------------------------------------------------------------


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


def describe(policy: Policy, key: str) -> str:
    """The period ``key`` of ``policy`` in words (zh), or "" when it is null."""
    period = policy.period(key)
    return period.describe("zh") if period else ""


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
        "deferral_limit": describe(policy, "acceptance.deferral_limit"),
        "time_limit": describe(policy, "issuing.time_limit"),
        "bases": [(b.value, label(b.value, "zh")) for b in Basis],
        "housings": [(h.value, label(h.value, "zh")) for h in Housing],
    }
