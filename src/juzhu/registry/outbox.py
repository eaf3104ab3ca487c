"""The outbox write: the registry records each notice in the transaction of the state change
it reports, so a change that rolls back leaves no notice and a notice never reports a change
that did not happen. Delivery is the notifications app's job (its worker claims the rows).

The login code goes through the same outbox (``do_enqueue_login_code``), so no web thread
waits on an SMS gateway: the portal writes the row and answers; a worker sends it. A code is
a secret, so it is stored *sealed* (encrypted, ``seal``), opened only by the worker at send
time (``unsealed``) and scrubbed from the row once the row is sent or failed (``scrubbed``).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from juzhu.registry import pii
from juzhu.registry.models import Event, Notification, Person

LOGIN_CODE = "login_code"
SEALED = "sealed"  # a context value {"sealed": "<base64 ciphertext>"}
# Due before any notice: the claim takes the oldest due rows first, so a code due from the
# epoch jumps a backlog of sweep notices (it expires in minutes; they can wait).
URGENT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Every notice goes to the in-app inbox; SMS when the person gave a phone number.
DEFAULT_CHANNELS = ("inbox", "sms")


def do_enqueue_notice(
    event: Event,
    person: Person,
    template: str,
    context: Mapping[str, Any],
    channels: tuple[str, ...] = DEFAULT_CHANNELS,
) -> list[Notification]:
    """Write one outbox row per channel, in the caller's transaction (so a state change that
    rolls back leaves no notice). An existing (event, channel, recipient) row is kept: a
    repeated enqueue is a no-op. ``template`` and ``context`` are checked when the notice is
    rendered for delivery (``render.py``; ``texts.PARAMS`` lists the keys each needs).

    The returned objects are the rows asked for; their ``pk`` is not set (``ignore_conflicts``
    cannot tell new rows from kept ones), so query the table for ids."""
    now = timezone.now()
    rows = []
    for channel in channels:
        if channel == "inbox":
            recipient = str(person.pk)
        elif channel == "sms" and person.phone_index:
            recipient = person.phone_index
        elif channel == "email" and person.email:
            recipient = f"email:{person.pk}"
        else:
            continue
        rows.append(
            Notification(
                city=event.city,
                event=event,
                person=person,
                channel=channel,
                recipient=recipient,
                template=template,
                lang=person.lang,
                context=dict(context),
                next_attempt_at=now,
            )
        )
    return Notification.objects.bulk_create(rows, ignore_conflicts=True)


def seal(value: str, person: Person | str) -> dict[str, str]:
    """A context value only the delivering worker can read (AES-GCM, ``pii``), bound to the
    person it goes to (or a ``pii.row_ref`` string): copied into another person's notice, it
    does not open."""
    blob = pii.encrypt(value, purpose="notice_secret", row=person)
    return {SEALED: base64.b64encode(blob).decode()}


def unsealed(context: Mapping[str, Any], person: Person | None) -> dict[str, Any]:
    """The context with sealed values opened (for rendering at send time only)."""
    return {
        key: pii.decrypt(base64.b64decode(value[SEALED]), purpose="notice_secret", row=person)
        if isinstance(value, dict) and SEALED in value
        else value
        for key, value in context.items()
    }


def scrubbed(context: Mapping[str, Any]) -> dict[str, Any] | None:
    """The context without its sealed values, or None when it has none (nothing to do)."""
    if not any(isinstance(v, dict) and SEALED in v for v in context.values()):
        return None
    return {k: v for k, v in context.items() if not (isinstance(v, dict) and SEALED in v)}


def do_enqueue_login_code(
    person: Person, code: str, *, expires_at: dt.datetime, city: str = ""
) -> Notification | None:
    """Queue a login code for the person's phone (none without a phone). The row carries the
    code sealed and the moment it stops working: a code the worker could not send in time is
    failed, not sent late. Not an event: signing in changes no registry state."""
    if not person.phone_index:
        return None
    return Notification.objects.create(
        city=city,
        event=None,
        person=person,
        channel="sms",
        recipient=person.phone_index,
        template=LOGIN_CODE,
        lang=person.lang,
        context={"code": seal(code, person), "expires_at": expires_at.isoformat()},
        next_attempt_at=URGENT,
    )
