"""T15 concurrent officer edits (security.md §6), over HTTP, on PostgreSQL.

The registry has optimistic locking: every case carries ``version``; each act posts the
version the officer read, and the write is ``UPDATE … WHERE version = v`` (a stale or
raced version raises ``Conflict``, answered 409 with "reload and try again").

Proves, for 100 pairs of reviewers who loaded the same case at version v and press
"approve" at the same moment (two threads, two connections, released by a barrier):
exactly one 302 (approved) and one 409 per pair; the case ends at version v+1, approved,
with one ``ApplicationApproved`` event and one permit — no lost or doubled write. Fails
if the version check is removed (both would approve: two events, two permits).

The single-pair service-level race is tests/integration/test_office_concurrency.py.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from fixtures.applications import make_application
from fixtures.officers import officer, signed_in
from juzhu.registry.models import Application, Event, Permit

PAIRS = 100

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: SQLite's in-memory shared-cache test database locks whole "
    "tables instead of waiting (make test runs this on PostgreSQL)",
)


@pytest.mark.django_db(transaction=True)
def test_100_pairs_of_simultaneous_approvals_one_wins_one_gets_409(_flushable: None) -> None:
    apps = [make_application(status="accepted") for _ in range(PAIRS)]
    versions = {app.pk: app.version for app in apps}
    reviewers = [
        signed_in(officer("reviewer", name="t15-r1")),
        signed_in(officer("reviewer", name="t15-r2")),
    ]
    statuses: dict[Any, list[int]] = {app.pk: [] for app in apps}

    def approve(client: Client, app: Application, start: threading.Barrier) -> None:
        url = reverse("backoffice:application_approve", args=[app.pk])
        try:
            start.wait(timeout=30)
            response = client.post(url, {"version": versions[app.pk]})
            statuses[app.pk].append(response.status_code)
        finally:
            connection.close()

    for app in apps:
        start = threading.Barrier(2)
        threads = [threading.Thread(target=approve, args=(c, app, start)) for c in reviewers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

    for app in apps:
        assert sorted(statuses[app.pk]) == [302, 409], (app.pk, statuses[app.pk])
        fresh = Application.objects.get(pk=app.pk)
        assert fresh.status == "approved" and fresh.version == versions[app.pk] + 1
        assert Event.objects.filter(record_id=app.pk, name="ApplicationApproved").count() == 1
        assert Permit.objects.filter(person_id=app.person_id).count() == 1
