"""My permit (``GET /portal/me/permits/<id>/``) on the event loop, in front of Django (the
ASGI application ``juzhu serve`` runs: ``juzhu.config.asgi``).

Why: in the enrolment season parents open this page all at once, and under Django it cost
about 8 ms of CPU a page — half of it the ORM's five or six queries, a quarter Django's
request cycle in a thread pool — which capped two cores near 250 pages a second and left
50 clients waiting over 300 ms (docs/benchmarks.md §14). Here the page's data is one
statement on the verification's asyncpg pool (``verification/asgi.LazyPool``), and the page
is the same template with the same context (``status_page.context``) as Django's view.

What it answers, and how it stays Django's answer: a GET of that path, no query string, an
allowed host, under the settings the verification's dispatch reproduces (the middleware list
and the rest, ``dispatch._config().reproduced``) and the database session engine, with only
cookies this page ignores or reads (the session, CSRF, language, elder mode, the planner's).
The request is a real ``WSGIRequest``; the middleware's own ``process_request`` and
``process_response`` hooks run on it in Django's order, so the headers (security, CSP, the
CSRF cookie, Vary, Content-Language, Content-Length) are theirs, and ``never_cache`` is the
view's. Django's view answers, unchanged, anything else: no session, a session that names
nobody or someone else (the login redirect, the 404), a permit under appeal (its items read
evidence files), a middleware hook that answers by itself (a redirect), and any error here,
the database unreachable included. A query the page would make outside the statement cannot
slip through: Django refuses a database call on the event loop (SynchronousOnlyOperation),
and the request then goes to Django.

``test_portal_asgi.py`` compares the pages of every kind of permit with Django's.
"""

from __future__ import annotations

import io
import logging
import re
import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.db import connection
from django.db.models import JSONField, UUIDField
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string

from juzhu.portal import auth, flow, prefs, status_page, views
from juzhu.registry.models import Permit
from juzhu.registry.replicas import replica_aliases
from juzhu.verification.asgi import (
    ASGIApp,
    LazyPool,
    Receive,
    Scope,
    Send,
    after_failure,
    is_postgres,
    log_fallback,
    meta_of,
)
from juzhu.verification.dispatch import _config

log = logging.getLogger("juzhu.portal")

PAGE = re.compile(r"/portal/me/permits/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/")  # fmt: skip
PLAN = "/portal/planner/plan/"
DB_SESSIONS = "django.contrib.sessions.backends.db"

# The permit, with what the page needs beside it: the session row, whether the holder has
# challenged it, whether it is their newest (``holder.own_permit``'s order), the day they
# were told it ended (``holder.notice_day``) and its events (``history.timeline``). The
# only formatted part is the model's own column names.
_COLUMNS = [f.column for f in Permit._meta.concrete_fields]
STATEMENT = f"""
SELECT (SELECT s.session_data FROM django_session s
        WHERE s.session_key = $1 AND s.expire_date > $3) AS juzhu_session,
       EXISTS (SELECT 1 FROM registry_appeal a WHERE a.permit_id = p.id) AS juzhu_appealed,
       p.id = (SELECT q.id FROM registry_permit q WHERE q.person_id = p.person_id
               ORDER BY q.issued_on DESC, q.id DESC LIMIT 1) AS juzhu_latest,
       CASE WHEN p.status IN ('cancelled', 'revoked') THEN
         (SELECT n.created_at FROM notifications_notification n
          JOIN registry_event e ON n.event_id = e.id
          WHERE n.channel = 'inbox' AND e.record_id = p.id AND n.person_id = p.person_id
            AND n.template IN ('permit_cancelled', 'permit_revoked')
          ORDER BY n.created_at LIMIT 1)
       END AS juzhu_told,
       ev.names, ev.on_dates, ev.occurred, ev.actors, ev.bodies,
       {", ".join(f"p.{c}" for c in _COLUMNS)}
FROM registry_permit p
CROSS JOIN LATERAL (
  SELECT array_agg(e.name ORDER BY e.seq) AS names, array_agg(e.on_date ORDER BY e.seq) AS on_dates,
         array_agg(e.occurred_at ORDER BY e.seq) AS occurred,
         array_agg(e.actor ORDER BY e.seq) AS actors, array_agg(e.body ORDER BY e.seq) AS bodies
  FROM registry_event e WHERE e.record_type = 'permit' AND e.record_id = p.id) ev
WHERE p.id = $2
"""  # noqa: S608


def _converter(field: Any) -> Callable[[Any], Any]:
    """What the ORM's PostgreSQL backend makes of a column asyncpg decoded."""
    if isinstance(field, JSONField):
        # JSONField reads a text value as JSON whatever the expression (None here)
        return lambda v: field.from_db_value(v, None, connection)  # type: ignore[arg-type]
    target = getattr(field, "target_field", field)
    if isinstance(target, UUIDField):
        return lambda v: v if v is None else uuid.UUID(bytes=v.bytes)
    return lambda v: v


_FIELDS = [(f.attname, f.column, _converter(f)) for f in Permit._meta.concrete_fields]


def permit_of(row: Any) -> Permit:
    """The ``Permit`` the ORM would have read from the same row."""
    return Permit.from_db(
        "default", [a for a, _, _ in _FIELDS], [convert(row[c]) for _, c, convert in _FIELDS]
    )


def data_of(row: Any) -> status_page.StatusData:
    told = row["juzhu_told"]
    events = zip(
        row["names"] or (), row["on_dates"] or (), row["occurred"] or (), row["actors"] or (),
        row["bodies"] or (), strict=True,
    )  # fmt: skip
    return status_page.StatusData(
        permit=permit_of(row),
        latest=row["juzhu_latest"],
        appeals=[],
        events=[status_page.EventRow(*e) for e in events],
        told=timezone.localtime(told).date() if told else None,
    )


@cache
def _cookies() -> frozenset[str]:
    """The cookies this page reads or ignores; any other goes to Django (the replica pin,
    pending messages)."""
    names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME,
             settings.LANGUAGE_COOKIE_NAME, prefs.ELDER_COOKIE, flow.COOKIE)  # fmt: skip
    return frozenset(names)


@cache
def _middleware() -> list[Any] | None:
    """The middleware instances whose hooks run here, in settings order; None when the
    settings are not the ones reproduced. The others act on nothing this page does:
    failure, NUL and audit guards (exceptions, query strings, bodies), WhiteNoise (static
    files), django-otp (a lazy user no portal page reads), the replica pin (a pin cookie:
    such a request goes to Django)."""
    if (
        not _config().reproduced
        or settings.SESSION_ENGINE != DB_SESSIONS
        or settings.SESSION_SAVE_EVERY_REQUEST
        or settings.CSRF_USE_SESSIONS
    ):
        return None
    instances = []
    for path in settings.MIDDLEWARE:
        cls = import_string(path)
        if hasattr(cls, "process_request") or hasattr(cls, "process_response"):
            instances.append(cls(lambda request: None))
    return instances


def _clear(**kwargs: Any) -> None:
    _cookies.cache_clear()
    _middleware.cache_clear()


setting_changed.connect(_clear, weak=False)


def environ_of(scope: Scope, meta: dict[str, Any]) -> dict[str, Any]:
    """The WSGI environ a2wsgi would hand Django for this request."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    return {
        **meta,
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"],
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


class AsyncPortalPages:
    """ASGI middleware: the status page and the planner's plan in their common case here,
    everything else to ``app``."""

    def __init__(self, app: ASGIApp, pool: LazyPool) -> None:
        self.app = app
        self.pool = pool
        self.postgres = is_postgres()
        self.replicas = bool(replica_aliases())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answered, django_scope = False, scope
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and not scope.get("query_string")
            and not scope.get("root_path")
        ):
            # With read replicas, the status page is Django's: its router reads it from a
            # replica (the event loop's pool is the primary's).
            match = PAGE.fullmatch(scope["path"]) if self.postgres and not self.replicas else None
            try:
                if match is not None:
                    answered = await self._status(scope, send, match.group(1))
                elif scope["path"] == PLAN:
                    answered = await self._plan(scope, send)
            except Exception as exc:
                log_fallback(log, f"{scope['path']} on the event loop failed", exc)
                django_scope = after_failure(scope, exc)
        if not answered:
            await self.app(django_scope, receive, send)

    async def _status(self, scope: Scope, send: Send, permit_id: str) -> bool:
        meta = meta_of(scope)
        cookies = parse_cookie(meta.get("HTTP_COOKIE", ""))
        session_key = cookies.get(settings.SESSION_COOKIE_NAME)
        if _middleware() is None or not session_key or not cookies.keys() <= _cookies():
            return False
        pool = await self.pool()
        row = await pool.fetchrow(STATEMENT, session_key, uuid.UUID(permit_id), timezone.now())
        if row is None or row["juzhu_session"] is None or row["juzhu_appealed"]:
            return False  # no such permit, no session, a challenge: Django's view
        session = SessionStore(session_key).decode(row["juzhu_session"])
        if str(session.get(auth.SESSION_KEY)) != str(row["person_id"]):
            return False  # nobody, or someone else: the login redirect or the 404
        request = _request(scope, meta, views.permit_detail)
        if request is None:
            return False
        # SessionMiddleware's session, as loaded from the row just read (no second query)
        request.session._session_cache = session  # type: ignore[attr-defined]
        lang = prefs.activate(request)
        page = status_page.context(data_of(row), lang)
        response = HttpResponse(
            render_to_string(status_page.TEMPLATE, prefs.frame(request, **page), request)
        )
        add_never_cache_headers(response)  # the view's @never_cache
        await _send(send, request, response)
        return True

    async def _plan(self, scope: Scope, send: Send) -> bool:
        """The plan of a visitor who is not signed in: Django's view itself, here, since it
        reads nothing but the sealed planner cookie (a database read would fail on the event
        loop and send the request to Django)."""
        meta = meta_of(scope)
        cookies = parse_cookie(meta.get("HTTP_COOKIE", ""))
        if (
            _middleware() is None
            or settings.SESSION_COOKIE_NAME in cookies
            or not cookies.keys() <= _cookies()
        ):
            return False
        request = _request(scope, meta, views.plan)
        if request is None:
            return False
        await _send(send, request, views.plan(request))
        return True


def _request(scope: Scope, meta: dict[str, Any], view: Callable[..., Any]) -> WSGIRequest | None:
    """The request as Django's view gets it: the middleware's ``process_request`` and
    ``process_view`` hooks run on it; None when one of them answers by itself."""
    request = WSGIRequest(environ_of(scope, meta))
    middleware = _middleware() or []
    for hook in middleware:
        if hasattr(hook, "process_request") and hook.process_request(request) is not None:
            return None  # a redirect, say: Django answers it
    for hook in middleware:
        if hasattr(hook, "process_view") and hook.process_view(request, view, (), {}) is not None:
            return None
    return request


async def _send(send: Send, request: WSGIRequest, response: HttpResponse) -> None:
    """The response after the middleware's ``process_response`` hooks, as the server sends
    Django's (a2wsgi: the Set-Cookie values stripped)."""
    for hook in reversed(_middleware() or []):
        if hasattr(hook, "process_response"):
            response = hook.process_response(request, response)
    headers = [
        *response.items(),
        *(("Set-Cookie", c.output(header="").strip()) for c in response.cookies.values()),
    ]
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": response.content})
