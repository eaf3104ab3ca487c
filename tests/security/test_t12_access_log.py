"""T12 access-log completeness and the citizen's view (security.md §6).

Proves: 10,000 random reads by officers (through the registry's ``access_*`` selectors, the
only way to open a record) and relying parties (the verify API's use case) leave exactly
10,000 access rows, each with who, when, which record, what it disclosed and why; and each
holder's "who viewed my data" page lists every one of their rows, page by page (not the
latest 50). ``JUZHU_T12_READS`` lowers the count for a quick local run.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import frozen, today
from fixtures.officers import officer
from fixtures.people import make_person
from fixtures.permits import make_permit
from fixtures.portal import login
from juzhu.portal.views_mydata import PER_PAGE
from juzhu.registry.models import AccessLog, Person
from juzhu.registry.selectors import Viewer, access_permit, access_person
from juzhu.verification import services

pytestmark = [pytest.mark.django_db, frozen]

READS = int(os.environ.get("JUZHU_T12_READS", "10000"))


def test_every_read_is_logged_and_listed_to_the_holder(client: Client, school: Any) -> None:
    rng = random.Random(12)
    holders = [make_person(name=f"持证人{i}") for i in range(3)]
    permits = {h.pk: make_permit(h, on=today() - dt.timedelta(days=60)) for h in holders}
    officers = [Viewer.of_officer(officer(role)) for role in ("clerk", "reviewer", "supervisor")]
    key = services.do_issue_api_key(
        school, actor=services.Actor("officer:test"), per_minute=READS + 1, per_day=READS + 1
    ).secret
    start = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0

    for _ in range(READS):
        holder = rng.choice(holders)
        if rng.random() < 0.5:
            viewer = rng.choice(officers)
            if rng.random() < 0.5:
                access_permit(viewer, permits[holder.pk].pk, purpose="office_case")
            else:
                access_person(viewer, holder.pk, purpose="office_person")
        else:
            code = services.do_create_consent_code(holder, school, "school_enrollment").code
            services.do_verify(api_key=key, purpose="school_enrollment", consent_code=code)

    rows = AccessLog.objects.filter(id__gt=start)  # the log is append-only: none deleted
    assert rows.count() == READS
    for missing in (
        {"viewer_id": ""},
        {"purpose": ""},
        {"fields": ""},
        {"record_id__isnull": True},
    ):
        assert not rows.filter(**missing).exists(), missing
    assert set(rows.values_list("viewer_kind", flat=True)) == {"officer", "relying_party"}

    for holder in holders:
        assert _listed(client, holder) == AccessLog.objects.filter(person=holder).count()


def _listed(client: Client, holder: Person) -> int:
    """Rows on every page of the holder's "who viewed my data", following the links."""
    login(client, holder)
    seen, page = 0, 1
    while True:
        response = client.get("/portal/me/checks/", {"page": page})
        assert response.status_code == 200
        text = response.content.decode()
        rows = text.count('<tr class="check-row">')
        assert rows <= PER_PAGE
        seen += rows
        if 'rel="next"' not in text:
            return seen
        page += 1


def test_the_me_page_links_to_the_whole_list(client: Client, alice: Person) -> None:
    login(client, alice)
    page = client.get("/portal/me/").content.decode()
    assert "/portal/me/checks/" in page and "/portal/me/data/" in page
