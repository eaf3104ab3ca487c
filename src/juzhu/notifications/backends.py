"""Where a notice goes: the backends, and which of them carry which channel.

Every delivery carries an idempotency key (``Notification.delivery_key``). A backend that
can remember keys delivers each key at most once, however often it is called: the file
journal and the fake SMS gateway keep their keys in their own files, and a real SMS gateway
gets the key as its client reference. That is what lets the worker retry after a crash
without sending twice (``worker.py`` states the guarantee).

Backends (``settings.NOTIFY_BACKENDS``, env ``JUZHU_NOTIFY_BACKENDS``, default
``console,file``):

- ``inbox`` (always on): the outbox row *is* the in-app message; delivering it only marks
  it sent.
- ``sms`` (always on): through an ``SmsGateway`` (``sms.py``). ``settings.SMS_GATEWAY``
  names a class (dotted path) for a real gateway; without one, the file-backed
  ``FakeSmsGateway`` in ``NOTIFY_FILE_DIR/sms`` is used (development, tests). Per-number
  throttles apply to both.
- ``smtp``: e-mail through ``django.core.mail`` (``EMAIL_BACKEND``). Without it, e-mail
  notices go to the journals only.
- ``file``, ``console``: journals that record every delivery of every channel — one JSON
  line per delivery in ``NOTIFY_FILE_DIR/deliveries.jsonl``, one masked line on stdout.

A delivery is handed to its channel's carrier first, then to the journals, so a journal
records what the carrier accepted. Phone numbers are decrypted only inside ``SmsBackend``
and appear everywhere else masked (138****5678).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from django.conf import settings
from django.core.mail import EmailMessage

from juzhu.notifications.models import Notification
from juzhu.notifications.render import Rendered
from juzhu.registry import pii
from juzhu.registry.models import Person

KNOWN = ("inbox", "sms", "smtp", "file", "console")


def setting(name: str, default: float, minimum: float) -> float:
    """``settings.<name>`` if set (tests override it), else env ``JUZHU_<name>``, else the
    default; a bad value is refused naming the variable and the fix."""
    value: Any = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"JUZHU_{name}", default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"JUZHU_{name}={value!r}: give a number, e.g. {default}") from None
    if number < minimum:
        raise ValueError(f"JUZHU_{name}={value!r}: must be at least {minimum}")
    return number


class DeliveryError(Exception):
    """A delivery failed and may succeed later (network, gateway busy): retry with backoff."""


class PermanentError(DeliveryError):
    """A delivery can never succeed as it stands (no phone number, unknown template): the
    worker fails the row at once with this message, for an operator to act on."""


class Throttled(DeliveryError):
    """Too soon for this number; not a failure. The worker puts the row back for
    ``retry_at`` without counting an attempt: throttled notices are delayed, never dropped."""

    def __init__(self, retry_at: dt.datetime, why: str) -> None:
        super().__init__(why)
        self.retry_at = retry_at


@dataclass(frozen=True)
class Delivery:
    notification: Notification
    person: Person
    rendered: Rendered
    now: dt.datetime

    @property
    def key(self) -> str:
        return str(self.notification.delivery_key)

    @property
    def channel(self) -> str:
        return str(self.notification.channel)

    def masked_recipient(self) -> str:
        if self.channel == "sms":
            return self.person.phone_masked or "(no phone)"
        if self.channel == "email":
            return mask_email(self.person.email)
        return f"inbox:{self.person.pk}"


def mask_email(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


class Backend(Protocol):
    name: str

    def send(self, delivery: Delivery) -> str:
        """Deliver; return a reference (message id). Backends that remember keys return the
        first reference again for a key they already delivered, and send nothing."""
        ...


# -- a JSON-lines file that accepts each key once, across processes -------------------------


class KeyedLog:
    """Append-only JSON lines, at most one per key. Writers in any number of processes
    serialise on an exclusive ``flock``; each keeps the keys it has read and reads only the
    lines appended since. A torn last line (a crash mid-write, never acknowledged to the
    caller) is cut off before the next append."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._refs: dict[str, str] = {}
        self._offset = 0

    def _catch_up(self, f: Any) -> None:
        f.seek(self._offset)
        while True:
            start = f.tell()
            line = f.readline()
            if not line:
                break
            if not line.endswith(b"\n"):
                f.truncate(start)
                break
            record = json.loads(line)
            self._refs[record["key"]] = record.get("ref", "")
        self._offset = f.tell()

    def append_once(self, key: str, make: Callable[[], dict[str, Any]]) -> tuple[str, bool]:
        """The reference stored for ``key`` and False, or ``make()`` appended and True."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                if os.fstat(f.fileno()).st_size < self._offset:  # the file was replaced
                    self._refs.clear()
                    self._offset = 0
                self._catch_up(f)
                if key in self._refs:
                    return self._refs[key], False
                record = {"key": key, **make()}
                f.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
                # Flushed to the OS, not fsynced: a line the worker saw written survives the
                # worker's crash (the page cache outlives the process), which is the crash
                # exactly-once is about; a power cut may lose the last lines (the journal's
                # own durability, not a duplicate), and fsync would halve throughput.
                f.flush()
                self._offset = f.tell()
                self._refs[key] = record.get("ref", "")
                return self._refs[key], True
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def records(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as f:
            return [json.loads(line) for line in f if line.endswith(b"\n")]


# -- inbox, journals, e-mail ----------------------------------------------------------------


class InboxBackend:
    """The row is the in-app message; the portal renders it when the person opens it."""

    name = "inbox"

    def send(self, delivery: Delivery) -> str:
        return f"inbox:{delivery.key}"


class FileBackend:
    name = "file"

    def __init__(self, directory: Path) -> None:
        self.log = KeyedLog(Path(directory) / "deliveries.jsonl")

    def send(self, delivery: Delivery) -> str:
        n, r = delivery.notification, delivery.rendered

        def record() -> dict[str, Any]:
            return {
                "ref": f"file:{delivery.key}",
                "at": delivery.now.isoformat(),
                "id": n.pk,
                "city": n.city,
                "channel": n.channel,
                "to": delivery.masked_recipient(),
                "template": r.template,
                "lang": r.lang,
                "title": r.title,
                "body": pii.mask_text(r.public(r.body)),
                "sms": pii.mask_text(r.public(r.sms)),
            }

        ref, _ = self.log.append_once(delivery.key, record)
        return ref


class ConsoleBackend:
    """One masked line per delivery. It cannot remember keys: after a crash between a send
    and its mark, the line may print twice (a development aid, not a carrier)."""

    name = "console"

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out

    def send(self, delivery: Delivery) -> str:
        r = delivery.rendered
        text = r.sms if delivery.channel == "sms" else r.title
        line = (
            f"[notify] {delivery.channel:<5} {delivery.masked_recipient()} "
            f"{r.template}.{r.lang} {delivery.key}: {r.public(text)}"
        )
        print(pii.mask_text(line), file=self.out or sys.stdout, flush=True)
        return f"console:{delivery.key}"


class SmtpBackend:
    """E-mail through Django's mail backend. SMTP has no idempotency key: the key goes in
    the Message-ID, so mail clients fold a duplicate, but a crash between the server's
    acceptance and the mark can still send a second copy (at least once)."""

    name = "smtp"

    def send(self, delivery: Delivery) -> str:
        address = delivery.person.email
        if not address:
            raise PermanentError("the person has no e-mail address on file any more")
        domain = settings.DEFAULT_FROM_EMAIL.partition("@")[2] or "juzhu.invalid"
        message_id = f"<{delivery.key}@{domain}>"
        r = delivery.rendered
        try:
            EmailMessage(
                subject=r.title, body=r.body, to=[address], headers={"Message-ID": message_id}
            ).send()
        except OSError as exc:  # smtplib errors are OSErrors
            raise DeliveryError(f"smtp: {type(exc).__name__}: {exc}") from None
        return message_id
