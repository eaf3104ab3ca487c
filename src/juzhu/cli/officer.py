"""``juzhu officer …``: the back office's accounts."""

from __future__ import annotations

from typing import Annotated

import typer

from juzhu.cli.django_setup import setup_django

officer_app = typer.Typer(help="back-office accounts (officers)", no_args_is_help=True)


@officer_app.command("add")
def officer_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[
        str, typer.Option("--role", help="clerk, reviewer, supervisor, auditor or admin")
    ],
    city: Annotated[str, typer.Option("--city", help="policy id, e.g. shenzhen")],
    district: Annotated[str, typer.Option("--district", help="empty = the whole city")] = "",
    station: Annotated[str, typer.Option("--station", help="empty = the whole district")] = "",
    name: Annotated[str, typer.Option("--name", help="the name shown to colleagues")] = "",
) -> None:
    """Add an officer; prints their password once. They enrol TOTP at first sign-in, with
    a token from ``juzhu officer enrol-token``."""
    setup_django()
    from juzhu.cli.officer_runs import run_add

    run_add(username, role, city, district, station, name)


@officer_app.command("reset-otp")
def officer_reset_otp(username: Annotated[str, typer.Argument()]) -> None:
    """Remove an officer's authenticator (lost phone): they enrol again at next sign-in."""
    setup_django()
    from juzhu.cli.officer_runs import run_reset_otp

    run_reset_otp(username)


@officer_app.command("enrol-token")
def officer_enrol_token(
    username: Annotated[str, typer.Argument()],
    hours: Annotated[
        int | None, typer.Option("--hours", help="how long it works (default 72)")
    ] = None,
) -> None:
    """Print a one-time token to enrol an authenticator (first sign-in, or after
    reset-otp); hand it over apart from the password."""
    setup_django()
    from juzhu.cli.officer_runs import run_enrol_token

    run_enrol_token(username, hours)


@officer_app.command("disable")
def officer_disable(username: Annotated[str, typer.Argument()]) -> None:
    """Disable an officer's account; their past actions keep their name in the log."""
    setup_django()
    from juzhu.cli.officer_runs import run_disable

    run_disable(username)


@officer_app.command("totp")
def officer_totp(username: Annotated[str, typer.Argument()]) -> None:
    """Demo only (JUZHU_DEMO=1): print an officer's current TOTP code, for trying the back
    office without an authenticator app. Refused otherwise."""
    setup_django()
    from juzhu.cli.officer_runs import run_totp

    run_totp(username)
