"""The planner questionnaire's state in the session, and the plan it adds up to.

Answers live in the (server-side) session, not in URLs, so dates of a person's case do
not end up in access logs or browser history; nothing is written to the registry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from juzhu.planner import make_plan, parse_situation
from juzhu.planner.situation import SituationError
from juzhu.portal.questions import fact_page, next_page, situation_data
from juzhu.rules.loader import load_policies

SESSION_KEY = "portal_planner"


def today() -> dt.date:
    return timezone.localdate()


def load(request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    state = request.session.get(SESSION_KEY) or {}
    return dict(state.get("answers", {})), list(state.get("asked", []))


def save(request: HttpRequest, answers: dict[str, Any], asked: list[str]) -> None:
    request.session[SESSION_KEY] = {"answers": answers, "asked": asked}


def clear(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def record(request: HttpRequest, page: str, cleaned: dict[str, Any]) -> None:
    answers, asked = load(request)
    for key, value in cleaned.items():
        answers[key] = value.isoformat() if isinstance(value, dt.date) else value
    if page not in asked:
        asked.append(page)
    save(request, answers, asked)


def plan_for(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """The plan for a situation (contract JSON); ``SituationError`` if it does not hold."""
    policies = load_policies()
    situation = parse_situation(data, policies.ids(), today=today)
    return make_plan(situation, lang=lang, policies=policies)


def missing_facts(answers: dict[str, Any], asked: list[str]) -> list[str]:
    try:
        plan = plan_for(situation_data(answers, asked, today()), "zh")
    except SituationError as exc:
        return [exc.field]
    return [m["field"] for m in plan["missing_facts"]]


def next_step(request: HttpRequest) -> str | None:
    answers, asked = load(request)
    return next_page(answers, asked, lambda: missing_facts(answers, asked))


def current_plan(request: HttpRequest, lang: str) -> tuple[dict[str, Any] | None, str | None]:
    """(plan, None), or (None, the page to fix) when the answers do not make a situation."""
    answers, asked = load(request)
    if not answers.get("city") or not answers.get("status"):
        return None, "city" if not answers.get("city") else "status"
    try:
        return plan_for(situation_data(answers, asked, today()), lang), None
    except SituationError as exc:
        return None, fact_page(exc.field) or "city"
