"""The one commit path (private to the registry): transition, optimistic lock, chained events
and outbox rows in one transaction. Only ``juzhu.registry`` imports it (import-linter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError
from django.db.models import F

from juzhu.domain.errors import TransitionNotAllowed
from juzhu.domain.lifecycle import Machine, transition
from juzhu.registry.events import NewEvent, build_events
from juzhu.registry.models import (
    Event,
)
from juzhu.registry.outbox import do_enqueue_notice
from juzhu.registry.services.base import Actor, Conflict, R, Refused, policy_ref
from juzhu.rules.engine import Policy

# -- the shared commit path ----------------------------------------------------------------


def apply_transition(
    record: R,
    machine: Machine,
    command: str,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int | None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    policy: Policy | None = None,
    inputs: Mapping[str, Any] | None = None,
    trace: Sequence[Any] = (),
    dedupe_key: str | None = None,
    notice: str | None = None,
    notice_context: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> list[Event]:
    """Apply ``command`` to ``record`` and persist record + events + notices (caller holds
    the transaction). ``expected_version=None`` creates the record."""
    state = getattr(record, "status", None) if expected_version is not None else None
    try:
        outcome = transition(machine, state or None, command, on=on, **dict(data or {}))
    except TransitionNotAllowed as exc:
        raise Refused(f"不能办理：{exc.why}", exc.why) from None
    rows = build_events(
        record,
        [NewEvent(e.name, e.on, e.data) for e in outcome.events],
        actor=str(actor),
        reason=reason,
        policy=policy_ref(policy) if policy else None,
        inputs=inputs,
        trace=trace,
        dedupe_key=dedupe_key,
    )
    fields = {
        "status": outcome.state.value,
        "last_event_seq": record.last_event_seq,
        "last_event_hash": record.last_event_hash,
        **dict(changes or {}),
    }
    for name, value in fields.items():
        setattr(record, name, value)
    model = type(record)
    if expected_version is None:
        record.version = 1
        record.save(force_insert=True)
    else:
        updated = model.objects.filter(pk=record.pk, version=expected_version).update(
            version=F("version") + 1, **fields
        )
        if updated != 1:
            raise Conflict(record, expected_version)
        record.version = expected_version + 1
    try:
        saved = Event.objects.bulk_create(rows)
    except IntegrityError:
        raise Conflict(record, expected_version or 0) from None
    if notice:
        person = record.person
        for event in saved:
            do_enqueue_notice(
                event, person, notice, {**dict(notice_context or {}), "event": event.name}
            )
    return saved
