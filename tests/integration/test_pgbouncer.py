"""juzhu behind a REAL PgBouncer in transaction mode (issue 15, docs/howto/database-scaling.md).

A scratch PostgreSQL 15 cluster gets juzhu's schema and a few permits (directly); a
PgBouncer (Debian's 1.18, ``scripts/ensure-pgbouncer.sh``) in ``pool_mode = transaction``
with ``default_pool_size = 3`` stands in front of it (``juzhu.testing.pgcluster``). Then,
with ``DATABASE_URL`` naming the bouncer and ``JUZHU_PGBOUNCER=1``:

- ``juzhu serve`` (uvicorn; the verification fast path on its asyncpg pool, Django for the
  rest) answers many concurrent portal pages, API GETs and verification questions over
  those three server connections, with no "prepared statement does not exist" (or any
  other) error and one verification log row per question;
- the sweep runs, skips a city another run holds, and leaves no advisory lock behind;
- a connection gets the statement/lock budgets from the role (``juzhu db roles``), since
  PgBouncer refuses libpq's ``options`` (shown: without JUZHU_PGBOUNCER=1 it is refused);
- asyncpg with its statement cache on (the control) does fail through the same bouncer.

Runs once, in ``make test``'s PostgreSQL pass (it makes its own cluster); well under 90 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

PERMITS_CSV = Path(__file__).parent / "data" / "permits-example.csv"
POOL = 3  # server connections per database and user
QUESTIONS = 60

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs once, in make test's PostgreSQL pass (it makes its own scratch cluster)",
)


class Stack:
    def __init__(self, primary: Any, bouncer: Any, var: Path) -> None:
        self.primary, self.bouncer, self.var = primary, bouncer, var

    def env(self, *, direct: bool = False, **extra: str) -> dict[str, str]:
        """juzhu through the bouncer (JUZHU_PGBOUNCER=1), or ``direct`` to PostgreSQL."""
        from juzhu.testing.pgcluster import juzhu_env

        if direct:
            return juzhu_env(self.primary.url("juzhu"), self.var, **extra)
        bouncer = {"DATABASE_URL": self.bouncer.url("juzhu"), "JUZHU_PGBOUNCER": "1"}
        return juzhu_env(self.primary.url("juzhu"), self.var, **{**bouncer, **extra})

    def juzhu(self, *args: str, direct: bool = False) -> subprocess.CompletedProcess[str]:
        from juzhu.testing.pgcluster import run_juzhu

        return run_juzhu(self.env(direct=direct), *args)

    def scenario(self, name: str, **extra: str) -> dict[str, Any]:
        from juzhu.testing.pgcluster import run_script

        result: dict[str, Any] = run_script(self.env(**extra), __file__, name)
        return result


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    from fixtures.clusters import need_clusters  # not at module level: run as a script too
    from juzhu.testing.pgcluster import PgBouncer, ScratchCluster

    need_clusters(pgbouncer=True)
    with (
        tempfile.TemporaryDirectory(prefix="juzhu-pgbouncer-var-") as var,
        ScratchCluster() as primary,
        PgBouncer(primary, pool_mode="transaction", default_pool_size=POOL) as bouncer,
    ):
        primary.create_database("juzhu")
        s = Stack(primary, bouncer, Path(var))
        for args in (["migrate"], ["import", str(PERMITS_CSV)], ["db", "roles"]):
            done = s.juzhu(*args, direct=True)
            assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
        yield s


def _post(url: str, body: dict[str, Any], key: str) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 (a local test server)
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    return _open(request)


def _get(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    return _open(request)


def _open(request: urllib.request.Request) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_serve_answers_many_concurrent_requests_over_three_server_connections(
    stack: Stack,
) -> None:
    from juzhu.testing.pgcluster import free_port

    setup = stack.scenario("setup")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "juzhu.cli", "serve", "--port", str(port), "--no-notify",
         "--workers", "1", "--threads", "16"],
        env=stack.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/portal/")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.2)
        cookie = f"{setup['cookie_name']}={setup['session']}"
        calls: list[Any] = [
            (
                _post,
                f"{base}/api/verification/verify",
                {"purpose": "school_enrollment", "consent_code": code},
                setup["key"],
            )  # fmt: skip
            for code in setup["codes"]
        ]
        for _ in range(20):
            calls.append((_get, f"{base}/portal/me/", cookie))
            calls.append((_get, f"{base}/api/verification/status-lists/shenzhen"))
            calls.append((_get, f"{base}/portal/planner/"))
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(lambda c: c[0](*c[1:]), calls))
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    verify = answers[:QUESTIONS]
    assert all(status == 200 for status, _ in verify), verify[:3]
    assert all(json.loads(text)["purpose"] == "school_enrollment" for _, text in verify)
    pages = answers[QUESTIONS:]
    assert all(status in (200, 404) for status, _ in pages), [s for s, _ in pages]
    assert sum(setup["number"] in text for _, text in pages) == 20  # every /portal/me/
    assert "prepared statement" not in output and "Traceback" not in output, output[-3000:]
    assert "prepared statement" not in stack.bouncer.log()
    # one log row per question, written through the bouncer
    assert stack.primary.sql("SELECT count(*) FROM verification_verification", "juzhu") == str(
        QUESTIONS
    )
    servers = stack.primary.sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'juzhu' AND backend_type = "
        "'client backend' AND pid <> pg_backend_pid()",
        "juzhu",
    )
    assert int(servers) <= POOL  # three server connections carried it all


def test_the_sweep_runs_through_the_bouncer_and_leaves_no_lock_behind(stack: Stack) -> None:
    import psycopg

    with psycopg.connect(stack.primary.url("juzhu"), autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext('juzhu.sweep:shenzhen'))")
        held = stack.juzhu("sweep")
        said = held.stdout + held.stderr
        assert "skipped city 'shenzhen': another sweep is running" in said, said
        assert held.returncode == 1  # a city skipped: the night is not done
        other.execute("SELECT pg_advisory_unlock(hashtext('juzhu.sweep:shenzhen'))")
    done = stack.juzhu("sweep")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "another sweep" not in done.stdout
    assert stack.primary.sql("SELECT count(*) FROM registry_sweeprun", "juzhu") != "0"
    locks = stack.primary.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
    assert locks == "0"  # released with the transaction, on whichever server connection


def test_the_budgets_come_from_the_role_since_the_bouncer_refuses_options(stack: Stack) -> None:
    out = stack.scenario("budgets", DATABASE_URL=stack.bouncer.url("juzhu").replace("postgres@", "juzhu_app@"))  # fmt: skip
    assert out == {"statement_timeout": "3s", "lock_timeout": "2s", "server_side_cursors": False}
    import psycopg

    # what Django sends without JUZHU_PGBOUNCER=1 (settings._timeouts): refused
    with pytest.raises(psycopg.OperationalError, match="unsupported startup parameter"):
        psycopg.connect(stack.bouncer.url("juzhu"), options="-c statement_timeout=3000")


def test_asyncpg_needs_its_statement_cache_off_behind_the_bouncer(stack: Stack) -> None:
    import asyncpg
    from django.test import override_settings

    from juzhu.verification.asgi import connect_kwargs

    db = {"NAME": "juzhu", "HOST": "127.0.0.1", "PORT": stack.bouncer.port, "USER": "postgres"}

    async def hammer(kwargs: dict[str, Any]) -> list[str]:
        pool = await asyncpg.create_pool(**kwargs, min_size=8, max_size=8)
        errors: list[str] = []

        async def one(i: int) -> None:
            try:
                await pool.fetchval("SELECT count(*) FROM registry_permit WHERE city = $1", "shenzhen")  # fmt: skip
            except asyncpg.PostgresError as exc:
                errors.append(str(exc))

        try:
            await asyncio.gather(*(one(i) for i in range(200)))
        finally:
            await pool.close()
        return errors

    with override_settings(PGBOUNCER=True):
        ours = connect_kwargs(db)
    assert ours["statement_cache_size"] == 0 and set(ours["server_settings"]) == {"application_name"}  # fmt: skip
    from fixtures.aio import run_async  # the suite's; this file also runs as a script

    assert run_async(hammer(ours)) == []
    control = {**ours, "statement_cache_size": 100}
    assert any("prepared statement" in e for e in run_async(hammer(control)))


# -- the scenarios, run in their own process through the bouncer ------------------------------


def scenario_setup() -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from juzhu.portal.auth import SESSION_KEY
    from juzhu.registry.models import Permit
    from juzhu.registry.services import Actor
    from juzhu.verification import services

    permit = Permit.objects.filter(city="shenzhen", status="active").first()
    assert permit is not None
    officer = Actor("officer:test")
    party = services.do_register_party(
        "shenzhen", "福田区实验小学", "school", ["school_enrollment"], actor=officer
    )
    key = services.do_issue_api_key(party, actor=officer).secret
    codes = [
        services.do_create_consent_code(permit.person, party, "school_enrollment").code
        for _ in range(QUESTIONS)
    ]
    session = SessionStore()
    session[SESSION_KEY] = str(permit.person_id)
    session.save()
    return {
        "key": key,
        "codes": codes,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "session": session.session_key,
        "number": permit.number,
    }


def scenario_budgets() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW lock_timeout")
        lock = cursor.fetchone()[0]
    return {
        "statement_timeout": statement,
        "lock_timeout": lock,
        "server_side_cursors": not connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"],
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(globals()[f"scenario_{sys.argv[1]}"](), default=str))
