"""The common verification on an event loop, in front of Django (the ASGI application
``juzhu serve`` runs: ``juzhu.config.asgi``).

Why: a relying party's check is one SQL statement (``fastpath.py``), yet under 32
connections a threaded WSGI server spent most of each request in its own request handling
and left a long tail (docs/benchmarks.md §7). Here that one request is answered by
coroutines on uvloop, with the statement on an asyncpg pool: no thread hand-offs, no
Django request cycle. Everything else is Django in a thread pool behind ``a2wsgi``, exactly
as before.

What it answers: the same requests ``dispatch.py`` answers under WSGI — ``POST
/api/verification/verify`` with a Bearer key and a body that is exactly the common case
(``dispatch.common_key``, ``dispatch.common_case``) — and with the same status, headers
and body (``dispatch.answer_200``). Anything else goes to Django untouched, its body
replayed as it came. A refusal goes to Django marked as tried (``api.FAST_PATH_TRIED`` in
the scope, which ``dispatch.py`` passes on), so the view finds out what is wrong without
running the statement again. Any error here — the database unreachable, say — is logged
and the request goes to Django, which answers it on its own connection.

``test_verification_asgi.py`` compares answers through this application with Django's.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import ssl
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import asyncpg
from django.conf import settings
from django.urls import get_resolver
from django.utils import timezone

from juzhu.verification import fastpath
from juzhu.verification.api import DATABASE_FAILED, FAST_PATH_TRIED
from juzhu.verification.dispatch import (
    PATH,
    answer_200,
    body_length,
    common_case,
    common_key,
    is_secure,
    request_language,
)
from juzhu.verification.verify import fast_answer, fast_query

log = logging.getLogger("juzhu.verification")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def ssl_argument(options: Mapping[str, Any]) -> str | ssl.SSLContext | None:
    """asyncpg's ``ssl`` for the libpq options Django is given (``DATABASE_URL``'s
    ``?sslmode=…&sslrootcert=…&sslcert=…&sslkey=…``): the fast path must not talk to the
    database with less TLS than Django does. None: asyncpg's default (libpq's ``prefer``)."""
    mode = options.get("sslmode")
    files = {k: options[k] for k in ("sslrootcert", "sslcert", "sslkey") if options.get(k)}
    if not mode and not files:
        return None
    if mode in (None, "verify-ca", "verify-full") and files:
        # our own context: the CA file and the client certificate Django's libpq uses
        context = ssl.create_default_context(cafile=files.get("sslrootcert"))
        context.check_hostname = mode != "verify-ca"
        if "sslcert" in files:
            context.load_cert_chain(files["sslcert"], files.get("sslkey"))
        return context
    return str(mode)  # disable, allow, prefer, require, verify-ca, verify-full: as libpq


def connect_kwargs(db: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """asyncpg's connection arguments for Django's default database (or ``db``, a database
    setting of the same shape), TLS included, with the same budgets as Django's connections
    (settings ``DB_*``: statement, lock, idle in transaction, connect): a stuck database
    fails the fast path quickly and Django answers."""
    db = settings.DATABASES["default"] if db is None else db
    statement_ms = int(getattr(settings, "DB_STATEMENT_TIMEOUT_MS", 3000))
    host, port = hosts_and_ports(db)
    kwargs = {
        "host": host,
        "port": port,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "database": db["NAME"],
        "timeout": float(getattr(settings, "DB_CONNECT_TIMEOUT_S", 5)),
        "command_timeout": statement_ms / 1000 + 1 if statement_ms else 10,
        "server_settings": {
            "application_name": "juzhu-verify",
            "statement_timeout": str(statement_ms),
            "lock_timeout": str(getattr(settings, "DB_LOCK_TIMEOUT_MS", 2000)),
            "idle_in_transaction_session_timeout": str(
                getattr(settings, "DB_IDLE_IN_TRANSACTION_MS", 30000)
            ),
        },
    }
    if getattr(settings, "PGBOUNCER", False):
        # PgBouncer in transaction mode (docs/howto/database-scaling.md): it refuses startup
        # parameters it does not know (the budgets then come from the role's settings) and
        # may run a statement asyncpg prepared on another server connection: no cache.
        kwargs["server_settings"] = {"application_name": "juzhu-verify"}
        kwargs["statement_cache_size"] = 0
    options = db.get("OPTIONS") or {}
    tls = ssl_argument(options)
    if tls is not None:
        kwargs["ssl"] = tls
    if options.get("target_session_attrs"):  # several nodes: the one that takes writes
        kwargs["target_session_attrs"] = str(options["target_session_attrs"])
    return kwargs


def hosts_and_ports(db: Mapping[str, Any]) -> tuple[Any, Any]:
    """asyncpg's ``host`` and ``port`` for Django's ``HOST`` and ``PORT``: one each, or —
    a cluster's nodes, ``HOST`` ``"db1,db2"`` and ``PORT`` ``"5432,5433"`` as libpq takes
    them (``config/database_url.py``) — lists, one port per host (a lone port for all)."""
    hosts = [h for h in str(db.get("HOST") or "").split(",") if h]
    port = str(db.get("PORT") or "")
    ports = [int(p) if p else 5432 for p in port.split(",")] if port else []
    if len(hosts) <= 1:
        return (hosts[0] if hosts else None), (ports[0] if ports else None)
    if len(ports) == 1:
        ports *= len(hosts)
    return hosts, (ports or None)


# The database unreachable, refusing, gone mid-statement, past its budget or out of room:
# an outage, not a bug (an SQL error is a bug, and keeps its traceback).
DATABASE_ERRORS = (
    OSError,  # refused, unreachable; TimeoutError (past the budget) is one
    asyncpg.InterfaceError,  # the connection closed under the statement
    asyncpg.PostgresConnectionError,
    # 57xxx: shut down (fast or by a crash), not yet accepting connections (starting,
    # recovering), statement_timeout, the database dropped
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,  # disk full, too many connections
    # a pooled connection left mid-operation by a statement cut off in the outage ("cannot
    # switch to state 12; another operation is in progress"): the pool ends it on release.
    # Each statement here takes its own connection, so nothing but a failure leaves one so
    asyncpg.InternalClientError,
)


def after_failure(scope: Scope, exc: BaseException) -> Scope:
    """The scope Django gets after an event-loop path failed with ``exc``: the database did
    not answer within the budget (hung, a machine frozen), and Django would wait for it as
    long again on its own connection, so the request goes marked (``DATABASE_FAILED``) and
    ``config.failure.FailureMiddleware`` answers its 503 at once. A refused connection is not
    marked: Django finds that out at once, and may reach the database when only the pool
    could not (security.md T19)."""
    if isinstance(exc, asyncio.TimeoutError):
        return {**scope, DATABASE_FAILED: f"{type(exc).__name__}: {exc}"[:200]}
    return scope


def log_fallback(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """An event-loop path failed and Django answers instead: an outage of the database is
    one line (the operator sees it in /healthz and the 503s Django gives), anything else a
    traceback."""
    if isinstance(exc, DATABASE_ERRORS):
        logger.warning("%s (the database: %s: %s); Django answers", what, type(exc).__name__, exc)
    else:
        logger.exception("%s; Django answers", what)


def is_postgres() -> bool:
    """The statements on the event loop are PostgreSQL's; on SQLite Django answers all."""
    return str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql")


def meta_of(scope: Scope) -> dict[str, Any]:
    """The request's headers as a WSGI environ names them (repeated headers joined with
    commas, as WSGI servers do), its scheme and its query string."""
    meta: dict[str, Any] = {
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = "HTTP_" + name
        value = raw_value.decode("latin-1")
        meta[name] = f"{meta[name]},{value}" if name in meta else value
    return meta


async def _read(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body, and a ``receive`` that hands the same messages on first."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return body, replay


def _warm_up() -> None:
    """Load what Django would load on its first request (the URLconf, the API and its
    views), then freeze the objects loaded so far: the collector no longer walks the
    hundreds of thousands of long-lived objects of a loaded Django, so its full
    collections stay short and do not add to the slowest requests' time."""
    get_resolver().url_patterns  # noqa: B018  (imports every URLconf and view module)
    gc.collect()
    gc.freeze()


class LazyPool:
    """An asyncpg pool to Django's default database, opened on first use (each worker
    process has its own) and tried again after a failure; the event-loop paths share it."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._pool: asyncio.Task[Any] | None = None

    async def __call__(self) -> Any:
        if self._pool is None or (self._pool.done() and self._pool.exception() is not None):
            self._pool = asyncio.ensure_future(
                asyncpg.create_pool(**connect_kwargs(), min_size=1, max_size=self.size)
            )
        return await self._pool

    async def close(self) -> None:
        task, self._pool = self._pool, None
        if task is not None and task.done() and task.exception() is None:
            await task.result().close()


class AsyncVerifyDispatch:
    """ASGI middleware: the common verification here, everything else to ``app``; it runs
    the lifespan (warm-up, the pool opened at start and closed at the end)."""

    def __init__(self, app: ASGIApp, *, pool_size: int = 16, pool: LazyPool | None = None) -> None:  # fmt: skip
        self.app = app
        self.pool = pool or LazyPool(pool_size)
        self.postgres = is_postgres()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif (
            scope["type"] == "http"
            and scope["path"] == PATH
            and scope["method"] == "POST"
            and self.postgres
        ):
            await self._verify(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def close(self) -> None:
        await self.pool.close()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await asyncio.to_thread(_warm_up)
                if self.postgres:
                    try:
                        await self.pool()
                    except Exception as exc:  # Django still serves; the pool is tried again on use
                        log_fallback(log, "could not open the event-loop pool at start-up", exc)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _verify(self, scope: Scope, receive: Receive, send: Send) -> None:
        meta = meta_of(scope)
        api_key = common_key(meta)
        if api_key is None or body_length(meta) is None:
            await self.app(scope, receive, send)
            return
        body, receive = await _read(receive)
        request = common_case(body)
        if request is None:
            await self.app(scope, receive, send)
            return
        purpose, code, on = request
        try:
            query = fast_query(
                api_key=api_key, purpose=purpose, on=on, consent_code=code, now=timezone.now()
            )
            answer = None
            if query is not None:
                answer = fast_answer(query, await fastpath.averify_by_code(await self.pool(), query))  # fmt: skip
        except Exception as exc:
            log_fallback(log, "the verification on the event loop failed", exc)
            await self.app(after_failure(scope, exc), receive, send)
            return
        if answer is None:
            # A refusal: nothing was written; the view finds out what is wrong.
            await self.app({**scope, FAST_PATH_TRIED: True}, receive, send)
            return
        content, headers = answer_200(answer, request_language(meta), secure=is_secure(meta))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": content})
