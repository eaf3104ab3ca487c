"""Anti-automation shared by the portal and the back office (security.md §2 rows 2, 4, 21;
issue 14): who the client is behind reverse proxies, rate limits per identity and per
client, the step-up challenge, and the whole service's SMS budget.

The counters are django-ratelimit's, in the shared cache (``settings.CACHES``: Redis in
production, so every process and machine counts together). Nothing here locks a real
person out: too many attempts *for an identity* (an ID number, an officer's username)
only ask for a step-up challenge (an image CAPTCHA, ``captcha``) that a person passes and a
script does not; too many *from one client* get 429, which only stops that client.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django_ratelimit.core import get_usage, is_ratelimited

from juzhu.registry import pii

log = logging.getLogger("juzhu.abuse")


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for proxy in settings.TRUSTED_PROXIES:
        try:
            if ip in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str:
    """The client's address. ``REMOTE_ADDR`` unless that is a trusted proxy
    (``JUZHU_TRUSTED_PROXIES``); then ``X-Forwarded-For`` from the right, skipping trusted
    proxies: the first untrusted address is the client. A client cannot forge its way in by
    sending the header itself: an untrusted peer's header is never read."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    if not _trusted(remote):
        return remote or "0.0.0.0"
    hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a garbled header: the proxy itself is what we know
        if not _trusted(hop):
            return hop
    return remote


def client_key(request: HttpRequest) -> str:
    """The client as a key for counters and logs: a blind index, never the address."""
    return "ip:" + pii.blind_index(client_ip(request), purpose="client_ip")


def _limit(
    request: HttpRequest | None, group: str, key: str, rate: str, *, increment: bool
) -> bool:
    return bool(
        is_ratelimited(
            request or HttpRequest(),
            group=group,
            key=lambda _group, _request: key,
            rate=rate,
            increment=increment,
        )
    )


def hit(request: HttpRequest | None, group: str, key: str, rate: str) -> bool:
    """Count one attempt; True when this one is over ``rate`` (e.g. ``"10/m"``)."""
    return _limit(request, group, key, rate, increment=True)


def over(request: HttpRequest | None, group: str, key: str, rate: str) -> bool:
    """True when ``key`` is already at ``rate`` (nothing counted)."""
    usage: dict[str, Any] | None = get_usage(
        request or HttpRequest(),
        group=group,
        key=lambda _group, _request: key,
        rate=rate,
        increment=False,
    )
    return bool(usage and usage["count"] >= usage["limit"])


def spaced(key: str, seconds: int) -> bool:
    """True (and the key held for ``seconds``) if nothing held it: one action per
    ``seconds`` per key, sliding (an atomic add in the shared cache)."""
    return bool(cache.add(f"juzhu:spaced:{key}", 1, timeout=seconds))


def release(key: str) -> None:
    cache.delete(f"juzhu:spaced:{key}")


def take_sms_budget() -> bool:
    """One SMS from the whole service's budget (``SMS_BUDGET_PER_HOUR`` / ``_PER_DAY``);
    False when it is spent, so a flood cannot run up the bill. Counted for every code asked
    for, registered number or not, so the refusal tells nothing about a number."""
    hourly = f"{settings.SMS_BUDGET_PER_HOUR}/h"
    daily = f"{settings.SMS_BUDGET_PER_DAY}/d"
    if over(None, "sms-budget-hour", "all", hourly) or over(None, "sms-budget-day", "all", daily):
        log.warning("the SMS budget is spent: codes refused until the window turns")
        return False
    hit(None, "sms-budget-hour", "all", hourly)
    hit(None, "sms-budget-day", "all", daily)
    return True


# -- the step-up challenge -----------------------------------------------------------------

STEP_UP_KEY, STEP_UP_ANSWER = "step_up_key", "step_up_answer"


def new_step_up() -> dict[str, str]:
    """A fresh image CAPTCHA: the hidden key and the image URL a form shows."""
    from captcha.helpers import captcha_image_url
    from captcha.models import CaptchaStore

    CaptchaStore.remove_expired()  # the store holds only live challenges
    key = CaptchaStore.generate_key()
    return {"key": key, "image": captcha_image_url(key)}


def step_up_passed(request: HttpRequest) -> bool:
    """The CAPTCHA posted with this request was answered right. Each one is good for one
    attempt, right or wrong (no guessing the same image twice), and for 10 minutes."""
    from captcha.models import CaptchaStore
    from django.utils import timezone

    key = str(request.POST.get(STEP_UP_KEY, ""))[:40]
    answer = str(request.POST.get(STEP_UP_ANSWER, "")).strip().lower()
    if not key:
        return False
    store = CaptchaStore.objects.filter(hashkey=key, expiration__gt=timezone.now()).first()
    if store is None:
        return False
    store.delete()
    return bool(answer) and store.response == answer
