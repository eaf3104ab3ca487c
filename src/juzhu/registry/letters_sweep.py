"""The letters of the nightly sweep's decisions, issued after it, from its events.

The sweep suspends and cancels in set-based statements and must stay fast, so it renders no
letter in its transaction; it serves each decision with the letter's number and the last
days to contest it (in the notice, ``sweep_rules.SERVED``). This pass, run by ``juzhu sweep``
right after it (and again by any later run: it picks up what is missing), creates one
``Letter`` per such event from the event itself — its trace (the rule and article), the
permit's facts, the policy in force, the notice's dates — in batches, each its own
transaction. The PDF and its seal are made when someone first asks for it
(``letters.sealed``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction

from juzhu.domain.vocabulary import label
from juzhu.registry.letters import issue, remedy_rights
from juzhu.registry.models import Event, Letter, Notification, Permit
from juzhu.registry.offices import office_names
from juzhu.registry.services import Actor, policy_of
from juzhu.registry.sweep_rules import SWEEP

KIND_OF = {"PermitSuspended": "suspension", "PermitCancelled": "cancellation"}


def missing(city: str | None = None) -> Any:
    """The sweep's suspensions and cancellations that have no letter yet."""
    events = Event.objects.filter(
        record_type="permit", name__in=tuple(KIND_OF), actor=str(SWEEP), letter__isnull=True
    )
    return events.filter(city=city) if city else events


def _law(citation: Mapping[str, Any], article: str = "") -> str:
    return f"《{citation['title']}》{article or citation['article']}"


@functools.lru_cache(maxsize=4096)
def _rights(city: str, on: dt.date) -> dict[str, Any]:
    """The remedy paragraph's values for a decision served ``on`` (the same for a whole
    city's night: computed once)."""
    return remedy_rights(policy_of(city, on), served_on=on)


@functools.lru_cache(maxsize=4096)
def _offices(city: str, district: str, station: str, on: dt.date) -> dict[str, str]:
    return office_names(city, district, station, policy_of(city, on))


def context_for(event: Event, permit: Permit, notice: Mapping[str, Any]) -> dict[str, Any]:
    """What the letter prints, from the event, the permit, the policy and the notice."""
    body = json.loads(event.body)
    on = event.on_date
    policy = policy_of(permit.city, on)
    rights = dict(_rights(permit.city, on))
    # the notice told the holder these dates: the letter repeats them, never recomputes
    for key in ("reconsideration_by", "litigation_by"):
        if notice.get(key):
            rights[key] = notice[key]
    base: dict[str, Any] = {
        "permit_number": permit.number,
        "permit_issued_on": permit.issued_on,
        "decided_on": on,
        "remedy": rights,
        "trace": body.get("trace", []),
    }
    if event.name == "PermitSuspended":
        grace = policy.param("endorsement.grace")
        due = on - dt.timedelta(days=1)
        return {
            **base,
            "due": due,
            "law": _law(grace.citation.as_dict()),
            "facts": f"应于{due.year}年{due.month}月{due.day}日前办理签注，至今未办理。",
        }
    reason = str(body.get("data", {}).get("reason") or permit.cancellation_reason)
    grounds = policy.param("cancellation.grounds")
    article = str((grounds.value or {}).get(reason, ""))
    suspended = permit.suspended_on
    facts = "该居住证逾期未签注，使用功能" + (
        f"自{suspended.year}年{suspended.month}月{suspended.day}日起中止，"
        if suspended
        else "中止，"
    )
    facts += "经过本市规定的期限仍未补办签注。"
    return {
        **base,
        "ground": {"id": reason, "zh": label(reason, "zh")},
        "law": _law(grounds.citation.as_dict(), article),
        "facts": facts,
        "evidence_files": [],
    }


def issue_missing(
    batch: int = 500,
    city: str | None = None,
    progress: Callable[[int], None] = lambda n: None,
) -> int:
    """Issue the letters the sweep's decisions lack; return how many. Safe to repeat and to
    run beside another: a letter is unique per event (a second pass skips it)."""
    issued = 0
    _rights.cache_clear()  # a new run reads the calendar and the directory afresh
    _offices.cache_clear()
    while True:
        events = list(missing(city).order_by("id")[:batch])
        if not events:
            return issued
        issued += _issue_batch(events)
        progress(len(events))


def issue_missing_for(person: Any) -> int:
    """The person's own sweep letters not issued yet (the portal asks before listing)."""
    _rights.cache_clear()
    _offices.cache_clear()
    permits = Permit.objects.filter(person=person).values_list("pk", flat=True)
    events = list(missing().filter(record_id__in=list(permits)).order_by("id"))
    return _issue_batch(events) if events else 0


def _issue_batch(events: Iterable[Event]) -> int:
    events = list(events)
    permits = Permit.objects.select_related("person").in_bulk([e.record_id for e in events])
    notices = {
        n.event_id: n.context
        for n in Notification.objects.filter(event__in=events, channel="inbox")
    }
    # issued meanwhile by another pass (the portal's, for one holder): skipped
    done = set(Letter.objects.filter(event__in=events).values_list("event_id", flat=True))
    count = 0
    with transaction.atomic():
        for event in events:
            permit = permits.get(event.record_id)
            if permit is None or event.pk in done:
                continue
            notice = notices.get(event.pk, {})
            places = (permit.city, permit.district, permit.station, event.on_date)
            issue(
                KIND_OF[event.name],
                person=permit.person,
                record=permit,
                record_type="permit",
                on=event.on_date,
                actor=Actor(event.actor),
                context=context_for(event, permit, notice),
                number=notice.get("letter") or None,
                event=event,
                offices=_offices(*places),
            )
            count += 1
    return count
