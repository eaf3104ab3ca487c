"""Which backends deliver each channel: the carrier (inbox, SMS gateway, SMTP) and then the
journals (file, console), built from the settings (``JUZHU_NOTIFY_BACKENDS``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from juzhu.notifications.backends import (
    KNOWN,
    Backend,
    ConsoleBackend,
    FileBackend,
    InboxBackend,
    PermanentError,
    SmtpBackend,
)
from juzhu.notifications.sms import SmsBackend, sms_gateway_from_settings

# -- routing ---------------------------------------------------------------------------------


@dataclass
class Router:
    """Which backends a channel's deliveries go to, in order (the carrier, then journals)."""

    sms: SmsBackend
    smtp: SmtpBackend | None = None
    journals: list[Backend] = field(default_factory=list)
    inbox: InboxBackend = field(default_factory=InboxBackend)

    def backends_for(self, channel: str) -> list[Backend]:
        carriers: dict[str, Backend | None] = {
            "inbox": self.inbox,
            "sms": self.sms,
            "email": self.smtp,
        }
        carrier = carriers.get(channel)
        chain = ([carrier] if carrier else []) + list(self.journals)
        if not chain:
            raise PermanentError(
                f"no backend delivers {channel!r} notices: add smtp (for e-mail) or file to "
                "JUZHU_NOTIFY_BACKENDS"
            )
        return chain

    @classmethod
    def from_settings(cls, out: TextIO | None = None) -> Router:
        names = [n.strip() for n in settings.NOTIFY_BACKENDS if n.strip()]
        unknown = [n for n in names if n not in KNOWN]
        if unknown:
            raise ImproperlyConfigured(
                f"JUZHU_NOTIFY_BACKENDS: unknown backend(s) {', '.join(unknown)}; "
                f"use a comma-separated list of {', '.join(KNOWN)}"
            )
        directory = Path(settings.NOTIFY_FILE_DIR)
        journals: list[Backend] = []
        if "file" in names:
            journals.append(FileBackend(directory))
        if "console" in names:
            journals.append(ConsoleBackend(out))
        ids = getattr(settings, "SMS_TEMPLATE_IDS", {})
        return cls(
            sms=SmsBackend(sms_gateway_from_settings(directory, ids), settings.SMS_SIGNATURE),
            smtp=SmtpBackend() if "smtp" in names else None,
            journals=journals,
        )
