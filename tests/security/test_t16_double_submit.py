"""T16 double submit and idempotency (security.md §6), on PostgreSQL.

What exists: the portal's application is built in a server-side ``Draft``; submitting it
locks the draft row (``SELECT … FOR UPDATE``) and links it to the one application it
becomes, so the draft's id is the idempotency key. A draft already submitted answers any
further submit with the same redirect to its application (a double click, or a retry
after the connection dropped once the first had committed). A *different* submission of
the same kind while one is open is refused (409: "you already have an open application
of this kind") — the analogue of "same key, different body". The JSON API has no write
that creates records (verification answers only), so no Idempotency-Key header is needed.

Proves: the same draft submitted 5× at once (five connections, released by a barrier) makes
1 application, and all five answers are the same 302 to it; a sixth submit later, the
same; a second draft of the same kind is refused with 409 and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from fixtures.clock import frozen
from fixtures.people import make_person
from fixtures.permits import OFFICER_17, cancelled_permit
from fixtures.portal import login
from juzhu.portal.models import Draft
from juzhu.registry.models import Application

pytestmark = [
    frozen,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: SQLite's in-memory shared-cache test database locks whole "
        "tables instead of waiting (make test runs this on PostgreSQL)",
    ),
]
WORKING = {"employed": "yes", "social_insurance_months": "14", "social_insurance_continuous": "yes"}


def ready_draft(client: Client) -> Draft:
    """A re-application filled in to the check page (as test_portal_apply does)."""
    r = client.post("/portal/me/apply/")
    draft = Draft.objects.filter(application__isnull=True).order_by("-created_at").first()
    assert draft is not None and r.status_code == 302
    client.post(f"/portal/me/apply/{draft.pk}/basis/", {"basis": "employment"})
    client.post(f"/portal/me/apply/{draft.pk}/housing/", {"housing": "rented"})
    client.post(f"/portal/me/apply/{draft.pk}/address/", {"address": "福田区福华路88号3栋501"})
    client.post(f"/portal/me/apply/{draft.pk}/facts/", WORKING)
    client.post(f"/portal/me/apply/{draft.pk}/materials/", {"action": "done"})
    return draft


@pytest.mark.django_db(transaction=True)
def test_the_same_application_posted_5_times_at_once_makes_one(
    _flushable: None, uploads: Any
) -> None:
    alice = make_person(name="艾丽斯")
    cancelled_permit(alice, reason="expired_not_renewed", on=dt.date(2025, 12, 1), actor=OFFICER_17)
    draft = ready_draft(login(Client(), alice))
    url = f"/portal/me/apply/{draft.pk}/check/"
    clients = [login(Client(), alice) for _ in range(5)]
    start = threading.Barrier(5)
    answers: list[tuple[int, str]] = []

    def submit(client: Client) -> None:
        try:
            start.wait(timeout=30)
            r = client.post(url, {"declaration": "yes"})
            answers.append((r.status_code, r.get("Location", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    app = Application.objects.get()  # exactly one
    expected = (302, f"/portal/me/applications/{app.pk}/")
    assert answers == [expected] * 5, answers
    again = clients[0].post(url, {"declaration": "yes"})
    assert (again.status_code, again["Location"]) == expected
    assert Application.objects.count() == 1

    # a second, different submission of the same kind while the first is open: 409
    other = ready_draft(clients[1])
    refused = clients[1].post(f"/portal/me/apply/{other.pk}/check/", {"declaration": "yes"})
    assert refused.status_code == 409
    assert Application.objects.count() == 1
