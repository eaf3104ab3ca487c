"""T3 credential stuffing (security.md §6; ASVS 6.1.1, 6.3.1: §2 row 2).

Input: 1,000 logins over 200 accounts from one address, then 20 on one account. Pass:
429 past the documented threshold (``CLIENT_FAILURES``, 30 an hour for an officer's client;
``CLIENT_SENDS``, 10 a minute for the portal's), a step-up challenge — never a lockout —
past the per-account threshold (5 in 15 minutes); existing and unknown accounts answered
alike (status, body, median time within 50 ms); the real user still signs in with both
factors; every attempt logged. Also: the client address is read behind trusted proxies
only, so a forged ``X-Forwarded-For`` neither dodges the limit nor blames another.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from fixtures.clock import frozen
from fixtures.officers import current_code, device_of, make_officer
from fixtures.people import make_id, make_person
from fixtures.step_up import solved
from juzhu.backoffice import auth as office_auth
from juzhu.backoffice.models import SignInAttempt
from juzhu.portal import auth as portal_auth
from juzhu.portal.models import LoginAttempt
from juzhu.registry import abuse, pii

pytestmark = [pytest.mark.django_db, frozen]
PASSWORD = "x" * 12  # make_officer's


def _post_login(client: Client, username: str, password: str, **extra: str) -> Any:
    return client.post(
        reverse("backoffice:login"), {"username": username, "password": password, **extra}
    )


def test_a_thousand_logins_from_one_address_get_429_past_the_threshold_and_all_are_logged() -> None:
    real = [make_officer(f"officer{i:03d}").user.username for i in range(20)]
    names = real + [f"nobody{i:03d}" for i in range(180)]  # 200 accounts, 20 of them real
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [_post_login(attacker, names[i % 200], f"guess{i}").status_code for i in range(1000)]
    limit = int(office_auth.CLIENT_FAILURES.split("/")[0])
    assert statuses[:limit] == [400] * limit  # "用户名或密码不正确"
    assert set(statuses[limit:]) == {429}
    assert SignInAttempt.objects.count() == 1000  # every attempt, refused ones included
    assert SignInAttempt.objects.filter(step="limited").count() == 1000 - limit
    assert set(SignInAttempt.objects.values_list("client", flat=True)) == {"203.0.113.7"}


def test_twenty_on_one_account_ask_for_the_step_up_and_the_real_officer_still_signs_in() -> None:
    bob = make_officer("bob")
    device = device_of(bob)
    for i in range(20):
        attacker = Client(REMOTE_ADDR=f"198.51.100.{i}")  # a botnet: a new address each time
        r = _post_login(attacker, "bob", f"guess{i}")
        assert r.status_code == 400
        if i >= 5:
            assert "请先输入图片中的字符" in r.content.decode()  # the step-up, not a lock
    failures = SignInAttempt.objects.filter(username="bob", ok=False)
    assert failures.filter(step="password").count() == 5
    assert failures.filter(step="step_up").count() == 15
    # A step-up answered but the password wrong still fails, and still counts.
    page = _post_login(Client(REMOTE_ADDR="198.51.100.99"), "bob", "guess").content.decode()
    # The real bob, at his own desk: password + the challenge + TOTP.
    desk = Client(REMOTE_ADDR="10.1.2.3")
    r = _post_login(desk, "bob", PASSWORD)
    assert r.status_code == 400 and "请先输入图片中的字符" in r.content.decode()
    r = _post_login(desk, "bob", PASSWORD, **solved(r.content.decode()))
    assert r.status_code == 302
    r = desk.post(reverse("backoffice:code"), {"token": current_code(device)})
    assert r.status_code == 400  # the TOTP step asks for the challenge too
    r = desk.post(
        reverse("backoffice:code"), {"token": current_code(device), **solved(r.content.decode())}
    )
    assert r.status_code == 302
    assert desk.get(reverse("backoffice:home")).status_code == 200
    assert "step_up_key" in page


def _normalised(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_existing_and_unknown_usernames_get_the_same_answer_in_the_same_time() -> None:
    known = [make_officer(f"known{i:02d}").user.username for i in range(21)]
    unknown = [f"unknown{i:02d}" for i in range(21)]
    _post_login(Client(REMOTE_ADDR="192.0.2.250"), "warm-up", "x")  # templates compiled
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    bodies: dict[str, set[tuple[int, str]]] = {"known": set(), "unknown": set()}
    for i in range(21):  # interleaved, so drift of the machine hits both alike
        for kind, name in (("known", known[i]), ("unknown", unknown[i])):
            client = Client(REMOTE_ADDR=f"192.0.2.{i}")
            start = time.perf_counter()
            r = _post_login(client, name, "wrong-password")
            timings[kind].append(time.perf_counter() - start)
            bodies[kind].add((r.status_code, _normalised(r.content.decode())))
    assert bodies["known"] == bodies["unknown"] and len(bodies["known"]) == 1
    gap = statistics.median(timings["known"]) - statistics.median(timings["unknown"])
    assert abs(gap) < 0.050, timings


def test_registered_and_unregistered_id_numbers_get_the_same_answer_in_the_same_time(
    settings: Any, tmp_path: Any
) -> None:
    """The portal's side (issue 14 high finding 4): no reply is held by sleeping, and the
    two paths do the same work, so neither status, body nor time tells them apart."""
    settings.NOTIFY_FILE_DIR = tmp_path
    registered = [
        pii.decrypt(bytes(make_person(name=f"持证人{i}").id_number_enc), purpose="id_number")
        for i in range(21)
    ]
    strangers = [make_id(dt.date(1995, 1, 1) + dt.timedelta(days=i)) for i in range(21)]
    Client(REMOTE_ADDR="192.0.2.250").post("/portal/login/", {"id_number": make_id()})  # warm
    timings: dict[str, list[float]] = {"registered": [], "stranger": []}
    answers: dict[str, set[tuple[int, str]]] = {"registered": set(), "stranger": set()}
    for i in range(21):
        for kind, number in (("registered", registered[i]), ("stranger", strangers[i])):
            client = Client(REMOTE_ADDR=f"192.0.2.{i}")
            start = time.perf_counter()
            r = client.post("/portal/login/", {"id_number": number})
            timings[kind].append(time.perf_counter() - start)
            answers[kind].add((r.status_code, r.get("Location", "")))
    assert answers["registered"] == answers["stranger"] == {(302, "/portal/login/code/")}
    gap = statistics.median(timings["registered"]) - statistics.median(timings["stranger"])
    assert abs(gap) < 0.050, timings
    assert statistics.median(timings["registered"] + timings["stranger"]) < 0.2  # no sleep


def test_a_thousand_portal_logins_over_two_hundred_numbers_from_one_address(
    settings: Any, tmp_path: Any
) -> None:
    settings.NOTIFY_FILE_DIR = tmp_path
    alice = make_person(name="爱丽丝")
    alice_number = pii.decrypt(bytes(alice.id_number_enc), purpose="id_number")
    numbers = [alice_number] + [
        make_id(dt.date(1995, 6, 1) + dt.timedelta(days=i)) for i in range(199)
    ]
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        attacker.post("/portal/login/", {"id_number": numbers[i % 200]}).status_code
        for i in range(1000)
    ]
    per_minute = int(portal_auth.CLIENT_SENDS[0].split("/")[0])
    assert statuses[:per_minute] == [302] * per_minute
    assert set(statuses[per_minute:]) == {429}
    assert LoginAttempt.objects.filter(kind="send").count() == 1000  # every attempt logged
    # alice, from her own phone, still gets her code and signs in
    phone = Client(REMOTE_ADDR="100.64.0.1")
    assert phone.post("/portal/login/", {"id_number": alice_number}).status_code == 302
    from fixtures.outbox import last_code

    r = phone.post("/portal/login/code/", {"code": last_code(tmp_path)})
    assert r.status_code == 302 and phone.get("/portal/me/").status_code == 200


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "client"),
    [
        ([], "203.0.113.5", "1.2.3.4", "203.0.113.5"),  # no proxy trusted: header ignored
        (["10.0.0.1"], "203.0.113.5", "1.2.3.4", "203.0.113.5"),  # not from the proxy
        (["10.0.0.1"], "10.0.0.1", "1.2.3.4", "1.2.3.4"),
        (["10.0.0.0/8"], "10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),  # forged left
        (["10.0.0.1"], "10.0.0.1", "not-an-address", "10.0.0.1"),
        (["10.0.0.1"], "10.0.0.1", "", "10.0.0.1"),
    ],
)
def test_the_client_is_read_behind_trusted_proxies_only(
    settings: Any, trusted: list[str], remote: str, forwarded: str, client: str
) -> None:
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert abuse.client_ip(request) == client


def test_behind_a_proxy_each_person_has_their_own_limit(settings: Any) -> None:
    """Everyone behind the reverse proxy does not share one address (and one limit)."""
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    make_officer("bob")
    via = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.66", **via)
    for i in range(40):
        _post_login(attacker, f"nobody{i}", "guess")
    assert _post_login(attacker, "bob", "guess").status_code == 429
    someone_else = Client(HTTP_X_FORWARDED_FOR="198.51.100.1", **via)
    assert _post_login(someone_else, "bob", PASSWORD).status_code == 302
