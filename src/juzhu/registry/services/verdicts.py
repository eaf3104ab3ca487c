"""The engine's verdict in a decision: computed at acceptance and at review, stored with the
decision, and enforced: a decision against it needs the reason and a second officer.

``decision_record`` is what every approval and refusal writes into its event (``inputs``):
the application's facts, the verdict with each condition, the policy's version and digest
(the policy text itself is kept once per digest in ``PolicyText``) and, for a decision
against the engine, who proposed it, why, and who countersigned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from juzhu.domain.lifecycle import Machine
from juzhu.domain.vocabulary import ApplicationStatus
from juzhu.registry.eligibility import (
    Verdict,
    against_engine,
    decides,
    engine_facts,
    evaluate,
)
from juzhu.registry.models import Application, PolicyText
from juzhu.registry.services.base import Actor, Refused, policy_of
from juzhu.registry.services.commit import apply_transition
from juzhu.rules.engine import Policy, evaluate_eligibility
from juzhu.rules.loader import POLICY_ROOT, load_policies

OUTCOMES = ("approve", "refuse")


def decision_policy(app: Application, on: dt.date) -> Policy:
    """The policy a decision on ``app`` applies (pinned for the life of the case).

    An in-flight case keeps the version in force when it was submitted, unless the version
    in force on the decision day is more favourable to the applicant on eligibility; then
    the newer one applies (a later, milder rule benefits the applicant).
    """
    started = policy_of(app.city, app.submitted_on or on)
    today = policy_of(app.city, on)
    if started.version == today.version:
        return today
    facts = engine_facts(app.facts, app.housing, on)
    old = evaluate_eligibility(started, facts).eligible
    new = evaluate_eligibility(today, facts).eligible
    return today if (new and not old) else started


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


def verdict_of(app: Application, on: dt.date, policy: Policy | None = None) -> Verdict | None:
    """The engine's verdict on ``app`` under the policy its decision applies; None for kinds
    the engine has no say on (a change of address, a replacement, a cancellation)."""
    if not decides(app):
        return None
    policy = policy or decision_policy(app, on)
    return evaluate(policy, app.kind, app.facts, app.housing, on)


def policy_digest(policy: Policy) -> str:
    return policy.version.partition("+")[2]


def keep_policy_text(policy: Policy) -> str:
    """Store the policy data ``policy`` was read from under its digest (once); return it."""
    digest = policy_digest(policy)
    if not PolicyText.objects.filter(digest=digest).exists():
        policies = load_policies()
        files = {
            str(path.relative_to(POLICY_ROOT)): path.read_text(encoding="utf-8")
            for j in policies.jurisdictions.values()
            for path in j.files
        }
        PolicyText.objects.bulk_create(
            [PolicyText(digest=digest, files=files)], ignore_conflicts=True
        )
    return digest


def decision_inputs(
    app: Application, on: dt.date, policy: Policy, verdict: Verdict | None = None
) -> dict[str, Any]:
    """What a decision event stores so that ``juzhu audit replay`` can re-run it: the facts,
    the kind and housing, the day and the policy's day, the verdict, the policy's digest
    (its text kept in ``PolicyText``). Empty for kinds the engine has no say on.
    ``verdict``: the caller's, when it has computed it already."""
    verdict = verdict or verdict_of(app, on, policy)
    if verdict is None:
        return {}
    return {
        "application_facts": dict(app.facts),
        "housing": app.housing,
        "kind": app.kind,
        "decided_on": on.isoformat(),
        "policy_on": policy.on.isoformat(),
        "verdict": verdict.as_dict(),
        "policy_digest": keep_policy_text(policy),
    }


AGREES, COUNTERSIGNED, UNPROPOSED = "agrees", "countersigned", "unproposed"


def countersign_state(app: Application, verdict: Verdict | None, outcome: str, actor: Actor) -> str:
    """Where deciding ``outcome`` stands against the engine: it ``agrees`` (or the engine has
    no say), it is ``countersigned`` (another officer proposed this very decision), or it is
    ``unproposed`` (a reason and a second officer are needed). The proposer deciding their
    own proposal is refused."""
    if verdict is None or not against_engine(verdict, outcome):
        return AGREES
    proposal = app.proposal or {}
    if proposal.get("outcome") != outcome:
        return UNPROPOSED
    if proposal.get("by") == str(actor):
        raise Refused(
            "你已提出这一决定，会签须由另一名工作人员办理",
            "you proposed this decision; a second officer must countersign it",
            "override",
        )
    return COUNTERSIGNED


def decision_record(
    app: Application, outcome: str, on: dt.date, actor: Actor, policy: Policy
) -> dict[str, Any]:
    """Check ``outcome`` against the engine and return what the decision event records.
    Raises ``Refused`` for a decision against the engine that no second officer has
    countersigned (``do_propose_decision`` first)."""
    verdict = verdict_of(app, on, policy)
    state = countersign_state(app, verdict, outcome, actor)
    if state == UNPROPOSED:
        raise Refused(
            "这一决定与规则引擎的判定不一致：请填写理由，提交第二名工作人员会签",
            "this decision goes against the rules engine's verdict: record why and have a "
            "second officer countersign it",
            "override",
        )
    record = decision_inputs(app, on, policy, verdict)
    if state == COUNTERSIGNED:
        record["override"] = {**(app.proposal or {}), "countersigned_by": str(actor)}
    return record


@transaction.atomic
def do_propose_decision(
    app: Application,
    *,
    outcome: str,
    reason: str,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    grounds: Sequence[str] = (),
    facts: str = "",
) -> Verdict:
    """Propose a decision against the engine's verdict, with the reason; it takes effect when
    a second officer approves or refuses accordingly (``decision_record`` checks)."""
    if outcome not in OUTCOMES:
        raise Refused("请选择批准或不予签发", f"outcome must be one of {OUTCOMES}", "outcome")
    if app.status != ApplicationStatus.ACCEPTED:
        raise Refused("只有已受理、待审核的申请才能提交会签", "only an accepted case", "status")
    verdict = verdict_of(app, on)
    if verdict is None or not against_engine(verdict, outcome):
        raise Refused(
            "这一决定与规则引擎的判定一致，无需会签，请直接办理",
            "this decision agrees with the engine's verdict; no countersign is needed",
            "outcome",
        )
    reason = reason.strip()
    if len(reason) < 10:
        raise Refused(
            "请写明与规则引擎判定不一致的理由（至少10个字），供会签人和档案查阅",
            "record why you decide against the engine (at least 10 characters)",
            "reason",
        )
    proposal = {
        "outcome": outcome,
        "reason": reason,
        "grounds": list(grounds),
        "facts": facts.strip(),
        "by": str(actor),
        "on": on.isoformat(),
        "verdict": verdict.outcome,
    }
    apply_transition(
        app,
        Machine.APPLICATION,
        "propose",
        on=on,
        actor=actor,
        expected_version=expected_version,
        policy=decision_policy(app, on),
        reason=reason,
        data={"reason": reason},
        inputs={"proposal": proposal, "verdict": verdict.as_dict()},
        trace=list(verdict.conditions),
        changes={"proposal": proposal},
    )
    return verdict
