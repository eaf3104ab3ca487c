"""T5 session lifecycle (security.md §6; ASVS 7.2.4, 7.3.1, 7.3.2, 7.4.1, 7.4.2: §2 rows 7-9).

Input: the cookie reused after logout; an officer deactivated mid-session; idle for 16
minutes under time-machine. Pass: every protected request 302s to sign in, and the
session id changed at each step up (portal: at the code; back office: at the password and
again at the TOTP). Also: the 8-hour absolute limit holds however busy the officer is, and
a password alone never enrols an authenticator (an enrolment token is needed).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from fixtures.clock import frozen
from fixtures.officers import current_code, device_of, make_officer
from fixtures.outbox import last_code
from fixtures.people import make_person
from juzhu.backoffice.auth import issue_enrolment_token
from juzhu.registry import pii

pytestmark = [pytest.mark.django_db, frozen]
SESSION = django_settings.SESSION_COOKIE_NAME
HOME = "/office/"


def _sign_in(client: Client, username: str) -> list[str]:
    """Password then TOTP; the session ids seen before, after the password, after TOTP."""
    session = client.session  # a session before signing in (say, one an attacker planted)
    session["lang"] = "zh"
    session.save()
    ids = [client.cookies[SESSION].value]
    r = client.post(reverse("backoffice:login"), {"username": username, "password": "x" * 12})
    assert r.status_code == 302
    ids.append(client.cookies[SESSION].value)
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    r = client.post(reverse("backoffice:code"), {"token": current_code(device)})
    assert r.status_code == 302
    ids.append(client.cookies[SESSION].value)
    return ids


def test_the_officers_session_id_changes_at_each_step_up() -> None:
    bob = make_officer("bob")
    device_of(bob)
    client = Client()
    before, after_password, after_totp = _sign_in(client, "bob")
    assert len({before, after_password, after_totp}) == 3
    assert client.get(HOME).status_code == 200


def test_an_officers_cookie_reused_after_logout_opens_nothing() -> None:
    bob = make_officer("bob")
    device_of(bob)
    client = Client()
    _sign_in(client, "bob")
    stolen = client.cookies[SESSION].value
    client.post(reverse("backoffice:logout"))
    replay = Client()
    replay.cookies[SESSION] = stolen
    r = replay.get(HOME)
    assert r.status_code == 302 and r["Location"].startswith(reverse("backoffice:login"))


def test_an_officer_deactivated_mid_session_is_out_at_the_next_request() -> None:
    bob = make_officer("bob")
    device_of(bob)
    client = Client()
    _sign_in(client, "bob")
    assert client.get(HOME).status_code == 200
    bob.user.is_active = False
    bob.user.save()
    assert client.get(HOME).status_code == 302


def test_an_officer_idle_for_sixteen_minutes_signs_in_again(frozen_clock: Any) -> None:
    bob = make_officer("bob")
    device_of(bob)
    client = Client()
    _sign_in(client, "bob")
    frozen_clock.shift(dt.timedelta(minutes=14))
    assert client.get(HOME).status_code == 200  # 14 idle minutes: still in, clock touched
    frozen_clock.shift(dt.timedelta(minutes=14))
    assert client.get(HOME).status_code == 200  # 14 more since the last request
    frozen_clock.shift(dt.timedelta(minutes=16))
    r = client.get(HOME)
    assert r.status_code == 302 and r["Location"].startswith(reverse("backoffice:login"))
    frozen_clock.shift(dt.timedelta(seconds=1))
    assert client.get(HOME).status_code == 302  # ended server-side, not just this once


def test_eight_hours_after_sign_in_the_officer_signs_in_again_however_busy(
    frozen_clock: Any,
) -> None:
    bob = make_officer("bob")
    device_of(bob)
    client = Client()
    _sign_in(client, "bob")
    for _ in range(8 * 6 - 1):  # a request every 10 minutes for 7 h 50 min
        frozen_clock.shift(dt.timedelta(minutes=10))
        assert client.get(HOME).status_code == 200
    frozen_clock.shift(dt.timedelta(minutes=11))
    assert client.get(HOME).status_code == 302


def test_a_password_alone_never_enrols_an_authenticator() -> None:
    carol = make_officer("carol")  # no authenticator yet
    client = Client()
    client.post(reverse("backoffice:login"), {"username": "carol", "password": "x" * 12})
    page = client.get(reverse("backoffice:code")).content.decode()
    assert "<svg" not in page and "绑定码" in page
    for token in ("000000", "123456"):
        assert client.post(reverse("backoffice:code"), {"token": token}).status_code == 400
    assert not TOTPDevice.objects.filter(user=carol.user).exists()
    assert client.get(HOME).status_code == 302
    token = issue_enrolment_token(carol.user)
    assert client.post(reverse("backoffice:code"), {"enrol_token": token}).status_code == 302
    assert "<svg" in client.get(reverse("backoffice:code")).content.decode()


def test_an_expired_enrolment_token_is_refused(frozen_clock: Any) -> None:
    carol = make_officer("carol")
    token = issue_enrolment_token(carol.user, hours=1)
    frozen_clock.shift(dt.timedelta(hours=1, seconds=1))
    client = Client()
    client.post(reverse("backoffice:login"), {"username": "carol", "password": "x" * 12})
    r = client.post(reverse("backoffice:code"), {"enrol_token": token})
    assert r.status_code == 400 and "绑定码不正确或已失效" in r.content.decode()


# -- the portal ----------------------------------------------------------------------------


@pytest.fixture()
def outbox(settings: Any, tmp_path: Path) -> Path:
    settings.NOTIFY_FILE_DIR = tmp_path
    return tmp_path


def test_the_holders_session_id_changes_at_login_and_dies_at_logout(outbox: Path) -> None:
    alice = make_person(name="爱丽丝")
    client = Client()
    client.post("/portal/login/", {"id_number": pii.decrypt(bytes(alice.id_number_enc), purpose="id_number")})  # fmt: skip
    before = client.cookies[SESSION].value
    assert client.post("/portal/login/code/", {"code": last_code(outbox)}).status_code == 302
    after = client.cookies[SESSION].value
    assert before != after
    assert client.get("/portal/me/").status_code == 200
    client.post("/portal/logout/")
    replay = Client()
    replay.cookies[SESSION] = after
    assert replay.get("/portal/me/").status_code == 302
