"""The soak a city runs before the enrolment season: 200 simulated people for 10 minutes.

Issue 15 item 6 and security.md T23 (sustained load). ``juzhu serve --workers 2
--no-notify`` on a free port, driven over HTTP by Locust (``bench/soak_users.py``, headless,
its own process) with T23's mix of users: 70 % holders (sign in by SMS — the code read off
the page, ``JUZHU_DEMO=1`` —, their permits' status pages, the planner's questionnaire and
plan, a re-application with a real JPEG upload for a cancelled permit), 20 % relying parties
(the verify API with an API key and a holder's consent code, half with the replay headers
``X-Request-Time`` / ``X-Request-Nonce``), 10 % officers (password + TOTP, the online queue,
claim a case, accept it). Each user has a think time (``--think``, 1-5 s).

Every user is a client of its own: an ``X-Forwarded-For`` address, read because 127.0.0.1
(the soak, standing where a reverse proxy stands) is in ``JUZHU_TRUSTED_PROXIES``; the rate
limits stay as a deployment has them, counted in Redis (``JUZHU_CACHE_URL``) as production
counts them. A holder asks for at most 3 codes an hour (``--holders`` sizes the pool); the
service's SMS budget is raised to what a city buys for its enrolment season
(``JUZHU_SMS_BUDGET_PER_HOUR`` 50,000).

Data, loaded before the clock starts: ``--permits`` (100,000) permits with their issue
events by COPY (``bench/portal.py``'s loader); ``--holders`` holders with real histories
through the registry's services (half active, a quarter suspended, a quarter cancelled);
``--applications`` online applications waiting in the officers' queue; the clerks with
their authenticators; a school with an API key; consent codes made in batches while the
soak runs (they live 10 minutes).

Reported per kind of request: count, req/s, p50/p95/p99, failures; the database's health
afterwards (``pg_stat_database``: commits, rollbacks, deadlocks, temp files; peak
connections; replication lag when replicas are given); the writes the accepted requests
must have made, counted in the tables; then T23's burst: wrk on the verify API with a key
whose quota is ``--burst-quota`` a minute: what exceeds it must get 429, never a 5xx.

Topology (``--topology``): ``full`` (the default) makes a scratch PostgreSQL 15 primary
(durable settings, 1 GB of shared buffers), a streaming replica of it and PgBouncer in
transaction mode in front of the primary (``juzhu.testing.pgcluster``), and removes them
afterwards: the service connects as ``juzhu_app`` (``juzhu db roles``: the production role,
its budgets on the role), reads from the replica where it may and writes through the
bouncer.
``given`` uses ``--database-url`` (the primary, default a ``juzhu_soak`` database on the
local PostgreSQL), ``--replica-urls`` (the service's ``DATABASE_REPLICA_URLS``) and
``--pgbouncer-url`` (the service connects through it); loading and the health queries go to
the primary directly.

Run: ``.venv/bin/python bench/soak.py [--users 200] [--duration 600] [--permits 100000]
[--json]``; ``--smoke``: 20 users for 30 s, exit status 1 on any failure or a p95 over 1 s.
Needs the bench extra (``pip install -e '.[bench]'``: locust), wrk, and Redis.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT / "src"))

import portal  # noqa: E402 (bench/portal.py: the registry's loader)
import verify  # noqa: E402 (bench/verify.py: the party and its consent codes)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/juzhu_soak"
CITY, STATION = "shenzhen", "sz-futian-1"
ENV = {
    **portal.ENV,
    **verify.ENV,
    "JUZHU_ENV": "development",
    "JUZHU_DEMO": "1",  # the login code on the page: the soak reads it as a person reads an SMS
    "JUZHU_TRUSTED_PROXIES": "127.0.0.1",
    "JUZHU_SMS_BUDGET_PER_HOUR": "50000",
    "JUZHU_SMS_BUDGET_PER_DAY": "200000",
    "JUZHU_LOG_LEVEL": "ERROR",
}
SMOKE_P95_MS, T23_P95_MS = 1000.0, 500.0
# What each accepted request writes: (request names, a query counting the rows it made).
WRITES = {
    "codes sent": (["login: ask for a code"],
                   "SELECT count(*) FROM portal_loginattempt WHERE kind = 'send' AND outcome = 'sent'"),
    "sign-ins": (["login: enter the code"],
                 "SELECT count(*) FROM portal_loginattempt WHERE kind = 'code' AND outcome = 'ok'"),
    "uploads": (["apply: upload a JPEG"], "SELECT count(*) FROM portal_upload"),
    "applications": (["apply: submit"],
                     "SELECT count(*) FROM registry_application WHERE channel = 'online'"),
    "acceptances": (["office: accept"],
                    "SELECT count(*) FROM registry_application WHERE status = 'accepted'"),
    "verifications": (["verify: code", "verify: with nonce"],
                      "SELECT count(*) FROM registry_accesslog WHERE viewer_kind = 'relying_party'"),
}  # fmt: skip


def admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- data ------------------------------------------------------------------------------------


def prepare(a: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The city, before the clock starts; what the simulated people know, as JSON."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from juzhu.registry import demo, services
    from juzhu.registry.idnumbers import make_id_number
    from juzhu.registry.models import Officer, Permit

    portal.DB, portal.ADMIN_URL = db_name(a.database_url), admin_url(a.database_url)
    started = time.monotonic()
    portal.load(a.permits, a.holders)
    holders = portal.make_holders(a.holders)
    numbers = dict(
        Permit.objects.filter(pk__in=[h[1] for h in holders]).values_list("pk", "number")
    )
    people = [
        {"id_number": make_id_number("440304", dt.date(1990, 1, 1) + dt.timedelta(days=i % 9000),
                                     i // 9000),
         "permit": permit, "status": status, "number": numbers[uuid.UUID(permit)]}
        for i, (_, permit, status) in enumerate(holders)
    ]  # fmt: skip
    demo._create_offices()
    officers = []
    for i in range(a.officers):
        password = secrets.token_urlsafe(12)
        user = get_user_model().objects.create_user(username=f"soak-clerk-{i}", password=password)
        Officer.objects.create(user=user, role="clerk", city=CITY, district="futian",
                               station=STATION, display_name=f"窗口{i:02d}")  # fmt: skip
        device = TOTPDevice.objects.create(user=user, name="soak", confirmed=True)
        officers.append({"username": user.username, "password": password, "key": device.key})
    today = dt.date.today()
    for i in range(a.applications):  # waiting in the online queue, as on a Monday morning
        birth = dt.date(1985, 1, 1) + dt.timedelta(days=i % 9000)
        person = services.do_register_person(
            make_id_number("440303", birth, 100 + i // 9000), "申请人", city=CITY,
            phone=f"138{i:08d}",
        )  # fmt: skip
        services.do_submit_application(
            person, kind="first_issue", city=CITY, district="futian", station=STATION,
            on=today, actor=services.Actor(f"holder:{person.pk}"), basis="employment",
            housing="rented", facts={"registered_since": "2024-01-01", "employed": True,
                                     "social_insurance_months": 24,
                                     "social_insurance_continuous": True},
            materials=("id_card", "photo", "lease_contract"),
        )  # fmt: skip
    party, key = verify.make_party()
    burst_party, burst_key = make_burst_party(a.burst_quota)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"prepared {a.permits:,} permits, {a.holders} holders, {a.officers} clerks, "
          f"{a.applications} waiting applications in {time.monotonic() - started:.0f} s",
          flush=True)  # fmt: skip
    return {
        "holders": people,
        "officers": officers,
        "party": party,
        "party_key": key,
        "burst_party": burst_party,
        "burst_key": burst_key,
        "planner": portal.planner_answers(dt.datetime.now(portal.TZ).date()),
    }


def make_burst_party(per_minute: int) -> tuple[str, str]:
    """A second school whose key may ask ``per_minute`` times a minute (T23's burst)."""
    from juzhu.registry.services import Actor
    from juzhu.verification import services

    actor = Actor("operator:soak")
    party = services.do_register_party(
        CITY, "突发测试学校", "school", [verify.PURPOSE], actor=actor
    )
    key = services.do_issue_api_key(party, actor=actor, per_minute=per_minute, per_day=10**6)
    return str(party.pk), key.secret


def make_jpeg(path: Path) -> None:
    """A real, small JPEG (a scanned lease, as far as the checks can tell)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "lease contract 2026", fill="black")
    image.save(path, "JPEG", quality=80)


class Refill(threading.Thread):
    """Consent codes in batches (one file each, for ``bench/soak_users.py``) every
    ``every`` seconds, each batch enough for ``every`` × 1.5 seconds of verification at
    ``rate`` a second; and the peak of the service's database connections."""

    def __init__(self, party: str, folder: Path, rate: int, every: int, db: str) -> None:
        super().__init__(daemon=True)
        self.party, self.folder, self.rate, self.every, self.db = party, folder, rate, every, db
        self.stop = threading.Event()
        self.peak_connections = 0
        self.batches = 0

    def batch(self) -> None:
        codes = verify.make_codes(self.party, int(self.rate * self.every * 1.5))
        tmp = self.folder / f".batch-{self.batches:04d}"
        tmp.write_text("\n".join(codes))
        tmp.rename(self.folder / f"batch-{self.batches:04d}.txt")
        self.batches += 1

    def sample(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.db])
            self.peak_connections = max(self.peak_connections, cursor.fetchone()[0])

    def run(self) -> None:
        from django.db import connection

        last = time.monotonic()
        try:
            while not self.stop.wait(5):
                self.sample()
                if time.monotonic() - last >= self.every:
                    self.batch()
                    last = time.monotonic()
        finally:
            connection.close()


# -- the database's side ---------------------------------------------------------------------


def counts() -> dict[str, int]:
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for what, (_, sql) in WRITES.items():
            cursor.execute(sql)
            out[what] = int(cursor.fetchone()[0])
    return out


def health(db: str, replicas: list[str]) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit, xact_rollback, deadlocks, temp_files, temp_bytes, conflicts, "
            "blks_hit, blks_read FROM pg_stat_database WHERE datname = %s",
            [db],
        )
        row = cursor.fetchone()
        names = ["commits", "rollbacks", "deadlocks", "temp_files", "temp_bytes", "conflicts",
                 "blks_hit", "blks_read"]  # fmt: skip
        out: dict[str, Any] = dict(zip(names, (int(x) for x in row), strict=True))
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [db])
        out["connections"] = int(cursor.fetchone()[0])
        if replicas:
            cursor.execute(
                "SELECT application_name, state, "
                "coalesce(extract(epoch FROM replay_lag), 0) * 1000 FROM pg_stat_replication"
            )
            out["replication"] = [
                {"name": n, "state": s, "replay_lag_ms": round(float(lag), 1)}
                for n, s, lag in cursor.fetchall()
            ]
    return out


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: (v - before[k] if isinstance(v, int) and k != "connections" else v)
            for k, v in after.items()}  # fmt: skip


# Durable and sized like a server, unlike the tests' scratch clusters (fsync off, 32 MB).
SOAK_CONF = (
    "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\nshared_buffers = 1GB\n"
    "max_wal_size = 4GB\n"
)


def scratch_topology(a: argparse.Namespace, stack: contextlib.ExitStack) -> None:
    """``--topology full``: a scratch PostgreSQL 15 primary, a streaming replica of it
    (``pg_basebackup -R``) and PgBouncer in transaction mode in front of the primary
    (``juzhu.testing.pgcluster``), all torn down afterwards. The city is loaded straight
    into the primary; the service gets the bouncer as DATABASE_URL (``JUZHU_PGBOUNCER=1``)
    and the replica as DATABASE_REPLICA_URLS."""
    from juzhu.testing.pgcluster import PgBouncer, ScratchCluster, missing

    why = missing(pgbouncer=True)
    if why:
        raise SystemExit(f"soak: --topology full: {why}")
    name = db_name(a.database_url)
    primary = stack.enter_context(ScratchCluster(conf=SOAK_CONF))
    primary.create_database(name)
    replica = primary.make_replica()  # stopped and removed with its primary
    bouncer = stack.enter_context(PgBouncer(primary, default_pool_size=20, max_client_conn=400))
    a.database_url, a.replica_urls = primary.url(name), replica.url(name)
    a.pgbouncer_url = bouncer.url(name)
    a.topology_parts = (primary, replica, bouncer)


def serve_as_app_role(a: argparse.Namespace, work: Path) -> None:
    """As production does (README): ``juzhu db roles`` makes ``juzhu_app`` (owns nothing,
    append-only on the history, the web budgets set on the role since PgBouncer passes no
    startup options), and the service connects as it, through the bouncer and to the
    replica."""
    env = {**os.environ, **ENV, "DATABASE_URL": a.database_url, "JUZHU_VAR_DIR": str(work)}
    done = subprocess.run([sys.executable, "-m", "juzhu.cli", "db", "roles"], env=env,
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"soak: juzhu db roles failed:\n{done.stdout}{done.stderr}")

    def as_app(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit(parts._replace(netloc=f"juzhu_app@{parts.hostname}:{parts.port}"))

    a.pgbouncer_url = as_app(a.pgbouncer_url)
    a.replica_urls = ",".join(as_app(u) for u in a.replica_urls.split(","))


# -- serving and load ------------------------------------------------------------------------


def serve(a: argparse.Namespace, work: Path) -> subprocess.Popen[bytes]:
    from juzhu.cli.django_setup import BATCH_BUDGETS

    env = {k: v for k, v in {**os.environ, **ENV}.items() if k not in BATCH_BUDGETS}
    env.update(
        DATABASE_URL=a.pgbouncer_url or a.database_url,
        JUZHU_VAR_DIR=str(work),
        JUZHU_CACHE_URL=a.cache_url,
    )
    if a.replica_urls:
        env["DATABASE_REPLICA_URLS"] = a.replica_urls
    if a.pgbouncer_url:
        env["JUZHU_PGBOUNCER"] = "1"  # no startup options, no prepared statements
    cmd = [sys.executable, "-m", "juzhu.cli", "serve", "--port", str(a.port),
           "--workers", str(a.workers), "--no-notify", "--no-access-log",
           *(["--keep-alive", str(a.keep_alive)] if a.keep_alive else [])]  # fmt: skip
    log = (work / "server.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    verify.wait_ready(f"http://127.0.0.1:{a.port}/healthz", proc)
    return proc


def locust(a: argparse.Namespace, work: Path, data: Path, codes: Path) -> int:
    env = {
        **os.environ,
        "SOAK_DATA": str(data),
        "SOAK_CODES": str(codes),
        "SOAK_JPEG": str(work / "lease.jpg"),
        "SOAK_THINK": a.think,
        "SOAK_RESULT": str(work / "result.json"),
    }
    cmd = [sys.executable, "-m", "locust", "-f", str(BENCH_DIR / "soak_users.py"), "--headless",
           "--users", str(a.users), "--spawn-rate", str(a.spawn_rate),
           "--run-time", f"{a.duration}s", "--host", f"http://127.0.0.1:{a.port}",
           "--csv", str(work / "soak"), "--only-summary", "--stop-timeout", "15",
           "--loglevel", "WARNING"]  # fmt: skip
    return subprocess.run(cmd, env=env, cwd=work, check=False).returncode


BURST_LUA = r"""
local counter, threads = 0, {}
function setup(thread) thread:set("id", counter); table.insert(threads, thread); counter = counter + 1 end
function init(args)
  codes, n, tally = {}, 0, {}
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[2]}
end
function request()
  n = n + 1
  local per = math.floor(#codes / 2)
  local code = codes[id * per + (n - 1) % per + 1]
  return wrk.format("POST", "/api/verification/verify", headers,
    '{"purpose":"school_enrollment","consent_code":"' .. code .. '"}')
end
function response(status, hdrs, body) tally[status] = (tally[status] or 0) + 1 end
function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    for s, c in pairs(t:get("tally")) do all[s] = (all[s] or 0) + c end
  end
  local parts = {}
  for s, c in pairs(all) do parts[#parts + 1] = string.format('"%d":%d', s, c) end
  io.write(string.format('BURST {"requests":%d,"socket_errors":%d,"p99_us":%d,"status":{%s}}\n',
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(99), table.concat(parts, ",")))
end
"""


def burst(a: argparse.Namespace, work: Path, party: str, key: str) -> dict[str, Any]:
    """T23: wrk on the verify API, far above the key's quota: the excess must be 429s."""
    # a code of its own for every request (2 wrk threads, each its half): a code used twice
    # is refused (403), which is no test of the quota
    codes = verify.make_codes(party, max(600 * a.burst_seconds, 8 * a.burst_quota))
    (work / "burst.codes").write_text("\n".join(codes) + "\n")
    (work / "burst.lua").write_text(BURST_LUA)
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{a.burst_seconds}s", "--timeout", "10s",
         "-s", str(work / "burst.lua"), f"http://127.0.0.1:{a.port}", "--",
         str(work / "burst.codes"), key],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("BURST "))
    r: dict[str, Any] = json.loads(line[len("BURST ") :])
    statuses = {int(k): v for k, v in r["status"].items()}
    r["status"] = statuses
    r["5xx"] = sum(v for k, v in statuses.items() if k >= 500)
    r["pass"] = r["5xx"] == 0 and r["socket_errors"] == 0 and statuses.get(429, 0) > 0
    return r


# -- report ----------------------------------------------------------------------------------


def read_stats(prefix: Path) -> list[dict[str, Any]]:
    rows = []
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as f:
        for row in csv.DictReader(f):
            rows.append({
                "name": row["Name"], "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]), "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"] or 0), "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0), "max_ms": float(row["Max Response Time"] or 0),
            })  # fmt: skip
    return rows


def failures(prefix: Path) -> list[str]:
    path = prefix.parent / f"{prefix.name}_failures.csv"
    if not path.exists():
        return []
    with path.open() as f:
        return [f"{r['Occurrences']} × {r['Name']}: {r['Error'][:300]}" for r in csv.DictReader(f)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--duration", type=int, default=600, help="seconds of load (ramp-up included)")
    p.add_argument("--spawn-rate", type=float, default=10, help="users started a second")
    p.add_argument("--think", default="1,5", help="seconds between a user's actions: min,max")
    p.add_argument("--permits", type=int, default=100_000, help="permits in the registry")
    p.add_argument("--holders", type=int, default=3000, help="holders who sign in (3 codes/h each)")  # fmt: skip
    p.add_argument("--applications", type=int, default=1500, help="applications waiting")
    p.add_argument("--officers", type=int, default=0, help="clerk accounts (default: enough)")
    p.add_argument("--workers", type=int, default=2, help="juzhu serve --workers")
    p.add_argument("--port", type=int, default=0, help="default: a free port")
    p.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL", DEFAULT_URL),
                   help="the primary (created afresh; its database name is dropped first)")  # fmt: skip
    p.add_argument("--replica-urls", default=os.environ.get("SOAK_REPLICA_URLS", ""),
                   help="comma-separated; the service's DATABASE_REPLICA_URLS")  # fmt: skip
    p.add_argument("--pgbouncer-url", default=os.environ.get("SOAK_PGBOUNCER_URL", ""),
                   help="the service's DATABASE_URL when given (PgBouncer in front of the primary)")  # fmt: skip
    p.add_argument("--topology", choices=("full", "given"), default="full",
                   help="full: a scratch primary + streaming replica + PgBouncer (transaction "
                   "mode), made and removed by the soak; given: the URLs above")  # fmt: skip
    p.add_argument("--cache-url", default=os.environ.get("SOAK_CACHE_URL", "redis://127.0.0.1:6379/9"))  # fmt: skip
    p.add_argument("--keep-alive", type=int, default=65,
                   help="juzhu serve --keep-alive (0: its default, 75 s): longer than the "
                   "clients' idle time, as behind a proxy whose upstream keep-alive is 60 s")  # fmt: skip
    p.add_argument("--verify-rate", type=int, default=0, help="codes a second (default: from --users)")  # fmt: skip
    p.add_argument("--burst-quota", type=int, default=120, help="the burst key's requests a minute")
    p.add_argument("--burst-seconds", type=int, default=15)
    p.add_argument("--smoke", action="store_true", help="20 users, 30 s; exit 1 on a failure or p95 > 1 s")  # fmt: skip
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--json", action="store_true", help="a JSON summary as the last line")
    a = p.parse_args()
    if a.smoke:
        a.users, a.duration, a.permits = 20, 30, min(a.permits, 20_000)
        a.holders, a.applications, a.spawn_rate = min(a.holders, 300), min(a.applications, 200), 10
    a.officers = a.officers or a.users // 10 + 5
    a.port = a.port or free_port()
    a.verify_rate = a.verify_rate or max(10, a.users // 5)
    if shutil.which("wrk") is None:
        raise SystemExit("soak: wrk not found; install it with: apt-get install -y wrk")

    topology = contextlib.ExitStack()
    if a.topology == "full":
        scratch_topology(a, topology)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    os.environ.update(ENV, DATABASE_URL=a.database_url, JUZHU_VAR_DIR=str(work),
                      JUZHU_CACHE_URL=a.cache_url)  # fmt: skip
    import django

    from juzhu.cli.django_setup import batch_budgets

    batch_budgets()  # loading the city takes a batch command's database budgets
    django.setup()
    from django.core.cache import cache
    from django.db import connection

    db = db_name(a.database_url)
    proc = None
    try:
        cache.clear()  # the soak's own Redis database: last run's counters gone
        data = prepare(a, work)
        make_jpeg(work / "lease.jpg")
        (work / "data.json").write_text(json.dumps(data, ensure_ascii=False))
        codes = work / "codes"
        codes.mkdir()
        refill = Refill(data["party"], codes, a.verify_rate, 120, db)
        refill.batch()
        connection.close()
        if a.topology == "full":
            serve_as_app_role(a, work)
            a.topology_parts[0].wait_for_replay(seconds=300)  # the replica has the city
        proc = serve(a, work)
        before, db_before = counts(), health(db, [])
        started = dt.datetime.now(dt.UTC)
        print(f"soak: {a.users} users for {a.duration} s on port {a.port}, from "
              f"{started:%Y-%m-%d %H:%M} UTC", flush=True)  # fmt: skip
        refill.start()
        code = locust(a, work, work / "data.json", codes)
        refill.stop.set()
        refill.join()
        ended = dt.datetime.now(dt.UTC)
        after = counts()
        db_after = health(db, [u for u in a.replica_urls.split(",") if u])
        stats = read_stats(work / "soak")
        result = json.loads((work / "result.json").read_text())
        bursts = burst(a, work, data["burst_party"], data["burst_key"])
        errors = failures(work / "soak")
        server_errors = [
            line for line in (work / "server.log").read_text(errors="replace").splitlines()
            if "Traceback" in line or " 500" in line or "ERROR" in line
        ]  # fmt: skip
    finally:
        if proc is not None:
            verify.stop(proc)
        connection.close()
        if a.topology == "full":
            topology.close()  # the bouncer, the replica and the primary, with their data
        elif not a.keep:
            import psycopg

            with psycopg.connect(admin_url(a.database_url), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    writes = {}
    for what, (names, _) in WRITES.items():
        accepted = sum(result.get(n, {}).get("ok", 0) for n in names)
        cut = sum(result.get(n, {}).get("unanswered", 0) for n in names)
        rows = after[what] - before[what]
        # a request the stop cut off before its answer may have been served: rows, no answer
        writes[what] = {"accepted": accepted, "rows": rows, "cut_off": cut,
                        "ok": accepted <= rows <= accepted + cut}  # fmt: skip
    report(a, stats, errors, server_errors, writes, delta(db_before, db_after), refill,
           bursts, started, ended, code)  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)


def report(a: argparse.Namespace, stats: list[dict[str, Any]], errors: list[str],
           server_errors: list[str], writes: dict[str, Any], db: dict[str, Any],
           refill: Refill, bursts: dict[str, Any], started: dt.datetime, ended: dt.datetime,
           locust_code: int) -> None:  # fmt: skip
    print(f"\n{a.users} users, {a.duration} s, {a.permits:,} permits, think {a.think} s, "
          f"{started:%Y-%m-%d %H:%M}–{ended:%H:%M} UTC, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'kind':26} {'requests':>8} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'fail':>5}")
    for s in stats:
        print(f"{s['name'][:26]:26} {s['requests']:8} {s['rps']:7.1f} {s['p50_ms']:6.0f} "
              f"{s['p95_ms']:6.0f} {s['p99_ms']:6.0f} {s['failures']:5}")  # fmt: skip
    total = next(s for s in stats if s["name"] == "Aggregated")
    for line in errors:
        print("  failure:", line)
    for line in server_errors[:20]:
        print("  server:", line)
    print("writes (rows made = requests accepted):")
    for what, w in writes.items():
        print(f"  {what:14} accepted {w['accepted']:6}  rows {w['rows']:6}  cut off at the "
              f"stop {w['cut_off']}  {'ok' if w['ok'] else 'MISMATCH'}")  # fmt: skip
    print(f"database: {db['commits']} commits, {db['rollbacks']} rollbacks, "
          f"{db['deadlocks']} deadlocks, {db['temp_files']} temp files "
          f"({db['temp_bytes']} bytes), {db['conflicts']} conflicts, peak "
          f"{refill.peak_connections} connections, {db['connections']} after; replication "
          f"{db.get('replication', 'not configured')}")  # fmt: skip
    print(f"burst (T23): {bursts['requests']} requests to a key allowed {a.burst_quota}/min: "
          f"statuses {bursts['status']}, {bursts['5xx']} × 5xx: "
          f"{'PASS' if bursts['pass'] else 'FAIL'}")  # fmt: skip
    matched = all(w["ok"] for w in writes.values())
    no_errors = total["failures"] == 0 and locust_code == 0 and not server_errors
    limit = SMOKE_P95_MS if a.smoke else T23_P95_MS
    ok = no_errors and matched and total["p95_ms"] <= limit and bursts["pass"]
    why = [w for w, bad in (("failures", not no_errors), (f"p95 over {limit:.0f} ms",
           total["p95_ms"] > limit), ("writes do not match", not matched),
           ("the burst", not bursts["pass"])) if bad]  # fmt: skip
    print(f"verdict: {total['failures']} failures, p95 {total['p95_ms']:.0f} ms (≤ {limit:.0f}), "
          f"writes {'match' if matched else 'DO NOT match'}: "
          f"{'PASS' if ok else 'FAIL (' + ', '.join(why) + ')'}")  # fmt: skip
    if a.json:
        print(json.dumps({
            "benchmark": "soak", "users": a.users, "duration_s": a.duration,
            "permits": a.permits, "think": a.think, "started": started.isoformat(),
            "ended": ended.isoformat(), "kinds": stats, "failures": errors,
            "server_errors": server_errors[:20], "writes": writes, "database": db,
            "peak_connections": refill.peak_connections, "burst": bursts, "pass": ok,
        }))  # fmt: skip
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
