"""Portal login: ID number + SMS code, its limits, its lockout, and what it never reveals."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fixtures.clock import frozen
from fixtures.outbox import last_code, sent_sms
from fixtures.people import make_id, make_person
from fixtures.permits import make_permit
from juzhu.portal import auth
from juzhu.portal.models import LoginChallenge, LoginGuard
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.models import Event, Notification, Person
from juzhu.registry.outbox import do_enqueue_notice

pytestmark = frozen
CLIENT = "ip:test"


@pytest.fixture()
def outbox(settings: Any, tmp_path: Path) -> Path:
    settings.NOTIFY_FILE_DIR = tmp_path
    settings.PORTAL_LOGIN_MIN_SECONDS = 0.05
    return tmp_path


def sent_codes(outbox: Path) -> list[dict[str, Any]]:
    return [m for m in sent_sms(outbox) if m["template_id"].startswith("juzhu.login_code")]


def id_number_of(person: Person) -> str:
    from juzhu.registry import pii

    return pii.decrypt(bytes(person.id_number_enc), purpose="id_number", row=person)


def test_code_sent_to_the_registered_phone_logs_the_holder_in(
    client: Client, alice: Person, outbox: Path
) -> None:
    r = client.post("/portal/login/", {"id_number": id_number_of(alice)})
    assert r.status_code == 302 and r["Location"] == "/portal/login/code/"
    [message] = sent_codes(outbox)
    assert message["to"] == "138****5678"  # masked in the fake gateway's file
    assert re.fullmatch(r"\d{6}", message["params"]["code"])
    assert "5分钟内有效" in message["text"]
    r = client.post("/portal/login/code/", {"code": message["params"]["code"]})
    assert r.status_code == 302 and r["Location"] == "/portal/me/"
    assert client.session[auth.SESSION_KEY] == str(alice.pk)
    assert client.get("/portal/me/").status_code == 200


def test_a_code_works_once(client: Client, alice: Person, outbox: Path) -> None:
    client.post("/portal/login/", {"id_number": id_number_of(alice)})
    code = last_code(outbox)
    challenge = LoginChallenge.objects.get()
    assert auth.check_code(challenge.pk, code, CLIENT) == alice
    with pytest.raises(auth.LoginRefused, match="expired"):
        auth.check_code(challenge.pk, code, CLIENT)


def test_a_code_expires_after_five_minutes(alice: Person, outbox: Path) -> None:
    now = timezone.now()
    started = auth.start_login(id_number_of(alice), CLIENT, now=now)
    code = last_code(outbox)
    later = now + dt.timedelta(minutes=5, seconds=1)
    with pytest.raises(auth.LoginRefused, match="expired"):
        auth.check_code(started.challenge_id, code, CLIENT, now=later)
    fine = now + dt.timedelta(minutes=4, seconds=59)
    assert auth.check_code(started.challenge_id, code, CLIENT, now=fine) == alice


def test_five_wrong_tries_use_up_the_code(alice: Person, outbox: Path) -> None:
    started = auth.start_login(id_number_of(alice), CLIENT)
    code = last_code(outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(auth.LoginRefused, match=f"{left} tries left"):
            auth.check_code(started.challenge_id, wrong, CLIENT)
    with pytest.raises(auth.LoginRefused, match="ask for a new one"):
        auth.check_code(started.challenge_id, wrong, CLIENT)
    with pytest.raises(auth.LoginRefused, match="expired"):
        auth.check_code(started.challenge_id, code, CLIENT)  # even the right one, now


def test_a_new_code_only_after_sixty_seconds_and_it_replaces_the_old(
    alice: Person, outbox: Path
) -> None:
    now = timezone.now()
    first = auth.start_login(id_number_of(alice), CLIENT, now=now)
    old_code = last_code(outbox)
    with pytest.raises(auth.LoginRefused, match="ask again in") as refused:
        auth.resend(first.challenge_id, CLIENT, now=now + dt.timedelta(seconds=30))
    assert refused.value.retry_at == now + auth.RESEND_AFTER
    second = auth.resend(first.challenge_id, CLIENT, now=now + dt.timedelta(seconds=61))
    new_code = last_code(outbox)
    at = now + dt.timedelta(seconds=62)
    with pytest.raises(auth.LoginRefused):
        auth.check_code(first.challenge_id, old_code, CLIENT, now=at)
    assert auth.check_code(second.challenge_id, new_code, CLIENT, now=at) == alice


def test_at_most_five_codes_an_hour_and_ten_a_day_per_number(alice: Person, outbox: Path) -> None:
    number = id_number_of(alice)
    start = timezone.now().replace(hour=1, minute=0)
    for i in range(5):
        auth.start_login(number, f"ip:{i}", now=start + dt.timedelta(minutes=2 * i))
    with pytest.raises(auth.LoginRefused, match="Too many codes"):
        auth.start_login(number, "ip:x", now=start + dt.timedelta(minutes=20))
    for i in range(5):
        auth.start_login(number, f"ip:{i}", now=start + dt.timedelta(hours=1, minutes=2 * i))
    with pytest.raises(auth.LoginRefused, match="No more codes today"):
        auth.start_login(number, "ip:x", now=start + dt.timedelta(hours=3))
    # Ten codes queued for the phone (their times are hours before the frozen clock, so the
    # worker would now fail them as expired: what is counted is what was let through).
    assert Notification.objects.filter(template="login_code").count() == 10


def test_ten_wrong_codes_in_a_row_lock_the_number_for_thirty_minutes(
    alice: Person, outbox: Path
) -> None:
    number = id_number_of(alice)
    now = timezone.now()
    for round_ in range(2):
        started = auth.start_login(number, CLIENT, now=now + dt.timedelta(minutes=2 * round_))
        for _ in range(5):
            with pytest.raises(auth.LoginRefused):
                auth.check_code(started.challenge_id, "000000", CLIENT, now=now)
    later = now + dt.timedelta(minutes=5)
    with pytest.raises(auth.LoginRefused, match="paused"):
        auth.start_login(number, CLIENT, now=later)
    guard = LoginGuard.objects.get(key="id:" + auth.id_key(number))
    assert guard.locked_until == now + auth.LOCK_FOR
    started = auth.start_login(number, CLIENT, now=now + dt.timedelta(minutes=31))
    code = last_code(outbox)
    assert auth.check_code(started.challenge_id, code, CLIENT, now=now + dt.timedelta(minutes=31))


def _normalised(html: str) -> str:
    """Without what must differ: the CSRF token, the number typed (echoed back in its
    field) and a countdown's seconds."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'name="id_number" value="[^"]*"', "", html)
    return re.sub(r"\d+秒", "N秒", html)


def test_a_registered_and_an_unregistered_number_get_the_same_answers(
    client: Client, alice: Person, outbox: Path
) -> None:
    stranger = make_id(dt.date(1985, 7, 1))
    assert not Person.objects.exclude(pk=alice.pk).exists()
    replies = []
    for number in (id_number_of(alice), stranger):
        c = Client()
        r1 = c.post("/portal/login/", {"id_number": number})
        r2 = c.get(r1["Location"])
        r3 = c.post("/portal/login/code/", {"code": "000000"})
        r4 = c.post("/portal/login/", {"id_number": number})  # within 60 s
        replies.append(
            (
                r1.status_code,
                r1["Location"],
                _normalised(r2.content.decode()),
                r3.status_code,
                _normalised(r3.content.decode()),
                r4.status_code,
                _normalised(r4.content.decode()),
            )
        )
    assert replies[0] == replies[1]
    assert LoginChallenge.objects.count() == 2  # one each: the stranger's is played out too
    assert len(sent_codes(outbox)) == 1  # only the registered phone got an SMS


def test_a_login_reply_is_held_to_the_same_minimum_time(
    client: Client, alice: Person, outbox: Path, settings: Any
) -> None:
    import time

    settings.PORTAL_LOGIN_MIN_SECONDS = 0.3
    timings = []
    for number in (id_number_of(alice), make_id(dt.date(1985, 7, 1))):
        start = time.monotonic()
        Client().post("/portal/login/", {"id_number": number})
        timings.append(time.monotonic() - start)
    assert all(t >= 0.3 for t in timings)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("440304199202290011", "校验码不对"),
        ("<script>alert(1)</script>", "18位"),
        ("44030419920229001", "18位"),
        (make_id_number("440304", dt.date(2099, 1, 1), 1), "出生日期在未来"),
        (make_id_number("440304", dt.date(1990, 1, 1), 1)[:-1] + "Y", "18位"),
    ],
)
def test_a_bad_id_number_is_refused_beside_the_field_and_nothing_is_stored(
    client: Client, db: Any, outbox: Path, typed: str, message: str
) -> None:
    r = client.post("/portal/login/", {"id_number": typed})
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html and 'id="id_id_number-error"' in html
    assert "<script>alert(1)</script>" not in html
    assert not LoginChallenge.objects.exists() and not LoginGuard.objects.exists()
    assert sent_codes(outbox) == []


def test_a_code_that_is_not_six_digits_is_refused_without_using_a_try(
    client: Client, alice: Person, outbox: Path
) -> None:
    client.post("/portal/login/", {"id_number": id_number_of(alice)})
    r = client.post("/portal/login/code/", {"code": "12ab<"})
    assert r.status_code == 400 and "验证码是6位数字" in r.content.decode()
    assert LoginChallenge.objects.get().attempts == 0


def test_a_holder_sees_only_their_own_permits(client: Client, alice: Person, outbox: Path) -> None:
    mine = make_permit(alice)
    theirs = make_permit(make_person(name="鲍勃"))
    client.post("/portal/login/", {"id_number": id_number_of(alice)})
    client.post("/portal/login/code/", {"code": last_code(outbox)})
    assert client.get(f"/portal/me/permits/{mine.pk}/").status_code == 200
    assert client.get(f"/portal/me/permits/{theirs.pk}/").status_code == 404
    page = client.get("/portal/me/").content.decode()
    assert mine.number in page and theirs.number not in page and "鲍勃" not in page


def test_pages_of_a_holder_need_a_login_and_logout_ends_it(
    client: Client, alice: Person, outbox: Path
) -> None:
    r = client.get("/portal/me/")
    assert r.status_code == 302 and r["Location"].startswith("/portal/login/?next=/portal/me/")
    client.post("/portal/login/", {"id_number": id_number_of(alice)})
    client.post("/portal/login/code/", {"code": last_code(outbox)})
    assert client.get("/portal/me/inbox/").status_code == 200
    client.post("/portal/logout/")
    assert client.get("/portal/me/inbox/").status_code == 302


# -- the code goes through the outbox ---------------------------------------------------------


def test_the_login_reply_sends_nothing_itself_the_worker_delivers_the_code(
    client: Client, alice: Person, outbox: Path
) -> None:
    client.post("/portal/login/", {"id_number": id_number_of(alice)})
    assert not (outbox / "sms").exists()  # no gateway was called by the web request
    [row] = Notification.objects.filter(template="login_code")
    assert (row.channel, row.status, row.event_id) == ("sms", "pending", None)
    [message] = sent_codes(outbox)  # the worker's run
    row.refresh_from_db()
    assert row.status == "sent"
    assert message["to"] == "138****5678"


def test_the_code_is_sealed_in_the_row_and_scrubbed_once_sent(
    client: Client, alice: Person, outbox: Path
) -> None:
    client.post("/portal/login/", {"id_number": id_number_of(alice)})
    stored = json.dumps(Notification.objects.get(template="login_code").context)
    code = last_code(outbox)
    assert code not in stored and "sealed" in stored
    row = Notification.objects.get(template="login_code")
    assert "code" not in row.context  # the secret left the row with its delivery
    journal = (outbox / "deliveries.jsonl").read_text()
    assert code not in journal and "******" in journal


def test_a_code_the_worker_could_not_send_in_time_is_failed_not_sent_late(
    client: Client, alice: Person, outbox: Path, frozen_clock: Any
) -> None:
    client.post("/portal/login/", {"id_number": id_number_of(alice)})
    frozen_clock.shift(auth.CODE_TTL)
    assert sent_codes(outbox) == []
    row = Notification.objects.get(template="login_code")
    assert row.status == "failed" and "expired" in row.last_error
    assert "code" not in row.context


def test_a_code_goes_before_a_backlog_of_notices_and_outside_their_sms_budget(
    client: Client, alice: Person, outbox: Path
) -> None:
    make_permit(alice)  # its notices (inbox and SMS) wait in the outbox
    event = Event.objects.order_by("pk").last()
    assert event is not None
    for number in ("X1", "X2"):
        do_enqueue_notice(
            event, alice, "permit_issued", {"number": number, "on": "2026-12-01"}, ("sms",)
        )
    client.post("/portal/login/", {"id_number": id_number_of(alice)})
    messages = sent_sms(outbox)
    assert messages[0]["template_id"].startswith("juzhu.login_code")  # first, though newest
    # The code did not spend the number's notice budget (one SMS a minute): one notice
    # still went out, the rest wait for the next minute.
    notices = [m for m in messages if not m["template_id"].startswith("juzhu.login_code")]
    assert len(notices) == 1
