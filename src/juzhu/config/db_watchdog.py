"""A client-side deadline for the web service's PostgreSQL statements (security.md T19).

``statement_timeout`` is the database's own budget: a database that does not run at all
(its processes stopped, a machine frozen, a partition that still acknowledges packets)
never sends the cancellation, and libpq waits for an answer forever — Django's connection
health check (``SELECT 1`` at a request's first query) included. Every thread of the
service then hangs for as long as the database does (tests/security/test_t19_under_load.py
found it: a SIGSTOPped database held every request for the whole outage).

One thread per web process looks at the service's connections every half second; a
connection whose statement has been running longer than the statement budget plus
``GRACE_S`` has its socket shut down. libpq then sees the connection closed: the query
raises ``OperationalError`` (``failure.py`` answers 503 with ``Retry-After``), the health
check fails and Django opens a new connection within its connect budget, or fails with a
503. Installed by ``wsgi.py`` (the web service), not by batch commands, whose statements
may run for minutes."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import weakref
from typing import Any

from django.conf import settings
from django.db.backends.signals import connection_created

log = logging.getLogger("juzhu.failure")
GRACE_S = 1.0  # past statement_timeout: the database would have cancelled it by now
STEP_S = 0.5

_connections: weakref.WeakSet[Any] = weakref.WeakSet()
_started = threading.Lock()
_thread: threading.Thread | None = None


def deadline_s() -> float | None:
    """How long a statement may wait for the database; None: no deadline (no budget set)."""
    statement_ms = int(getattr(settings, "DB_STATEMENT_TIMEOUT_MS", 0))
    return statement_ms / 1000 + GRACE_S if statement_ms else None


def install() -> None:
    if deadline_s() is not None:
        connection_created.connect(_watch, dispatch_uid="juzhu.db_watchdog")


def _watch(sender: Any, connection: Any, **kwargs: Any) -> None:
    global _thread
    if connection.vendor != "postgresql":
        return
    _connections.add(connection)
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="juzhu-db-watchdog", daemon=True)
            _thread.start()


# Statements begun and ended on each raw connection (by its id): a connection seen busy at
# two checks is on the same statement only if this did not move in between. Without it, a
# thread running short statements back to back (a busy request, a test) looks like one
# long statement and is cut.
_statements: dict[int, int] = {}


def _count(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    raw = context["connection"].connection
    key = id(raw)
    _statements[key] = _statements.get(key, 0) + 1
    try:
        return execute(sql, params, many, context)
    finally:
        _statements[key] = _statements.get(key, 0) + 1


def _run() -> None:
    busy_since: dict[int, tuple[int, float]] = {}
    while True:
        time.sleep(STEP_S)
        try:
            check(busy_since, time.monotonic())
        except Exception:  # the watchdog must outlive any surprise
            log.exception("database watchdog")


def check(busy_since: dict[int, tuple[int, float]], now: float) -> None:
    """Shut the socket of every connection busy on one statement past the deadline: seen
    busy, with no statement begun or ended since it was first seen so (the connection
    check's ``SELECT 1``, which Django runs outside the execute wrappers, included)."""
    from psycopg.pq import TransactionStatus

    limit = deadline_s() or 0.0
    live: set[int] = set()
    for wrapper in list(_connections):
        raw = wrapper.connection
        if raw is None or raw.closed:
            continue
        key = id(raw)
        live.add(key)
        if raw.pgconn.transaction_status != TransactionStatus.ACTIVE:
            busy_since.pop(key, None)
            continue
        mark = _statements.get(key, 0)
        seen = busy_since.get(key)
        if seen is None or seen[0] != mark:
            busy_since[key] = (mark, now)
            continue
        if now - seen[1] > limit:
            log.error(
                "database did not answer a statement in %.1f s: connection closed", now - seen[1]
            )
            cut(raw.pgconn.socket)
            busy_since.pop(key)
    for key in set(busy_since) - live:
        busy_since.pop(key)
    for key in set(_statements) - live:
        _statements.pop(key, None)


def cut(fd: int) -> None:
    """Shut the connection down under libpq's feet (a duplicate of its socket, so libpq's
    own descriptor stays valid until it closes it)."""
    with contextlib.suppress(OSError):
        s = socket.socket(fileno=os.dup(fd))
        try:
            s.shutdown(socket.SHUT_RDWR)
        finally:
            s.close()
