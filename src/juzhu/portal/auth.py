"""Log in with an ID number and an SMS code; the holder's session.

The rules (issue 4; carriers' limits in ecosystem.md §1.2):

- a 6-digit code, valid 5 minutes, at most 5 tries, one new code per 60 s, at most 5 codes
  an hour and 10 a day per ID number, and 20 an hour per client address;
- 10 wrong codes in a row for one ID number (across codes) lock it for 30 minutes; 30 wrong
  codes within an hour from one address lock that address for an hour;
- nothing tells whether an ID number is registered: a challenge is created, counted,
  throttled, locked and answered the same way for every valid number; only the SMS itself
  differs. It is queued in the outbox (``registry/outbox.py``) and sent by the notify
  worker, so no gateway latency reaches the reply, which is held to a fixed minimum time.

Why not django-axes: axes counts failures of ``django.contrib.auth.authenticate`` and
stores the attempted *username* in plain text in its ``AccessAttempt`` and ``AccessLog``
tables. Holders are not Django users, and their username would be the ID number, which
must never be stored unmasked (PRODUCT.md, quality bars). ``LoginGuard`` does what axes
does — a failure limit per identity and per address, a cool-off, counters in the database
shared by every process — keyed by blind indexes instead.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from juzhu.portal import mass_assignment
from juzhu.portal.models import LoginChallenge, LoginGuard
from juzhu.registry import pii
from juzhu.registry.models import Person
from juzhu.registry.outbox import do_enqueue_login_code

log = logging.getLogger("juzhu.portal.auth")

CODE_TTL = dt.timedelta(minutes=5)
MAX_TRIES = 5
RESEND_AFTER = dt.timedelta(seconds=60)
ID_PER_HOUR, ID_PER_DAY, IP_PER_HOUR = 5, 10, 20
LOCK_AFTER, LOCK_FOR = 10, dt.timedelta(minutes=30)
IP_LOCK_AFTER, IP_LOCK_FOR = 30, dt.timedelta(hours=1)
SESSION_KEY = "portal_person"
CHALLENGE_KEY = "portal_challenge"
IDLE_SECONDS = 30 * 60  # a logged-in session ends after 30 idle minutes


class LoginRefused(Exception):
    """Say ``zh`` / ``en`` beside ``field``; ``retry_at`` when waiting will help."""

    def __init__(self, zh: str, en: str, field: str, retry_at: dt.datetime | None = None):
        self.zh, self.en, self.field, self.retry_at = zh, en, field, retry_at
        super().__init__(en)

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%H:%M")


def id_key(id_number: str) -> str:
    return pii.blind_index(id_number, purpose="id_number")


def ip_key(request: HttpRequest) -> str:
    # REMOTE_ADDR: behind a reverse proxy, configure the proxy to set it (or use
    # django-ipware); never trust X-Forwarded-For from the open internet.
    return "ip:" + pii.blind_index(request.META.get("REMOTE_ADDR", ""), purpose="client_ip")


def _code_hash(challenge_id: uuid.UUID, code: str) -> str:
    return pii.blind_index(f"{challenge_id}:{code}", purpose="login_code")


def _guard(key: str) -> LoginGuard:
    LoginGuard.objects.bulk_create([LoginGuard(key=key)], ignore_conflicts=True)
    return LoginGuard.objects.select_for_update().get(key=key)


def _check_lock(guard: LoginGuard, now: dt.datetime) -> None:
    if guard.locked_until and guard.locked_until > now:
        raise LoginRefused(
            f"错误次数太多，为保护你的账户已暂停登录，请在{_local(guard.locked_until)}后再试",
            f"Too many wrong codes: logging in is paused to protect the account; "
            f"try again after {_local(guard.locked_until)}",
            "code",
            guard.locked_until,
        )


def _take_send(
    guard: LoginGuard, now: dt.datetime, *, per_hour: int, per_day: int | None, spaced: bool
) -> None:
    """Count one code sent for this key, or refuse saying when to try again. ``spaced``:
    also 60 s between two codes (per number; an address may serve many people)."""
    if spaced and guard.last_sent_at and now - guard.last_sent_at < RESEND_AFTER:
        wait = guard.last_sent_at + RESEND_AFTER
        seconds = int((wait - now).total_seconds()) + 1
        raise LoginRefused(
            f"验证码刚发过，请{seconds}秒后再获取",
            f"A code was just sent; ask again in {seconds} s",
            "id_number",
            wait,
        )
    if not guard.hour_start or now - guard.hour_start >= dt.timedelta(hours=1):
        guard.hour_start, guard.hour_count = now, 0
    today = timezone.localdate(now)
    if guard.day != today:
        guard.day, guard.day_count = today, 0
    if guard.hour_count >= per_hour:
        retry = guard.hour_start + dt.timedelta(hours=1)
        raise LoginRefused(
            f"获取验证码太频繁，请在{_local(retry)}后再试",
            f"Too many codes requested; try again after {_local(retry)}",
            "id_number",
            retry,
        )
    if per_day is not None and guard.day_count >= per_day:
        raise LoginRefused(
            "今天获取验证码的次数已用完，请明天再试",
            "No more codes today; try again tomorrow",
            "id_number",
        )
    guard.last_sent_at = now
    guard.hour_count += 1
    guard.day_count += 1
    guard.save()


@dataclass(frozen=True)
class Started:
    """``demo_code``: the code itself, only with the demo flag on (``settings.DEMO``, never
    in production) and only for a registered number (nothing is sent to anyone else)."""

    challenge_id: uuid.UUID
    sent_at: dt.datetime
    demo_code: str = ""


def start_login(id_number: str, client: str, now: dt.datetime | None = None) -> Started:
    """Create a challenge for a valid ID number (registered or not) and send its code.
    Raises ``LoginRefused`` when locked or over a send limit (the same for everyone)."""
    return _start(id_key(id_number), client, now or timezone.now())


def resend(challenge_id: Any, client: str, now: dt.datetime | None = None) -> Started:
    """A new code for the number of an earlier challenge (same limits as the first)."""
    key = LoginChallenge.objects.filter(pk=challenge_id).values_list("id_index", flat=True).first()
    if key is None:
        raise LoginRefused(
            "请重新输入身份证号获取验证码", "Enter your ID number again to get a code", "code"
        )
    return _start(key, client, now or timezone.now())


def resend_wait(sent_at: str, now: dt.datetime | None = None) -> int:
    """Seconds until a new code may be asked for (0: now)."""
    left = dt.datetime.fromisoformat(sent_at) + RESEND_AFTER - (now or timezone.now())
    return max(0, int(left.total_seconds()) + (1 if left.total_seconds() % 1 else 0))


def _start(key: str, client: str, now: dt.datetime) -> Started:
    with transaction.atomic():
        guard = _guard("id:" + key)
        _check_lock(guard, now)
        _take_send(_guard(client), now, per_hour=IP_PER_HOUR, per_day=None, spaced=False)
        _take_send(guard, now, per_hour=ID_PER_HOUR, per_day=ID_PER_DAY, spaced=True)
        person = Person.objects.filter(id_number_index=key).first()
        # Earlier codes of this number stop working once a new one is sent.
        LoginChallenge.objects.filter(id_index=key, used_at__isnull=True).update(expires_at=now)
        challenge_id = uuid.uuid4()
        code = f"{secrets.randbelow(10**6):06d}"
        LoginChallenge.objects.create(
            id=challenge_id,
            id_index=key,
            person=person,
            code_hash=_code_hash(challenge_id, code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        if person is not None:
            # Into the outbox, in this transaction; the notify worker sends it (no web
            # thread waits on a gateway). Nobody to tell for an unknown number: same reply.
            do_enqueue_login_code(person, code, expires_at=now + CODE_TTL)
    shown = code if settings.DEMO and person is not None and person.phone_masked else ""
    return Started(challenge_id, now, demo_code=shown)


def _fail(challenge: LoginChallenge, client: str, now: dt.datetime) -> None:
    for key, limit, lock in (
        ("id:" + challenge.id_index, LOCK_AFTER, LOCK_FOR),
        (client, IP_LOCK_AFTER, IP_LOCK_FOR),
    ):
        guard = _guard(key)
        if not guard.window_start or now - guard.window_start >= dt.timedelta(hours=1):
            guard.window_start, guard.failures = now, 0
        guard.failures += 1
        if guard.failures >= limit:
            guard.locked_until, guard.failures, guard.window_start = now + lock, 0, None
        guard.save()


def check_code(challenge_id: Any, code: str, client: str, now: dt.datetime | None = None) -> Person:
    """The person whose code this is, or ``LoginRefused``. A code works once."""
    now = now or timezone.now()
    expired = LoginRefused(
        "验证码已失效（超过5分钟或错误次数太多），请重新获取",
        "The code has expired (over 5 minutes, or too many tries); ask for a new one",
        "code",
    )
    refusal: LoginRefused | None = None
    with transaction.atomic():
        challenge = LoginChallenge.objects.select_for_update().filter(pk=challenge_id).first()
        if challenge is None:
            raise expired
        _check_lock(_guard("id:" + challenge.id_index), now)
        _check_lock(_guard(client), now)
        if challenge.used_at or challenge.expires_at <= now or challenge.attempts >= MAX_TRIES:
            raise expired
        LoginChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
        good = hmac.compare_digest(challenge.code_hash, _code_hash(challenge.pk, code))
        if good and challenge.person_id is not None:
            LoginChallenge.objects.filter(pk=challenge.pk).update(used_at=now)
            guard = _guard("id:" + challenge.id_index)
            guard.failures, guard.window_start = 0, None
            guard.save()
        else:
            # Counted and committed before refusing (a raise here would roll it back).
            _fail(challenge, client, now)
            left = MAX_TRIES - challenge.attempts - 1
            refusal = LoginRefused(
                f"验证码不对，还可以再试{left}次" if left else "验证码不对，请重新获取验证码",
                f"That code is wrong; {left} tries left"
                if left
                else "That code is wrong; ask for a new one",
                "code",
            )
    if refusal is not None:
        raise refusal
    assert challenge.person is not None
    return challenge.person


def held(seconds: float) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Hold a view's reply to at least ``seconds`` (``PORTAL_LOGIN_MIN_SECONDS`` overrides),
    so a known and an unknown ID number take the same time to answer."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            start = time.monotonic()
            response = view(request, *args, **kwargs)
            floor = float(getattr(settings, "PORTAL_LOGIN_MIN_SECONDS", seconds))
            rest = floor - (time.monotonic() - start)
            if request.method == "POST" and rest > 0:
                time.sleep(rest)
            return response

        return run

    return wrap


def remember_challenge(request: HttpRequest, started: Started, next_url: str) -> None:
    """The code page's state in the session: which challenge, when sent, where to go after."""
    request.session[CHALLENGE_KEY] = {
        "id": str(started.challenge_id),
        "sent": started.sent_at.isoformat(),
        "next": next_url,
        "demo_code": started.demo_code,
    }


def log_in(request: HttpRequest, person: Person) -> None:
    request.session.cycle_key()  # a new session id at login (no fixation)
    request.session.pop(CHALLENGE_KEY, None)
    request.session[SESSION_KEY] = str(person.pk)
    request.session.set_expiry(IDLE_SECONDS)


def log_out(request: HttpRequest) -> None:
    request.session.flush()


def current_person(request: HttpRequest) -> Person | None:
    person_id = request.session.get(SESSION_KEY)
    if not person_id:
        return None
    return Person.objects.filter(pk=person_id).first()


class HolderRequest(HttpRequest):
    """The request a ``holder_required`` view receives: the logged-in holder."""

    person: Person


P = ParamSpec("P")


def holder_required(
    view: Callable[Concatenate[HolderRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    @wraps(view)
    def run(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        person = current_person(request)
        if person is None:
            return redirect(f"{reverse('portal:login')}?next={request.path}")
        refused = mass_assignment.refuse_protected_fields(request)
        if refused is not None:
            return refused
        # The request becomes a HolderRequest by the attribute set here.
        holder_request = cast(HolderRequest, request)
        holder_request.person = person
        return view(holder_request, *args, **kwargs)

    return run
