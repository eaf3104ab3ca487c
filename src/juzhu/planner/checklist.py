"""The personal materials checklist: by remedy path, basis and housing type.

Materials come from the city policy (``materials.*``); an item ``{any_of: [a, b]}`` is one
line "A 或 B" whose ``id`` is the first alternative and ``alternatives`` the others.
"""

from __future__ import annotations

from typing import Any

from juzhu.domain.vocabulary import Basis, RemedyPath, label
from juzhu.planner.situation import Situation
from juzhu.rules.engine import Decision, Policy

EVIDENCE = ["id_card", "cancellation_notice", "residence_evidence"]


def _line(item: Any, lang: str, why: str) -> dict[str, Any]:
    ids = item["any_of"] if isinstance(item, dict) else [item]
    joiner = " 或 " if lang == "zh" else " or "
    return {
        "id": ids[0],
        "alternatives": list(ids[1:]),
        "text": joiner.join(label(i, lang) for i in ids),
        "why": why,
    }


def basis_of(situation: Situation, decision: Decision) -> str:
    if decision.basis:
        return decision.basis
    if situation.employed:
        return Basis.EMPLOYMENT.value
    if situation.enrolled:
        return Basis.STUDY.value
    return Basis.RESIDENCE.value


def checklist_for(
    policy: Policy, path: str, situation: Situation, decision: Decision, lang: str
) -> list[dict[str, Any]]:
    items: list[tuple[Any, str]] = []
    if path == RemedyPath.LATE_ENDORSEMENT:
        # Art. 10: endorsement needs the ID card and the permit, no new photo; cities that
        # re-check the conditions also ask for proof of home and basis.
        items += [("id_card", "endorsement"), ("old_permit", "endorsement")]
        if not policy.get("endorsement.reproves_eligibility"):
            return _dedupe(items, lang)
    if path in (RemedyPath.REAPPLY, RemedyPath.LATE_ENDORSEMENT, RemedyPath.RESIDENCE_REGISTRATION):
        if path != RemedyPath.LATE_ENDORSEMENT:
            items += [(i, "materials.common") for i in policy.get("materials.common")]
        by_housing = policy.get("materials.by_housing")
        if situation.housing is not None:
            items += [
                (i, "materials.by_housing") for i in by_housing.get(situation.housing.value, [])
            ]
        else:
            # Housing unknown: any one proof of residence will do; the plan asks for the fact.
            firsts = [
                h[0]["any_of"][0] if isinstance(h[0], dict) else h[0]
                for h in by_housing.values()
                if h
            ]
            items.append(({"any_of": list(dict.fromkeys(firsts))}, "materials.by_housing"))
        both = policy.get("eligibility.routes") == "residence_and_employment"
        if path == RemedyPath.LATE_ENDORSEMENT and situation.housing is not None and not both:
            # 公通字〔2015〕38号 (五): the endorsement re-proves the address OR the job or study;
            # the proof of address above is enough.
            return _dedupe(items, lang)
        if path != RemedyPath.RESIDENCE_REGISTRATION:
            basis = basis_of(situation, decision)
            by_basis = policy.get("materials.by_basis")
            items += [(i, "materials.by_basis") for i in by_basis.get(basis, [])]
            if both and basis != "employment":
                items += [(i, "materials.by_basis") for i in by_basis.get("employment", [])]
    elif path in (RemedyPath.RECONSIDERATION, RemedyPath.LITIGATION, RemedyPath.APPEAL):
        items += [(i, "evidence") for i in EVIDENCE]
        if path == RemedyPath.RECONSIDERATION:
            items.append(("reconsideration_application", "remedy.reconsideration.period"))
    return _dedupe(items, lang)


def _dedupe(items: list[tuple[Any, str]], lang: str) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for item, why in items:
        line = _line(item, lang, why)
        if line["id"] in seen:
            continue
        seen.add(line["id"])
        out.append(line)
    return out
