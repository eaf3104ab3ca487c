"""Failover drill: the primary dies under write load; a replica takes over; juzhu carries on.

On this one machine: one etcd member and three Patroni nodes (PostgreSQL 15, each its own
data directory and ports, ``synchronous_mode: true``, a short ``ttl`` for a quick drill),
juzhu migrated into the cluster (``juzhu migrate`` at the leader), then ``juzhu serve`` with
a ``DATABASE_URL`` that names every node (``target_session_attrs=read-write``: libpq and the
asyncpg pool keep the node that takes writes). Client threads put real writes through the
service — ``POST /api/verification/verify``, each consuming a fresh consent code and
writing the holder's receipt, the audit row (``verification_verification``, by the
``reference`` the answer gives) and the usage count — and record every acknowledged write
(200 and its reference). Mid-load the leader's node is killed (SIGKILL to its Patroni and
to its postmaster and backends: a machine lost, not a clean stop). Measured:

* **promotion**: from the kill until a surviving node's Patroni answers ``GET /primary``
  with 200 (the leader key expires after ``ttl``; the synchronous standby takes it);
* **recovery**: from the kill until the service's first acknowledged write sent after it —
  the time to recover; and the **gap**: until the last failed request;
* **failed requests** during the gap: each must be a clean 503 with ``Retry-After``
  (``config/failure.py``) — a 500, another 5xx, a lost connection or no answer within the
  client's timeout is a failure of the drill;
* **lost writes**: every acknowledged reference is looked up on the new leader; with
  synchronous replication none may be missing.

Exit status non-zero if a write is lost, a request failed uncleanly, or the service did
not recover within ``--bound`` seconds. The set-up for production, and these figures, are
in docs/howto/high-availability.md and docs/benchmarks.md §11.

Run (as root or postgres; Patroni and PostgreSQL run as the postgres user):
``scripts/ensure-patroni.sh && JUZHU_ENV=development .venv/bin/python bench/failover.py
[--nodes 3] [--clients 6] [--rate 60] [--strict] [--json]``. About two minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import verify  # noqa: E402  (the verification bench's data loader, party, codes and server)

BIN = Path("/usr/lib/postgresql/15/bin")
SCOPE = "juzhu-drill"
DB = "juzhu"
PATH = "/api/verification/verify"
CLIENT_TIMEOUT = 20.0  # seconds: no answer by then is a hang


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_postgres() -> dict[str, Any]:
    """Popen's arguments that run a command as the postgres system user (initdb refuses
    root): our own child still, so that it is reaped when killed."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": [],
            "env": {**os.environ, "HOME": entry.pw_dir, "USER": "postgres"}}  # fmt: skip


def http_json(url: str, timeout: float = 1.0) -> tuple[int, Any]:
    """GET ``url``: its status and JSON body (0 and None when nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 (our own http://127.0.0.1)
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (OSError, ValueError):
        return 0, None


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


@dataclass
class Node:
    name: str
    pg_port: int
    api_port: int
    home: Path
    proc: subprocess.Popen[bytes] | None = None
    alive: bool = True

    @property
    def data(self) -> Path:
        return self.home / self.name

    def api(self, path: str) -> tuple[int, Any]:
        return http_json(f"http://127.0.0.1:{self.api_port}{path}")

    def config(self, etcd_port: int, a: argparse.Namespace) -> dict[str, Any]:
        return {
            "scope": SCOPE,
            "name": self.name,
            "log": {"level": "WARNING"},
            "restapi": {"listen": f"127.0.0.1:{self.api_port}",
                        "connect_address": f"127.0.0.1:{self.api_port}"},
            "etcd3": {"hosts": [f"127.0.0.1:{etcd_port}"]},
            "bootstrap": {
                "dcs": {
                    # the leader key lives ttl seconds; each node looks every loop_wait
                    "ttl": a.ttl, "loop_wait": a.loop_wait, "retry_timeout": a.retry_timeout,
                    "maximum_lag_on_failover": 1048576,
                    "synchronous_mode": True,
                    "synchronous_mode_strict": a.strict,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "parameters": {"wal_log_hints": "on", "max_wal_senders": 10,
                                       "max_replication_slots": 10, "hot_standby": "on"},
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.pg_port}",
                "connect_address": f"127.0.0.1:{self.pg_port}",
                "data_dir": str(self.data),
                "bin_dir": str(BIN),
                "pgpass": str(self.home / f"{self.name}.pgpass"),
                "authentication": {"superuser": {"username": "postgres"},
                                   "replication": {"username": "replicator"}},
                "pg_hba": ["local all all trust", "host all all 127.0.0.1/32 trust",
                           "host replication replicator 127.0.0.1/32 trust"],
                "parameters": {"unix_socket_directories": str(self.home / "run"),
                               "shared_buffers": "32MB", "max_connections": 60},
            },
        }  # fmt: skip


class Cluster:
    """etcd and the Patroni nodes, in a scratch directory owned by postgres."""

    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.home = Path(tempfile.mkdtemp(prefix="juzhu-failover-"))
        os.chmod(self.home, 0o755)  # noqa: S103 (postgres must enter the scratch directory)
        (self.home / "run").mkdir()
        self.etcd_port, self.etcd_peer = free_port(), free_port()
        self.nodes = [
            Node(f"node{i + 1}", free_port(), free_port(), self.home) for i in range(a.nodes)
        ]
        self.etcd: subprocess.Popen[bytes] | None = None
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.home, entry.pw_uid, entry.pw_gid)
            os.chown(self.home / "run", entry.pw_uid, entry.pw_gid)

    def _spawn(self, argv: list[str], log: str) -> subprocess.Popen[bytes]:
        with (self.home / log).open("ab") as out:
            return subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.home,
                start_new_session=True, **as_postgres(),
            )  # fmt: skip

    def start(self) -> None:
        peer = f"http://127.0.0.1:{self.etcd_peer}"
        self.etcd = self._spawn(
            ["etcd", "--name", "e1", "--data-dir", str(self.home / "etcd"),
             "--listen-client-urls", f"http://127.0.0.1:{self.etcd_port}",
             "--advertise-client-urls", f"http://127.0.0.1:{self.etcd_port}",
             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", f"e1={peer}", "--log-level", "warn"],
            "etcd.log",
        )  # fmt: skip
        wait(lambda: http_json(f"http://127.0.0.1:{self.etcd_port}/health")[0] == 200, 30, "etcd")
        for node in self.nodes:
            conf = self.home / f"{node.name}.yml"
            # YAML is a superset of JSON
            conf.write_text(json.dumps(node.config(self.etcd_port, self.a), indent=1))
            node.proc = self._spawn(["patroni", str(conf)], f"{node.name}.log")

    def members(self) -> list[dict[str, Any]]:
        for node in self.nodes:
            if node.alive:
                status, body = node.api("/cluster")
                if status == 200 and body:
                    return list(body.get("members", []))
        return []

    def role(self, role: str) -> Node | None:
        names = {m["name"] for m in self.members() if m.get("role") == role}
        return next((n for n in self.nodes if n.name in names and n.alive), None)

    def healthy(self) -> bool:
        """A leader, a synchronous standby, and every replica streaming."""
        members = self.members()
        roles = [m.get("role") for m in members]
        # Patroni 3.0 says "running" of a replica that streams, later versions "streaming"
        streaming = [m for m in members if m.get("role") != "leader"
                     and m.get("state") in ("running", "streaming") and m.get("lag") != "unknown"]  # fmt: skip
        return (
            len(members) == len(self.nodes)
            and "leader" in roles
            and "sync_standby" in roles
            and len(streaming) == len(self.nodes) - 1
        )

    def kill(self, node: Node) -> float:
        """SIGKILL the node's Patroni, then its postmaster and every backend: as if its
        machine were gone. Returns the moment (monotonic) of the kill."""
        pid_file = node.data / "postmaster.pid"
        postmaster = int(pid_file.read_text().split()[0])
        tree = process_tree(postmaster)
        killed = time.monotonic()
        assert node.proc is not None
        os.killpg(node.proc.pid, signal.SIGKILL)  # its Patroni
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        node.alive = False
        return killed

    def sql(self, node: Node, query: str, *params: Any, db: str = DB) -> list[tuple[Any, ...]]:
        import psycopg

        dsn = f"host=127.0.0.1 port={node.pg_port} user=postgres dbname={db} connect_timeout=5"
        with psycopg.connect(dsn, autocommit=True) as conn:
            cursor = conn.execute(query, params)  # type: ignore[arg-type]
            return list(cursor.fetchall()) if cursor.description else []

    def stop(self) -> None:
        for node in self.nodes:
            if node.alive and node.proc is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(node.proc.pid, signal.SIGKILL)
                pid_file = node.data / "postmaster.pid"
                with contextlib.suppress(OSError, ValueError, IndexError):
                    for pid in process_tree(int(pid_file.read_text().split()[0])):
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
        if self.etcd is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.etcd.pid, signal.SIGKILL)
        for proc in [self.etcd, *(n.proc for n in self.nodes)]:
            if proc is not None:
                proc.wait()

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.home / name
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def wait(check: Any, timeout: float, what: str, every: float = 0.2) -> float:
    """Poll ``check`` until true; the seconds it took. SystemExit after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(every)
    raise SystemExit(f"failover drill: {what} not ready within {timeout:.0f} s")


# -- the load ---------------------------------------------------------------------------------


@dataclass
class Answer:
    sent: float  # monotonic
    done: float
    status: int  # 0: no HTTP answer (connection lost, or no answer within CLIENT_TIMEOUT)
    code: str = ""
    reference: str | None = None
    retry_after: str | None = None
    error: str = ""


@dataclass
class Load:
    port: int
    key: str
    codes: list[list[str]]
    interval: float
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, codes: list[str]) -> None:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"}
        conn: http.client.HTTPConnection | None = None
        for code in codes:
            if self.stop.is_set():
                break
            body = json.dumps({"purpose": verify.PURPOSE, "consent_code": code})
            sent = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT)  # fmt: skip
                conn.request("POST", PATH, body, headers)
                response = conn.getresponse()
                data = response.read()
                answer = Answer(sent, time.monotonic(), response.status, code,
                                retry_after=response.getheader("Retry-After"))  # fmt: skip
                if response.status == 200:
                    answer.reference = json.loads(data)["reference"]
                elif response.status != 503:
                    answer.error = data[:300].decode(errors="replace")
            except (OSError, http.client.HTTPException) as exc:
                answer = Answer(
                    sent, time.monotonic(), 0, code, error=f"{type(exc).__name__}: {exc}"
                )
                conn.close() if conn else None
                conn = None
            with self.lock:
                self.answers.append(answer)
            time.sleep(max(0.0, sent + self.interval - time.monotonic()))
        if conn is not None:
            conn.close()

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.client, args=(c,), daemon=True) for c in self.codes]
        for t in threads:
            t.start()
        return threads

    def acknowledged_since(self, moment: float) -> int:
        with self.lock:
            return sum(1 for a in self.answers if a.status == 200 and a.sent >= moment)


def watch_promotion(cluster: Cluster, since: float, out: dict[str, Any]) -> None:
    """Note when a surviving node becomes the primary, and when writes are synchronous
    again (a synchronous standby of the new leader)."""
    while time.monotonic() - since < 120:
        if "promoted" not in out:
            for node in cluster.nodes:
                if node.alive and node.api("/primary")[0] == 200:
                    out["promoted"], out["new_leader"] = time.monotonic() - since, node.name
        elif cluster.role("sync_standby") is not None:
            out["sync_again"] = time.monotonic() - since
            return
        time.sleep(0.1)


# -- the drill --------------------------------------------------------------------------------


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nodes", type=int, default=3, help="Patroni nodes (2 or 3)")
    p.add_argument("--clients", type=int, default=6, help="client threads writing")
    p.add_argument("--rate", type=float, default=60, help="requests per second, all clients")
    p.add_argument("--before", type=float, default=8, help="seconds of load before the kill")
    p.add_argument("--after", type=float, default=8, help="seconds of load after recovery")
    p.add_argument("--bound", type=float, default=60, help="recovery must take less (s)")
    p.add_argument("--permits", type=int, default=2000)
    p.add_argument("--workers", type=int, default=1, help="juzhu serve --workers")
    p.add_argument("--ttl", type=int, default=10, help="Patroni's leader key lifetime (s)")
    p.add_argument("--loop-wait", type=int, default=1)
    p.add_argument("--retry-timeout", type=int, default=4)
    p.add_argument("--strict", action="store_true", help="synchronous_mode_strict: true")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    p.add_argument("--json", action="store_true", help="a JSON summary as the last line")
    a = p.parse_args()
    missing = [b for b in ("patroni", "etcd") if shutil.which(b) is None]
    if missing or not (BIN / "initdb").exists():
        print(f"failover drill: needs patroni, etcd and PostgreSQL 15 ({', '.join(missing) or BIN}"
              " missing): run scripts/ensure-patroni.sh", file=sys.stderr)  # fmt: skip
        return 2
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        print("failover drill: run as root or postgres (PostgreSQL runs as postgres)", file=sys.stderr)  # fmt: skip
        return 2

    started = time.monotonic()
    cluster = Cluster(a)
    server: subprocess.Popen[bytes] | None = None
    try:
        cluster.start()
        boot = wait(cluster.healthy, 120, "the cluster (a leader, a synchronous standby)")
        leader = cluster.role("leader")
        assert leader is not None
        print(f"cluster up in {boot:.1f} s: {len(cluster.nodes)} nodes, leader {leader.name}, "
              f"ttl {a.ttl} s, loop_wait {a.loop_wait} s, synchronous_mode on"
              f"{' (strict)' if a.strict else ''}", flush=True)  # fmt: skip
        cluster.sql(leader, f"CREATE DATABASE {DB}", db="postgres")
        hosts = ",".join(f"127.0.0.1:{n.pg_port}" for n in cluster.nodes)
        env = {
            **verify.ENV,
            "JUZHU_ENV": "development",
            "JUZHU_VAR_DIR": str(cluster.home / "var"),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
            # every node; libpq keeps the one that takes writes
            "DATABASE_URL": f"postgres://postgres@{hosts}/{DB}?target_session_attrs=read-write",
        }
        t0 = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "juzhu.cli", "migrate"], check=True, cwd=ROOT,
            env={**os.environ, **env,
                 "DATABASE_URL": f"postgres://postgres@127.0.0.1:{leader.pg_port}/{DB}"},
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        print(f"juzhu migrated at the leader in {time.monotonic() - t0:.1f} s", flush=True)

        os.environ.update(env)
        sys.path.insert(0, str(ROOT / "src"))
        import django

        from juzhu.cli.django_setup import batch_budgets

        batch_budgets()
        django.setup()
        verify.fill(a.permits)
        party, key = verify.make_party()
        per_client = int(a.rate / a.clients * (a.before + a.bound + a.after + 10)) + 10
        codes = verify.make_codes(party, per_client * a.clients)
        from django.db import connections

        connections.close_all()

        port = free_port()
        server = verify.start(
            [sys.executable, "-m", "juzhu.cli", "serve", "--no-notify", "--port", str(port),
             "--workers", str(a.workers), "--no-access-log"],
            env, log=cluster.home / "serve.log",
        )  # fmt: skip
        verify.wait_ready(f"http://127.0.0.1:{port}/healthz", server)
        load = Load(port, key, [codes[i :: a.clients] for i in range(a.clients)], a.clients / a.rate)  # fmt: skip
        threads = load.run()
        time.sleep(a.before)

        sync = cluster.role("sync_standby")
        before = len(load.answers)
        replication = cluster.sql(leader, "SELECT application_name, sync_state FROM pg_stat_replication ORDER BY 1")  # fmt: skip
        promotion: dict[str, Any] = {}
        killed = cluster.kill(leader)
        watcher = threading.Thread(target=watch_promotion, args=(cluster, killed, promotion), daemon=True)  # fmt: skip
        watcher.start()
        print(f"killed {leader.name} (the leader) after {before} requests; synchronous "
              f"standby {sync.name if sync else 'none'}; replication {replication}", flush=True)  # fmt: skip

        with contextlib.suppress(SystemExit):
            wait(lambda: load.acknowledged_since(killed) > 0, a.bound, "recovery", every=0.05)
        time.sleep(a.after)
        load.stop.set()
        for t in threads:
            t.join(CLIENT_TIMEOUT + 5)
        watcher.join(5)
        return report(a, cluster, load, killed, leader, sync, promotion, started)
    finally:
        if server is not None:
            verify.stop(server)
        cluster.stop()
        if a.keep:
            print(f"kept {cluster.home}")
        else:
            shutil.rmtree(cluster.home, ignore_errors=True)


def report(
    a: argparse.Namespace, cluster: Cluster, load: Load, killed: float, old: Node,
    sync: Node | None, promotion: dict[str, Any], started: float,
) -> int:  # fmt: skip
    answers = sorted(load.answers, key=lambda x: x.sent)
    acked = [x for x in answers if x.status == 200]
    after_kill = [x for x in answers if x.done >= killed]
    recovered = min((x.done for x in acked if x.sent >= killed), default=None)
    failed = [x for x in after_kill if x.status != 200]
    clean = [x for x in failed if x.status == 503 and x.retry_after]
    # "consent code already used": the code's first try went through (its answer was lost:
    # the fast path's statement timed out waiting to commit) and the fallback asked again
    used = [x for x in failed if x.status == 403 and "consent-code-used" in x.error]
    unclean = [x for x in failed if x not in clean and x not in used]
    gap = max((x.done for x in failed), default=killed) - killed
    new = next((n for n in cluster.nodes if n.name == promotion.get("new_leader")), None)
    lost: list[str] = []
    used_written = pool = 0
    if new is not None:
        # the fast path's asyncpg pool (application_name juzhu-verify) found the new leader
        pool = int(cluster.sql(new, "SELECT count(*) FROM pg_stat_activity "
                                    "WHERE application_name = 'juzhu-verify'")[0][0])  # fmt: skip
        refs = [x.reference for x in acked]
        found = {
            str(row[0])
            for row in cluster.sql(new, "SELECT reference FROM verification_verification "
                                        "WHERE reference = ANY(%s::uuid[])", refs)
        }  # fmt: skip
        lost = [r for r in refs if r not in found]
        if used:
            from juzhu.verification import keys

            hashes = [keys.code_hash(x.code) for x in used]
            consumed = cluster.sql(new, "SELECT count(*) FROM verification_consentcode "
                                        "WHERE used_at IS NOT NULL AND code_hash = ANY(%s)", hashes)  # fmt: skip
            used_written = int(consumed[0][0])
    result = {
        "nodes": len(cluster.nodes), "ttl_s": a.ttl, "loop_wait_s": a.loop_wait,
        "strict": a.strict, "clients": a.clients, "rate": a.rate,
        "requests": len(answers), "acknowledged": len(acked),
        "killed": old.name, "sync_standby": sync.name if sync else None,
        "new_leader": promotion.get("new_leader"),
        "promoted_s": round(promotion["promoted"], 2) if "promoted" in promotion else None,
        "recovered_s": round(recovered - killed, 2) if recovered else None,
        "gap_s": round(gap, 2),
        "sync_again_s": round(promotion["sync_again"], 2) if "sync_again" in promotion else None,
        "failed": len(failed), "failed_503": len(clean), "failed_unclean": len(unclean),
        "failed_code_used": len(used), "code_used_written": used_written,
        "failed_answer_p50_s": percentile([x.done - x.sent for x in failed], 50),
        "failed_answer_max_s": percentile([x.done - x.sent for x in failed], 100),
        "lost": len(lost), "pool_on_new_leader": pool, "drill_s": round(time.monotonic() - started, 1),
        "load_average": round(os.getloadavg()[0], 2),
    }  # fmt: skip
    print(
        f"\nFailover drill ({result['nodes']} Patroni nodes, synchronous_mode"
        f"{'_strict' if a.strict else ''}, ttl {a.ttl} s; {a.clients} clients, {a.rate:g} req/s)\n"
        f"  killed               {old.name} (leader); synchronous standby was {result['sync_standby']}\n"
        f"  promoted             {result['new_leader']} after {fmt(result['promoted_s'])}\n"
        f"  service recovered    first acknowledged write after {fmt(result['recovered_s'])} "
        f"(bound {a.bound:g} s); last failed request at {result['gap_s']:.2f} s\n"
        f"  synchronous again    after {fmt(result['sync_again_s'])} (a standby of the new leader)\n"
        f"  requests             {result['requests']} ({result['acknowledged']} acknowledged); "
        f"failed after the kill: {len(failed)} — {len(clean)} clean 503 + Retry-After, "
        f"{len(used)} 403 code already used ({used_written} of them written on the new leader), "
        f"{len(unclean)} otherwise; answered in {fmt(result['failed_answer_p50_s'])} (median), "
        f"{fmt(result['failed_answer_max_s'])} (slowest)\n"
        f"  acknowledged writes  {len(acked) - len(lost)} of {len(acked)} on the new leader "
        f"({len(lost)} lost)\n"
        f"  fast path's pool     {pool} asyncpg connections on the new leader\n"
        f"  drill                {result['drill_s']:.0f} s, load average {result['load_average']}",
        flush=True,
    )  # fmt: skip
    for x in unclean[:10]:
        print(f"  unclean: {x.status or 'no answer'} at {x.sent - killed:+.2f} s after the kill, "
              f"{x.done - x.sent:.2f} s: {x.error[:200]}")  # fmt: skip
    problems = []
    if lost:
        problems.append(f"{len(lost)} acknowledged writes lost: {lost[:5]}")
    if recovered is None or recovered - killed > a.bound:
        problems.append(f"the service did not recover within {a.bound:g} s")
    if not pool:
        problems.append("the fast path's asyncpg pool did not reconnect to the new leader")
    if unclean:
        problems.append(f"{len(unclean)} requests failed without a clean 503")
    if problems:
        print("FAILED: " + "; ".join(problems), file=sys.stderr)
        print("--- serve.log ---\n" + cluster.log_tail("serve.log", 30), file=sys.stderr)
    else:
        print("PASSED: no acknowledged write lost; every failed request a clean 503")
    if a.json:
        print(json.dumps(result))
    return 1 if problems else 0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))], 3)


def fmt(seconds: float | None) -> str:
    return f"{seconds:.2f} s" if seconds is not None else "never"


if __name__ == "__main__":
    sys.exit(main())
