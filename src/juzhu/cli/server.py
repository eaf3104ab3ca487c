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
    keep_alive: Annotated[
        int,
        typer.Option(
            "--keep-alive",
            min=1,
            help="seconds an idle keep-alive connection stays open: longer than the idle time "
            "of what connects (nginx keeps upstream connections 60 s), or a request sent as the "
            "server closes the connection gets no answer",
        ),
    ] = 75,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify/--no-notify",
            help="also run a notify worker beside the server (login codes and notices); "
            "--no-notify where workers run as their own service",
        ),
    ] = True,
) -> None:
    """Serve the web service with uvicorn (the production way; see README): ``--workers``
    processes, each on its own listening socket (``SO_REUSEPORT``: the kernel spreads the
    connections evenly; ``cli/serving.py``), the common verification on the event loop,
    everything else by Django in a thread pool. With ``--notify`` (the default) a ``juzhu
    notify run`` worker runs beside it and ends with it."""
    import os

    from juzhu.cli.django_setup import setup_django

    # No keys, or the wrong ones: refused here, before uvicorn starts. Web budgets (not a
    # batch's): the server processes inherit this environment.
    setup_django(batch=False)
    from django.db import connections

    connections.close_all()
    os.environ["JUZHU_THREADS"] = str(threads)
    from juzhu.cli.serving import Supervisor, check_address

    problem = check_address(host, port)
    if problem:
        typer.echo(f"{problem}; stop what serves there or choose another --port", err=True)
        raise typer.Exit(2)
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
    raise typer.Exit(Supervisor(host, port, workers, access_log, keep_alive).run())


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
    """A ``juzhu notify run`` child that dies with this process (Linux's parent-death
    signal), so a killed server leaves no worker behind."""
    import subprocess

    from juzhu.cli.serving import die_with_parent

    subprocess.Popen(
        [sys.executable, "-m", "juzhu.cli", "notify", "run", "--poll", "0.5"],
        preexec_fn=die_with_parent,  # noqa: PLW1509 (the point: runs before the worker's exec)
    )
