"""Replay protection for the verify API, and the audit row of a query whose key is unknown.

A relying party sends ``X-Request-Time`` (its clock; at most ``MAX_SKEW_SECONDS`` from ours)
and ``X-Request-Nonce`` (new for every request) with each query; a replayed request —
the same nonce again, or an old request time — is refused (security.md §6 T6, MOSIP's
±60 s). Required when ``VERIFY_REQUIRE_NONCE`` is set; a party that sends them is
protected either way. The one-statement path never answers such a request
(``dispatch.common_key``), so the ASGI and WSGI paths behave the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from juzhu.verification import store
from juzhu.verification.problems import Problem

log = logging.getLogger("juzhu.verification")

MAX_SKEW_SECONDS = 60
Refuse = Callable[[str, str, str], Problem]


def parse_request_time(value: str) -> dt.datetime | None:
    """``X-Request-Time``: Unix seconds or an ISO 8601 instant with its offset; None if it is
    neither."""
    value = value.strip()
    try:
        if value.isdigit():
            return dt.datetime.fromtimestamp(int(value), dt.UTC)
        parsed = dt.datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo is not None else None


def check(
    refuse: Refuse, key_id: uuid.UUID, now: dt.datetime, request_time: str | None, nonce: str | None
) -> None:
    """Replay protection: the request's own time within ``MAX_SKEW_SECONDS`` of ours, and a
    nonce this key never sent before. Both are required when ``VERIFY_REQUIRE_NONCE`` is
    set (production relying parties); a party that sends them is protected either way."""
    if request_time is None and nonce is None and not settings.VERIFY_REQUIRE_NONCE:
        return
    if not request_time or not nonce:
        raise refuse(
            "request-unsigned",
            "send X-Request-Time (Unix seconds or ISO 8601 with offset) and X-Request-Nonce "
            "(16 to 64 characters, new for every request) with each query",
            "每次请求须带 X-Request-Time（请求时间）和 X-Request-Nonce（每次不同的随机串）请求头",
        )
    at = parse_request_time(request_time)
    if at is None or abs((now - at).total_seconds()) > MAX_SKEW_SECONDS:
        raise refuse(
            "request-time-skew",
            f"X-Request-Time must be within {MAX_SKEW_SECONDS} s of the registry's clock "
            f"(now {now.astimezone(dt.UTC).isoformat()}); check your clock (NTP)",
            f"X-Request-Time 与登记机关时间相差不得超过{MAX_SKEW_SECONDS}秒，请校准时钟",
        )
    if not 16 <= len(nonce) <= 64 or not nonce.isascii() or not nonce.isprintable():
        raise refuse(
            "request-unsigned",
            "X-Request-Nonce must be 16 to 64 printable ASCII characters",
            "X-Request-Nonce 须为16至64个可打印ASCII字符",
        )
    if not store.remember_nonce(key_id, nonce, now):
        raise refuse(
            "nonce-reused",
            "this X-Request-Nonce was already used with your key: a replayed request is refused; "
            "send a new nonce with every request",
            "该 X-Request-Nonce 已使用过（疑似重放请求），每次请求须使用新的随机串",
        )


def record_key_denial(code: str, api_key: str, path: str = "") -> None:
    """The audit row of a query refused before its party was known (``KeyDenial``)."""
    from juzhu.verification.models import KeyDenial

    # Only the key's public prefix reaches the log and the row: the rest is the secret.
    log.warning("verify refused (%s) for key %s…", code, api_key[:12])
    KeyDenial.objects.create(
        at=timezone.now(), problem=code, key_prefix=api_key[:12], path=path[:200]
    )
