"""T22 backup and point-in-time restore drill with pgBackRest (security.md §6, §4).

A scratch PostgreSQL 15 cluster (data checksums on, WAL archived by pgBackRest) gets a
full backup; rows and a marker are written and acknowledged (committed) at T1; an
"accidental" ``DELETE`` runs at T2. The cluster is restored into another scratch data
directory to the moment between the two. Pass: the marker is there and every deleted row
is back (no acknowledged write lost), ``pgbackrest verify`` finds the repository sound,
``pg_amcheck`` finds no corrupt index or table, ``pg_checksums`` no bad page; the recovery
time (RTO) is measured, printed and within the target. The production set-up is
docs/howto/backup.md; pgBackRest comes from Debian (``scripts/ensure-pgbackrest.sh``).

Runs as the ``postgres`` system user (``initdb`` refuses root); skipped when that cannot be
done or the binaries are missing. Takes well under 2 minutes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path("/usr/lib/postgresql/15/bin")
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


class Drill:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.conf = home / "pgbackrest.conf"
        self.socket_dir = home / "run"
        self.port = free_port()

    def pgbackrest(self, *args: str, timeout: float = 120) -> str:
        return run("pgbackrest", f"--config={self.conf}", "--stanza=drill", *args, timeout=timeout)

    def sql(self, query: str, port: int | None = None) -> str:
        return run(
            str(BIN / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", str(self.socket_dir), "-p", str(port or self.port), "-d", "postgres",
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
    drill.sql("CREATE TABLE permit (id serial PRIMARY KEY, number text UNIQUE NOT NULL)")
    drill.pgbackrest("--type=full", "backup", timeout=180)

    # acknowledged writes after the backup: rows, then the marker (T1)
    drill.sql(f"INSERT INTO permit (number) SELECT 'P' || g FROM generate_series(1, {ROWS}) g")
    drill.sql("INSERT INTO permit (number) VALUES ('MARKER-T1')")
    time.sleep(1.1)
    target = drill.sql("SELECT clock_timestamp()")  # between T1 and T2
    time.sleep(1.1)
    drill.sql("DELETE FROM permit")  # the accident (T2)
    assert drill.sql("SELECT count(*) FROM permit") == "0"
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

    assert drill.sql("SELECT count(*) FROM permit WHERE number = 'MARKER-T1'", other_port) == "1"
    assert drill.sql("SELECT count(*) FROM permit", other_port) == str(ROWS + 1)
    assert rto <= RTO_TARGET_S

    # the repository and the restored cluster are sound
    drill.pgbackrest("verify", timeout=180)
    run(
        str(BIN / "pg_amcheck"), "-h", str(home / "run"), "-p", str(other_port),
        "--install-missing", "--heapallindexed", "-d", "postgres",
    )  # fmt: skip
    run(str(BIN / "pg_ctl"), "-D", str(restored), "-w", "stop")
    out = run(str(BIN / "pg_checksums"), "--check", "-D", str(restored))
    assert "Bad checksums:  0" in out
