"""SMS: the gateway interface, a file-backed fake gateway, per-number throttles, and the
backend that ties them together (``backends.py`` routes the ``sms`` channel here).

Chinese carriers send only templates approved in advance, under an approved signature
(签名); the message is the template id plus its variables. Phone numbers are decrypted
here, at send time, and nowhere else; every file and log line has them masked.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from juzhu.notifications.backends import (
    Delivery,
    DeliveryError,
    KeyedLog,
    PermanentError,
    Throttled,
    setting,
)
from juzhu.notifications.models import SmsThrottle
from juzhu.notifications.render import registered_sms_templates
from juzhu.registry import pii
from juzhu.registry.idnumbers import is_mobile, mask_phone
from juzhu.registry.outbox import LOGIN_CODE

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class SmsGateway(Protocol):
    """A Chinese SMS gateway (阿里云 / 腾讯云 style): only templates approved in advance,
    a signature (签名), the template's variables as params.

    ``client_ref`` is the delivery key; an adapter passes it as the vendor's client
    reference (e.g. 阿里云 ``OutId``, 腾讯云 ``SessionContext``). Exactly once holds only
    if a repeated call with the same reference sends nothing — the vendor refuses or folds
    it, or the adapter first asks the vendor's delivery-report API whether that reference
    was already sent and returns that message id. Without either, a crash between the
    vendor's answer and the worker's mark can send the SMS twice (at least once)."""

    def send(
        self,
        phone: str,
        signature: str,
        template_id: str,
        params: Mapping[str, str],
        *,
        client_ref: str,
    ) -> str:
        """Send; return the gateway's message id. Raise ``DeliveryError`` to retry later,
        ``PermanentError`` when it can never succeed (bad number, unknown template)."""
        ...


@dataclass
class FakeSmsGateway:
    """A working gateway that writes files instead of phoning (a fake, not a mock).

    ``requests.jsonl`` has every call, even ones it refuses or recognises as repeats;
    ``messages.jsonl`` has each message it sent, once per ``client_ref``. Numbers appear
    masked in both. ``fail_next`` simulates an outage for that many calls."""

    directory: Path
    templates: Mapping[str, str] = field(default_factory=registered_sms_templates)
    fail_next: int = 0

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        self.messages = KeyedLog(self.directory / "messages.jsonl")
        self.requests = KeyedLog(self.directory / "requests.jsonl")

    def send(
        self,
        phone: str,
        signature: str,
        template_id: str,
        params: Mapping[str, str],
        *,
        client_ref: str,
    ) -> str:
        at = timezone.now().isoformat()
        self.requests.append_once(
            secrets.token_hex(8),
            lambda: {
                "ref": client_ref,
                "to": mask_phone(phone),
                "template_id": template_id,
                "at": at,
            },
        )
        if self.fail_next > 0:
            self.fail_next -= 1
            raise DeliveryError("fake sms gateway: simulated outage (HTTP 503)")
        if not is_mobile(phone):
            raise PermanentError(f"fake sms gateway: {mask_phone(phone)} is not a mobile number")
        if template_id not in self.templates:
            raise PermanentError(f"fake sms gateway: template {template_id!r} is not registered")
        text = f"【{signature}】" + self.templates[template_id].format(**params)

        def message() -> dict[str, Any]:
            return {
                "ref": f"fake-{secrets.token_hex(8)}",
                "to": mask_phone(phone),
                "signature": signature,
                "template_id": template_id,
                "params": dict(params),
                "text": text,
                "at": at,
            }

        ref, _ = self.messages.append_once(client_ref, message)
        return ref

    def sent(self) -> list[dict[str, Any]]:
        return self.messages.records()

    def calls(self) -> list[dict[str, Any]]:
        return self.requests.records()


def take_sms_token(recipient: str, now: dt.datetime) -> None:
    """Take one send from this number's budget, or raise ``Throttled`` with when to retry.

    Budget (``SMS_MIN_INTERVAL_SECONDS``, default 60; ``SMS_DAILY_LIMIT``, default 10 per
    local day): the limits Chinese carriers apply per number, so we never hit their block
    lists, and a person is not flooded. The conditional UPDATEs are atomic on both
    databases, so two workers can never both take the last token. A token is spent even if
    the send then fails (conservative: the carrier counts attempts too)."""
    interval = dt.timedelta(seconds=setting("SMS_MIN_INTERVAL_SECONDS", 60, 0))
    limit = int(setting("SMS_DAILY_LIMIT", 10, 1))
    today = timezone.localdate(now)
    SmsThrottle.objects.bulk_create(
        [SmsThrottle(recipient=recipient, last_sent_at=EPOCH, day=today, day_count=0)],
        ignore_conflicts=True,
    )
    free = SmsThrottle.objects.filter(recipient=recipient, last_sent_at__lte=now - interval)
    if free.filter(day=today, day_count__lt=limit).update(
        last_sent_at=now, day_count=F("day_count") + 1
    ):
        return
    if free.exclude(day=today).update(last_sent_at=now, day=today, day_count=1):
        return
    row = SmsThrottle.objects.get(recipient=recipient)
    if row.day == today and row.day_count >= limit:
        midnight = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(8, 0))
        # Not at midnight: a notice that waited for the next day can wait until 8 a.m.
        raise Throttled(
            timezone.make_aware(midnight, timezone.get_default_timezone()),
            f"daily SMS limit ({limit}) reached for this number",
        )
    raise Throttled(
        row.last_sent_at + interval,
        f"an SMS went to this number less than {interval.seconds} s ago",
    )


class SmsBackend:
    name = "sms"

    def __init__(self, gateway: SmsGateway, signature: str) -> None:
        self.gateway = gateway
        self.signature = signature

    def send(self, delivery: Delivery) -> str:
        person = delivery.person
        if not person.phone_enc or not person.phone_index:
            raise PermanentError("the person has no mobile number on file any more")
        if delivery.notification.template != LOGIN_CODE:
            # A login code has its own, stricter budget, taken when it was asked for
            # (``portal/auth.py``: one per 60 s, 5 an hour, 10 a day per ID number).
            take_sms_token(person.phone_index, delivery.now)
        # Decrypted here and only here; the plain number lives in this frame alone.
        try:
            phone = pii.decrypt(bytes(person.phone_enc), purpose="phone", row=person)
        except (InvalidTag, ValueError):
            # Retried, not failed: the usual cause is a worker started with the wrong key,
            # and the notice should go out once the operator fixes it.
            raise DeliveryError(
                "the stored phone number does not decrypt: is this worker's JUZHU_DATA_KEY "
                "the one the registry uses?"
            ) from None
        r = delivery.rendered
        return self.gateway.send(
            phone, self.signature, r.template_id, r.sms_params, client_ref=delivery.key
        )


def sms_gateway_from_settings(directory: Path, template_ids: Mapping[str, str]) -> SmsGateway:
    path = getattr(settings, "SMS_GATEWAY", "")
    if path:
        gateway: SmsGateway = import_string(path)()
        return gateway
    if settings.SMS_GATEWAY_URL:
        # Refuse rather than quietly "send" production SMS into a file.
        raise ImproperlyConfigured(
            "JUZHU_SMS_GATEWAY_URL is set but no gateway adapter is: set SMS_GATEWAY to the "
            "dotted path of a class implementing juzhu.notifications.sms.SmsGateway"
        )
    return FakeSmsGateway(directory / "sms", templates=registered_sms_templates(template_ids))
