"""The outbox write: the registry records each notice in the transaction of the state change
it reports, so a change that rolls back leaves no notice and a notice never reports a change
that did not happen. Delivery is the notifications app's job (its worker claims the rows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from juzhu.registry.models import Event, Notification, Person

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
