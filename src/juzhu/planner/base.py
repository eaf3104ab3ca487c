"""What every part of the planner shares: dates and reasons in two languages, the
``Option`` each remedy path fills in, and the state and helpers of one plan (the policies it
reads, the working-day calendar, the missing facts, the permit's own endorsement clock).

The parts (``paths``, ``contest``, ``diagnosis``, ``ranking``) are mixins on
``PlannerBase``; ``plan`` puts them together and runs them in order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from juzhu.domain.days import Period, Side, WorkCalendar
from juzhu.domain.months import add_months, full_months_between
from juzhu.domain.vocabulary import CancellationReason as R
from juzhu.domain.vocabulary import RemedyPath, label
from juzhu.planner import texts
from juzhu.planner.situation import Situation
from juzhu.planner.texts import say
from juzhu.rules.engine import Decision, Facts, Policy, TraceStep, Unmet
from juzhu.rules.loader import PolicySet

NOT_CONTESTABLE = {R.HOLDER_DECEASED, R.VOLUNTARY}
# Reasons after which the law no longer asks the person for a permit here, when true.
PERMIT_NO_LONGER_NEEDED = {R.HOLDER_DECEASED, R.HUKOU_SETTLED}
CONTEST_PATHS = (RemedyPath.RECONSIDERATION, RemedyPath.LITIGATION, RemedyPath.APPEAL)
WARN_WITHIN_DAYS = 7
LANGS = ("zh", "en")


def fmt_date(day: dt.date | None, lang: str) -> str:
    if day is None:
        return "—"
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"


def iso_date(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def fmt_about(day: dt.date, lang: str) -> str:
    """An estimate in thirds of a month: 2027年3月中旬 / mid-March 2027."""
    third = 0 if day.day <= 10 else (1 if day.day <= 20 else 2)
    if lang == "zh":
        return f"{day.year}年{day.month}月{('上旬', '中旬', '下旬')[third]}"
    return f"{('early', 'mid', 'late')[third]} {day:%B} {day.year}"


def _in(value: Any, lang: str) -> str:
    """A placeholder value in one language: dates, periods, unmet conditions, {zh, en}."""
    if isinstance(value, dt.date):
        return fmt_date(value, lang)
    if isinstance(value, Period):
        return value.describe(lang)
    if isinstance(value, Unmet):
        return value.text_zh if lang == "zh" else value.text_en
    if isinstance(value, dict) and "zh" in value:
        return str(value[lang])
    return str(value)


def because(key: str, rule: str, suffix: str = "", **values: Any) -> dict[str, str]:
    """A reason in both languages, with the rule it comes from (``*_reason`` in the plan)."""
    out = {
        lang: texts.REASONS[key][lang].format(**{k: _in(v, lang) for k, v in values.items()})
        + (texts.REASONS[suffix][lang] if suffix else "")
        for lang in LANGS
    }
    return {**out, "rule": rule}


@dataclass
class Option:
    path: RemedyPath
    available: bool
    earliest_date: dt.date | None = None
    deadline: dt.date | None = None
    unmet: list[str] = field(default_factory=list)
    steps: list[dict[str, str]] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)
    ready_by: dt.date | None = None
    earliest_reason: dict[str, str] | None = None
    deadline_reason: dict[str, str] | None = None

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "path": self.path.value,
            "label": label(self.path.value, lang),
            "available": self.available,
            "earliest_date": iso_date(self.earliest_date),
            "earliest_reason": self.earliest_reason if self.earliest_date else None,
            "deadline": iso_date(self.deadline),
            "deadline_reason": self.deadline_reason,
            "unmet": self.unmet,
            "steps": self.steps,
            "trace": [t.as_dict() for t in self.trace],
        }


class PlannerBase:
    """One plan's state and the helpers every part uses."""

    # Decided by ``_Planner.run`` (plan.py) as it goes, before the parts that read them.
    registration_restarts: bool
    register_first: bool
    alive_but_recorded_dead: bool
    lives_here: bool
    contest_matters: bool
    decision: Decision
    late: Option
    recommended: RemedyPath

    def __init__(
        self, s: Situation, policies: PolicySet, calendar: WorkCalendar, lang: str
    ) -> None:
        self.s = s
        self.lang = lang
        self.cal = calendar
        self.policy = Policy.of(s.city, s.as_of, policies)
        act_day = s.permit.cancelled_on or s.as_of
        # The law in force on the day of the act says whether it had a ground and who made it.
        self.act_policy = Policy.of(s.city, act_day, policies)
        # A remedy follows the procedural law in force on the day it is filed (a
        # reconsideration filed from 2024-01-01 follows the 2023 law even for an older act).
        self.filing_day = s.appeal.filed_on if s.appeal else s.as_of
        self.rp = Policy.of(s.city, self.filing_day, policies)
        self.policies = policies
        self.complete = True
        self.no_basis = False
        self.decisive: list[TraceStep] = []  # steps that decide the whole plan (legal basis)
        self._pending_dates: dict[str, dt.date | None] | None = None
        self.missing: list[str] = []
        self.warnings: list[dict[str, str]] = []

    # -- helpers ---------------------------------------------------------------------------
    def t(self, text: texts.Text, **values: object) -> str:
        return say(text, self.lang, **values)

    def d(self, day: dt.date | None) -> str:
        return fmt_date(day, self.lang)

    def end_of(self, start: dt.date, period: Period, side: Side = "deadline") -> dt.date:
        result = self.cal.period_end(start, period, side=side)
        self.complete &= result.complete
        return result.date

    def working_day_on_or_after(self, day: dt.date) -> dt.date:
        nxt = self.cal.next_workday(day)
        self.complete &= self.cal.is_complete(day.year) and self.cal.is_complete(nxt.year)
        return nxt

    def miss(self, fact: str) -> None:
        if fact not in self.missing:
            self.missing.append(fact)

    def channels(self) -> dict[str, str]:
        ch = self.policy.get("channels")
        online = ch.get("online") or []
        k = "zh" if self.lang == "zh" else "en"
        names = ("、" if k == "zh" else ", ").join(
            c["name"][k] + (f" ({c['url']})" if c.get("url", "").startswith("http") else "")
            for c in online
        )
        fallback = "官方政务平台" if self.lang == "zh" else "the official service platform"
        return {
            "counter": ch["counter"]["zh" if self.lang == "zh" else "en"],
            "online": names or fallback,
        }

    def steps(self, key: str, **values: object) -> list[dict[str, str]]:
        ch = self.channels()
        return [
            {"text": self.t(step, **ch, **values), "channel": step["channel"]}
            for step in texts.STEPS[key]
        ]

    # -- facts -----------------------------------------------------------------------------
    def facts(self, registration_restarts: bool) -> Facts:
        s = self.s
        months: int | None = None
        if registration_restarts:
            months = 0
        elif s.registered_since is not None:
            months = full_months_between(s.registered_since, s.as_of)
        return Facts(
            residence_months=months,
            employed=s.employed,
            social_insurance_months=s.social_insurance_months,
            social_insurance_continuous=s.social_insurance_continuous,
            housing=s.housing.value if s.housing else None,
            enrolled=s.enrolled,
        )

    # -- the permit's own clock ------------------------------------------------------------
    def next_due(self) -> dt.date | None:
        """The anniversary by which the next endorsement is due (居住证暂行条例 Art. 10).

        Anniversaries run from the issue date. An endorsement inside the window before an
        anniversary covers the year after it. A late one covers the lapsed year; where
        ``endorsement.late_resets_anniversary`` (national reading of Art. 10; 深圳 provisions
        Art. 20) the anniversaries then run from the late-endorsement date, elsewhere (浙江
        Art. 19: 自证件签发之日起每满一年) they stay on the issue date.
        """
        p = self.s.permit
        if p.issued_on is None:
            return p.last_endorsed_on and add_months(p.last_endorsed_on, 12)
        if p.last_endorsed_on is None:
            return add_months(p.issued_on, 12)
        years = 1
        while add_months(p.issued_on, 12 * years) < p.last_endorsed_on:
            years += 1
        anniversary = add_months(p.issued_on, 12 * years)
        window = self.policy.period("endorsement.window")
        opens = anniversary
        if window is not None:
            opens = (
                add_months(anniversary, -window.amount * (12 if window.unit == "years" else 1))
                if window.unit != "days"
                else anniversary - dt.timedelta(days=window.amount)
            )
        if p.last_endorsed_on >= opens:
            return add_months(anniversary, 12)
        if self.policy.get("endorsement.late_resets_anniversary"):
            return add_months(p.last_endorsed_on, 12)
        return anniversary

    def suspension(self) -> tuple[dt.date | None, dt.date | None]:
        """(suspended_on, last day of the late-endorsement grace or None for no limit)."""
        due = self.next_due()
        if due is None:
            self.miss("permit.issued_on")
            return None, None
        suspended_on = due + dt.timedelta(days=1)
        grace = self.policy.period("endorsement.grace")
        if grace is None:
            return suspended_on, None
        return suspended_on, self.end_of(due, grace)

    def _overdue(self) -> bool:
        due = self.next_due()
        return due is not None and self.s.as_of > due

    def _unmet_texts(self, decision: Decision) -> list[str]:
        return [u.text_zh if self.lang == "zh" else u.text_en for u in decision.unmet]

    def _registration_values(self) -> dict[str, str]:
        deadline = self.policy.period("registration.deadline")
        lang = self.lang
        when = (
            deadline.describe(lang) + ("内" if lang == "zh" else "")
            if deadline
            else ("及时" if lang == "zh" else "promptly")
        )
        cert = self.policy.get("registration.certificate_name")["zh" if lang == "zh" else "en"]
        return {"registration_deadline": when, "certificate": cert}

    def _fact_names(self, facts: tuple[str, ...] | list[str]) -> str:
        sep = "、" if self.lang == "zh" else ", "
        return sep.join(
            say(texts.FACT_NAMES[f], self.lang) if f in texts.FACT_NAMES else f for f in facts
        )
