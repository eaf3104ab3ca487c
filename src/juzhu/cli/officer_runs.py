"""``juzhu officer ...``: accounts for the back office, for the operator.

An officer gets a one-time password, shown once, and enrols an authenticator app (TOTP) at
the first sign-in with a one-time enrolment token handed over apart from the password
(``enrol-token``): a password alone never binds a second factor. ``reset-otp`` is for a lost phone; ``disable`` ends an account without
deleting who did what (events name ``officer:<user id>``)."""

from __future__ import annotations

import secrets
from typing import Any, NoReturn

import typer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rich.console import Console

from juzhu.backoffice.access import ROLES
from juzhu.registry.models import Officer
from juzhu.rules.loader import load_policies

console = Console()


def _refuse(message: str) -> NoReturn:
    """One line naming the option and the fix; exit code 2 (bad input)."""
    typer.echo(message, err=True)
    raise typer.Exit(2)


def _user(username: str) -> Any:
    users = get_user_model()
    try:
        return users.objects.get(username=username)
    except users.DoesNotExist:
        _refuse(
            f"no officer {username!r}; list them in /admin/ or add one with `juzhu officer add`"
        )


def run_add(username: str, role: str, city: str, district: str, station: str, name: str) -> None:
    if role not in ROLES:
        _refuse(f"--role {role!r}: use one of {', '.join(ROLES)}")
    if city not in load_policies().ids():
        _refuse(f"--city {city!r}: no such policy; see `juzhu policy show`")
    if station and not district:
        _refuse("--station needs --district (a station belongs to a district)")
    users = get_user_model()
    if users.objects.filter(username=username).exists():
        _refuse(f"user {username!r} exists already; choose another username")
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = users.objects.create_user(username=username, password=password)
        Officer.objects.create(
            user=user, role=role, city=city, district=district, station=station,
            display_name=name or username,
        )  # fmt: skip
    scope = " / ".join(x for x in (city, district, station) if x)
    console.print(f"officer [bold]{username}[/] ({role}, {scope}) added")
    console.print(f"password, shown once (hand it over in person): [bold]{password}[/]")
    console.print(
        "they enrol an authenticator app (TOTP) at their first sign-in at /office/, with an "
        f"enrolment token handed over apart: `juzhu officer enrol-token {username}`"
    )


def run_enrol_token(username: str, hours: int | None) -> None:
    from juzhu.backoffice.auth import issue_enrolment_token

    if hours is not None and not 1 <= hours <= 24 * 14:
        _refuse(f"--hours {hours}: use 1 to {24 * 14} (two weeks at most)")
    user = _user(username)
    if not user.is_active:
        _refuse(f"{username} is disabled; an enrolment token would not let them in")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        _refuse(
            f"{username} has an authenticator already; after a lost phone run "
            f"`juzhu officer reset-otp {username}` first"
        )
    token = issue_enrolment_token(user, hours)
    valid = hours or settings.OFFICE_ENROL_TOKEN_HOURS
    console.print(f"enrolment token for [bold]{username}[/], works once, for {valid} h:")
    console.print(f"[bold]{token}[/]")
    console.print("hand it over apart from the password (another channel, or in person)")


def run_reset_otp(username: str) -> None:
    user = _user(username)
    n, _ = TOTPDevice.objects.filter(user=user).delete()
    console.print(
        f"{username}: {n} authenticator(s) removed; they enrol again at next sign-in with a "
        f"new enrolment token: `juzhu officer enrol-token {username}`"
    )


def run_totp(username: str) -> None:
    if not settings.DEMO:
        _refuse(
            "officer totp: only in demo mode (JUZHU_DEMO=1, a development machine); an officer "
            "reads the code from their own authenticator app"
        )
    user = _user(username)
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed").first()
    if device is None:
        _refuse(
            f"{username} has no authenticator yet: sign in at /office/ with the password and "
            f"the token of `juzhu officer enrol-token {username}` first, then run this again"
        )
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    console.print(f"{username}: {token:0{device.digits}d} (changes every {device.step} s)")


def run_disable(username: str) -> None:
    user = _user(username)
    user.is_active = False
    user.save(update_fields=["is_active"])
    TOTPDevice.objects.filter(user=user).delete()
    console.print(f"{username}: disabled (their past actions keep their name in the log)")
