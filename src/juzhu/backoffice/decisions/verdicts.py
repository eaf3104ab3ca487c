"""The rules engine's verdict on the case page, and the countersign a decision against it
needs (``registry/services/verdicts.py`` enforces it; this is the back office's side)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from juzhu.domain.vocabulary import ApplicationStatus
from juzhu.registry import services
from juzhu.registry.eligibility import needed_facts
from juzhu.registry.models import Application
from juzhu.registry.services import Actor
from juzhu.registry.services.verdicts import UNPROPOSED, countersign_state

RULE_WORDS: Mapping[str, str] = {
    "eligibility.residence_months": "居住登记时间",
    "eligibility.social_insurance": "就业与社会保险",
    "endorsement.social_insurance": "签注时的社会保险",
    "eligibility.routes": "申领条件（就业、住所或就读）",
}


def verdict_context(app: Application, on: dt.date) -> dict[str, Any]:
    """The engine's verdict for the case page: each condition with its value, the facts it
    used and its citation; the stored facts, and those missing; a pending countersign."""
    if app.status not in ApplicationStatus.undecided():
        return {}
    policy = services.decision_policy(app, on)
    verdict = services.verdict_of(app, on, policy)
    if verdict is None:
        return {}
    facts = [
        {"spec": spec, "value": app.facts.get(spec.id), "known": spec.id in app.facts}
        for spec in needed_facts(policy, app.kind, app.basis)
    ]
    conditions = [{**c, "words": RULE_WORDS.get(c["rule"], c["rule"])} for c in verdict.conditions]
    return {
        "verdict": verdict,
        "verdict_city": policy.name.get("zh", policy.id),
        "verdict_conditions": conditions,
        "verdict_facts": facts,
        "proposal": app.proposal,
    }


def needs_proposal(app: Application, outcome: str, on: dt.date, actor: Actor) -> bool:
    """Whether deciding ``outcome`` now only proposes it (against the engine, and not a
    second officer countersigning the same proposal)."""
    verdict = services.verdict_of(app, on)
    return countersign_state(app, verdict, outcome, actor) == UNPROPOSED
