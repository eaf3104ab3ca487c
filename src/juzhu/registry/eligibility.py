"""The engine decides, people confirm: an application's eligibility facts and the verdict of
the rules engine on them (issue 13).

Facts are gathered once and stored on the application (``Application.facts``): first what
the registry knows (the residence registration's date, earlier permits), then what the
person declares (a job, months of social insurance, a school), each with the evidence the
city's policy lists for it. An application asks only for the facts its kind and its city's
policy need (``needed_facts``). A fact nobody gave stays missing: it is never filled with a
default, and the engine then answers "unknown" for the condition that needs it.

``verdict`` evaluates the application against the policy the decision applies
(``services.decision_policy``: the version in force when it was submitted, or the newer one
where that favours the applicant) and returns each condition met or unmet with its value,
the fact it used and its citation; the refusal grounds an unmet condition supports come
from the city's ``refusal.grounds``. The decision event stores the facts, the verdict and
the policy's digest, whose full text is kept content-addressed (``PolicyText``), so
``juzhu audit replay`` can re-run every decision with the policy it applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from juzhu.domain.months import full_months_between
from juzhu.domain.vocabulary import RegistrationStatus
from juzhu.registry.models import Application, Permit, Person, ResidenceRegistration
from juzhu.rules.engine import Decision, Facts, Policy, evaluate_eligibility

NEW_PERMIT_KINDS = frozenset({"first_issue", "reapplication"})


@dataclass(frozen=True)
class FactSpec:
    """One eligibility fact: where it comes from, how it is asked, what proves it."""

    id: str
    source: str  # "registry" (read, never asked) or "declared" (the person says, evidence shows)
    zh: str
    en: str
    kind: str  # date | bool | months
    evidence: tuple[str, ...] = ()  # material ids (any one of them)
    ask_zh: str = ""  # the question on the form, where it is not the label itself
    ask_en: str = ""


FACTS: Mapping[str, FactSpec] = {
    f.id: f
    for f in (
        FactSpec(
            "registered_since", "registry", "居住登记日期", "residence registered since", "date"
        ),
        FactSpec(
            "employed",
            "declared",
            "在本市稳定就业",
            "in stable employment in the city",
            "bool",
            ("labour_contract", "business_licence", "employment_certificate"),
            "你是否在本市稳定就业？",
            "Do you have a stable job in the city?",
        ),
        FactSpec(
            "social_insurance_months",
            "declared",
            "近24个月在本市缴纳社保的月数",
            "months of social insurance paid here in the last 24",
            "months",
            ("social_insurance_record",),
        ),
        FactSpec(
            "social_insurance_continuous",
            "declared",
            "社保为连续缴纳（至今未断缴）",
            "social insurance paid without a break up to now",
            "bool",
            ("social_insurance_record",),
            "社保是否连续缴纳至今、没有断缴？",
            "Has your social insurance been paid without a break up to now?",
        ),
        FactSpec(
            "enrolled",
            "declared",
            "在本市连续就读",
            "studying continuously in the city",
            "bool",
            ("student_card", "enrollment_certificate"),
            "你是否在本市连续就读？",
            "Are you studying continuously in the city?",
        ),
    )
}

# Which refusal ground an unmet condition supports, by the ids cities use (the first one the
# city's ``refusal.grounds`` has). A condition without one leaves the choice to the officer.
GROUND_FOR: Mapping[str, tuple[str, ...]] = {
    "eligibility.residence_months": ("registration_too_short", "residence_too_short"),
    "eligibility.social_insurance": ("social_insurance_short", "no_qualifying_basis"),
    "eligibility.routes": ("no_qualifying_basis", "social_insurance_short"),
    "endorsement.social_insurance": ("endorsement_conditions_unmet",),
}


def _si_needed(policy: Policy, key: str) -> bool:
    return str(policy.get(key)["rule"]) != "none"


def needed_facts(policy: Policy, kind: str, basis: str) -> list[FactSpec]:
    """The facts the city's policy needs to decide an application of ``kind`` on ``basis``:
    the residence clock for a new permit, then the route's own facts (a job and social
    insurance, or a school). A change of address, a replacement or a voluntary cancellation
    decides nothing about eligibility and asks nothing."""
    wanted: list[str] = []
    both = policy.get("eligibility.routes") == "residence_and_employment"
    if kind in NEW_PERMIT_KINDS:
        if int(policy.get("eligibility.residence_months")) > 0:
            wanted.append("registered_since")
        if both or basis == "employment":
            wanted.append("employed")
            if _si_needed(policy, "eligibility.social_insurance"):
                wanted += ["social_insurance_months", "social_insurance_continuous"]
        if basis == "study" and not both:
            wanted.append("enrolled")
    elif (
        kind == "endorsement"
        and (both or basis == "employment")
        and _si_needed(policy, "endorsement.social_insurance")
    ):
        wanted += ["employed", "social_insurance_months", "social_insurance_continuous"]
    return [FACTS[name] for name in wanted]


def declared_facts(policy: Policy, kind: str, basis: str) -> list[FactSpec]:
    return [f for f in needed_facts(policy, kind, basis) if f.source == "declared"]


def registered_since(person: Person, city: str, on: dt.date) -> dt.date | None:
    """When the person's residence registration in ``city`` began, as the registry holds it:
    the live registration's date (a move inside the city changes the address of the same
    registration, so its date stands). None when there is none."""
    return (
        ResidenceRegistration.objects.filter(
            person=person, city=city, status=RegistrationStatus.ACTIVE, registered_on__lte=on
        )
        .order_by("registered_on")
        .values_list("registered_on", flat=True)
        .first()
    )


def registry_facts(person: Person, city: str, on: dt.date) -> dict[str, Any]:
    """What the registry already knows about the person in ``city`` (never asked again)."""
    facts: dict[str, Any] = {}
    since = registered_since(person, city, on)
    if since is not None:
        facts["registered_since"] = since.isoformat()
    facts["previous_permits"] = Permit.objects.filter(person=person, city=city).count()
    return facts


def parse_declared(spec: FactSpec, raw: str) -> tuple[Any, str | None]:
    """A declared answer from a form (``raw``: "yes"/"no", a number), or an error in Chinese
    saying what to fix. An empty answer is an error: a fact is never defaulted."""
    raw = (raw or "").strip()
    if spec.kind == "bool":
        if raw in ("yes", "no"):
            return raw == "yes", None
        return None, f"请回答“{spec.zh}”：是或否"
    if spec.kind == "months":
        if raw.isdigit() and 0 <= int(raw) <= 24:
            return int(raw), None
        return None, f"“{spec.zh}”请填写0到24之间的整数（没有缴纳填0）"
    try:
        return dt.date.fromisoformat(raw).isoformat(), None
    except ValueError:
        return None, f"“{spec.zh}”的日期格式应为 年-月-日，例如 2024-03-01"


def engine_facts(facts: Mapping[str, Any], housing: str | None, on: dt.date) -> Facts:
    """The engine's view of stored facts on ``on``; a missing fact stays unknown (None)."""
    since = facts.get("registered_since")
    months = full_months_between(dt.date.fromisoformat(str(since)), on) if since else None

    def known(name: str) -> Any:
        return facts.get(name)

    return Facts(
        residence_months=months,
        employed=known("employed"),
        social_insurance_months=known("social_insurance_months"),
        social_insurance_continuous=known("social_insurance_continuous"),
        housing=housing,
        enrolled=known("enrolled"),
    )


@dataclass(frozen=True)
class Verdict:
    """The engine's answer on one application on one day, and what it rests on."""

    eligible: bool | None  # None: a missing fact decides it
    conditions: tuple[dict[str, Any], ...]  # rule, outcome, value, facts, citation
    unmet: tuple[dict[str, Any], ...]  # rule, zh, en
    missing: tuple[str, ...]
    grounds: tuple[str, ...]  # refusal grounds the unmet conditions support
    policy: dict[str, str]  # id, version

    def as_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "conditions": list(self.conditions),
            "unmet": list(self.unmet),
            "missing": list(self.missing),
            "grounds": list(self.grounds),
            "policy": self.policy,
        }

    @property
    def outcome(self) -> str:
        return {True: "eligible", False: "ineligible", None: "undetermined"}[self.eligible]


def decides(app: Application) -> bool:
    """Whether the engine has a say on this kind of application (eligibility is checked)."""
    return app.kind in NEW_PERMIT_KINDS or app.kind == "endorsement"


def evaluate(
    policy: Policy, kind: str, facts: Mapping[str, Any], housing: str | None, on: dt.date
) -> Verdict:
    """The verdict of ``policy`` on these facts (pure: replay calls it with stored inputs)."""
    decision: Decision = evaluate_eligibility(
        policy, engine_facts(facts, housing, on), at_endorsement=kind == "endorsement"
    )
    known_grounds: Mapping[str, Any] = policy.get("refusal.grounds") or {}
    grounds: list[str] = []
    for u in decision.unmet:
        for ground in GROUND_FOR.get(u.rule, ()):
            if ground in known_grounds:
                grounds.append(ground)
                break
    if kind == "endorsement" and decision.unmet and "endorsement_conditions_unmet" in known_grounds:
        grounds.append("endorsement_conditions_unmet")
    return Verdict(
        eligible=decision.eligible,
        conditions=tuple(step.as_dict() for step in decision.trace),
        unmet=tuple({"rule": u.rule, "zh": u.text_zh, "en": u.text_en} for u in decision.unmet),
        missing=decision.missing_facts,
        grounds=tuple(dict.fromkeys(grounds)),
        policy={"id": policy.id, "version": policy.version},
    )


def against_engine(verdict: Verdict, outcome: str) -> bool:
    """A decision the engine's verdict does not support: approving what it found ineligible,
    or refusing what it found eligible. An undetermined verdict binds nobody (the missing
    facts are shown, and the officer decides)."""
    return (outcome == "approve" and verdict.eligible is False) or (
        outcome == "refuse" and verdict.eligible is True
    )
