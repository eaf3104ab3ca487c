"""``juzhu db roles``: the service's database role, which owns nothing (``registry/roles.py``)."""

from __future__ import annotations

from typing import Annotated

import typer

from juzhu.cli.django_setup import setup_django

db_app = typer.Typer(
    help="Database roles: separation of duties (PostgreSQL).", no_args_is_help=True
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
