"""Log in with an ID number and an SMS code; the holder's session.

The rules (issue 4, revised by issue 14; carriers' limits in ecosystem.md §1.2). Counters are
django-ratelimit's in the shared cache (``registry/abuse.py``); none of them locks out the
holder whose number an attacker knows:

- a 6-digit code, valid 5 minutes, at most 5 tries, one new code per 60 s per number and
  client;
- per client (``abuse.client_key``, behind trusted proxies only): 10 codes a minute and 60
  an hour, 30 wrong codes an hour; past that, 429 for that client only;
- per number: after 3 codes in an hour, or 10 wrong codes in an hour, every further code
  asks for a step-up challenge (an image CAPTCHA) — a person passes it, a script does not;
- the whole service sends at most ``SMS_BUDGET_PER_HOUR`` / ``_PER_DAY`` codes;
- nothing tells whether an ID number is registered: a challenge is created, counted,
  throttled, stepped up, logged (``LoginAttempt``) and answered the same way for every valid
  number, with the same work (the code is sealed either way); only the SMS itself differs.
  It is queued in the outbox (``registry/outbox.py``) and sent by the notify worker, so no
  gateway latency reaches the reply. No reply is held by sleeping: a held web thread is a
  thread an attacker takes for free (issue 14, high finding 4).

Why not django-axes: axes counts failures of ``django.contrib.auth.authenticate`` and
stores the attempted *username* in plain text. Holders are not Django users, and their
username would be the ID number, which must never be stored unmasked; every key here is a
blind index.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
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
from juzhu.portal.models import LoginAttempt, LoginChallenge
from juzhu.registry import abuse, pii
from juzhu.registry.models import Person
from juzhu.registry.outbox import do_enqueue_login_code, seal

log = logging.getLogger("juzhu.portal.auth")

CODE_TTL = dt.timedelta(minutes=5)
MAX_TRIES = 5
RESEND_AFTER = dt.timedelta(seconds=60)
CLIENT_SENDS = ("10/m", "60/h")  # per client: past either, 429
CLIENT_WRONG = "30/h"  # wrong codes per client: past it, 429
ID_FREE_SENDS = "3/h"  # codes per number before the step-up challenge
ID_FREE_WRONG = "10/h"  # wrong codes per number before the step-up challenge
SESSION_KEY = "portal_person"
CHALLENGE_KEY = "portal_challenge"
IDLE_SECONDS = 30 * 60  # a logged-in session ends after 30 idle minutes


class LoginRefused(Exception):
    """Say ``zh`` / ``en`` beside ``field``; ``retry_at`` when waiting will help; ``status``
    the reply's (429: this client is over a limit); ``step_up``: a challenge is needed."""

    def __init__(
        self,
        zh: str,
        en: str,
        field: str,
        retry_at: dt.datetime | None = None,
        *,
        status: int = 400,
        step_up: bool = False,
    ):
        self.zh, self.en, self.field, self.retry_at = zh, en, field, retry_at
        self.status, self.step_up = status, step_up
        super().__init__(en)

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%H:%M")


def id_key(id_number: str) -> str:
    return pii.blind_index(id_number, purpose="id_number")


def ip_key(request: HttpRequest) -> str:
    """The client (behind ``JUZHU_TRUSTED_PROXIES`` only) as a blind index."""
    return abuse.client_key(request)


def forget_attempts(through: dt.date, *, dry_run: bool = False) -> int:
    """Delete the login attempts of every day up to and including ``through`` (``juzhu
    purge``, at the end of the national ``retention.login_attempts``); how many."""
    start = dt.datetime.combine(through + dt.timedelta(days=1), dt.time())
    old = LoginAttempt.objects.filter(at__lt=timezone.make_aware(start))
    return old.count() if dry_run else old.delete()[0]


def _code_hash(challenge_id: uuid.UUID, code: str) -> str:
    return pii.blind_index(f"{challenge_id}:{code}", purpose="login_code")


def _attempt(kind: str, key: str, client: str, outcome: str, now: dt.datetime) -> None:
    """Every attempt, whatever its outcome, for the auditor (security.md T3)."""
    LoginAttempt.objects.create(at=now, kind=kind, id_index=key, client=client, outcome=outcome)


def _too_many(client: str, key: str, kind: str, now: dt.datetime) -> LoginRefused:
    _attempt(kind, key, client, "limited", now)
    log.warning("login %s refused: client %s over its limit", kind, client[:11])
    return LoginRefused(
        "操作太频繁，请稍后再试",
        "Too many attempts from this connection; please wait and try again",
        "id_number" if kind == "send" else "code",
        status=429,
    )


def step_up_refusal(field: str) -> LoginRefused:
    return LoginRefused(
        "为保护你的账户，请先输入图片中的字符，再继续",
        "To protect the account, type the characters in the picture first",
        field,
        step_up=True,
    )


@dataclass(frozen=True)
class Started:
    """``demo_code``: the code itself, only with the demo flag on (``settings.DEMO``, never
    in production) and only for a registered number (nothing is sent to anyone else)."""

    challenge_id: uuid.UUID
    sent_at: dt.datetime
    demo_code: str = ""


def start_login(
    id_number: str, client: str, now: dt.datetime | None = None, *, stepped_up: bool = False
) -> Started:
    """Create a challenge for a valid ID number (registered or not) and send its code.
    ``stepped_up``: the request passed the step-up challenge. Raises ``LoginRefused`` over
    a limit (the same for everyone)."""
    return _start(id_key(id_number), client, now or timezone.now(), stepped_up)


def resend(
    challenge_id: Any, client: str, now: dt.datetime | None = None, *, stepped_up: bool = False
) -> Started:
    """A new code for the number of an earlier challenge (same limits as the first)."""
    key = LoginChallenge.objects.filter(pk=challenge_id).values_list("id_index", flat=True).first()
    if key is None:
        raise LoginRefused(
            "请重新输入身份证号获取验证码", "Enter your ID number again to get a code", "code"
        )
    return _start(key, client, now or timezone.now(), stepped_up)


def resend_wait(sent_at: str, now: dt.datetime | None = None) -> int:
    """Seconds until a new code may be asked for (0: now)."""
    left = dt.datetime.fromisoformat(sent_at) + RESEND_AFTER - (now or timezone.now())
    return max(0, int(left.total_seconds()) + (1 if left.total_seconds() % 1 else 0))


def needs_step_up(key: str) -> bool:
    """The number has had its free codes or wrong guesses this hour."""
    return abuse.over(None, "portal-id-send", key, ID_FREE_SENDS) or abuse.over(
        None, "portal-id-wrong", key, ID_FREE_WRONG
    )


def check_start(id_number: str, client: str, *, stepped_up: bool = False) -> None:
    """Refuse now (counting nothing) what ``start_login`` would refuse for this client or
    number: for a caller that writes something first (the sign-up), so a refusal leaves
    nothing half-way."""
    key, now = id_key(id_number), timezone.now()
    if any(abuse.over(None, f"portal-send-{r}", client, r) for r in CLIENT_SENDS):
        raise _too_many(client, key, "send", now)
    if needs_step_up(key) and not stepped_up:
        _attempt("send", key, client, "step_up", now)
        raise step_up_refusal("id_number")


def _start(key: str, client: str, now: dt.datetime, stepped_up: bool) -> Started:
    overs = [abuse.hit(None, f"portal-send-{r}", client, r) for r in CLIENT_SENDS]  # each counts
    if any(overs):
        raise _too_many(client, key, "send", now)
    if needs_step_up(key) and not stepped_up:
        _attempt("send", key, client, "step_up", now)
        raise step_up_refusal("id_number")
    # 60 s between two codes for a number *from one client*: per number alone, anyone could
    # keep the holder's number "just sent" for ever and stop her asking for her own code.
    spacing = f"portal-send:{key}:{client}"
    if not abuse.spaced(spacing, int(RESEND_AFTER.total_seconds())):
        _attempt("send", key, client, "spaced", now)
        raise LoginRefused(
            "验证码刚发过，请60秒后再获取",
            "A code was just sent; ask again in 60 s",
            "id_number",
            now + RESEND_AFTER,
            status=429,
        )
    if not abuse.take_sms_budget():
        abuse.release(spacing)
        _attempt("send", key, client, "budget", now)
        raise LoginRefused(
            "短信服务繁忙，请稍后再试，或到派出所窗口办理",
            "The SMS service is busy; try again later, or visit a police station",
            "id_number",
            status=429,
        )
    abuse.hit(None, "portal-id-send", key, ID_FREE_SENDS)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        person = Person.objects.filter(id_number_index=key).first()
        # Earlier codes of this number stop working once a new one is sent.
        LoginChallenge.objects.filter(id_index=key, used_at__isnull=True).update(expires_at=now)
        challenge_id = uuid.uuid4()
        LoginChallenge.objects.create(
            id=challenge_id,
            id_index=key,
            person=person,
            code_hash=_code_hash(challenge_id, code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        queued = None
        if person is not None:
            # Into the outbox, in this transaction; the notify worker sends it (no web
            # thread waits on a gateway). Nobody to tell for an unknown number: same reply.
            queued = do_enqueue_login_code(person, code, expires_at=now + CODE_TTL)
        if queued is None:
            # the same sealing work as a queued code: no timing tells them apart
            seal(code, "registry_person:none")
        _attempt("send", key, client, "sent", now)
    shown = code if settings.DEMO and person is not None and person.phone_masked else ""
    return Started(challenge_id, now, demo_code=shown)


def check_code(
    challenge_id: Any,
    code: str,
    client: str,
    now: dt.datetime | None = None,
    *,
    stepped_up: bool = False,
) -> Person:
    """The person whose code this is, or ``LoginRefused``. A code works once."""
    now = now or timezone.now()
    expired = LoginRefused(
        "验证码已失效（超过5分钟或错误次数太多），请重新获取",
        "The code has expired (over 5 minutes, or too many tries); ask for a new one",
        "code",
    )
    if abuse.over(None, "portal-wrong", client, CLIENT_WRONG):
        raise _too_many(client, "", "code", now)
    refusal: LoginRefused | None = None
    with transaction.atomic():
        challenge = LoginChallenge.objects.select_for_update().filter(pk=challenge_id).first()
        if challenge is None:
            raise expired
        key = challenge.id_index
        if abuse.over(None, "portal-id-wrong", key, ID_FREE_WRONG) and not stepped_up:
            _attempt("code", key, client, "step_up", now)
            refusal = step_up_refusal("code")
        elif challenge.used_at or challenge.expires_at <= now or challenge.attempts >= MAX_TRIES:
            _attempt("code", key, client, "expired", now)
            refusal = expired
        else:
            LoginChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
            good = hmac.compare_digest(challenge.code_hash, _code_hash(challenge.pk, code))
            if good and challenge.person_id is not None:
                LoginChallenge.objects.filter(pk=challenge.pk).update(used_at=now)
                _attempt("code", key, client, "ok", now)
            else:
                # Counted and committed before refusing (a raise here would roll it back).
                abuse.hit(None, "portal-wrong", client, CLIENT_WRONG)
                abuse.hit(None, "portal-id-wrong", key, ID_FREE_WRONG)
                _attempt("code", key, client, "wrong", now)
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
