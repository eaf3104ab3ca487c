"""My permit (the status page, ``/portal/me/permits/<id>/``): what it shows, as one function
of the data it needs, so the page is the same whichever way that data was read.

Two readers: ``load`` (the ORM, for Django's view, ``views.permit_detail``) and the
event loop's one statement (``portal/asgi.py``, for the common case under ``juzhu serve``).
Both produce a ``StatusData``; ``context`` turns it into the template's context, with no
query of its own. ``test_portal_asgi.py`` compares the two readers' pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from juzhu.domain.vocabulary import label
from juzhu.portal import appeal as appeal_flow
from juzhu.portal import flow, holder
from juzhu.portal.texts import say
from juzhu.registry import history, services
from juzhu.registry.models import Appeal, Event, Permit, Person

TEMPLATE = "portal/permit.html"


@dataclass(frozen=True)
class EventRow:
    """What the timeline reads of an event (``history.timeline_of``)."""

    name: str
    on_date: dt.date | None
    occurred_at: dt.datetime
    actor: str
    body: str


@dataclass(frozen=True)
class StatusData:
    permit: Permit
    latest: bool  # the holder's newest permit: the one a consent code binds to
    appeals: list[Appeal]  # the holder's challenges of it, newest first
    events: list[Any]  # its events in order (``Event`` rows or ``EventRow``)
    told: dt.date | None  # the day the holder was told it ended (``holder.notice_day``)


def load(person: Person, permit_id: Any) -> StatusData:
    """The page's data through the ORM; ``NotFound`` when the permit is not the person's."""
    permit, latest = holder.own_permit(person, permit_id)
    ended = permit.status in ("cancelled", "revoked")
    return StatusData(
        permit=permit,
        latest=latest,
        appeals=appeal_flow.appeals_of(person, permit),
        events=list(
            Event.objects.filter(record_type="permit", record_id=permit.pk).order_by("seq")
        ),  # fmt: skip
        told=holder.notice_day(person, permit) if ended else None,
    )


def context(data: StatusData, lang: str) -> dict[str, Any]:
    """The template's context (besides the frame every portal page has: ``prefs.frame``)."""
    permit, appeals = data.permit, data.appeals
    intent = permit.intent or {}
    reasons = (
        [label(intent["ground"], lang), intent.get("facts", "")] if intent.get("ground") else []
    )
    card = holder.permit_card(permit, lang, with_plan=True, appeals=appeals, told=data.told)
    return {
        "intent_reasons": say("semicolon", lang).join(r for r in reasons if r),
        "intent_open": services.answer_open(intent, flow.today()),
        "card": card,
        "events": history.timeline_of(
            data.events, lang, lambda actor: holder.actor_words(actor, lang)
        ),
        # the consent page speaks for the latest permit only (the one a code binds to)
        "consent_here": data.latest,
        "appeals": [appeal_flow.appeal_item(a, lang) for a in appeals],
        "can_contest": permit.status in appeal_flow.CONTESTABLE
        and bool(appeal_flow.kinds_left(permit, appeals)),
    }
