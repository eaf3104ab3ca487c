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
) -> None:
    """Serve the web service with uvicorn (the production way; see README): the common
    verification on the event loop, everything else by Django in a thread pool."""
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
    typer.echo(f"juzhu serving on http://{host}:{port}/ (Ctrl-C to stop)")
    os.execv(args[0], args)
