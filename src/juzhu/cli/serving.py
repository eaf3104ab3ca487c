"""The web service's processes: one uvicorn server per core, each on its own listening
socket (``SO_REUSEPORT``), under a small supervisor.

Why not ``uvicorn --workers N``: its workers share one listening socket, and which of them
accepts a new connection is left to whichever is awake first. With keep-alive clients (the
portal's browsers, a school's verifier, a reverse proxy's upstream pool) one process can end
up holding most connections while the other idles, and its clients wait: at 50 clients the
status page's p95 was 274 ms with a mean of 178 ms (docs/benchmarks.md §10). With a socket
per process and ``SO_REUSEPORT`` the kernel spreads new connections over the processes by a
hash of their addresses, whatever each process is doing (Linux 3.9+; nginx's ``reuseport``,
HAProxy and Envoy serve the same way).

The supervisor (the ``juzhu serve`` process) checks the address is free, starts the
processes, restarts one that dies (a process that keeps dying at start stops the service,
with its exit code), and on SIGTERM or SIGINT stops them all gracefully: each finishes the
requests it has (uvicorn's shutdown), then exits. If the supervisor itself is killed, the
processes die with it (Linux's parent-death signal), so no orphan keeps the port.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

APP = "juzhu.config.asgi:application"
BACKLOG = 2048
RESTART_PAUSE_S = 1.0
START_GRACE_S = 10.0  # a process that dies sooner than this after starting is failing to start
GIVE_UP_AFTER = 3  # … this many times in a row: the service stops instead of looping
STOP_TIMEOUT_S = 30.0


def die_with_parent() -> None:
    """In a child before its exec: SIGTERM it when the parent dies (Linux's PR_SET_PDEATHSIG)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port) that other processes of the service share with
    ``SO_REUSEPORT`` (each process its own socket; the kernel spreads the connections)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    return sock


def check_address(host: str, port: int) -> str | None:
    """Why (host, port) cannot be served, or None. Something already answering there is
    refused too: with ``SO_REUSEPORT`` a second ``juzhu serve`` of the same user would
    otherwise join the first and take half its connections. The test socket is bound and
    closed at once: kept open, it would be handed connections that nobody accepts."""
    probe = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104 (names of "every address", mapped to loopback for a probe)
    try:
        with socket.create_connection((probe, port), timeout=1):
            return f"something already answers on {host}:{port}"
    except OSError:
        pass
    try:
        listening_socket(host, port).close()
    except OSError as exc:
        return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


class Supervisor:
    """Keeps ``workers`` server processes running until told to stop."""

    def __init__(
        self, host: str, port: int, workers: int, access_log: bool, keep_alive: int = 75
    ) -> None:
        self.argv = [
            sys.executable, "-m", "juzhu.cli.serving", "--host", host, "--port", str(port),
            "--keep-alive", str(keep_alive), *([] if access_log else ["--no-access-log"]),
        ]  # fmt: skip
        self.workers = workers
        self.stopping = False
        self.procs: dict[int, tuple[subprocess.Popen[bytes], float]] = {}
        self.quick_deaths: dict[int, int] = {}

    def spawn(self, slot: int) -> None:
        proc = subprocess.Popen(self.argv, preexec_fn=die_with_parent)  # noqa: S603, PLW1509 (our own interpreter and fixed arguments; the hook must run before exec)
        self.procs[slot] = (proc, time.monotonic())

    def stop(self, signum: int, _frame: object) -> None:
        self.stopping = True
        for proc, _ in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for slot in range(self.workers):
            self.spawn(slot)
        code = 0
        while not self.stopping:
            time.sleep(0.2)
            for slot, (proc, started) in list(self.procs.items()):
                if self.stopping or proc.poll() is None:
                    continue
                quick = time.monotonic() - started < START_GRACE_S
                self.quick_deaths[slot] = self.quick_deaths.get(slot, 0) + 1 if quick else 0
                print(
                    f"juzhu serve: server process {proc.pid} exited ({proc.returncode}); "
                    + ("giving up" if self.quick_deaths[slot] >= GIVE_UP_AFTER else "restarting"),
                    file=sys.stderr,
                    flush=True,
                )
                if self.quick_deaths[slot] >= GIVE_UP_AFTER:
                    code = proc.returncode or 1
                    self.stop(signal.SIGTERM, None)
                    break
                time.sleep(RESTART_PAUSE_S)
                self.spawn(slot)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc, _ in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return code


def serve_one(host: str, port: int, access_log: bool, keep_alive: int) -> None:
    """One server process: its own ``SO_REUSEPORT`` socket, uvicorn on uvloop + httptools."""
    import uvicorn

    sock = listening_socket(host, port)
    config = uvicorn.Config(
        APP, host=host, port=port, loop="uvloop", http="httptools", lifespan="on",
        access_log=access_log, timeout_keep_alive=keep_alive,
    )  # fmt: skip
    uvicorn.Server(config).run(sockets=[sock])


def main() -> None:  # pragma: no cover (the server process's entry point: tests start it)
    p = argparse.ArgumentParser(description="one juzhu server process (started by juzhu serve)")
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--no-access-log", dest="access_log", action="store_false")
    p.add_argument("--keep-alive", type=int, default=75)
    a = p.parse_args()
    if os.environ.get("JUZHU_THREADS") is None:
        os.environ["JUZHU_THREADS"] = "4"
    serve_one(a.host, a.port, a.access_log, a.keep_alive)


if __name__ == "__main__":  # pragma: no cover
    main()
