"""T10 stored XSS in the back office (security.md §6).

A person whose name and address hold ``<img src=x onerror=…>`` and ``</script><script>…``
(as a legacy import or a careless counter entry could store them) is shown on every
back-office page that shows a name or an address — the queue, the search results, the case
page, the person page, the permit page, the appeal page, the letter — and in the letter's
PDF.

Proves: the markup never reaches a page raw (it is escaped: ``&lt;img``), and in the PDF
it prints as text (WeasyPrint read it as text, not as an element; and its URL fetcher would
refuse the image anyway: tests/security/test_pdf_url_fetcher.py). Fails if any template
marks the value ``|safe`` or a view builds HTML by string formatting. The CSP header is
helper "keys"'s part (T10's second condition); the wapiti3 scan is out of reach here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from fixtures.applications import make_application
from fixtures.officers import officer, signed_in
from fixtures.people import make_person
from fixtures.permits import appeal_filed, cancelled_permit
from fixtures.portal import pdf_text
from juzhu.backoffice import letters
from juzhu.registry import services
from juzhu.registry.models import Person, ResidenceRegistration
from juzhu.registry.services import Actor

pytestmark = pytest.mark.django_db

NAME = '<img src=x onerror="alert(1)">李</script><script>alert(2)'  # fits varchar(64)
ADDRESS = "福田路1号<img src=x onerror=alert(3)></script>"
RAW = ["<img src=x", "<script>alert", 'onerror="alert(1)">']


def hostile(person: Person) -> Person:
    """The stored value as an import could leave it (no form validation on the way)."""
    Person.objects.filter(pk=person.pk).update(name=NAME)
    person.refresh_from_db()
    return person


def assert_escaped(page: str, where: str) -> None:
    for raw in RAW:
        assert raw not in page, (where, raw)


def test_a_hostile_name_and_address_are_escaped_on_every_back_office_page(
    uploads: Any,
) -> None:
    person = hostile(make_person())
    app = make_application(person)
    services.do_register(
        person, city="shenzhen", district="futian", station="sz-futian-1",
        address="福田路1号", housing="owned", on=dt.date(2026, 11, 1),
        actor=Actor("officer:t"), evidence=["property_certificate"],
    )  # fmt: skip
    ResidenceRegistration.objects.filter(person=person).update(address=ADDRESS)
    day = dt.date(2026, 11, 2)
    permit = cancelled_permit(person, on=day, actor=Actor("officer:t"))
    appeal = appeal_filed(permit, on=day + dt.timedelta(days=3), grounds=ADDRESS)
    letter = letters.issue(
        "receipt", person=person, record=app, record_type="application",
        on=app.submitted_on, actor=Actor("officer:t"), context={"case_number": app.case_number},
    )  # fmt: skip
    supervisor = signed_in(officer("supervisor"))
    pages = {
        "queue": supervisor.get(reverse("backoffice:queue", args=["online"])),
        "search": supervisor.post(reverse("backoffice:search"), {"q": "李"}),
        "case": supervisor.get(reverse("backoffice:application", args=[app.pk])),
        "person": supervisor.get(reverse("backoffice:person", args=[person.pk])),
        "permit": supervisor.get(reverse("backoffice:permit", args=[permit.pk])),
        "appeal": supervisor.get(reverse("backoffice:appeal", args=[appeal.pk])),
        "letter": supervisor.get(reverse("backoffice:letter", args=[letter.pk])),
    }
    shown = 0
    for where, response in pages.items():
        assert response.status_code == 200, where
        page = response.content.decode()
        assert_escaped(page, where)
        shown += "&lt;img src=x onerror=" in page
    assert shown >= 5, "the hostile name is shown (escaped) on the pages that name the person"
    assert "&lt;/script&gt;" in pages["person"].content.decode()

    pdf = supervisor.get(reverse("backoffice:letter_pdf", args=[letter.pk]))
    assert pdf.status_code == 200
    text = pdf_text(b"".join(pdf.streaming_content) if pdf.streaming else pdf.content)
    assert "<img src=x onerror=" in text  # printed as text, not parsed as an element
