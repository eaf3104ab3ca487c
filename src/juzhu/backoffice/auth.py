"""Officer sign-in: password, then a TOTP code (django-otp). An officer without a confirmed
authenticator enrols on first sign-in: the page shows the provisioning QR (segno, SVG,
drawn on the server: the secret never leaves for a third-party QR service) and the
account is usable only after a correct code. Five failures for a username within 15
minutes pause its sign-in for 15 minutes (``SignInAttempt``), whatever the address.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from juzhu.backoffice.models import SignInAttempt
from juzhu.registry.models import Officer

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES = 5
PENDING = "office_pending_user"


class SignInRefused(Exception):
    def __init__(self, message: str, field: str = "") -> None:
        self.message, self.field = message, field
        super().__init__(message)


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _record(request: HttpRequest, username: str, ok: bool, step: str) -> None:
    # a username longer than any account's (150) is recorded cut, not a database error (T7)
    SignInAttempt.objects.create(username=username[:150], ok=ok, step=step, client=_client(request))


def _check_lock(username: str) -> None:
    since = timezone.now() - WINDOW
    recent = SignInAttempt.objects.filter(username=username, at__gte=since)
    last_ok = recent.filter(ok=True, step="otp").order_by("-at").values_list("at", flat=True)
    failures = recent.filter(ok=False)
    if last_ok:
        failures = failures.filter(at__gt=last_ok[0])
    if failures.count() >= MAX_FAILURES:
        raise SignInRefused("错误次数太多，该账号已暂停登录15分钟；如非本人操作，请联系管理员")


def check_password(request: HttpRequest, username: str, password: str) -> Any:
    """First factor. Returns the user; remembers it in the session for the second step."""
    username = username.strip()
    if not username or not password:
        raise SignInRefused("请输入用户名和密码", "username" if not username else "password")
    _check_lock(username)
    user = authenticate(request, username=username, password=password)
    if user is None or not Officer.objects.filter(user=user).exists() or not user.is_active:
        _record(request, username, False, "password")
        raise SignInRefused("用户名或密码不正确", "password")
    _record(request, username, True, "password")
    request.session[PENDING] = user.pk
    return user


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


def check_code(request: HttpRequest, user: Any, token: str) -> None:
    """Second factor: a confirmed device, or the one being enrolled (then confirm it)."""
    token = "".join(token.split())
    _check_lock(user.get_username())
    device = confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = enrolment_device(user)
    assert device is not None
    if not (token.isdigit() and len(token) == 6 and device.verify_token(token)):
        _record(request, user.get_username(), False, "otp")
        raise SignInRefused(
            "动态验证码不正确或已过期，请输入身份验证器上当前显示的6位数字", "token"
        )
    if enrolling:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    _record(request, user.get_username(), True, "otp")
    request.session.pop(PENDING, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    request.session.set_expiry(settings.OFFICE_SESSION_SECONDS)
