"""What the demo's ledger computes as the registry's services do, from the records it holds
in memory: the registry's own facts of an application, the decision's inputs (with the
engine's verdict), the days to contest a sweep decision. ``Ledger`` mixes it in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from juzhu.domain.days import WorkCalendar
from juzhu.domain.lifecycle import Machine
from juzhu.domain.vocabulary import RegistrationStatus, label
from juzhu.registry import services
from juzhu.registry.letters import remedy_rights
from juzhu.registry.models import Application, Permit, Person, ResidenceRegistration
from juzhu.rules.engine import Policy

DEMO_ANSWER = "我对认定的事实有异议，请核查后再作决定。"


class LedgerFacts:
    # provided by ``Ledger``
    held: dict[Any, list[ResidenceRegistration | Permit]]
    calendar: WorkCalendar
    policy: Callable[[str, dt.date], Policy]
    commit: Callable[..., Any]

    def registry_facts(self, person: Person, city: str, on: dt.date) -> dict[str, Any]:
        """``eligibility.registry_facts``, from the records this ledger holds."""
        held = [r for r in self.held.get(person.pk, []) if r.city == city]
        since = [
            r.registered_on
            for r in held
            if isinstance(r, ResidenceRegistration)
            and r.status == RegistrationStatus.ACTIVE
            and r.registered_on <= on
        ]
        facts: dict[str, Any] = {"registered_since": min(since).isoformat()} if since else {}
        facts["previous_permits"] = sum(isinstance(r, Permit) for r in held)
        return facts

    def decision_inputs(
        self, app: Application, outcome: str, on: dt.date, actor: str, policy: Policy
    ) -> dict[str, Any]:
        """What ``services.decision_record`` stores. A demo decision against the engine's
        verdict carries the countersign a real one needs (a demo supervisor's)."""
        record = services.decision_inputs(app, on, policy)
        verdict = record.get("verdict", {}).get("eligible")
        if (outcome == "approve" and verdict is False) or (outcome == "refuse" and verdict):
            record["override"] = {
                "outcome": outcome,
                "reason": "演示数据：材料经人工核实，与系统记录不一致",
                "by": actor,
                "on": on.isoformat(),
                "countersigned_by": "officer:demo-supervisor",
            }
        return record

    def remedy(self, city: str, on: dt.date) -> dict[str, str]:
        rights = remedy_rights(self.policy(city, on), served_on=on, cal=self.calendar)
        return {k: rights[k] for k in ("reconsideration_by", "litigation_by")}

    def hear(self, permit: Permit, ground: str, facts: str, *, on: dt.date, actor: str) -> None:
        """``services.do_intend_permit_decision`` and the holder's answer the same day."""
        policy = self.policy(permit.city, on)
        intent = services.new_intent(policy, facts, on, self.calendar, ground=ground)
        lang = "en" if permit.person.lang.startswith("en") else "zh"
        self.commit(
            permit, Machine.PERMIT, "intend_decision", on=on, actor=actor, policy=policy,
            inputs={"intent": intent},
            trace=[policy.step("decision.hearing_period", {"notified_on": on.isoformat()})
                   .as_dict()],
            changes={"intent": intent}, notice="decision_intended",
            notice_context={"number": permit.number,
                            "reasons": [label(ground, lang), facts.strip()],
                            "respond_by": intent["respond_by"]},
        )  # fmt: skip
        answered = {**intent, "answer": DEMO_ANSWER, "answered_on": on.isoformat()}
        self.commit(
            permit, Machine.PERMIT, "answer_intent", on=on,
            actor=f"holder:{permit.person_id}", inputs={"answer": DEMO_ANSWER},
            changes={"intent": answered},
        )  # fmt: skip
