"""Calendar-month arithmetic used by residence and social-insurance clocks."""

from __future__ import annotations

import calendar
import datetime as dt

from juzhu.domain.errors import CalendarError


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day-of-month ``months`` later; clipped to the month's last day (Jan 31 + 1 →
    Feb 28), as 民法典 Art. 202 counts a period in months."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise CalendarError(f"{day} + {months} months is beyond the years a calendar can hold")
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def full_months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end`` (0 when end < start + 1 month)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)
