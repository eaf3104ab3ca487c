"""T24 clock skew (security.md §6), ±10 minutes, simulated in-process.

libfaketime on a separate app process is the same experiment as moving this process's
clock (time-machine) or handing the checks an explicit ``now`` (the skewed server's
clock); both are done here. The documented behaviour:

- the admin change log (``AdminChange``) takes its time from the database
  (``db_default=Now()``), not the app server: an app server 10 minutes fast or slow still
  writes it on the database's one time line, in order. (``Denial``, ``AccessLog`` and
  ``Event`` still take the app's clock: the frozen-clock tests filter them by the app's
  day; moving them is listed in CASES.md;)
- the portal's SMS code lives ``CODE_TTL`` (5 minutes) by the clock of the server that
  issued it; a checking server 10 minutes ahead refuses it (expired), one 10 minutes
  behind accepts it — so app servers must run NTP (README/security.md: the skew budget is
  the code's life);
- an officer's TOTP code is accepted within one 30-second step of the server's clock
  (django-otp ``tolerance=1``): a server (or phone) 10 minutes off refuses every code,
  one 20 seconds off does not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from fixtures.officers import device_of, officer, signed_in
from fixtures.people import make_id, make_person
from juzhu.backoffice.models import AdminChange
from juzhu.portal import auth

pytestmark = pytest.mark.django_db
SKEW = dt.timedelta(minutes=10)


def db_now() -> dt.datetime:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT now()" if connection.vendor == "postgresql" else "SELECT CURRENT_TIMESTAMP"
        )
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite: 'YYYY-MM-DD HH:MM:SS' in UTC
        value = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
    return value


def test_admin_changes_take_the_database_s_time_whatever_the_app_clock_says() -> None:
    admin = signed_in(officer("admin", district="", station="", name="t24-admin"))
    add = reverse("backoffice:manage_override_add")
    real = timezone.now()
    for i, skew in enumerate((SKEW, -SKEW, SKEW)):
        with time_machine.travel(real + skew, tick=True):
            day = f"2027-02-{20 + i}"
            assert admin.post(add, {"day": day, "is_workday": "1", "note": "x"}).status_code == 302
    stamps = list(AdminChange.objects.order_by("pk").values_list("at", flat=True))
    now = db_now()
    assert len(stamps) == 3
    for at in stamps:
        assert abs(at - now) < dt.timedelta(minutes=1), (at, now)  # not the skewed app clock
    assert stamps == sorted(stamps)  # one ordered time line


def test_the_sms_code_expires_by_the_issuing_server_s_clock(settings: Any) -> None:
    settings.DEMO = True  # the code is handed back (demo only) so the test can type it
    number = make_id()
    person = make_person(id_number=number)
    issued_at = timezone.now()
    started = auth.start_login(number, "127.0.0.1", now=issued_at)
    code = started.demo_code
    assert code
    with pytest.raises(auth.LoginRefused):  # a checking server 10 minutes ahead: expired
        auth.check_code(started.challenge_id, code, "127.0.0.1", now=issued_at + SKEW)
    # one 10 minutes behind still takes it (within its life by the issuer's clock)
    assert auth.check_code(started.challenge_id, code, "127.0.0.1", now=issued_at - SKEW) == person


def test_an_officer_s_totp_code_allows_one_step_of_skew_not_ten_minutes() -> None:
    device = device_of(officer("reviewer", name="t24-reviewer"))
    real = timezone.now()

    def code_at(when: dt.datetime) -> str:
        with time_machine.travel(when, tick=False):
            return (
                f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
            )

    for skew in (SKEW, -SKEW):  # the phone 10 minutes off the server
        device.throttle_reset()  # each try on its own (django-otp slows repeated failures)
        assert not device.verify_token(code_at(real + skew))
    device.throttle_reset()
    assert device.verify_token(code_at(real - dt.timedelta(seconds=20)))
