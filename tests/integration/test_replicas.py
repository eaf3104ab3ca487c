"""Read replicas (issue 15, ``juzhu.registry.replicas``), on a REAL streaming replica.

A scratch PostgreSQL 15 primary gets juzhu's schema (``juzhu migrate``) and a few permits
(``juzhu import``); ``pg_basebackup -R`` makes a hot standby of it
(``juzhu.testing.pgcluster``). Each case runs this file as a script in a fresh process with
``DATABASE_URL`` (the primary) and ``DATABASE_REPLICA_URLS`` (the replica) and asserts on
what it prints: which alias each request's queries went to (``CaptureQueriesContext`` per
alias), that the alias ``replica1`` is in recovery, and what the request saw.

- routing: the portal's status page and the API's status list read from the replica; the
  session, the holder's sign-in and reads inside ``transaction.atomic`` from the primary;
- read-your-writes: after a write, the writer's reads go to the primary for the pin window
  and see the write, while another client (no pin) reads the stale replica;
- lag: replay paused (``pg_wal_replay_pause()``) and the primary written past the bound →
  the primary serves; replay resumed → the replica again;
- down: the replica stopped, even while the cache still says healthy → the primary serves,
  no error.

Runs once, in ``make test``'s PostgreSQL pass (it makes its own clusters); well under 90 s.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PERMITS_CSV = Path(__file__).parent / "data" / "permits-example.csv"

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs once, in make test's PostgreSQL pass (it makes its own scratch clusters)",
)


class Stack:
    def __init__(self, primary: Any, replica: Any, var: Path) -> None:
        self.primary, self.replica, self.var = primary, replica, var

    def env(self, **extra: str) -> dict[str, str]:
        from juzhu.testing.pgcluster import juzhu_env

        return juzhu_env(self.primary.url("juzhu"), self.var, **extra)

    def juzhu(self, *args: str) -> str:
        from juzhu.testing.pgcluster import run_juzhu

        done = run_juzhu(self.env(), *args)
        assert done.returncode == 0, f"juzhu {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def scenario(self, name: str, **settings: str) -> dict[str, Any]:
        """Run ``name`` below in a fresh process, with the replica; what it printed."""
        from juzhu.testing.pgcluster import run_script

        replica = {"DATABASE_REPLICA_URLS": self.replica.url("juzhu")}
        env = self.env(REPLICA_DATA=str(self.replica.data), **replica, **settings)
        result: dict[str, Any] = run_script(env, __file__, name)
        return result


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    from fixtures.clusters import need_clusters  # not at module level: run as a script too
    from juzhu.testing.pgcluster import ScratchCluster

    need_clusters()
    with (
        tempfile.TemporaryDirectory(prefix="juzhu-replicas-var-") as var,
        ScratchCluster() as primary,
    ):
        primary.create_database("juzhu")
        s = Stack(primary, None, Path(var))
        s.juzhu("migrate")
        s.juzhu("import", str(PERMITS_CSV))
        s.replica = primary.make_replica()
        primary.wait_for_replay()
        yield s


FAST = {"JUZHU_REPLICA_CHECK_SECONDS": "0", "JUZHU_REPLICA_MAX_LAG_SECONDS": "1"}


def test_status_pages_and_api_gets_read_the_replica_sessions_and_transactions_the_primary(
    stack: Stack,
) -> None:
    out = stack.scenario("routing", **FAST)
    assert out["replica_in_recovery"] is True and out["primary_in_recovery"] is False
    me = out["me"]
    assert me["status"] == 200 and me["shows_permit"], me
    assert me["replica"] > 0, me  # the permits, events, applications: the replica's
    # the session, the holder's sign-in and the access log (who read the holder's data):
    # the primary's, whatever the view
    assert set(me["primary_tables"]) <= {"django_session", "registry_person", "registry_accesslog"}
    api = out["status_list"]
    assert api["status"] == 404 and api["replica"] >= 1, api  # the lookup on the replica
    assert api["primary"] >= 1, api  # "none yet, rebuild?" is asked again on the primary
    assert out["in_atomic"]["replica"] == 0 and out["in_atomic"]["primary"] >= 1
    assert out["outside_atomic"] == {"replica": 1, "primary": 0}
    assert out["office"]["replica"] == 0  # an unmarked view: the primary only
    assert out["fast_path_on"] is True and out["api_post_pins"] is False


def test_a_writer_reads_its_own_write_for_the_pin_window_others_may_read_stale(
    stack: Stack,
) -> None:
    out = stack.scenario(
        "read_your_writes",
        JUZHU_REPLICA_CHECK_SECONDS="0",
        JUZHU_REPLICA_MAX_LAG_SECONDS="3600",  # paused, it stays "healthy"
        JUZHU_REPLICA_PIN_SECONDS="30",
    )
    assert out["write_status"] == 200 and out["pin_cookie"] is True
    assert out["writer"] == {"seen": True, "replica": 0}  # pinned: the primary, sees it
    assert out["other"] == {"seen": False, "replica": 1}  # not pinned: replay is paused
    assert out["portal_after_post"]["replica"] == 0  # the holder's pages too


def test_a_replica_lagging_past_the_bound_is_left_until_it_catches_up(stack: Stack) -> None:
    out = stack.scenario("lag", **FAST)
    assert out["before"] == {"replica": 1, "primary": 0}
    assert out["paused_lag_s"] > 1
    assert out["lagging"] == {"replica": 0, "primary": 1}
    assert out["caught_up"] == {"replica": 1, "primary": 0}


def test_a_stopped_replica_sends_reads_to_the_primary_without_an_error(stack: Stack) -> None:
    # the check says healthy and is cached for a minute; then the replica stops
    out = stack.scenario("down", JUZHU_REPLICA_CHECK_SECONDS="60")
    assert out["before"]["status"] == 200 and out["before"]["replica"] > 0
    assert out["stopped_mid_cache"]["status"] == 200, out  # retried on the primary
    assert out["stopped_mid_cache"]["shows_permit"]
    assert out["next"] == {"status": 200, "replica": 0, "shows_permit": True}
    stack.replica.start()  # for any case after this one


# -- the scenarios, run in their own process with the replica configured ----------------------


def _counts(run: Any) -> dict[str, Any]:
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    # the replica's log by hand: CaptureQueriesContext would connect to it (it may be down)
    replica_db = connections["replica1"]
    replica_db.force_debug_cursor = True
    replica_db.queries_log.clear()
    with CaptureQueriesContext(connections["default"]) as primary:
        result = run()
    tables = sorted(
        {
            q["sql"].split('FROM "')[1].split('"')[0]
            for q in primary.captured_queries
            if 'FROM "' in q["sql"]
        }  # fmt: skip
    )
    served = [q for q in replica_db.queries_log if "pg_last_wal_replay_lsn" not in q["sql"]]
    return {  # the replica's queries but the router's lag checks
        "result": result,
        "primary": len(primary),
        "replica": len(served),
        "primary_tables": tables,
    }


def _holder_client() -> Any:
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client

    from juzhu.portal.auth import SESSION_KEY
    from juzhu.registry.models import Permit

    permit = Permit.objects.filter(city="shenzhen").order_by("issued_on").first()
    assert permit is not None
    session = SessionStore()
    session[SESSION_KEY] = str(permit.person_id)
    session.save()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    client.number = permit.number  # type: ignore[attr-defined]
    return client


def _page(client: Any, path: str, method: str = "get") -> dict[str, Any]:
    got = _counts(lambda: getattr(client, method)(path))
    response = got.pop("result")
    body = response.content.decode()
    got.update(status=response.status_code, shows_permit=getattr(client, "number", "\0") in body)
    return got


def _marked(read: Any) -> Any:
    """A view marked ``replica_reads`` behind the pin middleware, as settings install it."""
    from juzhu.registry.replicas import ReplicaPinMiddleware, replica_reads

    return ReplicaPinMiddleware(replica_reads(read))


def _where(read: Any, cookies: dict[str, str] | None = None) -> dict[str, Any]:
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    got = _counts(lambda: _marked(read)(request))
    return {"replica": got["replica"], "primary": got["primary"], "result": got["result"]}


def _in_recovery(alias: str) -> bool:
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return bool(cursor.fetchone()[0])


def scenario_routing() -> dict[str, Any]:
    from django.db import transaction
    from django.http import HttpResponse
    from django.test import Client

    from juzhu.registry.models import Permit

    def in_atomic(request: Any) -> HttpResponse:
        with transaction.atomic():
            return HttpResponse(str(Permit.objects.count()))

    def outside(request: Any) -> HttpResponse:
        return HttpResponse(str(Permit.objects.count()))

    def trim(d: dict[str, Any]) -> dict[str, Any]:
        return {"replica": d["replica"], "primary": d["primary"]}

    return {
        "replica_in_recovery": _in_recovery("replica1"),
        "primary_in_recovery": _in_recovery("default"),
        "me": _page(_holder_client(), "/portal/me/"),
        "status_list": _page(Client(), "/api/verification/status-lists/shenzhen"),
        "in_atomic": trim(_where(in_atomic)),
        "outside_atomic": trim(_where(outside)),
        "office": _page(Client(), "/office/login/"),
        # the verification's event-loop answer stays on: the pin middleware adds nothing to
        # an /api/ answer (no cookie), so the dispatch still reproduces Django's headers
        "fast_path_on": _dispatch_reproduced(),
        "api_post_pins": bool(Client().post("/api/verification/verify").cookies),
    }


def _dispatch_reproduced() -> bool:
    from juzhu.verification import dispatch

    return bool(dispatch._config().reproduced)


def _sweep_run_seen(request: Any) -> Any:
    from django.http import HttpResponse

    from juzhu.registry.models import SweepRun

    return HttpResponse("yes" if SweepRun.objects.filter(city="ryw").exists() else "no")


def scenario_read_your_writes() -> dict[str, Any]:
    import datetime as dt

    from django.db import connections
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils import timezone

    from juzhu.registry.models import SweepRun
    from juzhu.registry.replicas import PIN_COOKIE, ReplicaPinMiddleware

    with connections["replica1"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")  # the replica sees nothing new
    try:

        def write(request: Any) -> HttpResponse:
            SweepRun.objects.create(city="ryw", on=dt.date(2026, 1, 1), finished_at=timezone.now())
            return HttpResponse("ok")

        written = ReplicaPinMiddleware(write)(RequestFactory().post("/"))
        cookie = written.cookies.get(PIN_COOKIE)
        writer = _where(_sweep_run_seen, {PIN_COOKIE: cookie.value} if cookie else {})
        other = _where(_sweep_run_seen)
        holder = _holder_client()
        holder.post("/portal/mode/", {"elder": "1"})  # any write of the holder's: pinned
        after = _page(holder, "/portal/me/")
    finally:
        with connections["replica1"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    return {
        "write_status": written.status_code,
        "pin_cookie": cookie is not None,
        "writer": {"seen": writer["result"].content == b"yes", "replica": writer["replica"]},
        "other": {"seen": other["result"].content == b"yes", "replica": other["replica"]},
        "portal_after_post": {"replica": after["replica"], "status": after["status"]},
    }


def scenario_lag() -> dict[str, Any]:
    import time

    from django.db import connections

    from juzhu.registry.replicas import LAG_SQL

    def trim(d: dict[str, Any]) -> dict[str, Any]:
        return {"replica": d["replica"], "primary": d["primary"]}

    def count(request: Any) -> Any:
        from django.http import HttpResponse

        from juzhu.registry.models import Permit

        return HttpResponse(str(Permit.objects.count()))

    before = _where(count)
    replica = connections["replica1"]
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS lag_probe (x int)")
            cursor.execute("INSERT INTO lag_probe VALUES (1)")
        time.sleep(1.5)
        with replica.cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = float(cursor.fetchone()[1])
        lagging = _where(count)
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    deadline = time.monotonic() + 20
    while True:
        with replica.cursor() as cursor:
            cursor.execute(LAG_SQL)
            if float(cursor.fetchone()[1]) == 0 or time.monotonic() > deadline:
                break
        time.sleep(0.1)
    caught_up = _where(count)
    return {
        "before": trim(before),
        "paused_lag_s": lag,
        "lagging": trim(lagging),
        "caught_up": trim(caught_up),
    }


def scenario_down() -> dict[str, Any]:
    from juzhu.testing.pgcluster import BIN, run_as_postgres

    holder = _holder_client()
    before = _page(holder, "/portal/me/")
    run_as_postgres(str(BIN / "pg_ctl"), "-D", os.environ["REPLICA_DATA"], "-m", "fast", "-w", "stop")  # fmt: skip
    stopped = _page(holder, "/portal/me/")
    after = _page(holder, "/portal/me/")
    return {
        "before": {"status": before["status"], "replica": before["replica"]},
        "stopped_mid_cache": {"status": stopped["status"], "shows_permit": stopped["shows_permit"]},
        "next": {
            "status": after["status"],
            "replica": after["replica"],
            "shows_permit": after["shows_permit"],
        },
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(globals()[f"scenario_{sys.argv[1]}"](), default=str))
