"""The e-permit page: a QR for one relying party, carrying only a URL with a signed token."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import frozen
from fixtures.people import make_person
from fixtures.permits import cancel, make_permit
from fixtures.portal import login
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.models import Person, RelyingParty
from juzhu.verification import credentials, keys

pytestmark = frozen


@pytest.fixture()
def alice(db: Any) -> Person:
    """Alice with a fixed ID number: the test below checks its last four digits are not in
    the token, so they must not depend on how many people earlier tests made (a run of
    digits in the token's timestamp once matched them by chance)."""
    number = make_id_number("440304", dt.date(1992, 2, 29), 7)
    return make_person(name="艾丽斯", id_number=number, phone="13812345678")


def test_the_qr_carries_only_a_signed_token_url_for_the_chosen_party(
    client: Client, alice: Person, school: RelyingParty, settings: Any
) -> None:
    permit = make_permit(alice, on=dt.date.today() - dt.timedelta(days=30))
    login(client, alice)
    page = client.get("/portal/me/epermit/").content.decode()
    assert school.name in page
    r = client.post("/portal/me/epermit/", {"party": str(school.pk)})
    html = r.content.decode()
    assert r.status_code == 200 and "<svg" in html and "<title>居住证电子凭证二维码</title>" in html
    # The view renders the QR from this URL; read the token back from the service's output.
    from juzhu.portal import epermit

    shown = epermit.show(permit, school, "zh")
    url, token = shown.url.split("#", 1)
    assert url == settings.SITE_URL.rstrip("/") + "/portal/e/"
    claims = credentials.read_token(token, keys.public_keys())
    assert claims.aud == str(school.pk) and claims.city == "shenzhen"
    payload = credentials.unb64url(token.split(".")[1]).decode()
    for personal in (alice.name, alice.id_number_masked[-4:], permit.number):
        assert personal not in payload and personal not in shown.url
    assert re.search(r"\d{4}年\d+月\d+日 – \d{4}年\d+月\d+日", unescape(html))


def test_an_ended_permit_has_no_e_permit(client: Client, alice: Person, school: Any) -> None:
    make_permit(alice, on=dt.date(2024, 3, 1))  # fine, then cancelled below
    from juzhu.registry.models import Permit
    from juzhu.registry.services import Actor

    cancel(
        Permit.objects.get(),
        reason="expired_not_renewed",
        on=dt.date(2025, 12, 1),
        actor=Actor("officer:1"),
    )
    login(client, alice)
    page = client.get("/portal/me/epermit/").content.decode()
    assert "只有有效的居住证才能出示电子凭证" in page and "<svg" not in page


def test_choosing_no_party_is_refused_beside_the_choice(
    client: Client, alice: Person, school: RelyingParty
) -> None:
    make_permit(alice, on=dt.date.today() - dt.timedelta(days=30))
    login(client, alice)
    r = client.post("/portal/me/epermit/", {"party": "<script>"})
    assert r.status_code == 400 and "请选择一个单位" in r.content.decode()
