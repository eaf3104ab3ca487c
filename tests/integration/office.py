"""Back-office test helpers: officers signed in with both factors, applications driven to
any status through the registry's own use cases, and the TOTP code an authenticator shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from factories import make_officer, make_person

from juzhu.registry import services
from juzhu.registry.models import Application, Officer, Person
from juzhu.registry.services import Actor

SUBMITTED = dt.date(2026, 11, 16)  # a Monday
CLERK = Actor("officer:test-clerk")
REVIEWER = Actor("officer:test-reviewer")
FACTS = {
    "registered_since": "2024-01-01",
    "employed": True,
    "social_insurance_months": 24,
    "social_insurance_continuous": True,
}


def device_of(officer: Officer) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=officer.user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=officer.user, name="test", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def signed_in(officer: Officer, client: Client | None = None) -> Client:
    """A client signed in as ``officer`` with both factors (as after the TOTP step)."""
    client = client or Client()
    client.force_login(officer.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_of(officer).persistent_id
    session.save()
    return client


def officer(role: str, *, district: str = "futian", station: str = "sz-futian-1", city: str = "shenzhen", name: str = "") -> Officer:  # fmt: skip
    name = name or f"{role}-{city}-{district}-{station or 'all'}"
    return make_officer(name, role=role, city=city, district=district, station=station)


def make_application(
    person: Person | None = None,
    *,
    status: str = "submitted",
    kind: str = "first_issue",
    city: str = "shenzhen",
    district: str = "futian",
    station: str = "sz-futian-1",
    on: dt.date = SUBMITTED,
    channel: str = "online",
    materials: tuple[str, ...] = ("id_card", "photo", "lease_contract"),
    **overrides: Any,
) -> Application:
    """An application at ``status``, got there by the same use cases the offices use."""
    person = person or make_person(city=city)
    app = services.do_submit_application(
        person,
        kind=kind,
        city=city,
        district=district,
        station=station,
        on=on,
        actor=Actor(f"holder:{person.pk}"),
        basis=overrides.pop("basis", "employment"),
        housing=overrides.pop("housing", "rented"),
        facts={**FACTS, **overrides.pop("facts", {})},
        materials=materials,
        channel=channel,
        **overrides,
    )
    steps = {
        "needs_supplement": [("request_supplement", CLERK)],
        "accepted": [("accept", CLERK)],
        "approved": [("accept", CLERK), ("approve", REVIEWER)],
        "in_production": [("accept", CLERK), ("approve", REVIEWER), ("start_production", REVIEWER)],
        "ready_for_pickup": [("accept", CLERK), ("approve", REVIEWER), ("mark_ready", REVIEWER)],
        "refused": [("accept", CLERK), ("refuse", REVIEWER)],
    }.get(status, [])
    day = on
    for command, actor in steps:
        day += dt.timedelta(days=1)
        app.refresh_from_db()
        if command == "request_supplement":
            services.do_request_supplement(
                app, missing=["lease_filing_certificate"], on=day, actor=actor,
                expected_version=app.version,
            )  # fmt: skip
        elif command == "refuse":
            services.do_refuse_application(
                app, reasons=["residence_too_short"], on=day, actor=actor,
                expected_version=app.version,
            )  # fmt: skip
        else:
            use_case = {
                "accept": services.do_accept_application,
                "approve": services.do_approve_application,
                "start_production": services.do_start_production,
                "mark_ready": services.do_mark_ready,
            }[command]
            use_case(app, on=day, actor=actor, expected_version=app.version)
    app.refresh_from_db()
    return app
