"""T1 BOLA/IDOR across jurisdictions (security.md §6).

1,000 generated (officer of station A, object of station B) pairs, from a seeded generator:
every back-office URL that names one record (``office_view(kind=…)``: case pages, GET
reads, POST acts, the letter PDF download, the person page) plus the office directory's
integer ids, each asked by an officer whose *role* allows the action but whose
*jurisdiction* (a sibling station, another district, another city) does not hold the
record, with UUID and integer ids.

Proves, for every pair: 404; none of the record's personal data (name, masked ID number,
masked phone, case or permit number) in the body; exactly one new ``Denial`` row (the
``access_denied`` audit row, why="scope") naming the officer; and, over the run, nothing
written (no event, no access-log row, no version bumped). Fails if any view reads a
record without its ``access_*`` selector, or the decorator stops logging refusals.

The per-route matrix (every route × role × place, once each) is
tests/integration/test_office_matrix.py::test_matrix; this test is its randomised volume.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fixtures.applications import make_application
from fixtures.officers import make_office, officer, signed_in
from fixtures.people import make_person
from fixtures.permits import appeal_filed, cancelled_permit, make_permit
from juzhu.backoffice import letters
from juzhu.backoffice.access import ACTIONS, Route
from juzhu.backoffice.models import Denial
from juzhu.registry.models import AccessLog, Appeal, Application, Event, Office, Permit
from juzhu.registry.services import Actor

pytestmark = pytest.mark.django_db

PAIRS = 1000
SEED = 14
# station A: where the officer works; the records all live at shenzhen/futian/sz-futian-1
ELSEWHERE = [
    ("shenzhen", "futian", "sz-futian-2"),  # sibling station
    ("shenzhen", "nanshan", "sz-nanshan-3"),  # another district's station
    ("shenzhen", "nanshan", ""),  # another district
    ("guangzhou", "tianhe", ""),  # another city
    ("beijing", "", ""),  # another city, city-wide
]


def record_routes() -> list[tuple[str, URLPattern]]:
    """Every back-office URL naming one record by ``pk`` (and nothing else)."""

    def walk(patterns: list[Any]) -> list[tuple[str, URLPattern]]:
        out: list[tuple[str, URLPattern]] = []
        for p in patterns:
            if isinstance(p, URLResolver):
                out += walk(p.url_patterns)
            elif isinstance(p, URLPattern) and hasattr(p.callback, "office_route"):
                route: Route = p.callback.office_route
                if route.kind and list(p.pattern.converters) == ["pk"]:
                    out.append((p.name or "", p))
        return out

    office = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "backoffice"
    )
    return sorted(walk(office.url_patterns), key=lambda r: r[0])


def make_records() -> dict[str, list[Any]]:
    """A few records of each kind at station B (shenzhen / futian / sz-futian-1)."""
    day = dt.date(2026, 11, 2)
    out: dict[str, list[Any]] = {k: [] for k in ("application", "appeal", "permit", "person")}
    out["letter"] = []
    for i in range(3):
        app = make_application(make_person(name=f"李受害{i}"))
        permit = cancelled_permit(make_person(name=f"王持证{i}"), on=day, actor=Actor("officer:t"))
        out["appeal"].append(appeal_filed(permit, on=day + dt.timedelta(days=3), grounds="理由"))
        out["application"].append(app)
        out["permit"].append(make_permit(make_person(name=f"赵持证{i}")))
        out["person"].append(app.person)
        out["letter"].append(
            letters.issue(
                "receipt",
                person=app.person,
                record=app,
                record_type="application",
                on=app.submitted_on,
                actor=Actor("officer:t"),
                context={"case_number": app.case_number},
            )  # fmt: skip
        )
    return out


def secrets_of(record: Any) -> list[str]:
    """What must not leak about ``record``: its person's data and its own numbers."""
    person = getattr(record, "person", None) or record
    values = [person.name, person.id_number_masked, person.phone_masked]
    values += [getattr(record, f, "") for f in ("case_number", "number")]
    return [v for v in values if v]


def fingerprint() -> tuple[Any, ...]:
    return (
        Event.objects.count(),
        AccessLog.objects.count(),
        list(Application.objects.order_by("pk").values_list("version", flat=True)),
        list(Permit.objects.order_by("pk").values_list("version", flat=True)),
        list(Appeal.objects.order_by("pk").values_list("version", flat=True)),
        list(Office.objects.order_by("pk").values_list("name_zh", flat=True)),
    )


def test_1000_generated_cross_jurisdiction_pairs_all_get_404_and_a_denial() -> None:
    started = time.monotonic()
    records = make_records()
    offices = [make_office(), make_office(station="sz-futian-9", name_zh="第九派出所")]
    routes = record_routes()
    assert len(routes) >= 20
    rng = random.Random(SEED)
    clients: dict[tuple[str, tuple[str, str, str]], tuple[Client, int]] = {}

    def client_for(role: str, place: tuple[str, str, str]) -> tuple[Client, int]:
        if (role, place) not in clients:
            city, district, station = place
            who = officer(role, city=city, district=district, station=station,
                          name=f"{role}-{city}-{district}-{station}")  # fmt: skip
            clients[role, place] = (signed_in(who), who.user_id)
        return clients[role, place]

    before = fingerprint()
    kinds_hit: set[str] = set()
    for i in range(PAIRS):
        if i % 10 == 9:  # integer ids: the office directory, for an admin of another city
            office = rng.choice(offices)
            role, place = "admin", rng.choice(ELSEWHERE[3:])
            url, method, secrets = reverse("backoffice:manage_office", args=[office.pk]), "GET", [office.name_zh]  # fmt: skip
            kind = "office"
        else:
            name, pattern = rng.choice(routes)
            route: Route = pattern.callback.office_route
            kind = route.kind or ""
            role = rng.choice(sorted(ACTIONS[route.action] - {"admin"}))
            place = rng.choice(ELSEWHERE)
            record = rng.choice(records[kind])
            url = reverse(f"backoffice:{name}", kwargs={"pk": record.pk})
            method = "GET" if "GET" in route.methods else "POST"
            secrets = secrets_of(record)
        client, user_id = client_for(role, place)
        denials = Denial.objects.count()
        response = client.get(url) if method == "GET" else client.post(url, {"version": "1"})
        body = response.content.decode(errors="replace")
        assert response.status_code == 404, (i, url, role, place, response.status_code)
        leaked = [s for s in secrets if s in body]
        assert not leaked, (i, url, leaked)
        assert Denial.objects.count() == denials + 1, (i, url, "refusal not logged")
        last = Denial.objects.order_by("-pk").first()
        assert last is not None and (last.user_id, last.why) == (user_id, "scope")
        kinds_hit.add(f"{kind}:{method}")
    assert fingerprint() == before, "a refused request wrote or logged a read"
    assert Denial.objects.count() == PAIRS
    # GET, POST and the document download were all among the generated pairs
    assert {"application:GET", "application:POST", "letter:GET", "office:GET"} <= kinds_hit
    assert time.monotonic() - started < 120  # budget ~60 s on a 2-core CI box


def test_unknown_ids_are_the_same_404_as_records_out_of_scope() -> None:
    """A random UUID and a record outside the scope answer alike (no existence oracle)."""
    app = make_application()
    client = signed_in(officer("clerk", district="nanshan", station="sz-nanshan-3"))
    out_of_scope = client.get(reverse("backoffice:application", args=[app.pk]))
    unknown = client.get(reverse("backoffice:application", args=[uuid.uuid4()]))
    assert out_of_scope.status_code == unknown.status_code == 404
    assert out_of_scope.content == unknown.content
