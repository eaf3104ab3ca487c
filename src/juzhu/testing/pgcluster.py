"""Scratch PostgreSQL 15 clusters, streaming replicas and PgBouncer, for tests and benches.

    with ScratchCluster() as primary:              # initdb + start on a free port
        primary.create_database("juzhu")
        with primary.make_replica() as replica:    # pg_basebackup -R, streaming, hot standby
            with PgBouncer(primary, default_pool_size=2) as bouncer:
                url = bouncer.url("juzhu")         # postgres://postgres@127.0.0.1:PORT/juzhu

Everything lives in one temporary directory per cluster and goes when the context ends
(``pg_ctl stop -m immediate``, the bouncer terminated, the directory removed). The server
runs as the ``postgres`` system user (initdb refuses root): from root through ``runuser``.
Debian's binaries: ``/usr/lib/postgresql/15/bin`` and ``pgbouncer``
(``scripts/ensure-pgbouncer.sh``). ``missing()`` says why this machine cannot, or None.

Tuned for speed, not durability (``fsync=off``): never point it at data you want to keep.
"""

from __future__ import annotations

import abc
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

BIN = Path(os.environ.get("JUZHU_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )


def _postgres_ids() -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def missing(*, pgbouncer: bool = False) -> str | None:
    """Why scratch clusters (and PgBouncer) cannot run here, or None when they can."""
    ids = _postgres_ids()
    if not (BIN / "initdb").exists() or ids is None:
        return f"needs PostgreSQL 15's binaries in {BIN} and a postgres user"
    if os.geteuid() not in (0, ids[0]):
        return "needs to run as root or postgres (initdb runs as postgres)"
    if pgbouncer and _pgbouncer_binary() is None:
        return "needs pgbouncer (scripts/ensure-pgbouncer.sh)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_as_postgres(*cmd: str, check: bool = True, timeout: float = 120) -> str:
    """``cmd`` as the postgres system user (from root through runuser); its stdout."""
    argv = list(cmd) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603 (our own argv)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")  # fmt: skip
    return done.stdout


def _wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port} after {seconds:.0f} s")


def _scratch_dir(prefix: str) -> Path:
    home = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(home, 0o755)  # noqa: S103 (the postgres user must enter it)
    ids = _postgres_ids()
    if ids is not None and os.geteuid() == 0:
        os.chown(home, *ids)
    return home


class _Managed(abc.ABC):
    """Something started and stopped: as a context manager, stopped on the way out."""

    @abc.abstractmethod
    def start(self) -> Self: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class ScratchCluster(_Managed):
    """A throw-away PostgreSQL cluster on 127.0.0.1:``port`` (a free one by default), trust
    auth for ``postgres``, WAL kept for streaming replicas. ``make_replica()`` makes a hot
    standby of it; a replica's ``primary`` is the cluster it follows."""

    def __init__(
        self, port: int | None = None, *, primary: ScratchCluster | None = None, conf: str = ""
    ) -> None:
        self.port = port or free_port()
        self.primary = primary
        self.conf = conf  # more postgresql.conf lines (later lines win): e.g. durable settings
        self.home = _scratch_dir("juzhu-pg-replica-" if primary else "juzhu-pg-")
        self.data = self.home / "data"
        self.sockets = self.home / "run"
        self.log = self.home / "postgres.log"
        self.replicas: list[ScratchCluster] = []

    # -- life cycle --------------------------------------------------------------------
    def start(self) -> Self:
        """initdb (or pg_basebackup for a replica) the first time, then start; a running
        cluster is left as it is."""
        if (self.data / "postmaster.pid").exists():
            return self
        if not self.data.exists():
            self.sockets.mkdir(exist_ok=True)
            run_as_postgres("mkdir", "-p", str(self.sockets))
            if self.primary is None:
                run_as_postgres(
                    str(BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
                )  # fmt: skip
                with (self.data / "postgresql.conf").open("a") as conf:
                    conf.write(
                        "\n# juzhu.testing.pgcluster: a scratch cluster, fast not durable\n"
                        "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                        "wal_level = replica\nmax_wal_senders = 10\nhot_standby = on\n"
                        "max_connections = 200\nshared_buffers = 32MB\n" + self.conf
                    )
            else:
                run_as_postgres(
                    str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port),
                    "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
                )  # fmt: skip
            if os.geteuid() == 0:
                ids = _postgres_ids()
                assert ids is not None
                for path in (self.sockets, self.home):
                    os.chown(path, *ids)
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1"
        try:
            run_as_postgres(
                str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                "-o", options, "start",
            )  # fmt: skip
        except RuntimeError as exc:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{exc}\n{self.log}:\n{tail}") from None
        return self

    def stop(self, mode: str = "immediate", *, remove: bool = True) -> None:
        """Stop the server (its replicas first); ``remove``: delete its directory too."""
        for replica in self.replicas:
            replica.stop(mode, remove=remove)
        if (self.data / "postmaster.pid").exists():
            run_as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)  # fmt: skip
        if remove:
            shutil.rmtree(self.home, ignore_errors=True)

    def make_replica(self, port: int | None = None) -> ScratchCluster:
        """A streaming hot standby of this cluster (``pg_basebackup -R``), started."""
        replica = ScratchCluster(port, primary=self)
        self.replicas.append(replica)
        return replica.start()

    # -- use ---------------------------------------------------------------------------
    def url(self, db: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, query: str, db: str = "postgres") -> str:
        """One statement through psql; its rows, unaligned, | between columns."""
        return run_as_postgres(
            str(BIN / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", str(self.sockets), "-p", str(self.port), "-d", db, "-c", query,
        ).strip()  # fmt: skip

    def create_database(self, name: str) -> str:
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def wait_for_replay(self, seconds: float = 20) -> None:
        """Until every replica has replayed what this cluster has written so far."""
        target = self.sql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + seconds
        for replica in self.replicas:
            while replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'") != "t":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"replica on {replica.port} did not reach {target}")
                time.sleep(0.05)


class PgBouncer(_Managed):
    """PgBouncer on 127.0.0.1:``port`` in front of ``target`` (every database name passed
    through), trust auth, ``pool_mode`` transaction by default and a small pool per
    database and user, so many clients share few server connections."""

    def __init__(
        self,
        target: ScratchCluster,
        *,
        port: int | None = None,
        pool_mode: str = "transaction",
        default_pool_size: int = 4,
        max_client_conn: int = 500,
        users: tuple[str, ...] = ("postgres", "juzhu_app"),
    ) -> None:
        self.target = target
        self.port = port or free_port()
        self.pool_mode = pool_mode
        self.default_pool_size = default_pool_size
        self.max_client_conn = max_client_conn
        self.users = users  # auth_type trust still wants each user in the auth file
        self.home = _scratch_dir("juzhu-pgbouncer-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        binary = _pgbouncer_binary()
        if binary is None:
            raise RuntimeError("pgbouncer is not installed (scripts/ensure-pgbouncer.sh)")
        (self.home / "userlist.txt").write_text("".join(f'"{u}" ""\n' for u in self.users))
        ini = self.home / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.target.port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.home / 'userlist.txt'}\n"
            f"pool_mode = {self.pool_mode}\ndefault_pool_size = {self.default_pool_size}\n"
            f"max_client_conn = {self.max_client_conn}\nadmin_users = postgres\n"
            f"logfile = {self.home / 'pgbouncer.log'}\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        ids = _postgres_ids()
        if os.geteuid() == 0 and ids is not None:
            for path in self.home.iterdir():
                os.chown(path, *ids)
        argv = [binary, str(ini)]
        if os.geteuid() == 0:
            argv[1:1] = ["-u", "postgres"]  # PgBouncer will not run as root
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        _wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
        shutil.rmtree(self.home, ignore_errors=True)

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def log(self) -> str:
        path = self.home / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def show(self, what: str = "pools") -> str:
        """``SHOW POOLS`` (or another admin command) on the bouncer's console."""
        return run_as_postgres(
            str(BIN / "psql"), "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", str(self.port),
            "-d", "pgbouncer", "-c", f"SHOW {what}",
        ).strip()  # fmt: skip


# -- juzhu in its own process against a scratch cluster ------------------------------------


def juzhu_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a juzhu process on ``database_url``: development keys under
    ``var_dir``, the in-process cache, this checkout's ``src`` first on the path."""
    src = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "JUZHU_ENV": "development",
        "JUZHU_VAR_DIR": str(var_dir),
        "JUZHU_CACHE_URL": "locmem://",
        "DJANGO_SETTINGS_MODULE": "juzhu.config.settings",
        "DATABASE_URL": database_url,
    }
    for name in ("DATABASE_REPLICA_URLS", "JUZHU_PGBOUNCER"):
        env.pop(name, None)
    env.update(extra)
    return env


def run_juzhu(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``juzhu ARGS`` (``python -m juzhu.cli``) in ``env``; the finished process."""
    return subprocess.run(  # noqa: S603 (our own argv)
        [sys.executable, "-m", "juzhu.cli", *args], env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def run_script(env: dict[str, str], script: str, *args: str, timeout: float = 120) -> Any:
    """``python SCRIPT ARGS`` in ``env``; the JSON its last line of output holds. A script
    that fails raises with its output."""
    done = subprocess.run(  # noqa: S603 (our own argv)
        [sys.executable, script, *args], env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{script} {' '.join(args)}:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])
