"""Statutory deadlines of the cases in a queue, as badges counted in working days.

For each status the deadline that binds the office:
- submitted: the one-time notice or acceptance (``acceptance.notice_limit`` from receipt;
  past it the application is deemed accepted, 行政许可法 Art. 32);
- accepted, approved, in production: issuing (``due_on``, set at acceptance from
  ``issuing.time_limit``);
- needs supplement: nothing binds the office; the applicant's own date is shown when the
  notice set one;
- appeals: acceptance review (``remedy.reconsideration.acceptance`` from filing), then the
  decision (``remedy.reconsideration.decision`` from acceptance).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from juzhu.domain.days import WorkCalendar
from juzhu.domain.vocabulary import AppealStatus, ApplicationStatus
from juzhu.registry.models import Appeal, Application
from juzhu.registry.services import policy_of


@dataclass(frozen=True)
class Badge:
    due: dt.date | None
    left: int | None  # working days from today to due (0 = due today, < 0 = overdue)
    what: str  # what is due, e.g. 受理或一次性告知

    @property
    def tone(self) -> str:
        if self.left is None:
            return "none"
        return (
            "overdue"
            if self.left < 0
            else "today"
            if self.left == 0
            else ("soon" if self.left <= 2 else "ok")
        )

    @property
    def text(self) -> str:
        if self.due is None or self.left is None:
            return "—"
        if self.left < 0:
            return f"已超期 {-self.left} 个工作日"
        if self.left == 0:
            return "今天到期"
        return f"{self.left} 个工作日后到期"

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "left": self.left,
            "what": self.what,
            "tone": self.tone,
            "text": self.text,
        }


def working_days_left(cal: WorkCalendar, today: dt.date, due: dt.date) -> int:
    return cal.working_days_between(today, due)


def acceptance_due(app: Application, cal: WorkCalendar) -> dt.date | None:
    if app.submitted_on is None:
        return None
    limit = policy_of(app.city, app.submitted_on).period("acceptance.notice_limit")
    return cal.period_end(app.submitted_on, limit).date if limit else app.submitted_on


def application_badge(app: Application, cal: WorkCalendar, today: dt.date) -> Badge:
    if app.status == ApplicationStatus.SUBMITTED:
        due, what = acceptance_due(app, cal), "受理或一次性告知"
    elif app.status in (
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.IN_PRODUCTION,
    ):
        due, what = app.due_on, "办结（制证）"
    elif app.status == ApplicationStatus.NEEDS_SUPPLEMENT:
        raw = app.facts.get("_supplement_due")
        due, what = (dt.date.fromisoformat(raw) if raw else None), "申请人补正"
    else:
        due, what = None, ""
    return Badge(due, working_days_left(cal, today, due) if due else None, what)


def appeal_badge(appeal: Appeal, cal: WorkCalendar, today: dt.date) -> Badge:
    policy = policy_of(appeal.city, appeal.filed_on)
    if appeal.status == AppealStatus.FILED:
        period, what = policy.period("remedy.reconsideration.acceptance"), "受理审查"
        start = appeal.filed_on
    elif appeal.status == AppealStatus.ACCEPTED:
        period, what = policy.period("remedy.reconsideration.decision"), "作出复议决定"
        start = appeal.accepted_on or appeal.filed_on
    else:
        return Badge(None, None, "")
    if period is None:
        return Badge(None, None, what)
    due = cal.period_end(start, period).date
    return Badge(due, working_days_left(cal, today, due), what)
