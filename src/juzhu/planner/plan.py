"""Build a remedy plan from a situation (PRODUCT.md, Planner contract).

The planner looks at every remedy path, decides whether it is open now, what is unmet, the
earliest date and the deadline, then recommends one. Every statement carries the trace of
the rules and sources it rests on. Ranking (first that applies):

1. nothing to remedy (deceased holder, local hukou, valid permit, left the city without
   contesting, voluntary cancellation with no needs) → ``none_needed``;
2. a suspended permit still within the late-endorsement grace → ``late_endorsement``;
3. the person disputes the act and can still contest it → ``reconsideration``, else
   ``litigation``, else ``appeal``;
4. otherwise → ``reapply`` when any route can be met (now or later), else
   ``residence_registration`` as the interim step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from juzhu.domain.days import Period, WorkCalendar
from juzhu.domain.months import add_months, full_months_between
from juzhu.domain.vocabulary import CancellationReason as R
from juzhu.domain.vocabulary import PermitStatus as S
from juzhu.domain.vocabulary import RemedyPath, label
from juzhu.planner import texts
from juzhu.planner.checklist import checklist_for
from juzhu.planner.situation import Situation
from juzhu.planner.texts import say
from juzhu.rules.engine import Decision, Facts, Policy, TraceStep, evaluate_eligibility
from juzhu.rules.loader import PolicySet, load_policies

NOT_CONTESTABLE = {R.HOLDER_DECEASED, R.VOLUNTARY}
WARN_WITHIN_DAYS = 7


def fmt_date(day: dt.date | None, lang: str) -> str:
    if day is None:
        return "—"
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"


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

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "path": self.path.value,
            "label": label(self.path.value, lang),
            "available": self.available,
            "earliest_date": _iso(self.earliest_date),
            "deadline": _iso(self.deadline),
            "unmet": self.unmet,
            "steps": self.steps,
            "trace": [t.as_dict() for t in self.trace],
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


class _Planner:
    def __init__(
        self, s: Situation, policies: PolicySet, calendar: WorkCalendar, lang: str
    ) -> None:
        self.s = s
        self.lang = lang
        self.cal = calendar
        self.policy = Policy.of(s.city, s.as_of, policies)
        act_day = s.permit.cancelled_on or s.as_of
        # The remedy law in force on the day of the act governs how long one has to contest it.
        self.act_policy = Policy.of(s.city, act_day, policies)
        self.complete = True
        self.missing: list[str] = []
        self.warnings: list[dict[str, str]] = []

    # -- helpers ---------------------------------------------------------------------------
    def t(self, text: texts.Text, **values: object) -> str:
        return say(text, self.lang, **values)

    def d(self, day: dt.date | None) -> str:
        return fmt_date(day, self.lang)

    def end_of(self, start: dt.date, period: Period, side: str = "deadline") -> dt.date:
        result = self.cal.period_end(start, period, side=side)  # type: ignore[arg-type]
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

    # -- options ---------------------------------------------------------------------------
    def late_endorsement(self) -> Option:
        s, p = self.s, self.s.permit
        opt = Option(RemedyPath.LATE_ENDORSEMENT, False)
        if p.status == S.SUSPENDED or (p.status == S.ACTIVE and self._overdue()):
            suspended_on, grace_end = self.suspension()
            opt.trace.append(
                self.policy.step("endorsement.grace", {"suspended_on": _iso(suspended_on)})
            )
            opt.trace.append(self.policy.step("continuity.after_late_endorsement", {}))
            opt.deadline = grace_end
            if grace_end is not None and s.as_of > grace_end:
                opt.unmet.append(self.t(texts.UNAVAILABLE["grace_over"], date=self.d(grace_end)))
                return opt
            opt.available = True
            opt.earliest_date = self.working_day_on_or_after(s.as_of)
            opt.ready_by = opt.earliest_date  # endorsed on the spot once verified
            if self.policy.get("endorsement.reproves_eligibility"):
                recheck = evaluate_eligibility(self.policy, self.facts(False), at_endorsement=True)
                opt.trace.extend(recheck.trace)
                opt.trace.append(self.policy.step("endorsement.reproves_eligibility", {}))
                for fact in recheck.missing_facts:
                    self.miss(fact)
                if recheck.eligible is False:
                    opt.available = False
                    opt.unmet.extend(self._unmet_texts(recheck))
                    short = [u.months_short or 0 for u in recheck.unmet]
                    if all(short):
                        # only a clock is short: endorse once it is met, if still within grace
                        when = self.working_day_on_or_after(add_months(s.as_of, max(short)))
                        in_time = grace_end is None or when <= grace_end
                        opt.earliest_date = opt.ready_by = when if in_time else None
                    else:
                        opt.earliest_date = opt.ready_by = None
            opt.steps = self.steps("late_endorsement")
            return opt
        if p.status in (S.CANCELLED, S.REVOKED) and p.cancellation_reason in (
            R.EXPIRED_NOT_RENEWED,
            None,
            R.UNKNOWN,
        ):
            opt.unmet.append(self.t(texts.UNAVAILABLE["cancelled_cannot_endorse"]))
        else:
            opt.unmet.append(self.t(texts.UNAVAILABLE["not_suspended"]))
        return opt

    def _overdue(self) -> bool:
        due = self.next_due()
        return due is not None and self.s.as_of > due

    def _unmet_texts(self, decision: Decision) -> list[str]:
        return [u.text_zh if self.lang == "zh" else u.text_en for u in decision.unmet]

    def reapply(self) -> Option:
        s, p = self.s, self.s.permit
        opt = Option(RemedyPath.REAPPLY, False)
        reason = p.cancellation_reason
        blocked = {R.HOLDER_DECEASED: "deceased", R.HUKOU_SETTLED: "hukou", R.MOVED_AWAY: "moved"}
        if p.status in (S.CANCELLED, S.REVOKED) and reason in blocked:
            opt.unmet.append(self.t(texts.UNAVAILABLE[blocked[reason]]))
            return opt
        if p.status == S.ACTIVE and not self._overdue():
            opt.unmet.append(self.t(texts.UNAVAILABLE["still_valid"]))
            return opt
        if p.status == S.SUSPENDED and self.late.earliest_date is not None:
            opt.unmet.append(self.t(texts.UNAVAILABLE["suspended_endorse"]))
            return opt
        decision = self.decision
        opt.trace.extend(decision.trace)
        opt.unmet.extend(self._unmet_texts(decision))
        for fact in decision.missing_facts:
            self.miss(fact)
        need_months = int(self.policy.get("eligibility.residence_months"))
        if self.register_first:
            opt.steps = self.steps("reapply_register_first", **self._registration_values())
            opt.trace.append(self.policy.step("registration.deadline", {"reason": reason}))
            if self.registration_restarts:
                opt.trace.append(
                    self.policy.step(
                        "cancellation.third_party_deregistration_ends_permit", {"reason": reason}
                    )
                )
        earliest = s.as_of
        if decision.eligible is False:
            clock_only = all(u.months_short for u in decision.unmet)
            if not clock_only:
                opt.steps += self.steps("reapply")
                return opt
            for u in decision.unmet:
                if u.rule == "eligibility.residence_months":
                    start = (
                        s.as_of if self.registration_restarts else (s.registered_since or s.as_of)
                    )
                    earliest = max(earliest, add_months(start, need_months))
                elif u.months_short:
                    earliest = max(earliest, add_months(s.as_of, u.months_short))
        elif decision.eligible is None:
            opt.unmet.append(
                self.t(
                    texts.WARNINGS["missing_facts"], facts=self._fact_names(decision.missing_facts)
                )
            )
        else:
            opt.available = True
        opt.earliest_date = self.working_day_on_or_after(earliest)
        issuing = self.policy.period("issuing.time_limit")
        assert issuing is not None
        opt.trace.append(
            self.policy.step("issuing.time_limit", {"from": opt.earliest_date.isoformat()})
        )
        opt.ready_by = self.end_of(opt.earliest_date, issuing, side="estimate")
        opt.steps += self.steps("reapply")
        return opt

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

    def known_on(self) -> dt.date | None:
        p = self.s.permit
        if p.notified_on is None:
            self.miss("permit.notified_on")
        return p.notified_on or p.cancelled_on

    def contest_window(self, opt: Option, period_key: str, absolute_key: str) -> None:
        """Fill the deadline of reconsideration or litigation (行政复议法 Arts. 20–21;
        行政诉讼法 Art. 46), including the not-informed rule."""
        s, p = self.s, self.s.permit
        known = self.known_on()
        if known is None:
            self.miss("permit.cancelled_on")
            known = s.as_of
        ap = self.act_policy
        period = ap.period(period_key)
        absolute = ap.period(absolute_key)
        assert period is not None and absolute is not None
        informed = p.informed_of_remedy_rights
        if informed is None:
            self.miss("permit.informed_of_remedy_rights")
        facts = {"known_on": known.isoformat(), "informed_of_remedy_rights": informed}
        opt.trace.append(ap.step(period_key, facts))
        # Choose the binding limit on nominal dates first, then extend only that one past a
        # rest day: a far-off limit that does not bind must not consult (or taint) the calendar.
        binding = (known, period)
        if informed is False:
            cap_period = ap.period("remedy.reconsideration.not_informed_cap")
            assert cap_period is not None
            opt.trace.append(ap.step("remedy.reconsideration.not_informed_cap", facts))
            # Counting from today (when this plan tells the person their rights) is the earliest
            # date the law could mean; it never runs past one year from learning of the act.
            from_today = min((s.as_of, period), (known, cap_period), key=self._nominal)
            binding = max(binding, from_today, key=self._nominal)
        act_day = p.cancelled_on or known
        opt.trace.append(ap.step(absolute_key, {"act_on": act_day.isoformat()}))
        binding = min(binding, (act_day, absolute), key=self._nominal)
        deadline = self.end_of(*binding)
        opt.deadline = deadline
        if s.as_of > deadline:
            opt.unmet.append(self.t(texts.UNAVAILABLE["period_over"], date=self.d(deadline)))
            return
        opt.available = True
        opt.earliest_date = s.as_of

    def _nominal(self, limit: tuple[dt.date, Period]) -> dt.date:
        return self.cal.period_end(limit[0], limit[1], extend_past_rest_day=False).nominal

    def contestable(self, opt: Option) -> bool:
        p = self.s.permit
        if p.status not in (S.CANCELLED, S.REVOKED):
            opt.unmet.append(self.t(texts.UNAVAILABLE["no_act"]))
            return False
        # A recorded death or a request the person never made can itself be wrong: then it
        # is contestable like any act (行政复议法 Art. 11).
        if self.s.disputes_cancellation:
            return True
        if p.cancellation_reason == R.HOLDER_DECEASED:
            opt.unmet.append(self.t(texts.UNAVAILABLE["deceased"]))
            return False
        if p.cancellation_reason == R.VOLUNTARY:
            opt.unmet.append(self.t(texts.UNAVAILABLE["own_request"]))
            return False
        return True

    def remedy_names(self) -> dict[str, str]:
        k = "zh" if self.lang == "zh" else "en"
        return {
            "respondent": self.act_policy.get("remedy.respondent")[k],
            "body": self.act_policy.get("remedy.reconsideration_body")[k],
        }

    def reconsideration(self) -> Option:
        opt = Option(RemedyPath.RECONSIDERATION, False)
        if not self.contestable(opt):
            return opt
        self.contest_window(opt, "remedy.reconsideration.period", "remedy.reconsideration.absolute")
        ap = self.act_policy
        acceptance, decision = (
            ap.period("remedy.reconsideration.acceptance"),
            ap.period("remedy.reconsideration.decision"),
        )
        assert acceptance is not None and decision is not None
        opt.trace.append(ap.step("remedy.reconsideration.decision", {}))
        opt.trace.append(ap.step("remedy.respondent", {}))
        opt.trace.append(ap.step("remedy.reconsideration_body", {}))
        if opt.available and opt.earliest_date:
            accepted = self.end_of(opt.earliest_date, acceptance, side="estimate")
            opt.ready_by = self.end_of(accepted, decision, side="estimate")
        opt.steps = self.steps(
            "reconsideration",
            deadline=self.d(opt.deadline),
            acceptance=acceptance.describe(self.lang),
            decision=decision.describe(self.lang),
            **self.remedy_names(),
        )
        return opt

    def litigation(self) -> Option:
        opt = Option(RemedyPath.LITIGATION, False)
        if not self.contestable(opt):
            return opt
        self.contest_window(opt, "remedy.litigation.direct", "remedy.litigation.absolute")
        after = self.act_policy.period("remedy.litigation.after_reconsideration")
        assert after is not None
        opt.trace.append(self.act_policy.step("remedy.litigation.after_reconsideration", {}))
        opt.steps = self.steps(
            "litigation",
            deadline=self.d(opt.deadline),
            after=after.describe(self.lang),
            **self.remedy_names(),
        )
        return opt

    def appeal(self, reconsideration: Option) -> Option:
        opt = Option(RemedyPath.APPEAL, False)
        if not self.contestable(opt):
            return opt
        opt.available = True
        opt.earliest_date = self.s.as_of
        # A complaint has no statutory deadline but does not stop the reconsideration clock.
        opt.deadline = reconsideration.deadline if reconsideration.available else None
        opt.trace.append(self.act_policy.step("remedy.respondent", {}))
        opt.steps = self.steps(
            "appeal", deadline=self.d(reconsideration.deadline), **self.remedy_names()
        )
        return opt

    def residence_registration(self) -> Option:
        p = self.s.permit
        opt = Option(RemedyPath.RESIDENCE_REGISTRATION, False)
        if p.cancellation_reason in (R.HOLDER_DECEASED, R.MOVED_AWAY, R.HUKOU_SETTLED):
            key = {
                R.HOLDER_DECEASED: "deceased",
                R.MOVED_AWAY: "not_living_here",
                R.HUKOU_SETTLED: "hukou",
            }
            opt.unmet.append(self.t(texts.UNAVAILABLE[key[p.cancellation_reason]]))
            return opt
        opt.available = True
        opt.earliest_date = self.working_day_on_or_after(self.s.as_of)
        opt.ready_by = opt.earliest_date
        opt.trace.append(self.policy.step("registration.deadline", {}))
        opt.trace.append(self.policy.step("registration.certificate_name", {}))
        opt.steps = self.steps("residence_registration", **self._registration_values())
        return opt

    def none_needed(self) -> Option:
        p, s = self.s.permit, self.s
        opt = Option(RemedyPath.NONE_NEEDED, False)
        if p.status == S.ACTIVE:
            nothing = not self._overdue()
        elif s.disputes_cancellation:
            nothing = False  # the person contests the act: there is something to do
        else:
            nothing = p.cancellation_reason in (
                R.HOLDER_DECEASED,
                R.HUKOU_SETTLED,
                R.MOVED_AWAY,
            ) or (p.cancellation_reason == R.VOLUNTARY and not s.needs)
        if nothing:
            opt.available = True
            opt.steps = self.steps("none_needed")
        else:
            opt.unmet.append(self.t(texts.UNAVAILABLE["action_needed"]))
        return opt

    # -- the plan --------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        s, p = self.s, self.s.permit
        reason = p.cancellation_reason
        if p.status in (S.CANCELLED, S.REVOKED) and reason is None:
            self.miss("permit.cancellation_reason")
        if p.status is None:
            self.miss("permit.status")
        not_registered_since = s.registered_since is None or (
            p.cancelled_on is not None and s.registered_since <= p.cancelled_on
        )
        # A third party ended the registration (Guangzhou 2023): the residence clock starts
        # again from a new registration, unless the person has registered again since.
        self.registration_restarts = reason == R.REGISTRATION_DEREGISTERED and not_registered_since
        # After an unreported move the person registers at the new address first.
        self.register_first = self.registration_restarts or (
            reason == R.ADDRESS_CHANGE_UNREPORTED and not_registered_since
        )
        self.decision = evaluate_eligibility(self.policy, self.facts(self.registration_restarts))
        self.late = self.late_endorsement()
        recon = self.reconsideration()
        options = {
            RemedyPath.LATE_ENDORSEMENT: self.late,
            RemedyPath.REAPPLY: self.reapply(),
            RemedyPath.APPEAL: self.appeal(recon),
            RemedyPath.RECONSIDERATION: recon,
            RemedyPath.LITIGATION: self.litigation(),
            RemedyPath.RESIDENCE_REGISTRATION: self.residence_registration(),
            RemedyPath.NONE_NEEDED: self.none_needed(),
        }
        recommended = self.recommended = self.recommend(options)
        chosen = options[recommended]
        if (
            s.disputes_cancellation is None
            and p.status in (S.CANCELLED, S.REVOKED)
            and reason not in NOT_CONTESTABLE
        ):
            self.miss("disputes_cancellation")
        diagnosis = self.diagnosis()
        impacts = self.impacts()
        if (
            s.housing is None
            and recommended in (RemedyPath.REAPPLY, RemedyPath.RESIDENCE_REGISTRATION)
            or (
                recommended == RemedyPath.LATE_ENDORSEMENT
                and self.policy.get("endorsement.reproves_eligibility")
                and s.housing is None
            )
        ):
            self.miss("residence.housing")  # the proof of residence on the checklist depends on it
        checklist = checklist_for(self.policy, recommended, self.s, self.decision, self.lang)
        ordered = [options[recommended]] + [o for path, o in options.items() if path != recommended]
        self.add_warnings(list(options.values()))
        expected_working_days = None
        if chosen.ready_by and chosen.earliest_date:
            expected_working_days = self.cal.working_days_between(s.as_of, chosen.ready_by)
        return {
            "situation": {"city": s.city, "as_of": s.as_of.isoformat()},
            "diagnosis": diagnosis,
            "impacts": impacts,
            "options": [o.as_dict(self.lang) for o in ordered],
            "recommended": recommended.value,
            "checklist": checklist,
            "steps": chosen.steps,
            "timeline": {
                "expected_ready_by": _iso(chosen.ready_by),
                "working_days": expected_working_days,
                "start": _iso(chosen.earliest_date),
            },
            "warnings": self.warnings,
            "missing_facts": [{"field": f, "text": self._fact_names([f])} for f in self.missing],
            "policy": {
                "id": self.policy.id,
                "version": self.policy.version,
                "name": self.policy.name["zh" if self.lang == "zh" else "en"],
            },
            "calendar": {"complete": self.complete},
            "lang": self.lang,
        }

    def recommend(self, options: dict[RemedyPath, Option]) -> RemedyPath:
        s = self.s
        if options[RemedyPath.NONE_NEEDED].available:
            return RemedyPath.NONE_NEEDED
        if options[RemedyPath.LATE_ENDORSEMENT].earliest_date is not None:
            return RemedyPath.LATE_ENDORSEMENT
        if s.disputes_cancellation:
            for path in (RemedyPath.RECONSIDERATION, RemedyPath.LITIGATION, RemedyPath.APPEAL):
                if options[path].available:
                    return path
        if options[RemedyPath.REAPPLY].earliest_date is not None:
            return RemedyPath.REAPPLY
        if options[RemedyPath.RESIDENCE_REGISTRATION].available:
            return RemedyPath.RESIDENCE_REGISTRATION
        return RemedyPath.APPEAL if options[RemedyPath.APPEAL].available else RemedyPath.NONE_NEEDED

    def diagnosis(self) -> dict[str, Any]:
        p = self.s.permit
        values: dict[str, object] = {
            "cancelled_on": self.d(p.cancelled_on)
            if p.cancelled_on
            else ("某日" if self.lang == "zh" else "a date not given")
        }
        reason_id: str
        if p.status == S.REVOKED:
            key, reason_id = "revoked", (p.cancellation_reason or R.INELIGIBLE_OR_FALSE_INFO).value
        elif p.status == S.CANCELLED:
            reason_id = (p.cancellation_reason or R.UNKNOWN).value
            key = reason_id
        elif p.status == S.SUSPENDED or (p.status == S.ACTIVE and self._overdue()):
            suspended_on, grace_end = self.suspension()
            values.update(
                suspended_on=self.d(suspended_on),
                grace_end=self.d(grace_end),
                next_due=self.d(self.next_due()),
            )
            past = grace_end is not None and self.s.as_of > grace_end
            key = (
                "suspended_past_grace"
                if past
                else ("suspended" if p.status == S.SUSPENDED else "active_overdue")
            )
            reason_id = "suspended"
        elif p.status == S.ACTIVE:
            due = self.next_due()
            window = self.policy.period("endorsement.window")
            start = None
            if due and window:
                start = (
                    add_months(due, -window.amount)
                    if window.unit == "months"
                    else due
                    - dt.timedelta(days=window.amount * (365 if window.unit == "years" else 1))
                )
            values.update(next_due=self.d(due), next_window=self.d(start))
            key, reason_id = "active", "active"
        elif p.status == S.EXPIRED:
            key, reason_id = "expired", "expired"
        else:
            key, reason_id = "no_permit", "none"
        return {
            "reason": reason_id,
            "status": p.status.value if p.status else None,
            "text": self.t(texts.DIAGNOSIS[key], **values),
        }

    def impacts(self) -> list[dict[str, Any]]:
        p = self.s.permit
        invalid = p.status in (S.CANCELLED, S.REVOKED, S.EXPIRED, S.SUSPENDED) or (
            p.status == S.ACTIVE and self._overdue()
        )
        since = p.cancelled_on if p.status in (S.CANCELLED, S.REVOKED) else None
        if p.status == S.SUSPENDED or (p.status == S.ACTIVE and self._overdue()):
            since = self.suspension()[0]
        if p.cancellation_reason == R.HUKOU_SETTLED and not self.s.disputes_cancellation:
            invalid = False  # a local hukou holder uses the ID card and hukou booklet instead
        services = self.policy.get("linked_services")
        cite = self.policy.cite("linked_services")
        k = "zh" if self.lang == "zh" else "en"
        out = []
        names = list(self.s.needs) + [sv for sv in services if sv not in self.s.needs]
        for service in names:
            rule = services.get(service)
            needed = service in self.s.needs
            if rule is None:
                out.append(
                    {
                        "service": str(service),
                        "label": label(str(service), self.lang),
                        "needed": needed,
                        "affected": None,
                        "requires_permit": None,
                        "since": None,
                        "text": "本市政策没有列明此项是否需要居住证，请向主管部门确认"
                        if k == "zh"
                        else "The city's policy does not say whether this needs a permit; ask the department",
                    }
                )
                continue
            affected = bool(invalid and rule["requires_permit"])
            out.append(
                {
                    "service": str(service),
                    "label": label(str(service), self.lang),
                    "needed": needed,
                    "affected": affected,
                    "requires_permit": rule["requires_permit"],
                    "since": _iso(since) if affected else None,
                    "text": rule["text"][k],
                    "citation": cite.as_dict(),
                }
            )
        return out

    def add_warnings(self, options: list[Option]) -> None:
        s, p = self.s, self.s.permit
        if p.status != S.ACTIVE or self._overdue():
            self.warnings.append({"code": "scam", "text": self.t(texts.WARNINGS["scam"])})
        for opt in options:
            # the complaint borrows the reconsideration deadline: warn once, for reconsideration
            if opt.available and opt.deadline is not None and opt.path != RemedyPath.APPEAL:
                left = (opt.deadline - s.as_of).days
                if left <= WARN_WITHIN_DAYS:
                    self.warnings.append(
                        {
                            "code": "deadline_soon",
                            "path": opt.path.value,
                            "text": self.t(
                                texts.WARNINGS["deadline_soon"],
                                path=label(opt.path.value, self.lang),
                                date=self.d(opt.deadline),
                                days=left,
                            ),
                        }
                    )
        if p.informed_of_remedy_rights is False and p.status in (S.CANCELLED, S.REVOKED):
            self.warnings.append(
                {"code": "not_informed", "text": self.t(texts.WARNINGS["not_informed"])}
            )
        if p.cancellation_reason == R.INELIGIBLE_OR_FALSE_INFO or p.status == S.REVOKED:
            self.warnings.append(
                {"code": "false_info", "text": self.t(texts.WARNINGS["false_info"])}
            )
        if p.status in (S.CANCELLED, S.SUSPENDED, S.REVOKED) and p.cancellation_reason not in (
            R.HOLDER_DECEASED,
            R.HUKOU_SETTLED,
            R.MOVED_AWAY,
        ):
            self.warnings.append(
                {"code": "continuity", "text": self.t(texts.WARNINGS["continuity"])}
            )
        if not self.complete:
            dates = [d for o in options for d in (o.earliest_date, o.deadline, o.ready_by) if d]
            last = max(dates, default=s.as_of).year
            years = [y for y in range(s.as_of.year, last + 1) if not self.cal.is_complete(y)]
            self.warnings.append(
                {
                    "code": "calendar_incomplete",
                    "text": self.t(
                        texts.WARNINGS["calendar_incomplete"],
                        years="、".join(map(str, years))
                        if self.lang == "zh"
                        else ", ".join(map(str, years)),
                    ),
                }
            )
        unverified = [
            t
            for o in options
            if o.path == self.recommended
            for t in o.trace
            if t.citation.status == "unverified"
        ]
        if unverified:
            self.warnings.append(
                {
                    "code": "unverified",
                    "rules": ", ".join(sorted({t.rule for t in unverified})),
                    "text": self.t(texts.WARNINGS["unverified"]),
                }
            )
        if self.missing:
            self.warnings.append(
                {
                    "code": "missing_facts",
                    "text": self.t(
                        texts.WARNINGS["missing_facts"], facts=self._fact_names(self.missing)
                    ),
                }
            )


def make_plan(
    situation: Situation,
    *,
    lang: str = "zh",
    policies: PolicySet | None = None,
    calendar: WorkCalendar | None = None,
) -> dict[str, Any]:
    """The plan for a situation, as a JSON-ready dict (PRODUCT.md, Planner contract)."""
    return _Planner(
        situation, policies or load_policies(), calendar or default_calendar(), lang
    ).run()


_CALENDAR: list[WorkCalendar] = []


def default_calendar() -> WorkCalendar:
    if not _CALENDAR:
        _CALENDAR.append(WorkCalendar.load())
    return _CALENDAR[0]
