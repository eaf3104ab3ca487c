"""Statutory periods and working days (PRODUCT.md "Deadlines and days"; docs/law.md §4, §7.4).

Period arithmetic follows 《民事诉讼法》(2023) Art. 85, which 《行政复议法》(2023) Art. 88 para. 1
applies to reconsideration periods: "期间开始的时和日，不计算在期间内。期间届满的最后一日是法定
休假日的，以法定休假日后的第一日为期间届满的日期。" Month and year periods end on the
corresponding day of the final month, or its last day if there is none (《民法典》Art. 202).
行政复议法 Art. 88 para. 2 makes its 3/5/7/10-day periods working days; policy data says
which periods are working days (``Period.day_type``).

Working days come from ``chinese-calendar`` (State Council holiday notices, with 调休 make-up
working weekends) plus an operator override file. For a year chinese-calendar does not cover
(it raises NotImplementedError before 2004 and after its last notice, 2026 for 1.11) and the
override file does not declare complete, the calendar falls back to "Monday-Friday work,
weekends rest", and every answer that consulted such a day reports ``complete=False``.

The fallback errs to the citizen's safe side, chosen by ``side``:

* ``"deadline"`` (a date the citizen must act by; earlier is safe): a period ending on an
  unknown day is not extended past it, because an unknown weekend may be a make-up working
  day; weekdays count as working days. Residual risk, accepted and flagged by
  ``complete=False``: a make-up weekend just before a holiday can make the real date of a
  working-day deadline a day or two earlier than the fallback one.
* ``"estimate"`` (when something is expected, e.g. a permit ready; later is safe): rest
  days are extended past as usual, and for each uncertain holiday window in a fallback year
  that the answer crosses, 7 extra working days are added. The windows are the Spring
  Festival window Jan 21-Feb 20 (the festival always falls in it) and National Day Oct 1-8
  (Golden Week, merged with Mid-Autumn in some years). 7 exceeds the working days either
  holiday removes net of make-up days (at most 4 and 4). Shorter holidays (New Year,
  Qingming, Labour Day, Dragon Boat) are not padded.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import chinese_calendar
import yaml

from juzhu.domain.errors import CalendarError
from juzhu.domain.months import add_months
from juzhu.domain.vocabulary import DayType

Unit = Literal["days", "months", "years"]
Side = Literal["deadline", "estimate"]
UNITS: tuple[Unit, ...] = ("days", "months", "years")
OVERRIDES_ENV = "JUZHU_WORKDAY_OVERRIDES"
BUNDLED_OVERRIDES = Path(__file__).resolve().parent.parent / "data" / "workday_overrides.yaml"
ESTIMATE_MARGIN = 7  # working days added per uncertain holiday window (see module docstring)
ONE_DAY = dt.timedelta(days=1)
_EXAMPLE = "{days: 15, day_type: working}, {days: 60}, {months: 6} or {years: 2}"


@dataclass(frozen=True)
class Period:
    """A statutory period: an amount of calendar days, working days, months or years."""

    amount: int
    unit: Unit
    day_type: DayType = DayType.CALENDAR

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"period amount must be a whole number >= 0, got {self.amount!r}")
        if self.unit not in UNITS:
            raise ValueError(f"period unit {self.unit!r} unknown; use days, months or years")
        object.__setattr__(self, "day_type", DayType(self.day_type))
        if self.unit != "days" and self.day_type is not DayType.CALENDAR:
            raise ValueError(f"{self.unit} are always calendar {self.unit}; drop day_type")

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> Period:
        """Build from policy data, e.g. ``{days: 15, day_type: working}`` or ``{months: 6}``."""
        units = [u for u in UNITS if u in m]
        extra = sorted(set(m) - set(UNITS) - {"day_type"})
        if len(units) != 1 or extra:
            raise ValueError(
                f"period {dict(m)!r}: need exactly one of days/months/years "
                f"(plus day_type); write it like {_EXAMPLE}"
            )
        try:
            return cls(m[units[0]], units[0], DayType(m.get("day_type", DayType.CALENDAR)))
        except ValueError as e:
            raise ValueError(f"period {dict(m)!r}: {e}; write it like {_EXAMPLE}") from e

    def describe(self, lang: str = "zh") -> str:
        """``15个工作日``, ``60日``, ``6个月``, ``2年``; in English ``15 working days`` etc."""
        working = self.day_type is DayType.WORKING
        if lang == "zh":
            suffix = {"days": "个工作日" if working else "日", "months": "个月", "years": "年"}
            return f"{self.amount}{suffix[self.unit]}"
        if lang == "en":
            noun = {
                "days": "working day" if working else "day",
                "months": "month",
                "years": "year",
            }[self.unit]
            return f"{self.amount} {noun}{'' if self.amount == 1 else 's'}"
        raise ValueError(f"unknown language {lang!r}; use zh or en")


@dataclass(frozen=True)
class PeriodEnd:
    date: dt.date  # last day on which one may act (deadline) or the expected day (estimate)
    nominal: dt.date  # the statutory arithmetic before rest-day extension or safety margin
    extended: bool  # date != nominal: moved past a rest day, or padded on the estimate side
    complete: bool  # False if any day consulted lay in a year without a published calendar


@cache
def _published(year: int) -> bool:
    """Whether chinese-calendar has the State Council notice for this year."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _published_workday(d: dt.date) -> bool:
    # chinese-calendar scans its whole holiday table on every call (~15 µs); the answer for a
    # date never changes within a process, so remember it.
    return bool(chinese_calendar.is_workday(d))


class WorkCalendar:
    """Working days per chinese-calendar, with operator overrides and a weekends-only fallback.

    ``touched_incomplete`` is sticky: use one calendar per plan (``load`` is cheap) or read
    ``PeriodEnd.complete`` per answer.
    """

    def __init__(
        self, overrides: Mapping[dt.date, bool] | None = None, *, complete_years: Iterable[int] = ()
    ) -> None:
        self._overrides = dict(overrides or {})
        self._complete_years = frozenset(complete_years)
        self._fallback_hits = 0

    @classmethod
    def load(cls, path: Path | None = None) -> WorkCalendar:
        """Read the override file: ``path``, else $JUZHU_WORKDAY_OVERRIDES, else the bundled one."""
        if path is None:
            env = os.environ.get(OVERRIDES_ENV)
            path = Path(env) if env else BUNDLED_OVERRIDES
        overrides, complete_years = _read_overrides(path)
        return cls(overrides, complete_years=complete_years)

    def with_overrides(self, extra: Mapping[dt.date, bool]) -> WorkCalendar:
        """A calendar with ``extra`` days on top (e.g. the registry's override table)."""
        return WorkCalendar({**self._overrides, **extra}, complete_years=self._complete_years)

    def is_complete(self, year: int) -> bool:
        return _published(year) or year in self._complete_years

    def _status(self, d: dt.date) -> bool | None:
        """True working, False rest, None unknown (a weekday or weekend in a fallback year)."""
        if d in self._overrides:
            return self._overrides[d]
        if _published(d.year):
            return _published_workday(d)
        if d.year in self._complete_years:
            return d.weekday() < 5
        self._fallback_hits += 1
        return None

    def is_workday(self, d: dt.date) -> bool:
        status = self._status(d)
        return d.weekday() < 5 if status is None else status

    def touched_incomplete(self) -> bool:
        return self._fallback_hits > 0

    def next_workday(self, d: dt.date) -> dt.date:
        while not self.is_workday(d):
            d += ONE_DAY
        return d

    def add_working_days(self, start: dt.date, n: int, side: Side = "deadline") -> dt.date:
        """The n-th working day after ``start`` (start not counted; n=0 gives start).

        Fallback weekdays count as working on both sides; ``side="estimate"`` then adds the
        safety margin for uncertain holiday windows crossed (module docstring).
        """
        if n < 0:
            raise ValueError(f"cannot count {n} working days; n must be >= 0")
        try:
            end = self._count(start, n)
            return self._pad(start, end) if side == "estimate" else end
        except OverflowError as e:
            raise CalendarError(f"{n} working days after {start} is beyond year 9999") from e

    def _count(self, d: dt.date, n: int) -> dt.date:
        while n:
            d += ONE_DAY
            n -= self.is_workday(d)
        return d

    def _pad(self, lo: dt.date, hi: dt.date) -> dt.date:
        """Add ESTIMATE_MARGIN working days per uncertain holiday window meeting (lo, hi]."""
        seen: set[tuple[int, int]] = set()
        while True:
            fresh = {
                (y, m)
                for y in range(lo.year, hi.year + 1)
                if not self.is_complete(y)
                for m, first, last in (
                    (2, dt.date(y, 1, 21), dt.date(y, 2, 20)),
                    (10, dt.date(y, 10, 1), dt.date(y, 10, 8)),
                )
                if lo < last and first <= hi and (y, m) not in seen
            }
            if not fresh:
                return hi
            seen |= fresh
            self._fallback_hits += 1
            hi = self._count(hi, ESTIMATE_MARGIN * len(fresh))

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative (minus those in (end, start]) if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            self.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1)
        )

    def period_end(
        self,
        start: dt.date,
        period: Period,
        *,
        extend_past_rest_day: bool = True,
        side: Side = "deadline",
    ) -> PeriodEnd:
        """Last day of ``period`` running from ``start`` (the day of the triggering event).

        民事诉讼法 Art. 85: the start day is not counted; a last day that is a statutory rest
        day (a weekend that is not a 调休 working day, or a holiday) moves to the first working
        day after it, if ``extend_past_rest_day``. Working-day periods end on a working day.
        """
        before = self._fallback_hits
        try:
            if period.day_type is DayType.WORKING:
                nominal = self._count(start, period.amount)
                end = self._pad(start, nominal) if side == "estimate" else nominal
            else:
                nominal = (
                    start + dt.timedelta(days=period.amount)
                    if period.unit == "days"
                    else add_months(start, period.amount * (12 if period.unit == "years" else 1))
                )
                end = nominal
                if extend_past_rest_day:
                    end = self._past_rest_days(nominal, side)
                    if side == "estimate":
                        end = self._pad(end - ONE_DAY, end)
        except OverflowError as e:
            raise CalendarError(f"{period.describe('en')} after {start} is beyond year 9999") from e
        return PeriodEnd(end, nominal, end != nominal, self._fallback_hits == before)

    def _past_rest_days(self, d: dt.date, side: Side) -> dt.date:
        while True:
            status = self._status(d)
            if status is None:
                # Unknown day. Deadline: it may be a 调休 working day, so stop here (earlier is
                # safe). Estimate: a weekend is taken as rest (later is safe).
                if side == "deadline" or d.weekday() < 5:
                    return d
            elif status:
                return d
            d += ONE_DAY


def _read_overrides(path: Path) -> tuple[dict[dt.date, bool], set[int]]:
    """Parse the override file, reporting line numbers; see data/workday_overrides.yaml."""

    def fail(node: yaml.Node | None, problem: str, fix: str) -> CalendarError:
        where = f", line {node.start_mark.line + 1}" if node is not None else ""
        return CalendarError(f"{path}{where}: {problem}; {fix}")

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except OSError as e:
        fix = f"check the path (or {OVERRIDES_ENV}) names an existing file"
        raise fail(None, f"cannot read the workday override file ({e.strerror})", fix) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise CalendarError(
            f"{path}{line}: not valid YAML ({getattr(e, 'problem', e)}); "
            "fix the syntax, e.g. `  2027-10-01: rest` under `days:`"
        ) from e
    days: dict[dt.date, bool] = {}
    years: dict[int, yaml.Node] = {}
    if root is None:  # empty or comments only
        return days, set()
    if not isinstance(root, yaml.MappingNode):
        raise fail(root, "the file must be a mapping", "write `complete_years: []` and `days: {}`")
    for key, value in root.value:
        empty = isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")
        if key.value == "days" and (empty or isinstance(value, yaml.MappingNode)):
            for k, v in [] if empty else value.value:
                try:
                    day = dt.date.fromisoformat(k.value)
                except (TypeError, ValueError):
                    raise fail(k, f"days: {k.value!r} is not a date", "write YYYY-MM-DD") from None
                if day in days:
                    raise fail(k, f"days: {day} is listed twice", "keep one entry per date")
                if not isinstance(v, yaml.ScalarNode) or v.value not in ("work", "rest"):
                    got = v.value if isinstance(v, yaml.ScalarNode) else "a list or mapping"
                    fix = f"write `{day}: rest` for a holiday, `{day}: work` for 调休"
                    raise fail(v, f"days: {day} must be `work` or `rest`, got {got!r}", fix)
                days[day] = v.value == "work"
        elif key.value == "complete_years" and (empty or isinstance(value, yaml.SequenceNode)):
            for item in [] if empty else value.value:
                if not (isinstance(item, yaml.ScalarNode) and item.value.isdigit()):
                    problem = f"complete_years: {item.value!r} is not a year"
                    raise fail(item, problem, "list years like [2027]")
                years[int(item.value)] = item
        elif key.value in ("days", "complete_years"):
            shape = "a mapping of dates" if key.value == "days" else "a list of years"
            fix = "see the commented example in the bundled workday_overrides.yaml"
            raise fail(value, f"{key.value} must be {shape}", fix)
        else:
            raise fail(key, f"unknown key {key.value!r}", "use only complete_years and days")
    for year, node in years.items():
        if not _published(year) and not any(d.year == year for d, w in days.items() if not w):
            fix = f"enter {year}'s holidays and 调休 days from the State Council notice first"
            raise fail(node, f"complete_years: {year} has no rest days under days", fix)
    return days, set(years)
