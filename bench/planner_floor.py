"""The planner benchmark's floor: the recommended path and the reconsideration deadline,
computed the simplest fast way (see bench/planner.py).

It mirrors the decisions of ``juzhu.planner.plan`` (ranking, eligibility, endorsement
anniversaries, late-endorsement grace and re-check, remedy windows) with parameters resolved
before timing into plain tuples and working days read from a precomputed set of rest days.
No trace, no texts, no checklist, no options other than the chosen one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from juzhu.domain.days import Period, WorkCalendar
from juzhu.domain.months import add_months, full_months_between
from juzhu.domain.vocabulary import CancellationReason as CR
from juzhu.domain.vocabulary import PermitStatus
from juzhu.planner.situation import Situation
from juzhu.rules.engine import Policy
from juzhu.rules.loader import PolicySet

ONE = dt.timedelta(days=1)
C, R, A, SUS = (PermitStatus.CANCELLED, PermitStatus.REVOKED, PermitStatus.ACTIVE,
                PermitStatus.SUSPENDED)  # fmt: skip
NO_REAPPLY = (CR.HOLDER_DECEASED, CR.HUKOU_SETTLED, CR.MOVED_AWAY)
NO_LONGER_NEEDED = (CR.HOLDER_DECEASED, CR.HUKOU_SETTLED)
NO_GROUND_NEEDED = (None, CR.UNKNOWN, CR.VOLUNTARY)
REMEDY_KEYS = ("reconsideration.period", "reconsideration.absolute",
               "reconsideration.not_informed_cap", "litigation.direct", "litigation.absolute",
               "litigation.not_informed_cap")  # fmt: skip
PeriodT = tuple[int, str, bool]
REST: frozenset[dt.date] = frozenset()  # rest days of the years whose calendar is known
KNOWN_UNTIL = 0  # the last such year


def prepare(calendar: WorkCalendar) -> None:
    """Precompute the rest days of every year whose calendar is published."""
    global REST, KNOWN_UNTIL
    KNOWN_UNTIL = max(y for y in range(2016, 2040) if calendar.is_complete(y))
    first = dt.date(2015, 1, 1)
    days = (first + i * ONE for i in range((dt.date(KNOWN_UNTIL, 12, 31) - first).days + 1))
    REST = frozenset(d for d in days if not calendar.is_workday(d))


def _period(value: Any) -> PeriodT | None:
    if value is None:
        return None
    p = Period.from_mapping(value)
    return p.amount, p.unit, p.day_type.value == "working"


def _si(rule: dict[str, Any]) -> tuple[str, int, int, bool]:
    need = int(rule.get("months", 0))
    return (
        rule["rule"],
        need,
        int(rule.get("total_months", need)),
        rule.get("window_months", 24) >= 24,
    )


def resolve(policies: PolicySet, s: Situation, cache: dict[Any, Any]) -> tuple[Any, Any]:
    """The parameters the floor needs for one situation, looked up before timing."""
    act_day = s.permit.cancelled_on or s.as_of
    if (s.city, s.as_of) not in cache:
        p = Policy.of(s.city, s.as_of, policies)
        cache[s.city, s.as_of] = (
            int(p.get("eligibility.residence_months")), _si(p.get("eligibility.social_insurance")),
            p.get("eligibility.routes") == "residence_and_employment",
            _period(p.get("endorsement.grace")), bool(p.get("endorsement.reproves_eligibility")),
            _si(p.get("endorsement.social_insurance")), _period(p.get("endorsement.window")),
            bool(p.get("endorsement.late_resets_anniversary")),
            p.get("registration.move_within_city") == "restart",
            tuple(_period(p.get(f"remedy.{k}")) for k in REMEDY_KEYS),  # law on the filing day
        )  # fmt: skip
    if ("act", s.city, act_day) not in cache:
        a = Policy.of(s.city, act_day, policies)
        cache["act", s.city, act_day] = frozenset(a.get("cancellation.grounds"))
    return cache[s.city, s.as_of], cache["act", s.city, act_day]


def nominal(start: dt.date, period: PeriodT) -> dt.date:
    """Where a period ends before any extension (Civil Procedure Law Art. 85)."""
    amount, unit, working = period
    if working:
        d = start
        while amount:
            d += ONE
            amount -= (d not in REST) if d.year <= KNOWN_UNTIL else d.weekday() < 5
        return d
    if unit == "days":
        return start + amount * ONE
    return add_months(start, amount * (12 if unit == "years" else 1))


def past_rest(d: dt.date) -> dt.date:
    """The day itself or the first working day after it; unknown years hold no rest days (a
    deadline is not extended there). A working-day period already ends on a working day."""
    while d in REST:
        d += ONE
    return d


def end_of(start: dt.date, period: PeriodT) -> dt.date:
    """Last day to act, the citizen's safe side."""
    return past_rest(nominal(start, period))


def next_workday(d: dt.date) -> dt.date:
    while (d in REST) if d.year <= KNOWN_UNTIL else d.weekday() > 4:
        d += ONE
    return d


def _all(*values: bool | None) -> bool | None:
    return False if False in values else (None if None in values else True)


def _window(known: dt.date, act_day: dt.date, as_of: dt.date, informed: bool | None,
            period: PeriodT, absolute: PeriodT | None, cap: PeriodT | None) -> dt.date:  # fmt: skip
    """The binding limit is chosen on nominal dates, then only it is extended. No cap or
    no absolute limit (the 1999 Reconsideration Law) leaves that bound out."""
    deadline = nominal(known, period)
    if informed is False:
        from_today = nominal(as_of, period)
        deadline = max(
            deadline, from_today if cap is None else min(from_today, nominal(known, cap))
        )
    if absolute is not None:
        deadline = min(deadline, nominal(act_day, absolute))
    return past_rest(deadline)


def _eligible(
    s: Situation, si_rule: Any, both: bool, residence_ok: bool | None
) -> tuple[bool | None, bool, int]:
    """(eligible, every unmet condition is a clock that will run out, months of social
    insurance short when that clock counts, else 0)."""
    kind, need, total, window_ok = si_rule
    si, cont, employed = s.social_insurance_months, s.social_insurance_continuous, s.employed
    si_ok: bool | None = True
    short: int | None = 0
    if kind != "none":
        if si is None or (kind == "continuous" and cont is None and si >= need):
            si_ok, short = None, None
        else:
            si_ok = bool(cont) and si >= need
            short = max(need - si if cont else need, 0)
            if kind != "continuous" and not si_ok:
                if si >= total:
                    si_ok, short = (True, 0) if window_ok else (None, None)
                else:
                    short = max(min(short, total - si), 0)
    emp_ok = False if employed is False else _all(employed, si_ok)
    home_ok = None if s.housing is None else True  # every housing type is lawful and stable
    if both:
        route_ok = _all(emp_ok, home_ok)
    elif emp_ok or home_ok or s.enrolled:
        route_ok = True
    else:
        route_ok = None if None in (emp_ok, home_ok, s.enrolled) else False
    eligible = _all(residence_ok, route_ok)
    si_short = (short or 0) if kind != "none" and employed else 0
    return eligible, eligible is not False or route_ok is not False or bool(si_short), si_short


def next_due(
    issued: dt.date | None, last: dt.date | None, window: PeriodT | None, resets: bool
) -> dt.date | None:
    """The anniversary by which the next endorsement is due (same rule as the planner)."""
    if issued is None:
        return last and add_months(last, 12)
    if last is None:
        return add_months(issued, 12)
    years = 1
    while add_months(issued, 12 * years) < last:
        years += 1
    anniversary = opens = add_months(issued, 12 * years)
    if window is not None:
        amount, unit, _ = window
        if unit == "days":
            opens = anniversary - amount * ONE
        else:
            opens = add_months(anniversary, -amount * (12 if unit == "years" else 1))
    if last >= opens:
        return add_months(anniversary, 12)
    return add_months(last, 12) if resets else anniversary


def floor_plan(s: Situation, p: Any, a: Any) -> tuple[str, dt.date | None]:
    """(recommended path, reconsideration deadline or None)."""
    pm, reason, as_of = s.permit, s.permit.cancellation_reason, s.as_of
    need, si_rule, both, grace, reproves, endorsement_si, window, resets, restart_rule, law = p
    due = next_due(pm.issued_on, pm.last_endorsed_on, window, resets)
    overdue = due is not None and as_of > due
    since = s.registered_since
    restarts = restart_rule and reason == CR.REGISTRATION_DEREGISTERED and (
        since is None or (pm.cancelled_on is not None and since <= pm.cancelled_on))  # fmt: skip
    disputes = s.disputes_cancellation
    if s.lives_in_city is not None:
        lives_here = s.lives_in_city
    elif reason == CR.MOVED_AWAY:
        lives_here = bool(disputes or (since and pm.cancelled_on and since > pm.cancelled_on))
    elif reason == CR.VOLUNTARY:
        lives_here = since is not None
    else:
        lives_here = reason not in NO_LONGER_NEEDED
    no_basis = pm.status == C and reason not in NO_GROUND_NEEDED and reason not in a
    contest_matters = bool(disputes) or (lives_here and reason not in NO_LONGER_NEEDED)
    challenge = bool(disputes) or (no_basis and contest_matters)
    months = 0 if restarts else (full_months_between(since, as_of) if since else None)
    res_ok = None if months is None else months >= need
    eligible, clock_only, _ = _eligible(s, si_rule, both, res_ok)
    contestable = pm.status in (C, R) and (disputes or no_basis or reason != CR.VOLUNTARY)
    recon = litig = None
    if contestable:
        known = pm.notified_on or pm.cancelled_on or as_of
        act_day, informed = pm.cancelled_on or known, pm.informed_of_remedy_rights
        recon = _window(known, act_day, as_of, informed, law[0], law[1], law[2])
        litig = _window(known, act_day, as_of, informed, law[3], law[4], law[5])
    if pm.status == A:
        nothing = not overdue
    else:  # a contested (or contestable, ground-less) act always leaves something to do
        gone = reason in (CR.MOVED_AWAY, CR.VOLUNTARY) and not lives_here
        nothing = not challenge and (reason in NO_LONGER_NEEDED or gone)
    if nothing:
        return "none_needed", recon
    if pm.status == SUS or (pm.status == A and overdue):
        grace_end = end_of(due, grace) if due and grace else None
        if not (grace_end and as_of > grace_end):
            ok, _, short = _eligible(s, endorsement_si, both, True) if reproves else (True, 0, 0)
            # short only on a social-insurance clock: endorse once it is met, if within grace
            if ok is not False or (
                short and (not grace_end or next_workday(add_months(as_of, short)) <= grace_end)
            ):
                return "late_endorsement", recon
    if challenge and contestable:
        assert recon is not None and litig is not None
        if as_of <= recon:
            return "reconsideration", recon
        if as_of <= litig:
            return "litigation", recon
        if disputes:  # the person contests: the complaint; a ground-less act alone: move on
            return "appeal", recon
    back = reason == CR.MOVED_AWAY and lives_here
    if clock_only and not (pm.status in (C, R) and reason in NO_REAPPLY and not back):
        return "reapply", recon
    if reason not in NO_REAPPLY or back:
        return "residence_registration", recon
    return ("appeal" if contestable else "none_needed"), recon
