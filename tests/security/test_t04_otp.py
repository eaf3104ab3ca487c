"""T4 OTP abuse (security.md §6; ASVS 6.5.1, 6.5.5, 6.6.3: §2 row 4).

Input: a used code replayed; a code older than 10 minutes (ours live 5); 6 wrong guesses;
11 send-code calls in one minute. Pass: all rejected; the 11th send gets 429 (MOSIP-style
flooding limit, ``CLIENT_SENDS``). Also: the whole service's SMS budget stops a flood
from running up the bill, the same for registered and unknown numbers; and none of it locks
the holder out (past the per-number thresholds a step-up challenge, which she passes).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import frozen
from fixtures.outbox import last_code, sent_sms
from fixtures.people import make_id, make_person
from fixtures.step_up import challenge_key, solved, to_window_start
from juzhu.portal import auth
from juzhu.portal.models import LoginAttempt, LoginChallenge
from juzhu.registry import pii
from juzhu.registry.models import Notification, Person

pytestmark = [pytest.mark.django_db, frozen]


@pytest.fixture()
def outbox(settings: Any, tmp_path: Path) -> Path:
    settings.NOTIFY_FILE_DIR = tmp_path
    return tmp_path


@pytest.fixture()
def alice(db: Any) -> Person:
    return make_person(name="爱丽丝")


def number_of(person: Person) -> str:
    return pii.decrypt(bytes(person.id_number_enc), purpose="id_number")


def _codes_page(client: Client, person: Person) -> Any:
    r = client.post("/portal/login/", {"id_number": number_of(person)})
    assert r.status_code == 302
    return r


def test_a_used_code_replayed_is_rejected(alice: Person, outbox: Path) -> None:
    client = Client()
    _codes_page(client, alice)
    code = last_code(outbox)
    assert client.post("/portal/login/code/", {"code": code}).status_code == 302
    thief = Client(REMOTE_ADDR="203.0.113.66")
    _codes_page(thief, alice)  # a fresh challenge of their own, the old code replayed
    r = thief.post("/portal/login/code/", {"code": code})
    assert r.status_code == 400 and auth.SESSION_KEY not in thief.session
    with pytest.raises(auth.LoginRefused, match="expired"):  # and on the first challenge
        auth.check_code(LoginChallenge.objects.order_by("created_at").first().pk, code, "ip:x")


@pytest.mark.parametrize("age", [dt.timedelta(minutes=5, seconds=1), dt.timedelta(minutes=10)])
def test_a_code_older_than_its_life_is_rejected(
    alice: Person, outbox: Path, frozen_clock: Any, age: dt.timedelta
) -> None:
    client = Client()
    _codes_page(client, alice)
    code = last_code(outbox)
    frozen_clock.shift(age)
    r = client.post("/portal/login/code/", {"code": code})
    assert r.status_code == 400 and "验证码已失效" in r.content.decode()
    assert auth.SESSION_KEY not in client.session


def test_six_wrong_guesses_the_sixth_is_rejected_even_when_right(
    alice: Person, outbox: Path
) -> None:
    client = Client()
    _codes_page(client, alice)
    code = last_code(outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(auth.MAX_TRIES):
        assert client.post("/portal/login/code/", {"code": wrong}).status_code == 400
    r = client.post("/portal/login/code/", {"code": code})  # the 6th guess: the right code
    assert r.status_code == 400 and auth.SESSION_KEY not in client.session
    outcomes = list(LoginAttempt.objects.filter(kind="code").values_list("outcome", flat=True))
    assert outcomes == ["wrong"] * 5 + ["expired"]  # every guess logged


def test_the_eleventh_send_in_a_minute_from_one_client_gets_429(db: Any, outbox: Path) -> None:
    client = Client(REMOTE_ADDR="203.0.113.11")
    numbers = [make_id(dt.date(1996, 3, 1) + dt.timedelta(days=i)) for i in range(11)]
    statuses = [client.post("/portal/login/", {"id_number": n}).status_code for n in numbers]
    assert statuses == [302] * 10 + [429]
    assert LoginChallenge.objects.count() == 10  # the 11th made nothing
    assert LoginAttempt.objects.filter(outcome="limited").count() == 1


def test_a_second_code_for_a_number_within_sixty_seconds_gets_429(
    alice: Person, outbox: Path, frozen_clock: Any
) -> None:
    client = Client()
    _codes_page(client, alice)
    assert client.post("/portal/login/resend/").status_code == 429
    frozen_clock.shift(dt.timedelta(seconds=61))
    assert client.post("/portal/login/resend/").status_code == 302
    assert Notification.objects.filter(template="login_code").count() == 2


def test_the_services_sms_budget_stops_a_flood_for_every_number_alike(
    alice: Person, outbox: Path, settings: Any
) -> None:
    settings.SMS_BUDGET_PER_HOUR = 3
    numbers = [make_id(dt.date(1996, 5, 1) + dt.timedelta(days=i)) for i in range(3)]
    for i, n in enumerate(numbers):  # three codes: the hour's budget
        assert Client(REMOTE_ADDR=f"192.0.2.{i}").post("/portal/login/", {"id_number": n}).status_code == 302  # fmt: skip
    r = Client(REMOTE_ADDR="192.0.2.9").post("/portal/login/", {"id_number": number_of(alice)})
    assert r.status_code == 429 and "短信服务繁忙" in r.content.decode()
    stranger = make_id(dt.date(1996, 9, 9))
    r2 = Client(REMOTE_ADDR="192.0.2.10").post("/portal/login/", {"id_number": stranger})
    assert r2.status_code == 429 and "短信服务繁忙" in r2.content.decode()  # the same answer
    assert not Notification.objects.filter(template="login_code", person=alice).exists()
    assert LoginAttempt.objects.filter(outcome="budget").count() == 2


def test_an_attacker_who_knows_her_number_cannot_burn_her_codes(
    alice: Person, outbox: Path, frozen_clock: Any
) -> None:
    """The old rule (10 codes a day per number, then nothing) let anyone use up a holder's
    day; now past 3 codes an hour each code needs the step-up, which alice passes."""
    to_window_start(frozen_clock, auth.id_key(number_of(alice)), 3600)
    for i in range(12):  # a script from 12 addresses, each refused past the free codes
        Client(REMOTE_ADDR=f"198.51.100.{i}").post(
            "/portal/login/", {"id_number": number_of(alice)}
        )
        frozen_clock.shift(dt.timedelta(seconds=5))
    assert Notification.objects.filter(template="login_code").count() == 3
    phone = Client(REMOTE_ADDR="100.64.0.2")
    r = phone.post("/portal/login/", {"id_number": number_of(alice)})
    assert r.status_code == 400 and "图片中的字符" in r.content.decode()
    image = phone.get(f"/captcha/image/{challenge_key(r.content.decode())}/")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    r = phone.post("/portal/login/", {"id_number": number_of(alice), **solved(r.content.decode())})
    assert r.status_code == 302
    r = phone.post("/portal/login/code/", {"code": last_code(outbox)})
    assert r.status_code == 302 and phone.get("/portal/me/").status_code == 200
    assert len([m for m in sent_sms(outbox) if "login_code" in m["template_id"]]) == 4
