"""T22 backup and point-in-time restore drill with pgBackRest (security.md §6, §4).

A scratch PostgreSQL 15 cluster (data checksums on, WAL archived by pgBackRest) gets
juzhu's schema (``juzhu migrate``) and a full backup; permits are then imported (``juzhu
import``: rows and their hash-chained events) and a marker row written — acknowledged
(committed) at T1; an "accidental" ``DELETE FROM registry_permit`` runs at T2. The cluster
is restored into another scratch data directory to the moment between the two. Pass: the
marker is there and every deleted permit is back (no acknowledged write lost), ``juzhu
audit verify`` finds every hash chain intact, ``pgbackrest verify`` finds the repository
sound, ``pg_amcheck`` no corrupt index or table, ``pg_checksums`` no bad page; the recovery
time (RTO) is measured, printed and within the target. The production set-up is
docs/howto/backup.md; pgBackRest comes from Debian (``scripts/ensure-pgbackrest.sh``).

Runs as the ``postgres`` system user (``initdb`` refuses root); skipped when that cannot be
done or the binaries are missing. Takes well under 2 minutes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path("/usr/lib/postgresql/15/bin")
PERMITS_CSV = Path(__file__).parent.parent / "integration" / "data" / "permits-example.csv"
RTO_TARGET_S = 60.0  # a drill-sized cluster; production targets are in docs/howto/backup.md
ROWS = 500


def _postgres_uid() -> tuple[int, int] | None:
    import pwd

    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def run(*cmd: str, check: bool = True, timeout: float = 120) -> str:
    """``cmd`` as the postgres user (from root through runuser)."""
    argv = list(cmd) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *cmd]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def juzhu(drill: Drill, port: int, *args: str) -> str:
    """A ``juzhu`` command against the scratch cluster's ``juzhu`` database."""
    host = str(drill.socket_dir).replace("/", "%2F")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@{host}:{port}/juzhu",
        "JUZHU_VAR_DIR": str(drill.home / "var"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "juzhu.cli", *args], env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, f"juzhu {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Drill:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.conf = home / "pgbackrest.conf"
        self.socket_dir = home / "run"
        self.port = free_port()

    def pgbackrest(self, *args: str, timeout: float = 120) -> str:
        return run("pgbackrest", f"--config={self.conf}", "--stanza=drill", *args, timeout=timeout)

    def sql(self, query: str, port: int | None = None, db: str = "postgres") -> str:
        return run(
            str(BIN / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", str(self.socket_dir), "-p", str(port or self.port), "-d", db,
            "-c", query,
        ).strip()  # fmt: skip


@pytest.fixture()
def drill() -> Iterator[Drill]:
    ids = _postgres_uid()
    if not (BIN / "initdb").exists() or not shutil.which("pgbackrest") or ids is None:
        pytest.skip("needs PostgreSQL 15 and pgbackrest (scripts/ensure-pgbackrest.sh)")
    if os.geteuid() != 0 and os.geteuid() != ids[0]:
        pytest.skip("needs to run as root or postgres (initdb runs as postgres)")
    home = Path(tempfile.mkdtemp(prefix="juzhu-pitr-"))
    os.chmod(home, 0o755)
    for sub in ("run", "repo", "log", "lock", "spool"):
        (home / sub).mkdir()
    d = Drill(home)
    d.conf.write_text(
        "[global]\n"
        f"repo1-path={home / 'repo'}\nlog-path={home / 'log'}\nlock-path={home / 'lock'}\n"
        f"spool-path={home / 'spool'}\nstart-fast=y\ncompress-type=lz4\nlog-level-console=warn\n"
        "[drill]\n"
        f"pg1-path={home / 'data'}\npg1-port={d.port}\npg1-socket-path={home / 'run'}\n"
    )
    subprocess.run(["chown", "-R", f"{ids[0]}:{ids[1]}", str(home)], check=False)
    try:
        yield d
    finally:
        for data in ("data", "restored"):
            if (home / data / "postmaster.pid").exists():
                run(
                    str(BIN / "pg_ctl"),
                    "-D",
                    str(home / data),
                    "-m",
                    "immediate",
                    "stop",
                    check=False,
                )
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs once, in make test's PostgreSQL pass (it makes its own scratch cluster)",
)
def test_a_restore_to_just_before_an_accidental_delete_loses_no_acknowledged_write(
    drill: Drill,
) -> None:
    home, data, restored = drill.home, drill.home / "data", drill.home / "restored"
    run(str(BIN / "initdb"), "-k", "-A", "trust", "-U", "postgres", "-D", str(data))
    archive = f"pgbackrest --config={drill.conf} --stanza=drill archive-push %p"
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(
            f"port = {drill.port}\nlisten_addresses = ''\nunix_socket_directories = '{home / 'run'}'\n"
            f"wal_level = replica\narchive_mode = on\narchive_command = '{archive}'\n"
            "archive_timeout = 60\nmax_wal_senders = 3\nfsync = on\n"
        )
    run(str(BIN / "pg_ctl"), "-D", str(data), "-l", str(home / "log" / "pg.log"), "-w", "start")
    drill.pgbackrest("stanza-create")
    drill.pgbackrest("check")
    drill.sql("CREATE DATABASE juzhu")
    juzhu(drill, drill.port, "migrate")
    drill.sql("CREATE TABLE marker (id serial PRIMARY KEY, note text NOT NULL)")
    drill.pgbackrest("--type=full", "backup", timeout=180)

    # acknowledged writes after the backup: permits and their events, then the marker (T1)
    juzhu(drill, drill.port, "import", str(PERMITS_CSV))
    permits = drill.sql("SELECT count(*) FROM registry_permit", db="juzhu")
    assert int(permits) == 4
    drill.sql(f"INSERT INTO marker (note) SELECT 'row ' || g FROM generate_series(1, {ROWS}) g")
    drill.sql("INSERT INTO marker (note) VALUES ('MARKER-T1')")
    time.sleep(1.1)
    target = drill.sql("SELECT clock_timestamp()")  # between T1 and T2
    time.sleep(1.1)
    drill.sql("DELETE FROM registry_permit", db="juzhu")  # the accident (T2)
    drill.sql("DELETE FROM marker")
    assert drill.sql("SELECT count(*) FROM registry_permit", db="juzhu") == "0"
    drill.sql("SELECT pg_switch_wal()")  # ship the WAL holding the delete (archive_timeout would)
    drill.pgbackrest("check")  # waits until the current WAL segment is archived

    # the restore into another data directory, to the target time
    started = time.monotonic()
    drill.pgbackrest(
        f"--pg1-path={restored}", "--type=time", f"--target={target}",
        "--target-action=promote", "restore", timeout=180,
    )  # fmt: skip
    other_port = free_port()
    run(
        str(BIN / "pg_ctl"), "-D", str(restored), "-l", str(home / "log" / "restored.log"), "-w",
        "-o", f"-p {other_port} -c archive_mode=off", "start",
    )  # fmt: skip
    for _ in range(600):  # until recovery has ended and the cluster was promoted
        if drill.sql("SELECT pg_is_in_recovery()", other_port) == "f":
            break
        time.sleep(0.1)
    rto = time.monotonic() - started
    print(f"\nT22 point-in-time restore: RTO {rto:.1f} s (target {RTO_TARGET_S:.0f} s)")

    assert drill.sql("SELECT count(*) FROM marker WHERE note = 'MARKER-T1'", other_port) == "1"
    assert drill.sql("SELECT count(*) FROM marker", other_port) == str(ROWS + 1)
    assert drill.sql("SELECT count(*) FROM registry_permit", other_port, db="juzhu") == permits
    assert rto <= RTO_TARGET_S
    assert "intact" in juzhu(drill, other_port, "audit", "verify")

    # the repository and the restored cluster are sound
    drill.pgbackrest("verify", timeout=180)
    run(
        str(BIN / "pg_amcheck"), "-h", str(home / "run"), "-p", str(other_port),
        "--install-missing", "--heapallindexed", "--all",
    )  # fmt: skip
    run(str(BIN / "pg_ctl"), "-D", str(restored), "-w", "stop")
    out = run(str(BIN / "pg_checksums"), "--check", "-D", str(restored))
    assert "Bad checksums:  0" in out
