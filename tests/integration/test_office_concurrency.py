"""Two reviewers approve the same case at the same moment: one succeeds, the other is told
of the conflict, and nothing is overwritten (one approval event, one permit). Real threads,
each with its own database connection, released together by a barrier."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection

from fixtures.applications import make_application
from juzhu.registry import services
from juzhu.registry.models import Application, Event, Permit
from juzhu.registry.services import Actor, Conflict


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL: SQLite's in-memory shared-cache test database locks whole tables "
    "instead of waiting (the embedded WAL file serialises writers; make test runs this on "
    "PostgreSQL)",
)
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_one_wins_one_conflicts(_flushable: None) -> None:
    app = make_application(status="accepted")
    version = app.version
    start = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def approve(who: str) -> None:
        mine = Application.objects.get(pk=app.pk)
        start.wait()
        try:
            services.do_approve_application(
                mine, on=mine.accepted_on, actor=Actor(f"officer:{who}"), expected_version=version
            )
            outcome[who] = "approved"
        except Conflict as exc:
            outcome[who] = f"conflict: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(who,)) for who in ("r1", "r2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(v.split(":")[0] for v in outcome.values()) == ["approved", "conflict"], outcome
    loser = next(v for v in outcome.values() if v.startswith("conflict"))
    assert "reload it and try again" in loser
    app.refresh_from_db()
    assert app.status == "approved" and app.version == version + 1
    approvals = Event.objects.filter(record_id=app.pk, name="ApplicationApproved")
    assert approvals.count() == 1
    assert Permit.objects.filter(person=app.person).count() == 1
