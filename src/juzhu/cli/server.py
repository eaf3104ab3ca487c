"""``juzhu serve``: the web service on uvicorn."""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", help="processes: one per core (each has its own event loop)")
    ] = 2,
    threads: Annotated[
        int,
        typer.Option("--threads", help="threads per process for Django's pages and API calls"),
    ] = 4,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="log every request to stdout (off when a reverse proxy in front keeps the "
            "access log)",
        ),
    ] = True,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify/--no-notify",
            help="also run a notify worker beside the server (login codes and notices); "
            "--no-notify where workers run as their own service",
        ),
    ] = True,
) -> None:
    """Serve the web service with uvicorn (the production way; see README): the common
    verification on the event loop, everything else by Django in a thread pool. With
    ``--notify`` (the default) a ``juzhu notify run`` worker runs beside it and ends with it."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
    os.environ["JUZHU_THREADS"] = str(threads)
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "juzhu.config.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--lifespan",
        "on",
        *([] if access_log else ["--no-access-log"]),
    ]
    if _demo_on():
        if host not in {"127.0.0.1", "localhost", "::1"}:
            typer.echo(
                f"--host {host}: JUZHU_DEMO=1 shows login codes on the page, so it serves this "
                "machine only; use --host 127.0.0.1 or unset JUZHU_DEMO",
                err=True,
            )
            raise typer.Exit(2)
        print_guide()
    typer.echo(f"juzhu serving on http://{host}:{port}/ (Ctrl-C to stop)")
    if notify:
        start_worker()
    os.execv(args[0], args)


def _demo_on() -> bool:
    import os

    return os.environ.get("JUZHU_DEMO", "").lower() in {"1", "true", "yes", "on"}


def print_guide() -> None:
    """The demo's sign-in guide (``cli/demo_guide.py``), then the database is let go of
    before this process becomes uvicorn."""
    from rich.console import Console

    from juzhu.cli.django_setup import setup_django

    setup_django(batch=False)  # this process becomes the web server: web budgets
    from django.db import connections

    from juzhu.cli.demo_guide import print_signin_guide

    print_signin_guide(Console(soft_wrap=True))  # commands stay on one line to copy
    connections.close_all()


def start_worker() -> None:
    """A ``juzhu notify run`` child that dies with this process (which becomes uvicorn next):
    Linux's parent-death signal, so a killed server leaves no worker behind."""
    import ctypes
    import signal
    import subprocess

    def die_with_parent() -> None:
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)

    subprocess.Popen(
        [sys.executable, "-m", "juzhu.cli", "notify", "run", "--poll", "0.5"],
        preexec_fn=die_with_parent,  # noqa: PLW1509 (the point: runs before the worker's exec)
    )
