"""Run every planner scenario in this folder (one YAML file each).

A scenario is written so a policy editor can read it: a ``title``, the ``situation``
exactly as a person would give it to ``juzhu plan``, and ``expect``. Keys under ``expect``:

- ``recommended``: the path the plan recommends;
- ``diagnosis``: the reason id the diagnosis names;
- ``options``: per path, any of ``available``, ``earliest_date``, ``deadline`` (a date, or
  null for none), ``unmet_count``, ``earliest_reason`` / ``deadline_reason`` (the rule id the
  reason names, or null), ``earliest_says`` / ``deadline_says`` (words the Chinese reason
  must contain), ``unmet_says`` (words one unmet condition must contain);
- ``legal_basis``: false when the plan must say the cancellation had no ground, null when not;
- ``diagnosis_says``: words the diagnosis text must contain;
- ``steps_say``: words that must appear in the recommended path's steps;
- ``impacts``: per service, any of ``restored_on``, ``in_time``, ``by``, ``affected``;
- ``pending``: any of ``path``, ``filed_on``, ``accept_by``, ``decision_due``,
  ``extended_due`` (or ``pending: null``);
- ``timeline``: any of ``start``, ``working_days``;
- ``checklist``: the exact list of checklist ids, in order; ``checklist_alternatives``: per
  id, the exact list of alternatives;
- ``affected`` / ``not_affected``: linked services the plan must mark so;
- ``warnings`` / ``no_warnings``: warning codes that must / must not appear;
- ``expected_ready_by``, ``calendar_complete``, ``missing_facts`` (exact list of field names).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from juzhu.planner import make_plan, parse_situation
from juzhu.rules.loader import load_policies

HERE = Path(__file__).resolve().parent
SCENARIOS = sorted(HERE.glob("*.yaml"))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _json_ready(value: Any) -> Any:
    """YAML reads 2026-12-21 as a date; the planner's input is JSON text, so turn dates back."""
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return _iso(value)


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 90


def _words(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    policies = load_policies()
    situation = parse_situation(_json_ready(case["situation"]), policies.ids())
    plan = make_plan(situation, policies=policies)
    expect = case["expect"]
    options = {o["path"]: o for o in plan["options"]}
    failures: list[str] = []

    def check(what: str, got: Any, want: Any) -> None:
        if got != want:
            failures.append(f"{what}: expected {want!r}, got {got!r}")

    if "recommended" in expect:
        check("recommended", plan["recommended"], expect["recommended"])
    if "diagnosis" in expect:
        check("diagnosis.reason", plan["diagnosis"]["reason"], expect["diagnosis"])
    if "diagnosis_says" in expect:
        text = plan["diagnosis"]["text"]
        for words in _words(expect["diagnosis_says"]):
            if words not in text:
                failures.append(f"diagnosis should say {words!r}: {text}")
    if "legal_basis" in expect:
        basis = plan["diagnosis"]["legal_basis"]
        check("diagnosis.legal_basis", basis and basis["lawful"], expect["legal_basis"])
    for path_id, want in (expect.get("options") or {}).items():
        got = options[path_id]
        for key, value in want.items():
            if key == "unmet_count":
                check(f"options.{path_id}.unmet count", len(got["unmet"]), value)
            elif key in ("earliest_reason", "deadline_reason"):
                check(f"options.{path_id}.{key}.rule", (got[key] or {}).get("rule"), value)
            elif key in ("earliest_says", "deadline_says"):
                reason = got[key.replace("_says", "_reason")] or {}
                for words in _words(value):
                    if words not in reason.get("zh", ""):
                        failures.append(f"options.{path_id}.{key}: {words!r} not in {reason}")
            elif key == "unmet_says":
                for words in _words(value):
                    if not any(words in u for u in got["unmet"]):
                        failures.append(f"options.{path_id}.unmet: {words!r} not in {got['unmet']}")
            else:
                check(f"options.{path_id}.{key}", got[key], _iso(value))
    if "steps_say" in expect:
        steps = " ".join(step["text"] for step in plan["steps"])
        for words in _words(expect["steps_say"]):
            if words not in steps:
                failures.append(f"steps should say {words!r}: {steps}")
    if "checklist" in expect:
        check("checklist", [c["id"] for c in plan["checklist"]], expect["checklist"])
    for item_id, alts in (expect.get("checklist_alternatives") or {}).items():
        got_alts = next((c["alternatives"] for c in plan["checklist"] if c["id"] == item_id), None)
        check(f"checklist[{item_id}].alternatives", got_alts, alts)
    impacts = {i["service"]: i for i in plan["impacts"]}
    for service in expect.get("affected", []):
        check(f"impacts.{service}.affected", impacts.get(service, {}).get("affected"), True)
    for service in expect.get("not_affected", []):
        check(f"impacts.{service}.affected", impacts.get(service, {}).get("affected"), False)
    for service, want in (expect.get("impacts") or {}).items():
        got_impact = impacts.get(service, {})
        for key, value in want.items():
            check(f"impacts.{service}.{key}", got_impact.get(key), _iso(value))
    if "pending" in expect:
        if expect["pending"] is None:
            check("pending", plan["pending"], None)
        else:
            for key, value in expect["pending"].items():
                check(f"pending.{key}", (plan["pending"] or {}).get(key), _iso(value))
    for key, value in (expect.get("timeline") or {}).items():
        check(f"timeline.{key}", plan["timeline"][key], _iso(value))
    codes = {w["code"] for w in plan["warnings"]}
    for code in expect.get("warnings", []):
        if code not in codes:
            failures.append(f"warning {code!r} missing; got {sorted(codes)}")
    for code in expect.get("no_warnings", []):
        if code in codes:
            failures.append(f"warning {code!r} should not appear")
    if "expected_ready_by" in expect:
        check(
            "timeline.expected_ready_by",
            plan["timeline"]["expected_ready_by"],
            _iso(expect["expected_ready_by"]),
        )
    if "calendar_complete" in expect:
        check("calendar.complete", plan["calendar"]["complete"], expect["calendar_complete"])
    if "missing_facts" in expect:
        check("missing_facts", [m["field"] for m in plan["missing_facts"]], expect["missing_facts"])
    assert not failures, f"{path.name} — {case.get('title', '')}\n  " + "\n  ".join(failures)
