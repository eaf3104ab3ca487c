"""A permit's continuity of residence, read from the registry: its events (the hash-chained
log) put through ``domain.continuity.compute_continuity`` under the city's rule
(``continuity.after_late_endorsement``) in force on the day asked about.

One place for every surface: the back office writes the count a reinstatement gives into
the ``PermitReinstated`` event; the verification API answers "held continuously for at
least N months up to D" from it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from juzhu.domain.continuity import (
    Continuity,
    ContinuityRule,
    ReinstatementRule,
    compute_continuity,
)
from juzhu.domain.lifecycle import Event as DomainEvent
from juzhu.domain.lifecycle import Machine, event_names
from juzhu.registry.models import Event
from juzhu.registry.services import policy_of


def continuity_rule(
    city: str, on: dt.date, reinstatement: ReinstatementRule = "continuous"
) -> ContinuityRule:
    """The city's rule on ``on``. No policy names a reinstatement rule yet (docs/law.md §5):
    ``continuous``, the usual effect of an act revoked on appeal, unless told otherwise."""
    value = policy_of(city, on).get("continuity.after_late_endorsement")
    return ContinuityRule.from_policy(value, reinstatement=reinstatement)


def permit_events(permit_id: uuid.UUID) -> list[DomainEvent]:
    """The permit's transitions in log order (reminders are logged on the permit too but
    are not transitions of it)."""
    rows = Event.objects.filter(
        record_type="permit", record_id=permit_id, name__in=event_names(Machine.PERMIT)
    ).order_by("seq")
    return [
        DomainEvent(r.name, "permit", r.on_date, json.loads(r.body).get("data") or {}) for r in rows
    ]


def permit_continuity(permit_id: uuid.UUID, city: str, on: dt.date) -> Continuity:
    """Continuity of residence on ``on`` of the permit, under its city's rule that day."""
    return compute_continuity(permit_events(permit_id), continuity_rule(city, on), on)
