"""The planner questionnaire's state, and the plan it adds up to.

The answers travel with the visitor in one cookie, encrypted and authenticated (Fernet:
AES-CBC + HMAC, with a key derived from ``SECRET_KEY``) and ending a day after the last
answer, never in URLs, so dates of a person's case do not end up in access logs or browser
history; nothing is written to the registry or to the database. The planner keeps working
while the database is down (security.md T19): its pages read and write no row.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from juzhu.planner import make_plan, parse_situation
from juzhu.planner.situation import SituationError
from juzhu.portal.questions import fact_page, next_page, situation_data
from juzhu.rules.loader import load_policies

COOKIE = "portal_plan"
COOKIE_SECONDS = 24 * 3600  # a questionnaire left for a day starts again
_PENDING = "_juzhu_planner_state"  # request attribute: the state to write on the response


def today() -> dt.date:
    return timezone.localdate()


@functools.cache
def fernet_for(secret: str) -> Fernet:
    """The planner cookie's cipher for ``secret`` (``SECRET_KEY``)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"juzhu planner cookie")
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret.encode())))


def encode(answers: dict[str, Any], asked: list[str]) -> str:
    body = json.dumps({"answers": answers, "asked": asked}, separators=(",", ":"))
    return fernet_for(settings.SECRET_KEY).encrypt(body.encode()).decode()


def decode(token: str | None) -> tuple[dict[str, Any], list[str]]:
    """The answers in a cookie; nothing (a new questionnaire) for a missing, expired,
    altered or undecipherable one."""
    if not token:
        return {}, []
    try:
        raw = fernet_for(settings.SECRET_KEY).decrypt(token.encode(), ttl=COOKIE_SECONDS)
        state = json.loads(raw)
    except (InvalidToken, ValueError):
        return {}, []
    return dict(state.get("answers", {})), list(state.get("asked", []))


def load(request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    pending = getattr(request, _PENDING, None)
    if pending is not None:
        return dict(pending[0]), list(pending[1])
    return decode(request.COOKIES.get(COOKIE))


def save(request: HttpRequest, answers: dict[str, Any], asked: list[str]) -> None:
    setattr(request, _PENDING, (answers, asked))


def clear(request: HttpRequest) -> None:
    save(request, {}, [])


def carries_state(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Writes the answers a view recorded (``save``/``clear``) into the response's cookie."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        pending = getattr(request, _PENDING, None)
        if pending is not None:
            if pending[0] or pending[1]:
                response.set_cookie(
                    COOKIE, encode(*pending), max_age=COOKIE_SECONDS, path="/portal/",
                    secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
                )  # fmt: skip
            else:
                response.delete_cookie(COOKIE, path="/portal/", samesite="Lax")
        return response

    return wrapped


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
