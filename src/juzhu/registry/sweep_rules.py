"""The nightly sweep's rules: the one table that says what each category does.

Per category (``RULES``, in the order they run; ``sweep.py`` says why that order):

1. ``expired``: an ``active`` or ``suspended`` permit whose ``expires_on`` is before the date
   becomes ``expired`` (fixed-term permits, e.g. Guangdong's 3-year term before 2023; a
   permit's own expiry date stands even after the term was abolished, 居住证暂行条例
   Art. 23). Event ``PermitExpired`` on ``expires_on + 1``, notice ``permit_expired``.
2. ``suspended``: an ``active`` permit whose ``next_due_on`` is before the date missed its
   endorsement and is suspended (使用功能中止, Art. 10) from ``next_due_on + 1``: what
   ``services.do_suspend_permit`` writes for that day. Notice ``permit_suspended``.
3. ``cancelled`` (after grace): a ``suspended`` permit whose grace (``endorsement.grace``,
   counted from ``next_due_on``; null = no limit) ended before the date is cancelled
   (注销) for ``expired_not_renewed`` on the date, exactly ``services.do_cancel_permit``.
   Notice ``permit_cancelled``.
4. reminders: an ``active`` permit whose ``next_due_on`` is ``reminders.offsets_days`` days
   away gets ``PermitEndorsementReminded`` (notice ``endorsement_reminder``); an ``active``
   or ``suspended`` one whose ``expires_on`` is that far away gets ``PermitExpiryReminded``
   (``expiry_reminder``; a suspended holder can still restore the permit before it expires).
   Reminders change no state but are chained events, so the log shows what was sent.

A ``Rule`` states which permits (statuses, the due-date column and how it compares with the
sweep date), the event's date, its dedupe key, the columns it sets, the event's data and the
notice's context. The new status and the event's name of a transition are not written here:
they are the domain's (``lifecycle.transition``), read once at import, which also refuses a
rule whose command the domain would not allow from one of its statuses.

Both engines are built from this table: ``sweep_orm`` (row by row through the registry's
``services.do_*``, checking each write against its rule) and ``sweep_sql`` (one set-based
statement per chunk, its SQL generated from the rule). The demo's in-memory ledger
(``demo_ledger``) takes the same entries for the transitions the sweep makes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from juzhu.domain.days import Period, WorkCalendar
from juzhu.domain.lifecycle import Machine, transition
from juzhu.domain.vocabulary import CancellationReason, PermitStatus
from juzhu.registry import services
from juzhu.registry.letters import remedy_rights
from juzhu.registry.services import Actor
from juzhu.rules.engine import Policy

SWEEP = Actor("system:sweep")
ONE_DAY = dt.timedelta(days=1)
REASON = CancellationReason.EXPIRED_NOT_RENEWED.value
ACTIVE, SUSPENDED = PermitStatus.ACTIVE, PermitStatus.SUSPENDED

# How a rule compares its due date with the sweep date
LAPSED = "lapsed"  # before the sweep date
PAST_GRACE = "past_grace"  # on or before the grace cut-off (``CityPlan.cutoff``)
AHEAD = "ahead"  # exactly ``reminders.offsets_days`` away
# The event's date
AFTER_DUE = "after_due"  # the first day without a valid term or endorsement
SWEEP_DAY = "sweep_day"
# The values a rule's key, columns, data and context are made of: ``number`` (the permit's),
# ``on`` (the event's date), ``due`` (the date the rule read), ``days`` (from ``on`` to
# ``due``), ``reason`` (the rule's ground). ``sweep_sql`` spells each in SQL.
VALUES = (
    "number",
    "on",
    "due",
    "days",
    "reason",
    "letter",
    *("reconsideration_by", "litigation_by"),
)
ON_CONTEXT = (("number", "number"), ("on", "on"))
# A decision the sweep makes (a suspension, a cancellation) is served with its letter's number
# (``letter``: the permit's number, the letter's kind code, the event's date) and the holder's
# own last days to contest it, counted from the sweep day with the working-day calendar
# (``CityPlan.remedy``): the notice says dates, not "60日/6个月", and the letter issued after
# the sweep (``letters_sweep``) repeats them.
SERVED = (
    ("letter", "letter"),
    ("reconsideration_by", "reconsideration_by"),
    ("litigation_by", "litigation_by"),
)
DUE_CONTEXT = (("number", "number"), ("due", "due"), ("days", "days"))

Pairs = tuple[tuple[str, str], ...]  # (name, value) in order


class SweepError(Exception):
    """Bad input or configuration; the message says what, where and how to fix it."""


@dataclass(frozen=True)
class Rule:
    """One category of the sweep. ``command`` is the permit machine's (None: a reminder,
    which moves no state); ``key`` is the dedupe key's prefix, then its parts among
    ``due``, ``on`` and ``days``, joined with ``:``."""

    category: str
    command: str | None
    statuses: tuple[str, ...]
    due: str  # the column holding the date the rule reads
    pick: str  # LAPSED | PAST_GRACE | AHEAD
    dated: str  # AFTER_DUE | SWEEP_DAY
    key: tuple[str, ...]
    template: str
    event: str = ""  # a reminder's event; a transition's comes from the domain
    reason: str = ""  # the ground recorded on the event and in ``cancellation_reason``
    columns: Pairs = ()  # columns set besides ``status``
    data: Pairs = ()  # the event's data
    context: Pairs = ON_CONTEXT  # the notice's context (``event`` is added to it)
    inputs: Pairs = ()  # recorded as given
    letter: str = ""  # the kind code of the decision letter it is served with (none: a notice)
    status: str = field(init=False, default="")  # the new status (from the domain)

    def __post_init__(self) -> None:
        used = {v for _, v in (*self.columns, *self.data, *self.context)} | set(self.key[1:])
        if not used <= set(VALUES):
            raise ValueError(f"{self.category}: unknown values {used - set(VALUES)}")
        if self.command is None:
            return
        data = self.data_for(self.values(on=dt.date.min))
        outcomes = {
            (o.state.value, o.events[0].name)
            for o in (
                transition(Machine.PERMIT, s, self.command, on=dt.date.min, **data)
                for s in self.statuses
            )
        }
        if len(outcomes) != 1:
            raise ValueError(f"{self.category}: its statuses end apart: {outcomes}")
        ((status, event),) = outcomes
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "event", event)

    # -- the values of one permit --------------------------------------------------------

    def due_of(self, permit: Any) -> dt.date:
        due: dt.date | None = getattr(permit, self.due)
        assert due is not None, f"{self.category}: permit {permit.pk} has no {self.due}"
        return due

    def event_on(self, due: dt.date, on: dt.date) -> dt.date:
        """The event's date, for ``due`` found by a sweep on ``on``."""
        return due + ONE_DAY if self.dated == AFTER_DUE else on

    def values(
        self,
        *,
        on: dt.date,
        due: dt.date | None = None,
        number: str = "",
        reason: str = "",
        remedy: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """``on`` is the event's date; ``reason`` overrides the rule's ground; ``remedy``: the
        last days to contest, from the day the decision is served (``CityPlan.remedy``)."""
        days = (due - on).days if due is not None else None
        remedy = remedy or {}
        return {
            "number": number,
            "on": on,
            "due": due,
            "days": days,
            "reason": reason or self.reason,
            "letter": letter_number(number, self.letter, on) if self.letter else "",
            "reconsideration_by": remedy.get("reconsideration_by", ""),
            "litigation_by": remedy.get("litigation_by", ""),
        }

    def served(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """What the holder's notice adds for a decision served with a letter."""
        return {name: values[v] for name, v in SERVED} if self.letter else {}

    def dedupe_key(self, due: dt.date | None, on: dt.date) -> str:
        """The key for ``due`` and the event's date ``on`` (``due`` unused when no part
        needs it)."""
        values = self.values(on=on, due=due)
        return ":".join([self.key[0], *(str(values[part]) for part in self.key[1:])])

    def changes(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {column: values[v] for column, v in self.columns}

    def data_for(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {name: values[v] for name, v in self.data}

    def notice_context(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The notice's context; the served keys only when the decision was served with its
        letter and remedy dates (the sweep's; an officer's cancellation passes its own)."""
        served = bool(values.get("reconsideration_by"))
        skip = set() if served else {name for name, _ in SERVED}
        return {name: _json(values[v]) for name, v in self.context if name not in skip}


def letter_number(permit_number: str, code: str, on: dt.date) -> str:
    """The number of the letter of a sweep decision: known before the letter is made, so
    the notice can name it (``sweep_sql`` spells the same in SQL)."""
    return f"{permit_number}-{code}{on:%Y%m%d}"


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


RULES: tuple[Rule, ...] = (
    Rule(
        "expired", "expire", PermitStatus.live(), "expires_on", LAPSED, AFTER_DUE,
        ("expire", "due"), "permit_expired",
    ),
    Rule(
        "suspended", "suspend", (ACTIVE,), "next_due_on", LAPSED, AFTER_DUE,
        ("suspend", "due"), "permit_suspended", columns=(("suspended_on", "on"),),
        context=(*ON_CONTEXT, *SERVED), letter="ZZ",
    ),
    Rule(
        "cancelled", "cancel", (SUSPENDED,), "next_due_on", PAST_GRACE, SWEEP_DAY,
        ("cancel", "on"), "permit_cancelled", reason=REASON,
        columns=(("cancelled_on", "on"), ("cancellation_reason", "reason")),
        data=(("reason", "reason"),), context=(*ON_CONTEXT, ("reason", "reason"), *SERVED),
        inputs=(("evidence", ""),), letter="ZX",
    ),
    Rule(
        "reminded_endorsement", None, (ACTIVE,), "next_due_on", AHEAD, SWEEP_DAY,
        ("remind", "due", "days"), "endorsement_reminder", event="PermitEndorsementReminded",
        data=(("due", "due"), ("days_before", "days")), context=DUE_CONTEXT,
    ),
    Rule(
        "reminded_expiry", None, PermitStatus.live(), "expires_on", AHEAD, SWEEP_DAY,
        ("remind_expiry", "due", "days"), "expiry_reminder", event="PermitExpiryReminded",
        data=(("due", "due"), ("days_before", "days")), context=DUE_CONTEXT,
    ),
)  # fmt: skip
BY_CATEGORY = {rule.category: rule for rule in RULES}
# category -> (event, notice template), in the order the rules run
EVENTS = {rule.category: (rule.event, rule.template) for rule in RULES}
CATEGORIES = tuple(EVENTS)


# -- what a city's policy says on the sweep date ---------------------------------------------


def grace_ends(due: dt.date, grace: Period, calendar: WorkCalendar) -> dt.date:
    """The last day of the grace after the anniversary ``due``: 民事诉讼法 Art. 85 arithmetic
    (first day not counted; a last day on a rest day moves to the next working day), taken on
    the late side (``side="estimate"``) because cancelling acts against the citizen. A permit
    is cancelled from the day after."""
    return calendar.period_end(due, grace, side="estimate").date


def grace_cutoff(on: dt.date, grace: Period | None, calendar: WorkCalendar) -> dt.date | None:
    """The latest ``next_due_on`` such that it and every earlier one are past grace on ``on``.

    A permit is cancelled only when ``on`` is after its grace ends (``grace_ends``). In a year
    without a published holiday calendar we wait out every day that may be a holiday. That
    padding makes the end not quite monotonic in the start, so the cut-off is the end of the
    prefix of due dates that are all past grace; a permit beyond it waits a night or two
    more, never less. Returns None when the grace is null (no limit: never cancelled for
    lateness).
    """
    if grace is None:
        return None

    def past(due: dt.date) -> bool:
        return grace_ends(due, grace, calendar) < on

    span = dt.timedelta(
        days={"days": 2, "months": 31, "years": 366}[grace.unit] * grace.amount + 62
    )
    lo = on - span
    while not past(lo):  # a grace far beyond its nominal length: look further back
        lo -= span
    while lo + ONE_DAY < on and past(lo + ONE_DAY):
        lo += ONE_DAY
    return lo


@dataclass(frozen=True)
class CityPlan:
    """What the policy in force on the sweep date says for one city."""

    city: str
    on: dt.date
    policy: Policy
    offsets: tuple[int, ...]
    cutoff: dt.date | None  # suspended permits due on or before it are past grace

    @property
    def days(self) -> list[dt.date]:
        """The due dates a reminder is sent for tonight."""
        return [self.on + dt.timedelta(days=d) for d in self.offsets]

    def applies(self, rule: Rule) -> bool:
        """Whether ``rule`` can pick anything tonight (a grace or offsets to go by)."""
        if rule.pick == PAST_GRACE:
            return self.cutoff is not None
        return bool(self.offsets) if rule.pick == AHEAD else True

    @functools.cached_property
    def remedy(self) -> dict[str, str]:
        """The last days to contest a decision served tonight (the same for every holder of
        the city: counted from the sweep day, ``letters.remedy_rights``)."""
        rights = remedy_rights(self.policy, served_on=self.on)
        return {k: rights[k] for k in ("reconsideration_by", "litigation_by")}

    def cancel_trace(self) -> list[dict[str, Any]]:
        facts = {"on": self.on.isoformat(), "past_grace_if_due_on_or_before": str(self.cutoff)}
        return [self.policy.step("endorsement.grace", facts).as_dict()]

    def steps(self, rule: Rule) -> list[dict[str, Any]]:
        """The policy steps ``rule`` decided by, for its event's trace (a cancellation's
        ground is added by whoever records the cancellation)."""
        return self.cancel_trace() if rule.pick == PAST_GRACE else []

    def trace(self, rule: Rule) -> list[dict[str, Any]]:
        """The whole trace of ``rule``'s event, as ``services.do_cancel_permit`` records it."""
        grounds = {"reason": rule.reason}
        ground = (
            [self.policy.step("cancellation.grounds", grounds).as_dict()] if rule.reason else []
        )
        return ground + self.steps(rule)


def plan_city(city: str, on: dt.date) -> CityPlan:
    policy = Policy.of(city, on)
    offsets = tuple(sorted({int(d) for d in policy.get("reminders.offsets_days") or ()}))
    grace = policy.period("endorsement.grace")
    if grace is not None and REASON not in policy.get("cancellation.grounds"):
        raise SweepError(
            f"policy {city} on {on}: endorsement.grace is set but cancellation.grounds lacks "
            f"{REASON!r}; add it to the grounds or set the grace to null (`juzhu policy show`)"
        )
    return CityPlan(city, on, policy, offsets, grace_cutoff(on, grace, services.work_calendar()))


class Tally(Protocol):
    """What an engine reports to, for one (city, category): ``sweep._Task``."""

    category: str

    def tell(self, advance: int, total: int) -> None: ...

    def chunk_done(self, scanned: int, moved: int, notices: int) -> None: ...
