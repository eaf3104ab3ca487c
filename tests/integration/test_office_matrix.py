"""The authorisation matrix of the back office, generated: every URL of the ``backoffice``
namespace (found through the resolver, with the role and record kind ``office_view`` left
on the view) × every role × officers placed inside and outside the record's jurisdiction.

- a role the action does not allow → 403, whatever the place;
- an allowed role outside the jurisdiction → 404, nothing written, no read logged;
- an allowed role inside → neither 403 nor 404.

``SPEC`` restates, independently of ``access.ACTIONS``, which roles may do what: a change
to either that does not match the other fails here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fixtures.applications import make_application
from fixtures.officers import officer, signed_in
from fixtures.people import make_person
from fixtures.permits import appeal_filed, cancelled_permit, make_permit
from juzhu.backoffice import letters
from juzhu.backoffice.access import ACTIONS, ROLES, Route
from juzhu.backoffice.models import Denial
from juzhu.registry.models import AccessLog, Appeal, Application, Event, Permit
from juzhu.registry.services import Actor

SPEC = {
    "clerk": {"any", "view", "claim", "accept", "handover", "follow_up"},
    "reviewer": {"any", "view", "claim", "decide", "handover", "cancel", "appeal", "follow_up"},
    "supervisor": {"any", "view", "claim", "accept", "decide", "handover", "cancel", "appeal", "audit", "follow_up"},
    "auditor": {"any", "view", "audit"},
    "admin": {"any", "manage"},
}  # fmt: skip
# (district, station): the records live at shenzhen / futian / sz-futian-1
INSIDE = {"station": ("futian", "sz-futian-1"), "district": ("futian", ""), "city": ("", "")}
OUTSIDE = {
    "sibling station": ("shenzhen", "futian", "sz-futian-2"),
    "other district": ("shenzhen", "nanshan", ""),
    "other city": ("guangzhou", "tianhe", ""),
}


def _routes(patterns: list[Any], prefix: str = "") -> list[tuple[str, URLPattern]]:
    out = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += _routes(p.url_patterns, prefix)
        elif isinstance(p, URLPattern) and hasattr(p.callback, "office_route"):
            out.append((p.name or "", p))
    return out


def office_routes() -> list[tuple[str, URLPattern]]:
    resolver = get_resolver()
    office = next(
        p
        for p in resolver.url_patterns
        if isinstance(p, URLResolver) and p.namespace == "backoffice"
    )
    return sorted(_routes(office.url_patterns), key=lambda r: r[0])


ROUTES = office_routes()


def test_every_view_declares_an_action_known_to_the_spec() -> None:
    assert len(ROUTES) >= 10
    for name, pattern in ROUTES:
        route: Route = pattern.callback.office_route
        assert route.action in ACTIONS, name
        if route.kind is not None:
            assert "pk" in pattern.pattern.converters, f"{name}: a record URL names its id pk"
    for role in ROLES:
        assert {a for a, roles in ACTIONS.items() if role in roles} == SPEC[role], role


def test_plain_views_outside_the_decorator_are_only_sign_in() -> None:
    resolver = get_resolver()
    office = next(
        p
        for p in resolver.url_patterns
        if isinstance(p, URLResolver) and p.namespace == "backoffice"
    )

    def plain(patterns: list[Any]) -> list[str]:
        names = []
        for p in patterns:
            if isinstance(p, URLResolver):
                names += plain(p.url_patterns)
            elif not hasattr(p.callback, "office_route"):
                names.append(p.name)
        return names

    assert sorted(plain(office.url_patterns)) == ["code", "login", "logout"]


def _records() -> dict[str, Any]:
    """One record of each kind at shenzhen / futian / sz-futian-1."""
    app = make_application()
    day = dt.date(2026, 11, 2)
    permit = cancelled_permit(make_person(name="申诉人"), on=day, actor=Actor("officer:t"))
    appeal = appeal_filed(permit, on=day + dt.timedelta(days=3), grounds="未迁户口")
    letter = letters.issue(
        "receipt", person=app.person, record=app, record_type="application",
        on=app.submitted_on, actor=Actor("officer:t"), context={"case_number": app.case_number},
    )  # fmt: skip
    return {
        "application": app,
        "appeal": appeal,
        "permit": make_permit(make_person(name="持证人")),
        "person": app.person,
        "letter": letter,
    }


def _url(pattern: URLPattern, record: Any) -> str:
    kwargs: dict[str, Any] = {}
    for name, converter in pattern.pattern.converters.items():
        if name == "pk":
            kwargs[name] = record.pk if record is not None else uuid.uuid4()
        else:
            kwargs[name] = {"uuid": uuid.uuid4(), "int": 1}.get(
                type(converter).__name__.replace("Converter", "").lower(), "online"
            )
    return reverse(f"backoffice:{pattern.name}", kwargs=kwargs)


def _hit(client: Client, methods: tuple[str, ...], url: str) -> int:
    return (client.post(url, {}) if "GET" not in methods else client.get(url)).status_code


def _fingerprint() -> tuple[int, int, list[int]]:
    versions = [
        *Application.objects.order_by("pk").values_list("version", flat=True),
        *Permit.objects.order_by("pk").values_list("version", flat=True),
        *Appeal.objects.order_by("pk").values_list("version", flat=True),
    ]
    return Event.objects.count(), AccessLog.objects.count(), versions


@pytest.mark.django_db
@pytest.mark.parametrize("name,pattern", ROUTES, ids=[r[0] for r in ROUTES])
def test_matrix(name: str, pattern: URLPattern) -> None:
    route: Route = pattern.callback.office_route
    records = _records()
    record = records.get(route.kind) if route.kind else None
    url = _url(pattern, record)
    allowed = {role for role in ROLES if route.action in SPEC[role]}
    for role in ROLES:
        for where, (district, station) in INSIDE.items():
            client = signed_in(officer(role, district=district, station=station, name=f"{role}-in-{where}"))  # fmt: skip
            status = _hit(client, route.methods, url)
            if role not in allowed:
                assert status == 403, (name, role, where, status)
            elif route.kind is not None and len(pattern.pattern.converters) == 1:
                assert status not in (403, 404), (name, role, where, status)
            else:
                assert status != 403, (name, role, where, status)
        if route.kind is None:
            continue
        for where, (city, district, station) in OUTSIDE.items():
            client = signed_in(
                officer(role, city=city, district=district, station=station, name=f"{role}-out-{where}")
            )  # fmt: skip
            before = _fingerprint()
            denials = Denial.objects.count()
            status = _hit(client, route.methods, url)
            expected = 403 if role not in allowed else 404
            assert status == expected, (name, role, where, status)
            assert _fingerprint() == before, (name, role, where, "wrote or logged a read")
            assert Denial.objects.count() == denials + 1, (name, role, where, "attempt not logged")


@pytest.mark.django_db
def test_lists_show_nothing_outside_the_jurisdiction() -> None:
    inside = make_application()
    outside = make_application(district="nanshan", station="sz-nanshan-3")
    clerk = signed_in(officer("clerk"))
    for name, pattern in ROUTES:
        route: Route = pattern.callback.office_route
        if (
            route.kind is not None
            or "GET" not in route.methods
            or route.action not in SPEC["clerk"]
        ):
            continue
        page = clerk.get(_url(pattern, None)).content.decode()
        assert outside.case_number not in page, name
        assert outside.person.id_number_masked not in page or outside.person.id_number_masked == inside.person.id_number_masked, name  # fmt: skip


@pytest.mark.django_db
def test_officers_do_not_reach_the_admin_or_the_relying_party_api(settings: Any) -> None:
    for role in ROLES:
        client = signed_in(officer(role, name=f"{role}-api"))
        settings.ADMIN_ENABLED = False
        assert client.get("/admin/registry/person/").status_code == 404  # off by default
        settings.ADMIN_ENABLED = True
        assert client.get("/admin/registry/person/").status_code == 302  # to the admin login
        r = client.post("/api/verification/verify", {}, content_type="application/json")
        assert r.status_code == 401, (role, r.status_code)  # an API key, never a session
