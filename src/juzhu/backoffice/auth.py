"""Officer sign-in: password, then a TOTP code (django-otp).

- An officer without a confirmed authenticator enrols only with a one-time enrolment token
  handed over apart from the password (``juzhu officer enrol-token USER``): the page asks
  for the token before it shows the provisioning QR (segno, SVG, drawn on the server: the
  secret never leaves for a third-party QR service).
- Nothing locks a real officer out (security.md §2 row 2): after 5 failures for a username
  within 15 minutes, each further attempt for it also asks for a step-up challenge (an
  image CAPTCHA, ``registry/abuse.py``) that a person passes and a script does not; a client
  with 30 failures in an hour gets 429 (that client only, behind trusted proxies only).
  Every attempt is a ``SignInAttempt`` row, whatever its outcome.
- The session key is cycled at each step up (password, then TOTP); the session ends after
  ``OFFICE_IDLE_SECONDS`` idle (15 min) and ``OFFICE_SESSION_SECONDS`` in all (8 h).
- Unknown and known usernames get the same reply in the same time: Django's
  ``ModelBackend`` hashes a password for an unknown username too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from juzhu.backoffice.models import EnrolmentToken, SignInAttempt
from juzhu.registry import abuse
from juzhu.registry.models import Officer

USER_FREE_FAILURES = "5/15m"  # per username: past it, the step-up challenge
CLIENT_FAILURES = "30/h"  # per client: past it, 429
PENDING = "office_pending_user"
ENROL = "office_enrol_token"
SINCE, SEEN = "office_since", "office_seen"


class SignInRefused(Exception):
    """``status``: 429 when this client is over its limit; ``step_up``: a challenge is
    needed before the next attempt for this username."""

    def __init__(
        self, message: str, field: str = "", *, status: int = 400, step_up: bool = False
    ) -> None:
        self.message, self.field, self.status, self.step_up = message, field, status, step_up
        super().__init__(message)


def _client(request: HttpRequest) -> str:
    return abuse.client_ip(request)[:64]


def _record(request: HttpRequest, username: str, ok: bool, step: str) -> None:
    SignInAttempt.objects.create(username=username[:150], ok=ok, step=step, client=_client(request))


def _guard(request: HttpRequest, username: str, stepped_up: bool) -> None:
    """Refuse before checking anything when this client is over its limit (429), or when
    the username needs the step-up challenge and the request did not pass it."""
    client = abuse.client_key(request)
    if abuse.over(request, "office-client-fail", client, CLIENT_FAILURES):
        _record(request, username, False, "limited")
        raise SignInRefused("尝试次数太多，请稍后再试", status=429)
    if not stepped_up and abuse.over(
        request, "office-user-fail", username.lower(), USER_FREE_FAILURES
    ):
        _record(request, username, False, "step_up")
        raise SignInRefused(
            "该账号近期登录失败次数较多，请先输入图片中的字符再继续；如非本人操作，请联系管理员",
            "step_up",
            step_up=True,
        )


def _failed(request: HttpRequest, username: str, step: str) -> None:
    _record(request, username, False, step)
    abuse.hit(request, "office-client-fail", abuse.client_key(request), CLIENT_FAILURES)
    abuse.hit(request, "office-user-fail", username.lower(), USER_FREE_FAILURES)


def check_password(
    request: HttpRequest, username: str, password: str, *, stepped_up: bool = False
) -> Any:
    """First factor. Returns the user; remembers it, in a new session key, for the second
    step. ``stepped_up``: the request passed the step-up challenge."""
    username = username.strip()
    if not username or not password:
        raise SignInRefused("请输入用户名和密码", "username" if not username else "password")
    _guard(request, username, stepped_up)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active or not _may_sign_in(user):
        _failed(request, username, "password")
        raise SignInRefused("用户名或密码不正确", "password")
    _record(request, username, True, "password")
    request.session.cycle_key()  # a step up: a new session id (no fixation)
    request.session.pop(ENROL, None)
    request.session[PENDING] = user.pk
    return user


def _may_sign_in(user: Any) -> bool:
    """An officer; or, only while the admin is on (``JUZHU_ADMIN``), a superuser, who signs
    in here with both factors to reach /admin/."""
    if Officer.objects.filter(user=user).exists():
        return True
    return bool(settings.ADMIN_ENABLED and user.is_superuser)


def pending_user(request: HttpRequest) -> Any:
    pk = request.session.get(PENDING)
    if pk is None:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per user; created on first need)."""
    # django-otp's DeviceManager is untyped: its rows come back as Any
    device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="officer", confirmed=False)
    return device


def provisioning_svg(device: TOTPDevice) -> str:
    url = device.config_url.replace(
        "otpauth://totp/", f"otpauth://totp/{settings.OTP_TOTP_ISSUER}:", 1
    )
    return str(segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff"))


# -- enrolment tokens ---------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(("".join(token.split()).upper()).encode()).hexdigest()


def issue_enrolment_token(user: Any, hours: int | None = None) -> str:
    """A new one-time token for ``user`` (earlier unused ones stop working); shown once.
    Any unconfirmed device is dropped: the QR shown after the token is a fresh secret."""
    now = timezone.now()
    raw = secrets.token_hex(8).upper()
    token = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    with transaction.atomic():
        EnrolmentToken.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        EnrolmentToken.objects.create(
            user=user,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours or settings.OFFICE_ENROL_TOKEN_HOURS),
        )
    return token


def check_enrolment_token(
    request: HttpRequest, user: Any, token: str, *, stepped_up: bool = False
) -> None:
    """The token handed to this officer, unused and in time: the page may show the QR."""
    _guard(request, user.get_username(), stepped_up)
    row = EnrolmentToken.objects.filter(
        user=user,
        token_hash=_token_hash(token),
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()
    if row is None:
        _failed(request, user.get_username(), "enrol")
        raise SignInRefused(
            "绑定码不正确或已失效。绑定码由管理员单独交给你（juzhu officer enrol-token），"
            "只能用一次；请向管理员索取新的绑定码",
            "enrol_token",
        )
    _record(request, user.get_username(), True, "enrol")
    request.session[ENROL] = row.pk


def enrolment_allowed(request: HttpRequest, user: Any) -> bool:
    """This session gave a valid enrolment token for this user (still unused, in time)."""
    pk = request.session.get(ENROL)
    return bool(
        pk
        and EnrolmentToken.objects.filter(
            pk=pk, user=user, used_at__isnull=True, expires_at__gt=timezone.now()
        ).exists()
    )


# -- the second factor --------------------------------------------------------------------


def check_code(request: HttpRequest, user: Any, token: str, *, stepped_up: bool = False) -> None:
    """Second factor: a confirmed device, or the one being enrolled after a valid enrolment
    token (then confirm it and use the token up)."""
    token = "".join(token.split())
    _guard(request, user.get_username(), stepped_up)
    device = confirmed_device(user)
    enrolling = device is None
    if enrolling:
        if not enrolment_allowed(request, user):
            raise SignInRefused("请先输入管理员交给你的绑定码", "enrol_token")
        device = enrolment_device(user)
    assert device is not None
    if not (token.isdigit() and len(token) == 6 and device.verify_token(token)):
        _failed(request, user.get_username(), "otp")
        raise SignInRefused(
            "动态验证码不正确或已过期，请输入身份验证器上当前显示的6位数字", "token"
        )
    if enrolling:
        with transaction.atomic():
            used = EnrolmentToken.objects.filter(
                pk=int(request.session.get(ENROL) or 0), used_at__isnull=True
            ).update(used_at=timezone.now())
            if not used:  # used up by a concurrent request
                raise SignInRefused("绑定码已被使用，请向管理员索取新的绑定码", "enrol_token")
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    _record(request, user.get_username(), True, "otp")
    request.session.pop(PENDING, None)
    request.session.pop(ENROL, None)
    # Django's login() cycles the session key again: the second step up.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    start_session(request)


def start_session(request: HttpRequest) -> None:
    """Mark the officer's session as started now (the absolute and idle clocks)."""
    now = timezone.now().timestamp()
    request.session[SINCE] = now
    request.session[SEEN] = now
    request.session.set_expiry(settings.OFFICE_SESSION_SECONDS)


def session_alive(request: HttpRequest) -> bool:
    """True while the officer's session is within its idle and absolute limits; touches
    the idle clock (at most once a minute, so a page view rarely writes the session).
    Otherwise the session is ended here (server-side) and False."""
    now = timezone.now().timestamp()
    since, seen = request.session.get(SINCE), request.session.get(SEEN)
    if (
        not isinstance(since, (int, float))
        or not isinstance(seen, (int, float))
        or now - seen > settings.OFFICE_IDLE_SECONDS
        or now - since > settings.OFFICE_SESSION_SECONDS
    ):
        logout(request)
        return False
    if now - seen >= 60:
        request.session[SEEN] = now
    return True
