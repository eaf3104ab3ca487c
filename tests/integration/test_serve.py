"""``juzhu serve`` as production runs it (``cli/serving.py``): one server process per
``--workers``, each on its own listening socket (``SO_REUSEPORT``), so the kernel spreads
keep-alive connections over the processes instead of leaving most on one; a process that
dies is replaced while the others go on answering; SIGTERM stops them all; a port that is
taken — by anything, another juzhu included — is refused with a clear message; an idle
keep-alive connection stays open past uvicorn's default 5 s (``--keep-alive``, 75 s).

The pages asked for need no database (the planner's start page), so the test runs once, in
the SQLite pass, against an embedded database of its own."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs no database: runs once, in the SQLite pass",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "JUZHU_VAR_DIR": str(var), "JUZHU_ENV": "development"}


def listeners(port: int) -> dict[int, int]:
    """pid → listening sockets on ``port`` (from ``ss``)."""
    out = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    pids = Counter(int(part.split("pid=")[1].split(",")[0]) for part in out.split() if "pid=" in part)  # fmt: skip
    return dict(pids)


def holders(port: int) -> Counter[int]:
    """pid → established connections it holds on the server side of ``port``."""
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"sport = :{port}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return Counter(int(part.split("pid=")[1].split(",")[0]) for part in out.split() if "pid=" in part)  # fmt: skip


def get(port: int, conn: http.client.HTTPConnection | None = None) -> int:
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/portal/planner/")
    reply = conn.getresponse()
    reply.read()
    return reply.status


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "juzhu.cli", "serve", "--port", str(port), "--workers", "2",
         "--no-notify", "--no-access-log"],
        env=env_for(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while len(listeners(port)) < 2:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "juzhu serve did not start two processes in 60 s"
        time.sleep(0.2)
    while True:
        try:
            assert get(port) == 200
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    yield proc, port
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_each_process_listens_on_its_own_socket_and_keep_alive_clients_are_spread(
    served: tuple[subprocess.Popen[bytes], int],
) -> None:
    _, port = served
    workers = listeners(port)
    assert len(workers) == 2 and all(n == 1 for n in workers.values())
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(40)]
    try:
        assert all(get(port, c) == 200 for c in clients)
        spread = holders(port)
        assert set(spread) == set(workers), spread
        # 40 connections hashed over 2 sockets: below 10 on one is a 1-in-1,000 event
        assert min(spread.values()) >= 10, spread
        # idle longer than uvicorn's own default keep-alive (5 s): still open (--keep-alive
        # 75 s, beyond nginx's 60 s upstream keep-alive), so no request meets a closing socket
        time.sleep(6)
        assert get(port, clients[0]) == 200 and sum(holders(port).values()) == 40
    finally:
        for c in clients:
            c.close()


def test_a_dead_process_is_replaced_and_sigterm_stops_them_all(
    served: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, port = served
    first, second = sorted(listeners(port))
    os.kill(first, signal.SIGKILL)
    # connections already queued on the killed process's socket are reset with it (the
    # kernel's SO_REUSEPORT group: a browser retries such a request); once its socket is
    # gone, the other process answers — one reset at most, seen on a loaded machine, when
    # the kernel had queued the connection on the dying socket just before it went
    deadline = time.monotonic() + 10
    while first in listeners(port):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    resets = 0
    for _ in range(20):
        try:
            status = get(port)
        except ConnectionResetError:
            resets += 1
            status = get(port)
        assert status == 200
    assert resets <= 1
    deadline = time.monotonic() + 30
    while len(listeners(port)) < 2 or first in listeners(port):
        assert time.monotonic() < deadline, "the killed process was not replaced in 30 s"
        time.sleep(0.2)
    assert second in listeners(port) and proc.poll() is None

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=40) == 0
    assert listeners(port) == {}
    with pytest.raises(OSError):
        get(port)


def test_a_taken_port_is_refused_with_a_clear_message(
    served: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    _, port = served
    second = subprocess.run(
        [sys.executable, "-m", "juzhu.cli", "serve", "--port", str(port), "--no-notify"],
        env=env_for(tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert second.returncode == 2
    assert f"something already answers on 127.0.0.1:{port}" in second.stderr
    assert "choose another --port" in second.stderr
    assert len(listeners(port)) == 2  # the first service keeps both its processes
