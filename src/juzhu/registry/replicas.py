"""Read replicas (issue 15): which reads may be served by a PostgreSQL streaming replica.

Installed only when ``DATABASE_REPLICA_URLS`` names replicas (settings adds the router and
the middleware); otherwise nothing here runs and the single database is used as before.

The rule is opt-in, as in django-multidb-router's pinning router, but narrower: a read goes
to a replica only when all of these hold —

- it runs inside a view marked ``replica_reads`` (the portal's status and planner pages, the
  API's read-only GETs), for a GET or HEAD request;
- its model is not one whose reads decide who someone is or what they may do (sessions,
  users, authenticators, rate limits, CAPTCHAs, the sign-in and access logs): those always
  read the primary, so a sign-in, a limit or the fail-closed audit never acts on stale rows;
- no transaction is open on the primary (a read inside ``transaction.atomic`` decides a
  write, or is read back after one);
- nothing was written earlier in the request, and the client did not write in the last
  ``REPLICA_PIN_SECONDS`` (read-your-writes: a request that writes sets a "pinned until"
  cookie, which the middleware honours);
- a replica is healthy: in recovery and at most ``REPLICA_MAX_LAG_SECONDS`` behind, checked
  at most every ``REPLICA_CHECK_SECONDS`` per process and cached. A replica that does not
  answer is skipped until the next check; with none healthy, the primary serves.

A marked view whose replica fails part-way (it stopped since its last check) is run again
once on the primary: it is a GET, so repeating it is what the browser would do.

Every write goes to the primary (``db_for_write`` returns it even for an object read from a
replica). Migrations run on the primary only; the replicas receive them by streaming.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

PIN_COOKIE = "juzhu_pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Reads of these always go to the primary, and writes to them do not pin the client:
# sessions and identities, authenticators, rate limits and CAPTCHAs, the sign-in attempts,
# the access log and denials (the audit must see what was written a moment ago).
PRIMARY_APPS = frozenset({"sessions", "auth", "otp_totp", "django_otp", "captcha", "admin"})
PRIMARY_MODELS = frozenset(
    {
        "portal.loginattempt",
        "portal.loginchallenge",
        "backoffice.signinattempt",
        "backoffice.denial",
        "backoffice.enrolmenttoken",
        "registry.accesslog",
        "verification.apikey",
        "verification.usagecounter",
        "verification.requestnonce",
        "verification.keydenial",
    }
)

# The latest replayed commit's age, or 0 when everything received is replayed (an idle
# primary sends nothing, and the age of the last commit would grow without any lag).
LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM "
    "pg_last_wal_replay_lsn() THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - "
    "pg_last_xact_replay_timestamp()), 1e9) END"
)


@dataclass
class _Reads:
    """The current request's routing state."""

    pinned: bool  # the client wrote within REPLICA_PIN_SECONDS, or this request wrote
    allowed: bool = False  # inside a ``replica_reads`` view
    used: set[str] = field(default_factory=set)  # replicas this request read from


_current: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "juzhu_replica_reads", default=None
)
_health: dict[str, tuple[float, bool]] = {}  # alias -> (checked at, healthy); per process
_turn = itertools.count()


def _primary_only(model: Any) -> bool:
    meta = model._meta
    return bool(meta.app_label in PRIMARY_APPS or meta.label_lower in PRIMARY_MODELS)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "REPLICAS", {}))


def check(alias: str) -> bool:
    """Is ``alias`` a replica in recovery and less than the bound behind? Asked now."""
    db = connections[alias]
    try:
        with db.cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, lag = cursor.fetchone()
    except DatabaseError:
        db.close_if_unusable_or_obsolete()
        return False
    return bool(in_recovery) and float(lag) <= settings.REPLICA_MAX_LAG_SECONDS


def healthy(alias: str) -> bool:
    """``check``, at most once every REPLICA_CHECK_SECONDS per process."""
    now = time.monotonic()
    cached = _health.get(alias)
    if cached is not None and now - cached[0] < settings.REPLICA_CHECK_SECONDS:
        return cached[1]
    ok = check(alias)
    _health[alias] = (time.monotonic(), ok)
    return ok


def mark_down(alias: str) -> None:
    _health[alias] = (time.monotonic(), False)


def forget_health() -> None:
    """Check every replica again at the next read (tests; after a failover)."""
    _health.clear()


def pick_replica() -> str | None:
    """A healthy replica, in turn; None when there is none."""
    aliases = replica_aliases()
    if not aliases:
        return None
    start = next(_turn)
    for i in range(len(aliases)):
        alias = aliases[(start + i) % len(aliases)]
        if healthy(alias):
            return alias
    return None


class ReplicaRouter:
    """The database router (settings.DATABASE_ROUTERS, only with replicas)."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        state = _current.get()
        if (
            state is None
            or not state.allowed
            or state.pinned
            or _primary_only(model)
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        alias = pick_replica()
        if alias is None:
            return DEFAULT_DB_ALIAS
        state.used.add(alias)
        return alias

    def db_for_write(self, model: Any, **hints: Any) -> str:
        state = _current.get()
        if state is not None and not _primary_only(model):
            state.pinned = True  # the rest of the request, and the client for a while
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # a replica holds the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


API_PREFIX = "/api/"


class ReplicaPinMiddleware:
    """Read-your-writes: a request that writes (an unsafe method, or a write through the
    router) pins its client to the primary for REPLICA_PIN_SECONDS with a cookie holding
    the time the pin ends. Forging it only sends the forger's reads to the primary. The JSON
    API's answers carry no pin (a relying party's program keeps no cookies), so the
    verification's event-loop answer stays identical to Django's (``verification/dispatch``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            until = float(request.COOKIES.get(PIN_COOKIE, "0"))
        except ValueError:
            until = 0.0
        state = _Reads(pinned=until > time.time())
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if request.path.startswith(API_PREFIX):  # machines: no cookie, each call stands alone
            return response
        if request.method not in SAFE_METHODS or (state.pinned and until <= time.time()):
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=int(seconds) + 1,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


View = TypeVar("View", bound=Callable[..., Any])


def replica_reads(view: View) -> View:
    """Mark a read-only view whose reads may be served by a replica (GET and HEAD only).
    Without replicas configured it only calls the view."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        state = _current.get()
        if state is None or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        state.allowed = True
        try:
            return view(request, *args, **kwargs)
        except DatabaseError:
            if not state.used:
                raise
            for alias in state.used:  # it failed since its last check: the primary, once
                mark_down(alias)
                connections[alias].close_if_unusable_or_obsolete()
            state.allowed = False
            return view(request, *args, **kwargs)
        finally:
            state.allowed = False

    return wrapped  # type: ignore[return-value]


class on_primary:
    """``with on_primary():`` — the reads inside go to the primary, even in a marked view
    (a read that decides a write is done again there)."""

    def __enter__(self) -> None:
        state = _current.get()
        self._was = state.allowed if state is not None else None
        if state is not None:
            state.allowed = False

    def __exit__(self, *exc: object) -> None:
        state = _current.get()
        if state is not None and self._was is not None:
            state.allowed = self._was
