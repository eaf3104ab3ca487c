"""T19 database outage and T20 lock contention (security.md §6, budgets from §4).

T19: with the database unreachable (a closed port or a missing file), hung (a socket that
never answers) or its connections killed (``pg_terminate_backend``), a page that needs it
answers 503 with ``Retry-After`` and no stack trace within the 5 s connect budget; the
static files and the remedy planner (which needs no database: its questionnaire's answers
travel in the visitor's sealed cookie) still answer, every question up to the plan and its
PDF; when the
database is back the next requests succeed without a restart.

T20: while another connection holds a row lock, an officer's action on that row answers
409 after ``lock_timeout`` (2 s) instead of hanging, saves nothing, and goes through once
the lock is released; the same with pgbench's writes keeping the server busy. A statement past ``statement_timeout`` (3 s) is a 503."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from fixtures.applications import make_application
from fixtures.officers import officer, signed_in
from fixtures.planner import walk
from juzhu.config import failure
from juzhu.registry.models import Application, Event
from juzhu.verification import asgi

POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
pg_only = pytest.mark.skipif(not POSTGRES, reason="needs PostgreSQL (make test runs it)")
TRACE_MARKS = ("Traceback", "OperationalError", "psycopg", 'File "/')


def assert_clear_503(r: Any, started: float) -> None:
    body = r.content.decode()
    assert r.status_code == 503, body[:500]
    assert int(r["Retry-After"]) > 0
    assert "系统暂时无法访问数据库" in body and "补救规划" in body
    assert not any(mark in body for mark in TRACE_MARKS)
    assert time.monotonic() - started <= 7  # connect budget 5 s, plus the page


@pytest.fixture()
def broken_database(settings: Any, _flushable: None) -> Iterator[dict[str, Any]]:
    """Django's connection pointed somewhere no database answers; restored afterwards."""
    saved = dict(connection.settings_dict)
    connection.close()
    yield connection.settings_dict
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pg_only  # the SQLite test database lives in memory: it cannot be made unreachable
def test_database_down_gives_503_with_retry_after_and_the_planner_still_answers(
    broken_database: dict[str, Any],
) -> None:
    client = Client(raise_request_exception=False)
    saved = dict(broken_database)
    broken_database["PORT"] = closed_port()  # nothing listens: connection refused

    started = time.monotonic()
    assert_clear_503(client.get("/healthz"), started)
    client.cookies["sessionid"] = "a" * 32  # a signed-in holder: the session is in the database
    started = time.monotonic()
    assert_clear_503(client.get("/portal/me/"), started)
    api = client.post(
        "/api/verification/verify",
        {"purpose": "school_enrollment", "consent_code": "ABCD-EFGH", "on": "2026-11-01"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer jz_test_0123456789abcdef",
    )
    assert api.status_code == 503 and api["Content-Type"] == "application/problem+json"
    assert api.json()["code"] == "service-unavailable" and "Traceback" not in api.content.decode()

    # what needs no database keeps answering: the planner, every question to the plan and
    # its PDF (the answers travel in the visitor's sealed cookie), for a visitor and for a
    # signed-in holder whose session cannot be read now; and the static files
    for session in (None, "a" * 32):
        client = Client(raise_request_exception=False)
        if session:
            client.cookies["sessionid"] = session
        planner = client.get("/portal/planner/")
        assert planner.status_code == 200 and "补救" in planner.content.decode()
        walk(client)
        plan = client.get("/portal/planner/plan/")
        assert plan.status_code == 200 and "深圳" in plan.content.decode()
        pdf = client.get("/portal/planner/plan.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get("/static/portal/portal.css").status_code == 200

    # the database comes back: the next request is served, no restart
    connection.close()
    broken_database.clear()
    broken_database.update(saved)
    assert client.get("/healthz").status_code == 200


@pg_only
def test_a_hung_database_fails_within_the_connect_budget(
    broken_database: dict[str, Any],
) -> None:
    """A server that accepts TCP but never answers (like a SIGSTOPped postgres): libpq's
    connect_timeout (5 s) ends the wait; the answer is a clear 503."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever answers
        broken_database["PORT"] = silent.getsockname()[1]
        started = time.monotonic()
        r = Client(raise_request_exception=False).get("/healthz")
        assert_clear_503(r, started)
        assert time.monotonic() - started >= 4  # it was the timeout, not a refusal


def wsgi_get(path: str) -> tuple[int, str]:
    """A request through Django's real WSGI handler (its request_started signal checks the
    connection, as in production; the test client skips that)."""
    from wsgiref.util import setup_testing_defaults

    from django.core.handlers.wsgi import WSGIHandler

    environ: dict[str, Any] = {"PATH_INFO": path, "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    status: list[str] = []
    body = b"".join(WSGIHandler()(environ, lambda s, h, *a: status.append(s)))
    return int(status[0].split()[0]), body.decode()


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_is_replaced_at_the_next_request(_flushable: None) -> None:
    """``pg_terminate_backend`` on the service's connection (a database restart or a
    failover): the next request is served on a new connection (``CONN_HEALTH_CHECKS``),
    with no restart and no error."""
    assert wsgi_get("/healthz")[0] == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = _other_connection()
    try:
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        killer.close()
    status, body = wsgi_get("/healthz")
    assert status == 200 and "Traceback" not in body
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


# -- T20 lock contention -----------------------------------------------------------------


def _other_connection() -> Any:
    import psycopg

    params = connection.get_connection_params()
    keep = ("dbname", "user", "password", "host", "port")
    return psycopg.connect(**{k: v for k, v in params.items() if k in keep and v})


PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"


@pytest.fixture()
def pgbench_load() -> Iterator[subprocess.Popen[str]]:
    """pgbench's TPC-B-like writes (8 clients) on a database of its own in the same
    PostgreSQL server, running for the test: the server is busy, as on a working day."""
    import psycopg

    params = connection.get_connection_params()
    name = f"juzhu_t20_load_{os.getpid()}"
    admin_args = {k: params[k] for k in ("user", "host", "port") if params.get(k)}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin_args) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    where = ["-h", str(params.get("host") or "127.0.0.1"), "-p", str(params.get("port") or 5432),
             "-U", str(params.get("user") or "postgres")]  # fmt: skip
    subprocess.run([PGBENCH, *where, "-i", "-q", "-s", "2", name], check=True, capture_output=True)
    load = subprocess.Popen(
        [PGBENCH, *where, "-c", "8", "-j", "2", "-T", "120", name],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    time.sleep(1)
    assert load.poll() is None, load.stdout.read() if load.stdout else ""
    yield load
    load.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        load.wait(timeout=10)
    if load.poll() is None:
        load.kill()
        load.wait()
    with psycopg.connect(dbname="postgres", autocommit=True, **admin_args) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _load_transactions(name: str) -> int:
    """Transactions pgbench has committed so far on its database (the load is real)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [name])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


@pg_only
@pytest.mark.django_db(transaction=True)
def test_an_officer_action_on_a_locked_row_answers_409_after_the_lock_timeout(
    _flushable: None,
) -> None:
    locked_row_answers_409_then_goes_through()


@pg_only
@pytest.mark.django_db(transaction=True)
def test_under_pgbench_load_a_locked_row_still_answers_409_within_the_budget(
    _flushable: None, pgbench_load: subprocess.Popen[str]
) -> None:
    """T20 as security.md states it: the same, while pgbench keeps the server writing; no
    deadlock error reaches the officer, and the load went on throughout."""
    name = f"juzhu_t20_load_{os.getpid()}"
    before = _load_transactions(name)
    locked_row_answers_409_then_goes_through()
    assert pgbench_load.poll() is None  # the load ran for the whole test
    assert _load_transactions(name) > before + 100


def locked_row_answers_409_then_goes_through() -> None:
    app = make_application(status="accepted")
    reviewer = signed_in(officer("reviewer"))
    reviewer.raise_request_exception = False
    url = reverse("backoffice:application_approve", args=[app.pk])
    holder = _other_connection()
    try:
        holder.execute(
            f"SELECT 1 FROM {Application._meta.db_table} WHERE id = %s FOR UPDATE", [app.pk]
        )
        started = time.monotonic()
        r = reviewer.post(url, {"version": app.version})
        waited = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    body = r.content.decode()
    assert r.status_code == 409, body[:500]
    assert 1.5 <= waited < 5, waited  # lock_timeout is 2 s: neither at once nor a hang
    assert "正在被别人办理" in body and "Traceback" not in body and "deadlock" not in body
    assert r["Retry-After"]
    app.refresh_from_db()
    assert app.status == "accepted"  # nothing saved half-way
    assert not Event.objects.filter(record_id=app.pk, name="ApplicationApproved").exists()
    # the lock released, the same action goes through
    assert reviewer.post(url, {"version": app.version}).status_code == 302


@pg_only
@pytest.mark.django_db
def test_connections_carry_the_timeout_budgets() -> None:
    with connection.cursor() as cursor:
        got = {}
        for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"):
            cursor.execute(f"SHOW {name}")
            got[name] = cursor.fetchone()[0]
    assert got == {
        "statement_timeout": "3s",
        "lock_timeout": "2s",
        "idle_in_transaction_session_timeout": "30s",
    }
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] == 5
    # the verification fast path's asyncpg pool has the same budgets
    kwargs = asgi.connect_kwargs()
    assert kwargs["server_settings"]["statement_timeout"] == "3000"
    assert kwargs["server_settings"]["lock_timeout"] == "2000"
    assert kwargs["timeout"] == 5


@pg_only
@pytest.mark.django_db
def test_a_statement_past_its_budget_is_a_clear_503() -> None:
    from django.db import OperationalError

    started = time.monotonic()
    with pytest.raises(OperationalError) as raised, connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(10)")
    assert time.monotonic() - started < 5  # statement_timeout (3 s) ended it
    request = RequestFactory().get("/portal/me/")
    r = failure.failure_response(request, raised.value)
    assert r is not None and r.status_code == 503 and r["Retry-After"]
    assert "超时" in r.content.decode()


def test_batch_commands_get_longer_budgets(monkeypatch: pytest.MonkeyPatch) -> None:
    """``juzhu sweep`` and the other commands set longer budgets before Django starts;
    ``juzhu serve`` keeps the web ones."""
    import django

    from juzhu.cli import django_setup

    monkeypatch.setattr(django, "setup", lambda: None)
    monkeypatch.delenv("JUZHU_DB_STATEMENT_TIMEOUT", raising=False)
    monkeypatch.delenv("JUZHU_DB_LOCK_TIMEOUT", raising=False)
    monkeypatch.delenv("JUZHU_DB_IDLE_IN_TRANSACTION_TIMEOUT", raising=False)
    django_setup.setup_django(batch=False)
    assert "JUZHU_DB_STATEMENT_TIMEOUT" not in os.environ
    django_setup.setup_django()
    assert os.environ["JUZHU_DB_STATEMENT_TIMEOUT"] == django_setup.BATCH_STATEMENT_TIMEOUT_MS


def test_sqlite_busy_is_a_409_and_other_database_errors_are_left_alone() -> None:
    """The embedded database's busy timeout ends as 409 like a PostgreSQL lock timeout;
    an integrity error is not a failure of the database and stays the view's business."""
    from django.db import IntegrityError, OperationalError

    assert failure.classify(OperationalError("database is locked")) == "locked"
    assert failure.classify(IntegrityError("UNIQUE constraint failed")) is None
    assert failure.classify(ValueError("x")) is None
    r = failure.failure_response(
        RequestFactory().post("/office/x/"), OperationalError("database is locked")
    )
    assert r is not None and r.status_code == 409 and "正在被别人办理" in r.content.decode()
