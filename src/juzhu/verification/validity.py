"""Was a permit valid on a date? The yes/no behind every answer. No Django.

- **Today or later** reads the permit's current projection: it must be ``active`` and the
  date must fall within its issue date, its endorsement year (``next_due_on``: from the day
  after, use is suspended, 居住证暂行条例 Art. 10 — this also covers the hours before the
  nightly sweep records the suspension) and its validity term (``expires_on``, the last
  valid day). A future date gets "yes" only if nothing already scheduled ends the permit
  before it: a holder who has not yet endorsed for next year gets "no" for a date after the
  anniversary, the conservative answer.
- **Before today** replays the permit's event log up to that date (the log is the evidence;
  the projection only knows the present).
- A **revoked** permit (撤销: obtained by fraud) is "no" for every date: it should never have
  been relied on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from juzhu.domain.lifecycle import PERMIT_TRANSITIONS
from juzhu.domain.vocabulary import PermitStatus

# Event name → the state it leads to (each permit event name has exactly one target).
STATE_AFTER: dict[str, str] = {name: str(state) for state, name in PERMIT_TRANSITIONS.values()}
MAX_DAYS_AHEAD = 366


@dataclass(frozen=True)
class PermitFacts:
    status: str
    issued_on: dt.date
    expires_on: dt.date | None
    next_due_on: dt.date | None


def _within_term(facts: PermitFacts, on: dt.date) -> bool:
    return facts.issued_on <= on and (facts.expires_on is None or on <= facts.expires_on)


def valid_now_or_later(facts: PermitFacts, on: dt.date) -> bool:
    return (
        facts.status == "active"
        and _within_term(facts, on)
        and (facts.next_due_on is None or on <= facts.next_due_on)
    )


def _imported_timeline(data: dict[str, object]) -> list[tuple[dt.date, str]]:
    """A legacy record carries a summary, not a history: rebuild the few dated steps it
    implies (issued, suspended, ended)."""
    steps: list[tuple[dt.date, str]] = []

    def day(key: str) -> dt.date | None:
        value = data.get(key)
        return dt.date.fromisoformat(value) if isinstance(value, str) else None

    status = str(data.get("status", ""))
    if issued := day("issued_on"):
        steps.append((issued, "active"))
    if suspended := day("suspended_on"):
        steps.append((suspended, "suspended"))
    if status in (PermitStatus.CANCELLED, PermitStatus.REVOKED) and (ended := day("cancelled_on")):
        steps.append((ended, status))
    if status == PermitStatus.EXPIRED and (expires := day("expires_on")):
        steps.append((expires + dt.timedelta(days=1), "expired"))
    return sorted(steps)


def status_on(history: Iterable[tuple[str, dt.date, str]], on: dt.date) -> str | None:
    """The permit's status at the end of ``on``, from its events (name, date, body) in
    sequence order; None if it did not exist yet."""
    state: str | None = None
    for name, event_on, body in history:
        if event_on > on:
            continue
        if name == "PermitImported":
            data = json.loads(body).get("data", {})
            for step_on, step_state in _imported_timeline(data):
                if step_on <= on:
                    state = step_state
        elif name in STATE_AFTER:
            state = STATE_AFTER[name]
    return state


def valid_in_past(
    facts: PermitFacts, history: Iterable[tuple[str, dt.date, str]], on: dt.date
) -> bool:
    if facts.status == PermitStatus.REVOKED:
        return False
    return status_on(history, on) == "active" and (
        facts.expires_on is None or on <= facts.expires_on
    )
