"""The verify endpoint under load (wrk, 32 connections) against its floor, 1,000,000 permits.

* **juzhu**: ``POST /api/verification/verify`` with a fresh consent code per request, served
  the way the README says to serve production: ``juzhu serve --workers 2 --no-access-log``
  (uvicorn on uvloop + httptools, one process per core, ``juzhu.config.asgi:application``:
  the common verification answered on the event loop by ``verification/asgi.py`` with an
  asyncpg pool, everything else by Django in a thread pool). Each request: the key, its
  party, its usage, the code and the permit are checked, the code consumed, the holder's
  receipt, the audit row and the usage count written — on PostgreSQL in one statement
  (``verification/fastpath.py``). Tried on this machine before: gunicorn with gthread
  workers (2 × 16, 4 × 8, 8 × 4) and a thin WSGI dispatch reached the floor's throughput
  but not its tail (p99 106–233 ms).
* **floor**: a minimal Starlette app on uvicorn with an asyncpg pool, doing the same indexed
  lookup (the code's HMAC → permit) and the same receipt insert (``registry_accesslog``) in
  one transaction. No API key, no rate limit, no single-use update, no audit row. Two
  setups, both reported: ``floor`` is uvicorn as ``pip install uvicorn`` gives it (h11,
  asyncio); ``floor+`` adds uvloop and httptools, its fastest setup.
* **pgbench** (the limit): PostgreSQL alone executing juzhu's own statement
  (``verification/fastpath.py``'s ``SQL``, the very text asyncpg prepares) with 32 clients,
  prepared protocol (``-M prepared``, as asyncpg), for the same duration: no HTTP, no
  Python. Each transaction takes the next fresh code of its client from a numbered table
  (``bench_pgbench_codes``: the code's HMAC and a reference drawn in Python, as juzhu draws
  it per request), read in the statement's first CTE; the other parameters (key hash,
  purpose, now, minute, day, date) are pgbench variables. A run is valid when every
  transaction consumed its code (the codes used equal the transactions). juzhu's req/s is
  printed as a ratio to pgbench's transactions/s: the share of the database's own
  throughput that survives HTTP, the API and Python.

Every code is fresh and valid (made just before its run, valid 10 minutes, one per
request, each side its own); a run that answered anything but 200 is reported as invalid.
Data: persons and permits loaded with COPY (85% active, the rest suspended, cancelled or
expired), VACUUM ANALYZE before the runs. wrk's Lua script reports the latency percentiles.
``--rounds R`` alternates the contenders R times and reports medians: on a shared machine
the background load drifts between runs minutes apart.
Target (issue 6): juzhu ≥ 0.5× the floor's req/s, p99 ≤ 50 ms at 32 connections.

Run: ``.venv/bin/python bench/verify.py [--n 1000000] [--duration 30] [--rounds 1] [--json]``;
needs wrk (``apt-get install wrk``), pgbench (PostgreSQL 15's server package,
``scripts/ensure-postgres.sh``) and the bench extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

DB = "bench_verify"
DSN = f"postgresql://postgres@127.0.0.1:5432/{DB}"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CITY, PURPOSE = "shenzhen", "school_enrollment"
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "DJANGO_SETTINGS_MODULE": "juzhu.config.settings",
    "JUZHU_SECRET_KEY": "bench-secret-key-not-for-production",  # pragma: allowlist secret (the benchmark's throwaway key)
    "JUZHU_DATA_KEY": base64.b64encode(b"d" * 32).decode(),
    "JUZHU_INDEX_KEY": base64.b64encode(b"i" * 32).decode(),
    "JUZHU_VERIFY_SECRET": base64.b64encode(b"v" * 32).decode(),
    "JUZHU_VERIFY_SIGNING_KEY": base64.b64encode(b"k" * 32).decode(),
    "JUZHU_LOG_LEVEL": "ERROR",
}
# the consent-code HMAC key, derived as juzhu.verification.keys does
CODE_KEY = hmac.new(b"v" * 32, b"consent-code", hashlib.sha256).digest()


# -- the floor (imported by uvicorn as ``verify:make_floor_app``) -------------------------------


def make_floor_app() -> Any:
    import asyncpg
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    party = uuid.UUID(os.environ["FLOOR_PARTY"])
    pool: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        size = int(os.environ.get("FLOOR_POOL", "16"))
        pool["db"] = await asyncpg.create_pool(DSN, min_size=size, max_size=size)
        yield
        await pool["db"].close()

    async def verify(request: Request) -> JSONResponse:
        body = await request.json()
        code = str(body["consent_code"]).replace("-", "").upper()
        digest = hmac.new(CODE_KEY, code.encode(), hashlib.sha256).hexdigest()
        reference = uuid.uuid4()
        async with pool["db"].acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT p.person_id, p.city, p.status FROM verification_consentcode c "
                "JOIN registry_permit p ON p.id = c.permit_id "
                "WHERE c.party_id = $1 AND c.code_hash = $2",
                party,
                digest,
            )
            if row is None:
                return JSONResponse({"detail": "unknown code"}, status_code=404)
            await conn.execute(
                "INSERT INTO registry_accesslog (city, person_id, viewer_kind, viewer_id, "
                "viewer_name, purpose, record_type, record_id, at) "
                "VALUES ($1, $2, 'relying_party', $3, 'bench school', $4, 'verification', $5, now())",
                row["city"],
                row["person_id"],
                str(party),
                body["purpose"],
                reference,
            )
        return JSONResponse({"valid": row["status"] == "active", "reference": str(reference)})

    return Starlette(routes=[Route("/verify", verify, methods=["POST"])], lifespan=lifespan)


# -- data ------------------------------------------------------------------------------------------


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def load(n: int) -> None:
    """Fresh database, migrated, with ``n`` persons and permits (COPY)."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB}")
    call_command("migrate", verbosity=0)
    fill(n)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def fill(n: int) -> None:
    """``n`` persons and their permits (COPY) into the migrated database Django is set
    up for (``bench/failover.py`` fills its cluster with it too)."""
    from django.db import connection

    rng = random.Random(20261126)
    today = dt.date.today()
    persons, permits = [], []
    for i in range(n):
        person, permit = _uuid(rng), _uuid(rng)
        r = rng.random()
        status = "active" if r < 0.85 else "suspended" if r < 0.9 else "cancelled" if r < 0.95 else "expired"  # fmt: skip
        issued = today - dt.timedelta(days=rng.randint(1, 300))
        due = issued + dt.timedelta(days=365)
        persons.append(
            f"{person}\t{CITY}\tmainland\t\\\\x00\tbench{i:09d}\t4403**********0000\t测试"
            f"\t\t\t\tzh\t2020-01-01 00:00:00+00\n"
        )
        permits.append(
            f"{permit}\t{CITY}\tfutian\tsz-futian-1\t1\t0\t{'0' * 64}\tSZB{i:09d}\t{person}"
            f"\t{status}\t{issued}\t{due}\t\tresidence\trented\tf\t0\tf\tf\t\tf"
            f"\t2020-01-01 00:00:00+00\n"
        )
    connection.ensure_connection()
    raw: Any = connection.connection
    with raw.cursor() as cur:
        with cur.copy(
            "COPY registry_person (id, city, id_kind, id_number_enc, id_number_index, "
            "id_number_masked, name, phone_index, phone_masked, email, lang, created_at) FROM STDIN"
        ) as copy:
            copy.write("".join(persons))
        with cur.copy(
            "COPY registry_permit (id, city, district, station, version, last_event_seq, "
            "last_event_hash, number, person_id, status, issued_on, next_due_on, "
            "cancellation_reason, basis, housing, employed, social_insurance_months, "
            "social_insurance_continuous, enrolled, policy_version, verification_locked, "
            "updated_at) FROM STDIN"
        ) as copy:
            copy.write("".join(permits))
    raw.commit()


def make_party() -> tuple[str, str]:
    """The school and its API key, with limits no benchmark reaches."""
    from juzhu.registry.services import Actor
    from juzhu.verification import services

    actor = Actor("operator:bench")
    party = services.do_register_party(CITY, "基准测试学校", "school", [PURPOSE], actor=actor)
    key = services.do_issue_api_key(party, actor=actor, per_minute=10**8, per_day=10**9)
    return str(party.pk), key.secret


_MADE: set[str] = set()


def make_codes(party: str, count: int) -> list[str]:
    """``count`` fresh codes (valid 10 minutes from now) for random permits, via COPY."""
    from django.db import connection
    from django.utils import timezone

    from juzhu.verification import keys
    from juzhu.verification.services import CONSENT_MINUTES

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM registry_permit ORDER BY random() LIMIT %s", [min(count, 200_000)]
        )
        permits = [str(row[0]) for row in cursor.fetchall()]
    now = timezone.now()
    expires = now + dt.timedelta(minutes=CONSENT_MINUTES)
    codes: set[str] = set()
    while len(codes) < count:
        code = keys.new_consent_code()
        if code not in _MADE:  # unique per party, across runs too (1 in 8.5e11 per pair)
            codes.add(code)
    _MADE.update(codes)
    ordered = list(codes)
    lines = [
        f"{CITY}\t{party}\t{permits[i % len(permits)]}\t{PURPOSE}\t{keys.code_hash(code)}"
        f"\t{now.isoformat()}\t{expires.isoformat()}\n"
        for i, code in enumerate(ordered)
    ]
    connection.ensure_connection()
    raw: Any = connection.connection
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY verification_consentcode (city, party_id, permit_id, purpose, code_hash, "
            "created_at, expires_at) FROM STDIN"
        ) as copy,
    ):
        copy.write("".join(lines))
    raw.commit()
    return ordered


# -- serving and load ------------------------------------------------------------------------------

LUA = r"""
local threads, counter = {}, 0
function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end
function init(args)
  codes, n, bad = {}, 0, 0
  for line in io.lines(args[1] .. "." .. id) do codes[#codes + 1] = line end
  path = args[3]
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[2]}
end
function request()
  n = n + 1
  local code = codes[n] or "ZZZZZZZZ"
  return wrk.format("POST", path, headers,
    '{"purpose":"school_enrollment","consent_code":"' .. code .. '"}')
end
function response(status, hdrs, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do non200 = non200 + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non200":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, non200, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited early (code {proc.returncode})")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error answer: it is up
                return
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url} within {timeout} s")


def start(args: list[str], env: dict[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """The server in its own session, with the service's own (web) database budgets; its
    output to ``log`` (or nowhere)."""
    from juzhu.cli.django_setup import BATCH_BUDGETS

    out = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        args,
        env={k: v for k, v in {**os.environ, **env}.items() if k not in BATCH_BUDGETS},
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,  # stop it and its workers together, by its own group id
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wrk(url: str, path: str, key: str, codes: Path, a: argparse.Namespace, seconds: int) -> dict[str, Any]:  # fmt: skip
    out = subprocess.run(
        ["wrk", f"-t{a.wrk_threads}", f"-c{a.connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(codes.parent / "verify.lua"), url, "--", str(codes), key, path],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    result: dict[str, Any] = json.loads(line[len("WRKJSON ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def write_codes(codes: list[str], prefix: Path, threads: int, warm: int) -> tuple[Path, Path]:
    """Split into a warm-up set and a measured set, each one file per wrk thread."""
    sets = {"warm": codes[:warm], "run": codes[warm:]}
    for name, chunk in sets.items():
        for t in range(threads):
            (prefix.parent / f"{prefix.name}-{name}.{t}").write_text("\n".join(chunk[t::threads]) + "\n")  # fmt: skip
    return prefix.parent / f"{prefix.name}-warm", prefix.parent / f"{prefix.name}-run"


def settle() -> None:
    """Vacuum and analyse the codes just made and flush what loading the data and making
    the codes dirtied, so that no run shares the machine with maintenance its own set-up
    (or the run before it) caused: autovacuum on the new codes, a checkpoint."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) verification_consentcode")
        cursor.execute("CHECKPOINT")


def measure(
    name: str, cmd: list[str], env: dict[str, str], url: str, path: str, key: str,
    party: str, work: Path, a: argparse.Namespace,
) -> dict[str, Any]:  # fmt: skip
    count = (a.warmup + a.duration) * a.rate_cap
    codes = make_codes(party, count)
    warm, run = write_codes(codes, work / name, a.wrk_threads, a.warmup * a.rate_cap)
    settle()
    proc = start(cmd, env)
    try:
        wait_ready(url + "/healthz" if name == "juzhu" else url + path, proc)
        wrk(url, path, key, warm, a, a.warmup)
        result = wrk(url, path, key, run, a, a.duration)
    finally:
        stop(proc)
    result["valid"] = result["non200"] == 0 and result["socket_errors"] == 0
    result["load_average"] = round(os.getloadavg()[0], 2)  # after the run: the 1-minute average
    print(
        f"{name:6} {result['rps']:8.0f} req/s   p50 {result['p50_us'] / 1000:6.1f} ms   "
        f"p90 {result['p90_us'] / 1000:6.1f} ms   p99 {result['p99_us'] / 1000:6.1f} ms   "
        f"({result['requests']} requests, {result['non200']} not 200, "
        f"{result['socket_errors']} socket errors, load average {result['load_average']})",
        flush=True,
    )
    return result


# -- the limit: PostgreSQL alone, the same statement (pgbench) ---------------------------------

PGBENCH_CODES = "bench_pgbench_codes"


def pgbench_path() -> str | None:
    found = shutil.which("pgbench")
    fallback = "/usr/lib/postgresql/15/bin/pgbench"
    return found or (fallback if Path(fallback).exists() else None)


def pgbench_script() -> str:
    """``fastpath.SQL`` for pgbench: the same statement, its parameters as pgbench variables,
    except the code's HMAC and the reference, which the first CTE reads from the client's
    next row of ``bench_pgbench_codes`` (``i``: a counter per client)."""
    from juzhu.verification import fastpath

    sql = fastpath.SQL.strip()
    assert sql.startswith("WITH k AS (")
    sql = sql.replace(
        "WITH k AS (",
        f"WITH q AS MATERIALIZED (SELECT code_hash, reference FROM {PGBENCH_CODES} "
        "WHERE i = :i), k AS (",
        1,
    )
    sql = sql.replace("%(code_hash)s", "(SELECT code_hash FROM q)")
    sql = sql.replace("%(reference)s", "(SELECT reference FROM q)")
    sql = re.sub(r"%\((\w+)\)s", r":\1", sql)
    assert "%(" not in sql
    return "\\set n :n + 1\n\\set i :base + :client_id * :per + :n\n" + sql + ";\n"


def pgbench_codes(party: str, count: int) -> None:
    """``count`` fresh codes for pgbench, numbered 1..count (valid 10 minutes)."""
    from django.db import connection

    codes = make_codes(party, count)
    from juzhu.verification import keys

    lines = "".join(f"{i}\t{keys.code_hash(c)}\t{uuid.uuid4()}\n" for i, c in enumerate(codes, 1))
    connection.ensure_connection()
    raw: Any = connection.connection
    with raw.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {PGBENCH_CODES}")
        cur.execute(f"CREATE TABLE {PGBENCH_CODES} (i integer PRIMARY KEY, code_hash text, "
                    "reference uuid)")  # fmt: skip
        with cur.copy(f"COPY {PGBENCH_CODES} FROM STDIN") as copy:
            copy.write(lines)
    raw.commit()


def run_pgbench(exe: str, script: Path, seconds: int, base: int, per: int, key_hash: str,
                a: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    """One pgbench run; every transaction of it shares one ``now`` (its codes are valid)."""
    from django.db import connection

    now = dt.datetime.now(dt.UTC)
    local = now.astimezone()  # fast_query: the day starts at local midnight
    variables = {
        "n": "0", "base": str(base), "per": str(per), "key_hash": key_hash, "purpose": PURPOSE,
        "on": local.date().isoformat(), "now": now.isoformat(),
        "minute": now.replace(second=0, microsecond=0).isoformat(),
        "day": local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC).isoformat(),
    }  # fmt: skip
    cmd = [exe, "-h", "127.0.0.1", "-U", "postgres", "-n", "-M", "prepared",
           f"-c{a.connections}", f"-j{a.wrk_threads}", f"-T{seconds}", "-f", str(script),
           *(f"-D{k}={v}" for k, v in variables.items()), DB]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    found = dict(re.findall(r"^(number of transactions actually processed|tps|latency average)"
                            r"(?::| =) ([\d.]+)", out, re.M))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM verification_consentcode WHERE used_at = %s", [now])
        used = int(cursor.fetchone()[0])
    done = int(found["number of transactions actually processed"])
    return {"rps": float(found["tps"]), "transactions": done, "codes_used": used,
            "latency_avg_ms": float(found["latency average"]), "valid": used == done}  # fmt: skip


def measure_pgbench(exe: str, party: str, key: str, work: Path, a: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    from juzhu.verification import keys

    per = (a.warmup + a.duration) * a.pgbench_rate_cap // a.connections + 1
    pgbench_codes(party, per * a.connections * 2)  # warm-up, then the measured run
    script = work / "verify.pgbench"
    script.write_text(pgbench_script())
    settle()
    run_pgbench(exe, script, a.warmup, 0, per, keys.api_key_hash(key), a)
    result = run_pgbench(exe, script, a.duration, per * a.connections, per, keys.api_key_hash(key), a)  # fmt: skip
    result["load_average"] = round(os.getloadavg()[0], 2)
    print(
        f"pgbench {result['rps']:7.0f} tx/s    latency average {result['latency_avg_ms']:.1f} ms   "
        f"({result['transactions']} transactions, {result['codes_used']} codes used: "
        f"{'valid' if result['valid'] else 'INVALID'}, load average {result['load_average']})",
        flush=True,
    )
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1_000_000, help="permits in the registry")
    p.add_argument("--duration", type=int, default=30, help="seconds of measured load per side")
    p.add_argument("--warmup", type=int, default=5, help="seconds of load before measuring")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=2, help="juzhu serve --workers")
    p.add_argument("--floor-workers", type=int, default=2, help="uvicorn worker processes")
    p.add_argument("--also-pool", type=int, nargs="*", default=[],
                   help="also run juzhu with these JUZHU_VERIFY_POOL sizes")  # fmt: skip
    p.add_argument("--serve-args", default="", help="more juzhu serve options")
    p.add_argument("--rate-cap", type=int, default=6000, help="codes made per second of load")
    p.add_argument("--port", type=int, default=8931)
    p.add_argument("--rounds", type=int, default=1, help="alternate the contenders this often")
    p.add_argument("--floors", default="floor,floor+", help="which floors to run (comma list)")
    p.add_argument("--pgbench-rate-cap", type=int, default=15000,
                   help="codes made per second of pgbench (each transaction uses one)")  # fmt: skip
    p.add_argument("--no-pgbench", action="store_true", help="skip the pgbench limit")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--json", action="store_true", help="a JSON summary as the last line")
    a = p.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    exe = None if a.no_pgbench else pgbench_path()
    if exe is None and not a.no_pgbench:
        raise SystemExit("pgbench not found: scripts/ensure-postgres.sh installs postgresql-15")

    os.environ.update(ENV)
    work = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    os.environ["JUZHU_VAR_DIR"] = str(work)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    from juzhu.cli.django_setup import batch_budgets

    batch_budgets()  # loading a million rows takes a batch command's database budgets
    django.setup()
    started = time.monotonic()
    load(a.n)
    party, key = make_party()
    print(f"loaded {a.n:,} permits in {time.monotonic() - started:.0f} s", flush=True)
    (work / "verify.lua").write_text(LUA)
    url = f"http://127.0.0.1:{a.port}"
    server_env = {**ENV, "JUZHU_VAR_DIR": str(work)}
    serve = ["serve", "--port", str(a.port), "--workers", str(a.workers), "--no-access-log",
             *a.serve_args.split()]  # fmt: skip
    floor_env = {**server_env, "FLOOR_PARTY": party,
                 "FLOOR_POOL": str(max(1, a.connections // a.floor_workers))}  # fmt: skip
    uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "verify:make_floor_app",
               "--app-dir", str(BENCH_DIR), "--port", str(a.port),
               "--workers", str(a.floor_workers), "--no-access-log", "--log-level", "warning"]  # fmt: skip
    contenders = {
        "juzhu": (
            [str(ROOT / ".venv/bin/juzhu"), *serve],
            server_env, "/api/verification/verify", key,
        ),
        "floor": ([*uvicorn, "--loop", "asyncio", "--http", "h11"], floor_env, "/verify", ""),
        "floor+": ([*uvicorn, "--loop", "uvloop", "--http", "httptools"], floor_env, "/verify", ""),
    }  # fmt: skip
    for name in ("floor", "floor+"):
        if name not in a.floors.split(","):
            del contenders[name]
    for size in a.also_pool:  # juzhu again with another pool size (JUZHU_VERIFY_POOL)
        cmd, env, path, secret = contenders["juzhu"]
        contenders[f"juzhu-{size}"] = (cmd, {**env, "JUZHU_VERIFY_POOL": str(size)}, path, secret)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    try:
        for round_no in range(1, a.rounds + 1):
            print(f"round {round_no} of {a.rounds}", flush=True)
            for name, (cmd, env, path, secret) in contenders.items():
                runs[name].append(measure(name, cmd, env, url, path, secret or "-", party, work, a))
            if exe is not None:  # after the wrk runs: PostgreSQL alone, the same statement
                runs.setdefault("pgbench", []).append(measure_pgbench(exe, party, key, work, a))
    finally:
        from django.db import connection

        connection.close()
        shutil.rmtree(work, ignore_errors=True)
        if not a.keep:
            import psycopg

            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    report(runs, a, " ".join(serve))


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def report(runs: dict[str, list[dict[str, Any]]], a: argparse.Namespace, serve: str) -> None:
    """Medians over the rounds; each round's ratio compares runs made minutes apart, which
    matters on a shared machine whose background load drifts."""
    summary: dict[str, Any] = {}
    for name, results in runs.items():
        if name == "pgbench":
            summary[name] = {
                "rps": round(_median([r["rps"] for r in results])),
                "latency_avg_ms": _median([r["latency_avg_ms"] for r in results]),
                "valid": all(r["valid"] for r in results),
                "rounds": results,
            }
            continue
        summary[name] = {
            "rps": round(_median([r["rps"] for r in results])),
            "p50_ms": round(_median([r["p50_us"] for r in results]) / 1000, 1),
            "p99_ms": round(_median([r["p99_us"] for r in results]) / 1000, 1),
            "valid": all(r["valid"] for r in results),
            "rounds": results,
        }
    print("medians over", a.rounds, "round(s):")
    for name, s in summary.items():
        if name == "pgbench":
            print(f"  {name:6} {s['rps']:6} tx/s   latency average {s['latency_avg_ms']:.1f} ms")
            continue
        print(f"  {name:6} {s['rps']:6} req/s  p50 {s['p50_ms']:5} ms  p99 {s['p99_ms']:5} ms")
    verdicts = {}
    for floor in [f for f in ("floor", "floor+") if f in runs]:
        ratios = [j["rps"] / f["rps"] for j, f in zip(runs["juzhu"], runs[floor], strict=True)]
        ratio = _median(ratios)
        ok = (ratio >= 0.5 and summary["juzhu"]["p99_ms"] <= 50
              and summary["juzhu"]["valid"] and summary[floor]["valid"])  # fmt: skip
        verdicts[floor] = {"ratio": round(ratio, 3), "pass": ok}
        print(
            f"juzhu / {floor}: {ratio:.2f}× (target ≥ 0.5×), juzhu p99 "
            f"{summary['juzhu']['p99_ms']} ms (target ≤ 50 ms): {'PASS' if ok else 'FAIL'}"
        )
    if "pgbench" in runs:
        ratios = [j["rps"] / b["rps"] for j, b in zip(runs["juzhu"], runs["pgbench"], strict=True)]
        ratio = _median(ratios)
        valid = summary["pgbench"]["valid"]
        verdicts["pgbench"] = {"ratio": round(ratio, 3), "valid": valid}
        print(
            f"juzhu / pgbench (PostgreSQL alone, the same statement, -M prepared): {ratio:.2f}×"
            f"{'' if valid else '  (pgbench run INVALID: a transaction found no fresh code)'}"
        )
    print(f"served by: juzhu {serve}")
    if a.json:
        print(json.dumps({
            "n": a.n, "connections": a.connections, "duration_s": a.duration,
            "rounds": a.rounds, "workers": a.workers, "serve": serve,
            "floor_workers": a.floor_workers, **summary, "verdicts": verdicts,
        }))  # fmt: skip


if __name__ == "__main__":
    main()
