"""Elder mode (长辈版) and language: read from cookies, set by a POST, kept for a year.

Language uses Django's own cookie (``LANGUAGE_COOKIE_NAME``) so that LocaleMiddleware
activates it for Django's messages too; zh-Hans unless the person chose English.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from juzhu.portal.texts import ui_html

ELDER_COOKIE = "portal_elder"
YEAR = 365 * 24 * 3600


def lang_of(request: HttpRequest) -> str:
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
    return "en" if code.lower().startswith("en") else "zh"


def elder_of(request: HttpRequest) -> bool:
    return request.COOKIES.get(ELDER_COOKIE) == "1"


def activate(request: HttpRequest) -> str:
    lang = lang_of(request)
    translation.activate("en" if lang == "en" else "zh-hans")
    return lang


def frame(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """What every portal page needs: language, its strings, elder mode, who is logged in."""
    lang = activate(request)
    return {
        "lang": lang,
        "html_lang": "en" if lang == "en" else "zh-Hans",
        "T": ui_html(lang),
        "elder": elder_of(request),
        "logged_in": signed_in(request),
        **extra,
    }


def signed_in(request: HttpRequest) -> bool:
    """Whether a holder is signed in (their session names them); while the database that
    keeps sessions is down, pages that need nothing else (the planner) answer as for a
    visitor instead of failing (security.md T19)."""
    try:
        return bool(request.session.get("portal_person"))
    except DatabaseError:
        return False


def set_elder(response: HttpResponse, on: bool) -> None:
    response.set_cookie(ELDER_COOKIE, "1" if on else "0", max_age=YEAR, samesite="Lax")


def set_lang(response: HttpResponse, lang: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, "en" if lang == "en" else "zh-hans", max_age=YEAR,
        samesite="Lax",
    )  # fmt: skip
