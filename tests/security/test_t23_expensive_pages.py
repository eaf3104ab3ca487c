"""Anti-automation on the expensive pages that need no login (security.md §2 row 21; T23's
sustained load): the landing page's counts come from the shared cache, not a count of the
permit table per hit; the plan PDF (WeasyPrint, about a second of CPU) is limited per
client, and one client's limit is not another's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fixtures.people import make_person
from fixtures.permits import make_permit
from juzhu.portal.views import PDF_PER_CLIENT
from juzhu.registry import abuse

pytestmark = pytest.mark.django_db


def test_the_landing_page_counts_the_permits_once_not_per_hit() -> None:
    make_permit(make_person())
    client = Client()
    with CaptureQueriesContext(connection) as first:
        assert client.get("/").status_code == 200
    assert any("registry_permit" in q["sql"] for q in first.captured_queries)
    for _ in range(5):
        with CaptureQueriesContext(connection) as later:
            assert client.get("/").status_code == 200
        assert not any("registry_permit" in q["sql"] for q in later.captured_queries)


def test_the_plan_pdf_is_limited_per_client(rf: Any) -> None:
    heavy = Client(REMOTE_ADDR="203.0.113.40")
    assert heavy.get("/portal/planner/plan.pdf").status_code == 302  # no answers yet: asked
    key = abuse.client_key(rf.get("/", REMOTE_ADDR="203.0.113.40"))
    limit = int(PDF_PER_CLIENT.split("/")[0])
    for _ in range(limit - 1):  # the rest of the hour's PDFs, as if rendered
        abuse.hit(None, "plan-pdf", key, PDF_PER_CLIENT)
    r = heavy.get("/portal/planner/plan.pdf")
    assert r.status_code == 429 and "请求太频繁" in r.content.decode()
    assert Client(REMOTE_ADDR="198.51.100.40").get("/portal/planner/plan.pdf").status_code == 302
