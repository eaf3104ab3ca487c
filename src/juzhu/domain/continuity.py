"""Residence-years continuity, computed from a permit's event log, never typed in.

Legal sources and the interpretation risk (docs/law.md §1.6, §5, §8):

- 居住证暂行条例 Art. 10: a holder who misses the annual endorsement has the permit's use
  suspended; a late endorsement restores it and "居住年限自补办签注手续之日起连续计算"
  (years of residence count continuously from the late-endorsement date). The text does
  not say whether years earned before the lapse survive. Both readings are modelled behind
  a city parameter: ``pause`` (earlier years kept, the gap not counted) and ``restart``
  (count from zero at the late endorsement). Neither is verified for any particular city.
- 广东省流动人口服务管理条例 (2010) Art. 14: renewed within 30 days of suspension, residence
  time continues; later, it restarts from the restoration (重新计算). That is ``threshold``
  with ``within_days=30``.
- 深圳经济特区居住证条例 (2015) Art. 25: a late endorsement within 2 years restores the permit
  "from the endorsement date"; whether earlier years survive is the same open question.
- Reinstatement after a wrongful cancellation is revoked on appeal: no explicit rule found
  (docs/law.md §5, last row). ``reinstatement="continuous"`` treats the permit as never
  cancelled (the usual effect of 撤销, 行政复议法 Art. 64, and of 补救措施); ``"pause"`` does
  not count the cancelled gap. Probably decided case by case: record which one was used.

Counting convention: a period is half-open, ``[start, end)``. A permit issued on day D has
0 days on D and 1 day on D+1; a gap from suspension on S to late endorsement on E covers
``(E - S).days`` days. Throughout: ``days == (on - since).days - sum of gap lengths``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from juzhu.domain.lifecycle import (
    PERMIT_TRANSITIONS,
    Event,
    Machine,
    PermitCommand,
    next_state,
)
from juzhu.domain.vocabulary import PermitStatus

RuleName = Literal["pause", "restart", "threshold"]
ReinstatementRule = Literal["continuous", "pause"]


@dataclass(frozen=True)
class ContinuityRule:
    """How residence years count after a late endorsement and after reinstatement.

    ``pause``: years before the lapse are kept, the suspended period is not counted.
    ``restart``: count from zero at the late endorsement.
    ``threshold``: continuous (the suspended period counts too) when the late endorsement
    comes within ``within_days`` calendar days of the suspension (inclusive), else restart.
    ``reinstatement``: after a cancellation or revocation is undone on appeal,
    ``continuous`` counts the cancelled period as residence, ``pause`` does not.
    """

    rule: RuleName
    within_days: int | None = None
    reinstatement: ReinstatementRule = "continuous"

    def __post_init__(self) -> None:
        if self.rule not in ("pause", "restart", "threshold"):
            raise ValueError(
                f"unknown continuity rule {self.rule!r}; use pause, restart or threshold"
            )
        if self.reinstatement not in ("continuous", "pause"):
            raise ValueError(
                f"unknown reinstatement rule {self.reinstatement!r}; use continuous or pause"
            )
        if self.rule == "threshold":
            if self.within_days is None or self.within_days < 0:
                raise ValueError(
                    "the threshold rule needs within_days, a number of calendar days >= 0"
                )
        elif self.within_days is not None:
            raise ValueError(
                f"within_days applies only to the threshold rule, not to {self.rule!r}"
            )

    @classmethod
    def from_policy(
        cls, value: Mapping[str, Any], reinstatement: ReinstatementRule = "continuous"
    ) -> ContinuityRule:
        """From the policy parameter ``continuity.after_late_endorsement`` (rules/schema.py).

        ``within`` must be in calendar days (Guangdong 2010 Art. 14 counts 30 日).
        """
        within = value.get("within")
        if within is None:
            return cls(value["rule"], None, reinstatement)
        if set(within) - {"days", "day_type"} or within.get("day_type", "calendar") != "calendar":
            raise ValueError(f"continuity threshold must be calendar days, got {dict(within)!r}")
        return cls(value["rule"], int(within["days"]), reinstatement)


@dataclass(frozen=True)
class Continuity:
    days: int  # counted days of continuous residence as of the date
    since: date | None  # start of the current run: first issue, re-issue or restart
    years: int  # whole years, see whole_years
    gaps: tuple[tuple[date, date], ...]  # [start, end) periods inside the run not counted


def whole_years(days: int, on: date) -> int:
    """Whole years in ``days`` counted days ending on ``on``, by calendar-year arithmetic.

    The counted days are laid end to end back from ``on`` (start = ``on - days``) and the
    anniversaries of that start on or before ``on`` are counted, so leap days are handled as
    people count years (``days // 365`` would be wrong after enough leap years). A start on
    29 February has its anniversary on 1 March in common years: the last counted day of the
    year is then 28 February, the month's last day (民法典 Art. 203).
    """
    if days <= 0:
        return 0
    start = on - timedelta(days=days)
    years = on.year - start.year
    return years - 1 if _anniversary(start, years) > on else years


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February in a common year
        return date(start.year + years, 3, 1)


_COMMAND_BY_EVENT = {name: cmd for (_, cmd), (_, name) in PERMIT_TRANSITIONS.items()}


def compute_continuity(events: Sequence[Event], rule: ContinuityRule, on: date) -> Continuity:
    """Continuity of residence as of ``on`` from the permit's events.

    Preconditions: ``events`` is the permit's log; other machines' events are skipped and
    events after ``on`` are ignored. Events are taken in date order, same-day events in the
    order given. Raises ``TransitionNotAllowed`` if the log breaks the permit machine.

    Active periods count. A suspension is not counted until restored, and then per
    ``rule``. While the permit is expired, cancelled or revoked nothing counts and the
    count already earned is frozen: a new ``PermitIssued`` starts a new run from zero; a
    ``PermitReinstated`` resumes this one per ``rule.reinstatement``. A lapse still open on
    ``on`` is reported as a gap ending on ``on``; under ``threshold`` it is not counted yet
    even within the threshold, since the restoration has not happened (conservative).
    """
    log = sorted(
        (e for e in events if e.machine == Machine.PERMIT and e.on <= on), key=lambda e: e.on
    )
    state: PermitStatus | None = None
    since: date | None = None
    gaps: list[tuple[date, date]] = []
    lapse: date | None = None  # first day of the current uncounted period
    ended: date | None = None  # day of the cancellation or revocation

    def gap(start: date, end: date) -> None:
        if start < end:
            gaps.append((start, end))

    for event in log:
        target = next_state(Machine.PERMIT, state, event)
        command = _COMMAND_BY_EVENT[event.name]
        if command is PermitCommand.ISSUE:
            since, gaps, lapse, ended = event.on, [], None, None
        elif command is PermitCommand.SUSPEND:
            lapse = event.on
        elif command in (PermitCommand.EXPIRE, PermitCommand.CANCEL, PermitCommand.REVOKE):
            lapse = event.on if lapse is None else lapse
            ended = event.on if command is not PermitCommand.EXPIRE else ended
        elif command is PermitCommand.ENDORSE_LATE:
            assert lapse is not None  # the table allows endorse_late only when suspended
            if _restarts(rule, lapse, event.on):
                since, gaps = event.on, []
            elif rule.rule == "pause":
                gap(lapse, event.on)
            lapse = None
        elif command is PermitCommand.REINSTATE:
            assert lapse is not None and ended is not None
            # Continuous: the cancelled period counts; a suspension or expiry before the
            # cancellation was never restored by an endorsement, so it stays a gap.
            gap(lapse, ended if rule.reinstatement == "continuous" else event.on)
            lapse = None
        state = PermitStatus(target)

    if since is None:
        return Continuity(days=0, since=None, years=0, gaps=())
    if lapse is not None:
        gap(lapse, on)
    days = (on - since).days - sum((end - start).days for start, end in gaps)
    return Continuity(days=days, since=since, years=whole_years(days, on), gaps=tuple(gaps))


def _restarts(rule: ContinuityRule, suspended_on: date, restored_on: date) -> bool:
    if rule.rule == "restart":
        return True
    if rule.rule == "threshold":
        assert rule.within_days is not None
        return (restored_on - suspended_on).days > rule.within_days
    return False


@dataclass(frozen=True)
class Held:
    """Whether residence was continuous over ``[start, on)``: nothing of it left uncounted.

    ``began`` is the start of the run when it began after ``start`` (first issue, re-issue,
    or a restart by a late endorsement under the city's rule); ``gaps`` the uncounted
    periods that overlap ``[start, on)``, clipped to it (a lapse still open on ``on`` ends
    on ``on``)."""

    start: date
    began: date | None
    gaps: tuple[tuple[date, date], ...]

    @property
    def held(self) -> bool:
        return self.began is None and not self.gaps


def held_since(continuity: Continuity, start: date, on: date) -> Held:
    """Read ``compute_continuity(…, on)`` for the question "continuous since ``start``?".

    Whether a late endorsement breaks continuity is already in ``continuity``: under
    ``restart`` (or ``threshold`` past its days) the run begins again at the endorsement;
    under ``pause`` the suspension stays a gap in the run; under ``threshold`` within its
    days nothing is left out."""
    began: date | None = on  # no run at all on ``on``: nothing was held
    if continuity.since is not None:
        began = continuity.since if continuity.since > start else None
    gaps = tuple(
        (max(gap_start, start), min(gap_end, on))
        for gap_start, gap_end in continuity.gaps
        if gap_start < on and gap_end > start
    )
    return Held(start, began, gaps)
