"""A thin WSGI dispatch in front of Django for the one hot request: ``POST
/api/verification/verify`` with a consent code, in the common case where everything is in
order.

Why: with the common case already one prepared statement (``fastpath.py``), what remained
per verification was Django's request cycle in Python — ten middlewares, URL resolution,
ninja's auth and body validation — about three quarters of the CPU a verification cost a
gunicorn worker on the 2-core benchmark machine (docs/benchmarks.md §7).

What it does: for a request that is plainly the common case (a Bearer key, a JSON object
with exactly ``purpose`` — one of the linked services —, ``consent_code`` — a string of
8–20 characters — and optionally ``on`` as ``YYYY-MM-DD`` or null; an allowed host; no
cookie), it runs ``verify.fast_verify`` — the same statement the Django view runs first —
and, on a hit, answers with the same status, headers and body the view and the middleware
stack would have produced. **Anything else goes to Django unchanged**: another path or
method, a missing or odd key, a body that is not exactly that shape, a disallowed host,
settings this dispatch does not reproduce (another middleware list, redirect exemptions,
forwarded hosts, i18n URL prefixes), a plain-http request production redirects, SQLite, and every refusal — the
statement writes nothing unless everything was in order, so the view then finds out what
is wrong, answers with its problem+json and records it, exactly as without this dispatch.
The view is told the statement was already tried (``api.FAST_PATH_TRIED``) so it goes
straight to the general path. An unexpected error here is logged and the request goes to
Django too.

Django's request signals are sent as Django sends them (``request_started`` before,
``request_finished`` when the server closes the response), so database connections are
reused and recycled (``CONN_MAX_AGE``) as for any other request.

Under ``juzhu serve`` the common verification is answered before it gets here, on the
event loop (``asgi.py``, which shares this module's checks and headers); this dispatch
answers it when a WSGI server serves Django alone, and when the event loop could not (its
database pool unreachable). A request the event loop already tried comes marked
(``FAST_PATH_TRIED`` in its ASGI scope) and goes straight to Django.

``test_verification_dispatch.py`` compares every kind of request through this dispatch
with the same request through Django alone, and fails if the middleware list changes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import setting_changed
from django.db import connection
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host
from django.utils import timezone, translation

from juzhu.domain.vocabulary import LinkedService
from juzhu.verification.api import FAST_PATH_TRIED, answer_json
from juzhu.verification.verify import Answer, fast_verify

log = logging.getLogger("juzhu.verification")

PATH = "/api/verification/verify"
# The middleware whose effect on this answer the dispatch reproduces (the response headers
# below). Any other list: everything goes to Django. With read replicas configured, their
# pin middleware comes too: it adds nothing to an answer under /api/.
REPLICA_PIN = "juzhu.registry.replicas.ReplicaPinMiddleware"
MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    # adds nothing to an answer: it only parses multipart bodies and answers failures
    "juzhu.config.failure.FailureMiddleware",
    # refuses a NUL in the query string or a form field: reproduced by sending any request
    # with "%00" in its query string to Django (``common_key``)
    "juzhu.config.input_guard.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # acts only on an exception (an audit write that failed): the fast paths hand any
    # exception to Django, which then answers through it (503)
    "juzhu.config.audit_guard.AuditFailClosedMiddleware",
    "csp.middleware.CSPMiddleware",
)
MAX_BODY = 1024  # a common-case body is under 100 bytes
_FIELDS = frozenset({"purpose", "consent_code", "on"})
_PURPOSES = frozenset(s.value for s in LinkedService)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _Finished(list[bytes]):
    """The body; closing it ends the request as Django's response does."""

    def close(self) -> None:
        signals.request_finished.send(sender=WSGIHandler)


class _LanguageRequest:
    """What ``get_language_from_request`` reads (the request has no cookies here)."""

    COOKIES: dict[str, str] = {}

    def __init__(self, environ: Mapping[str, Any]) -> None:
        self.META = environ


@dataclass(frozen=True)
class _Config:
    """What the middleware would do to the answer, read from the settings once (and again
    after a test changes them)."""

    reproduced: bool  # the settings under which the headers below are exactly Django's
    hsts: str  # SecurityMiddleware's Strict-Transport-Security on a secure request, or ""
    ssl_redirect: bool  # SecurityMiddleware redirects a request that is not secure
    proxy_ssl_header: tuple[str, str] | None  # SECURE_PROXY_SSL_HEADER (is_secure)
    allowed_hosts: list[str]
    x_frame_options: str
    csp: str  # django-csp's Content-Security-Policy, or ""
    security_headers: list[tuple[str, str]]
    require_nonce: bool


@cache
def _config() -> _Config:
    policy = settings.SECURE_REFERRER_POLICY
    security = []
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        security.append(("X-Content-Type-Options", "nosniff"))
    if policy:
        value = (
            ",".join(v.strip() for v in policy.split(","))
            if isinstance(policy, str)
            else ",".join(policy)
        )
        security.append(("Referrer-Policy", value))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        security.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:  # as HttpRequest.get_host()
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    hsts = ""
    if settings.SECURE_HSTS_SECONDS:  # as SecurityMiddleware builds it
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        hsts += "; includeSubDomains" if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS else ""
        hsts += "; preload" if settings.SECURE_HSTS_PRELOAD else ""
    csp_settings = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    excluded = PATH.startswith(tuple(csp_settings.get("EXCLUDE_URL_PREFIXES", None) or ()))
    return _Config(
        reproduced=(
            tuple(m for m in settings.MIDDLEWARE if m != REPLICA_PIN) == MIDDLEWARE
            and not settings.SECURE_REDIRECT_EXEMPT
            and not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            and not settings.USE_X_FORWARDED_HOST
            and not settings.DISALLOWED_USER_AGENTS
            and not settings.PREPEND_WWW
            and is_language_prefix_patterns_used(settings.ROOT_URLCONF) == (False, False)
        ),
        hsts=hsts,
        ssl_redirect=settings.SECURE_SSL_REDIRECT,
        proxy_ssl_header=settings.SECURE_PROXY_SSL_HEADER,
        allowed_hosts=list(allowed),
        x_frame_options=getattr(settings, "X_FRAME_OPTIONS", "DENY").upper(),
        csp="" if excluded else build_policy(),
        security_headers=security,
        require_nonce=bool(getattr(settings, "VERIFY_REQUIRE_NONCE", False)),
    )


setting_changed.connect(lambda **kwargs: _config.cache_clear(), weak=False)


def _host_allowed(environ: Mapping[str, Any], allowed: list[str]) -> bool:
    """``HttpRequest.get_host()``'s check, for a request with a Host header."""
    host = environ.get("HTTP_HOST")
    if not host:
        return False
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def body_length(meta: Mapping[str, Any]) -> int | None:
    """The declared body length if it is one the common case can have."""
    try:
        length = int(meta.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if 0 < length <= MAX_BODY else None


def _read_body(environ: dict[str, Any]) -> bytes | None:
    length = body_length(environ)
    if length is None:
        return None
    body: bytes = environ["wsgi.input"].read(length)
    # Whatever happens next, Django can still read it.
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def is_secure(meta: Mapping[str, Any]) -> bool:
    """``HttpRequest.is_secure()``: the trusted proxy's header when it is configured and
    sent, else the scheme the server saw."""
    proxy = _config().proxy_ssl_header
    if proxy is not None:
        header, secure_value = proxy
        value = meta.get(header)
        if value is not None:
            return bool(value.split(",", 1)[0].strip() == secure_value)
    return bool(meta.get("wsgi.url_scheme") == "https")


def common_key(meta: Mapping[str, Any]) -> str | None:
    """The API key, when the request's headers and the settings are the common case's: a
    Bearer key, the settings this dispatch reproduces, no https redirect due, no cookie, an
    allowed host. ``meta``: the WSGI environ, or its headers built from an ASGI scope
    (``asgi.py``)."""
    header: str = meta.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    api_key = token.strip()  # as api.PartyKey reads it
    config = _config()
    if (
        not api_key
        or scheme.lower() != "bearer"
        or not config.reproduced
        or (config.ssl_redirect and not is_secure(meta))  # SecurityMiddleware redirects
        or "HTTP_COOKIE" in meta
        or "%00" in meta.get("QUERY_STRING", "")
        # a replay-protected request (nonce, request time) is checked by Django's path
        or "HTTP_X_REQUEST_NONCE" in meta
        or "HTTP_X_REQUEST_TIME" in meta
        or config.require_nonce
        or not _host_allowed(meta, config.allowed_hosts)
    ):
        return None
    return api_key


def request_language(meta: Mapping[str, Any]) -> str:
    """LocaleMiddleware's choice for this request (no cookie, no language prefix: the
    Accept-Language header or LANGUAGE_CODE)."""
    # Duck-typed: get_language_from_request reads only META and COOKIES.
    return translation.get_language_from_request(cast(HttpRequest, _LanguageRequest(meta)))


def answer_200(
    answer: Answer, language: str, *, secure: bool = False
) -> tuple[bytes, list[tuple[str, str]]]:
    """The body and headers Django and its middleware give a 200 answer, in their order;
    ``secure``: ``is_secure`` of the request (HSTS goes only on a secure one)."""
    config = _config()
    content = answer_json(answer).encode()
    hsts = [("Strict-Transport-Security", config.hsts)] if secure and config.hsts else []
    csp = [("Content-Security-Policy", config.csp)] if config.csp else []
    return content, [
        ("Content-Type", "application/json"),
        ("Cache-Control", "no-store"),
        *csp,
        ("X-Frame-Options", config.x_frame_options),
        ("Content-Length", str(len(content))),
        ("Vary", "Accept-Language"),
        ("Content-Language", language),
        *hsts,
        *config.security_headers,
    ]


def common_case(body: bytes) -> tuple[str, str, dt.date | None] | None:
    """(purpose, consent_code, on) if the body is exactly what ninja would validate into a
    ``ByConsentCode`` with these values; else None. The statement answers only "valid on
    D": a body asking another question (``held_for_months``, even as null) or carrying
    any other field is not the common case, and goes to Django."""
    try:
        data = json.loads(body)  # as ninja's parser does
    except Exception:  # ValueError, or RecursionError for deep nesting: ninja's 400
        return None
    if type(data) is not dict or not {"purpose", "consent_code"} <= data.keys() <= _FIELDS:
        return None
    purpose, code, on = data["purpose"], data["consent_code"], data.get("on")
    if type(purpose) is not str or purpose not in _PURPOSES:
        return None
    if type(code) is not str or not 8 <= len(code) <= 20:
        return None
    if on is None:
        return purpose, code, None
    if type(on) is not str or not _DATE.fullmatch(on):
        return None
    try:
        return purpose, code, dt.date.fromisoformat(on)
    except ValueError:
        return None


class VerifyDispatch:
    """WSGI middleware: the common verification here, everything else to ``app``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == PATH and environ.get("REQUEST_METHOD") == "POST":
            answered = self._answer(environ, start_response)
            if answered is not None:
                return answered
        return self.app(environ, start_response)

    def _answer(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes] | None:  # fmt: skip
        if environ.get("asgi.scope", {}).get(FAST_PATH_TRIED):
            environ[FAST_PATH_TRIED] = True  # asgi.py ran the statement already
            return None
        api_key = common_key(environ)
        if api_key is None or connection.vendor != "postgresql":  # the statement is PostgreSQL's
            return None
        body = _read_body(environ)
        request = None if body is None else common_case(body)
        if request is None:
            return None
        purpose, code, on = request
        signals.request_started.send(sender=WSGIHandler, environ=environ)
        try:
            # Active for the rest of the request, as under LocaleMiddleware.
            translation.activate(request_language(environ))
            answer = fast_verify(
                api_key=api_key, purpose=purpose, on=on, consent_code=code, now=timezone.now()
            )
        except Exception:
            log.exception("the verify dispatch failed; Django answers this request")
            signals.request_finished.send(sender=WSGIHandler)
            return None
        if answer is None:
            # A refusal (or SQLite): nothing was written; the view finds out what is wrong.
            environ[FAST_PATH_TRIED] = True
            signals.request_finished.send(sender=WSGIHandler)
            return None
        content, headers = answer_200(answer, translation.get_language(), secure=is_secure(environ))
        start_response("200 OK", headers)
        return _Finished([content])
