"""``juzhu db roles``: the service's database role, which owns nothing (``registry/roles.py``);
``juzhu db partitions``: the monthly partitions of the tables that grow for ever
(``registry/partitions.py``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from juzhu.cli.django_setup import setup_django

db_app = typer.Typer(
    help="Database roles (separation of duties) and partitions (PostgreSQL).", no_args_is_help=True
)


@db_app.command("roles")
def db_roles(
    name: Annotated[str, typer.Option("--name", help="the service's role")] = "juzhu_app",
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="JUZHU_APP_DB_PASSWORD",
            help="set its password (default: from JUZHU_APP_DB_PASSWORD; none = unchanged)",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create (or refresh) the role the service connects as: it owns nothing, may only
    append to the history, and reads and writes the rest. Run as the schema's owner
    (DATABASE_OWNER_URL, else DATABASE_URL), after `juzhu migrate`."""
    setup_django(owner=True)
    from juzhu.registry.roles import RoleError, do_create_app_role

    try:
        history = do_create_app_role(name, password)
    except RoleError as exc:
        typer.echo(f"juzhu db roles: {exc}", err=True)
        raise typer.Exit(0 if "PostgreSQL matter" in str(exc) else 2) from None
    typer.echo(
        f"role {name}: LOGIN, owns nothing; SELECT/INSERT/UPDATE/DELETE on the tables, "
        f"SELECT/INSERT only on the history ({', '.join(history)})"
    )
    typer.echo(f"the service connects as {name}: DATABASE_URL=postgres://{name}:…@host/db")


def _month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a month: write it YYYY-MM (e.g. 2026-06)"
        ) from None


@db_app.command("partitions")
def db_partitions(
    ahead: Annotated[
        int, typer.Option("--ahead", min=0, max=36, help="months to create ahead of this one")
    ] = 3,
    detach_before: Annotated[
        str | None,
        typer.Option(
            "--detach-before",
            metavar="YYYY-MM",
            help="archive and drop the months before this one that are beyond retention",
            show_default=False,
        ),
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option("--archive", help="write each dropped month here (CSV.gz + JSON manifest)"),
    ] = None,
    discard: Annotated[
        bool, typer.Option("--discard", help="drop the months without an archive")
    ] = False,
) -> None:
    """Create the coming months' partitions of the tables that grow for ever (events, access
    log, verification log, outbox) and a default partition, so an insert never fails; with
    --detach-before, archive and drop the old months beyond retention, as a whole (never the
    events). Run monthly as the schema's owner (PostgreSQL; ADR 11, docs/howto/partitions.md)."""
    setup_django(owner=True)
    from django.db import connection

    from juzhu.registry import partitions, partitions_retire

    if connection.vendor != "postgresql":
        typer.echo(f"juzhu db partitions: {connection.vendor} has no partitions; nothing to do")
        return
    before = _month(detach_before) if detach_before else None
    if before and archive is None and not discard:
        typer.echo(
            "juzhu db partitions: --detach-before drops months: say where to archive them "
            "(--archive DIR) or that they go without one (--discard)",
            err=True,
        )
        raise typer.Exit(2)
    try:
        created = partitions.ensure(ahead)
    except partitions.PartitionError as exc:
        typer.echo(f"juzhu db partitions: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"created {len(created)} partitions" + (f": {', '.join(created)}" if created else "")
    )
    if before is None:
        return
    done, refused = partitions_retire.detach_before(before, archive=archive)
    for retired in done:
        where = f" -> {retired.archive} (sha256 {retired.sha256})" if retired.archive else ""
        typer.echo(f"dropped {retired.table} {retired.month:%Y-%m}: {retired.rows} rows{where}")
    for why in refused:
        typer.echo(f"kept {why}")
