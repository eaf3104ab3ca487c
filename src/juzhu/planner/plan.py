"""Build a remedy plan from a situation (docs/planner.md).

The planner looks at every remedy path, decides whether it is open now, what is unmet, the
earliest date and the deadline, then recommends one. Every statement carries the trace of
the rules and sources it rests on. Ranking (first that applies):

0. a reconsideration or suit already filed (``appeal`` input) → it is followed, not offered
   again; meanwhile ``residence_registration`` (the act stays in force while it runs);
1. the law no longer asks for a permit (valid permit, holder dead, local hukou, gone from the
   city) → ``none_needed``; never for someone who still lives in the city;
2. a suspended permit still within the late-endorsement grace → ``late_endorsement``;
3. the person disputes the act, or the act has no ground in the city's law on its day (then
   whatever ``disputes_cancellation`` says), and it can still be contested →
   ``reconsideration``, else ``litigation``, else ``appeal``;
4. otherwise → ``reapply`` when any route can be met (now or later), else
   ``residence_registration`` as the interim step.

Every earliest date and deadline carries its reason (zh, en and the rule), and each needed
service its restoration date against the date it is needed by.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from juzhu.domain.days import Period, WorkCalendar
from juzhu.domain.months import add_months, full_months_between
from juzhu.domain.vocabulary import CancellationReason as R
from juzhu.domain.vocabulary import LinkedService, RemedyPath, label
from juzhu.domain.vocabulary import PermitStatus as S
from juzhu.planner import texts
from juzhu.planner.checklist import checklist_for
from juzhu.planner.situation import Situation
from juzhu.planner.texts import say
from juzhu.rules.engine import Decision, Facts, Policy, TraceStep, Unmet, evaluate_eligibility
from juzhu.rules.loader import PolicySet, load_policies

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
            "earliest_date": _iso(self.earliest_date),
            "earliest_reason": self.earliest_reason if self.earliest_date else None,
            "deadline": _iso(self.deadline),
            "deadline_reason": self.deadline_reason,
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
            grace = self.policy.period("endorsement.grace")
            opt.deadline_reason = (
                because("grace", "endorsement.grace", suspended_on=suspended_on, grace=grace)
                if grace is not None and suspended_on is not None
                else because("no_grace", "endorsement.grace")
            )
            if grace_end is not None and s.as_of > grace_end:
                opt.unmet.append(self.t(texts.UNAVAILABLE["grace_over"], date=self.d(grace_end)))
                return opt
            opt.available = True
            opt.earliest_date = self.working_day_on_or_after(s.as_of)
            opt.earliest_reason = because("now", "endorsement.grace")
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
                        binding = max(recheck.unmet, key=lambda u: u.months_short or 0)
                        opt.earliest_reason = because(
                            "clock", binding.rule, unmet=binding, date=when
                        )
                    else:
                        opt.earliest_date = opt.ready_by = None
            opt.steps = self.steps("late_endorsement")
            return opt
        if self.no_basis and self.contest_matters:
            opt.unmet.append(self.t(texts.UNAVAILABLE["restore_then_endorse"]))
        elif p.status in (S.CANCELLED, S.REVOKED) and p.cancellation_reason in (
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
        if (
            p.status in (S.CANCELLED, S.REVOKED)
            and reason in blocked
            and not (reason == R.MOVED_AWAY and self.lives_here)
        ):
            key = "restore_hukou_first" if self.alive_but_recorded_dead else blocked[reason]
            opt.unmet.append(self.t(texts.UNAVAILABLE[key]))
            return opt
        if p.status == S.CANCELLED and reason == R.VOLUNTARY and not self.lives_here:
            # cancelled on request by someone not living here: a permit is for where one lives
            opt.unmet.append(self.t(texts.UNAVAILABLE["not_living_here"]))
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
            first = (
                "reapply_register_first"
                if self.registration_restarts
                else "reapply_change_registration"
            )
            if reason == R.ADDRESS_CHANGE_UNREPORTED:
                first = "reapply_register_first"
            opt.steps = self.steps(first, **self._registration_values())
            opt.trace.append(self.policy.step("registration.deadline", {"reason": reason}))
            if self.registration_restarts:
                opt.trace.append(
                    self.policy.step(
                        "cancellation.third_party_deregistration_ends_permit", {"reason": reason}
                    )
                )
        earliest = s.as_of
        binding: Unmet | None = None
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
                    met_on = add_months(start, need_months)
                else:
                    met_on = add_months(s.as_of, u.months_short or 0)
                if met_on > earliest:
                    earliest, binding = met_on, u
        elif decision.eligible is None:
            opt.unmet.append(
                self.t(
                    texts.WARNINGS["missing_facts"], facts=self._fact_names(decision.missing_facts)
                )
            )
        else:
            opt.available = True
        opt.earliest_date = self.working_day_on_or_after(earliest)
        opt.earliest_reason = (
            because("clock", binding.rule, unmet=binding, date=opt.earliest_date)
            if binding is not None
            else because("eligible_now" if opt.available else "now", "eligibility.routes")
        )
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

    def contest_window(self, opt: Option, period_key: str, absolute_key: str, cap_key: str) -> None:
        """Fill the deadline of reconsideration or litigation (行政复议法 2023 Arts. 20–21;
        行政诉讼法 Art. 46; 法释〔2018〕1号 Art. 64), including the not-informed rule. The
        periods are those of the law in force on the day of filing (``self.rp``)."""
        s, p = self.s, self.s.permit
        known = self.known_on()
        if known is None:
            self.miss("permit.cancelled_on")
            known = s.as_of
        rp = self.rp
        period = rp.period(period_key)
        absolute = rp.period(absolute_key)
        assert period is not None
        informed = p.informed_of_remedy_rights
        if informed is None:
            self.miss("permit.informed_of_remedy_rights")
        facts = {"known_on": known.isoformat(), "informed_of_remedy_rights": informed}
        opt.trace.append(rp.step(period_key, facts))
        # Choose the binding limit on nominal dates first, then extend only that one past a
        # rest day: a far-off limit that does not bind must not consult (or taint) the calendar.
        binding = (known, period)
        reason = because("known", period_key, known=known, period=period)
        if informed is False:
            cap_period = rp.period(cap_key)
            opt.trace.append(rp.step(cap_key, facts))
            # Counting from today (when this plan tells the person their rights) is the earliest
            # date the law could mean; it never runs past the cap from learning of the act.
            if cap_period is None:
                from_today = (s.as_of, period)
                why = because("not_informed_no_cap", cap_key, period=period)
            else:
                from_today = min((s.as_of, period), (known, cap_period), key=self._nominal)
                why = because("not_informed", cap_key, period=period, known=known, cap=cap_period)
            if self._nominal(from_today) > self._nominal(binding):
                binding, reason = from_today, why
        act_day = p.cancelled_on or known
        if absolute is not None:
            opt.trace.append(rp.step(absolute_key, {"act_on": act_day.isoformat()}))
            if self._nominal((act_day, absolute)) < self._nominal(binding):
                binding = (act_day, absolute)
                reason = because("absolute", absolute_key, act=act_day, period=absolute)
        end = self.cal.period_end(*binding)
        self.complete &= end.complete
        opt.deadline = end.date
        if end.date != end.nominal:  # the last day was a rest day: say it moved
            rest = texts.REASONS["rest_day"]
            reason = {**reason, "zh": reason["zh"] + rest["zh"], "en": reason["en"] + rest["en"]}
        opt.deadline_reason = reason
        if s.as_of > end.date:
            opt.unmet.append(self.t(texts.UNAVAILABLE["period_over"], date=self.d(end.date)))
            return
        opt.available = True
        opt.earliest_date = s.as_of
        opt.earliest_reason = because("now", period_key)

    def _nominal(self, limit: tuple[dt.date, Period]) -> dt.date:
        return self.cal.period_end(limit[0], limit[1], extend_past_rest_day=False).nominal

    def contestable(self, opt: Option) -> bool:
        p = self.s.permit
        if p.status not in (S.CANCELLED, S.REVOKED):
            opt.unmet.append(self.t(texts.UNAVAILABLE["no_act"]))
            return False
        # A recorded death or a request the person never made can itself be wrong: then it
        # is contestable like any act (行政复议法 Art. 11). An act without a ground in the
        # city's law is contestable whatever the person thinks of it.
        if self.s.disputes_cancellation or self.no_basis:
            return True
        if p.cancellation_reason == R.HOLDER_DECEASED:
            # 行政复议法 (2023) Art. 14; 行政诉讼法 Art. 25: close relatives may act.
            if self.rp.get("remedy.reconsideration.close_relatives"):
                opt.trace.append(self.rp.step("remedy.reconsideration.close_relatives", {}))
                return True
            opt.unmet.append(self.t(texts.UNAVAILABLE["deceased"]))
            return False
        if p.cancellation_reason == R.VOLUNTARY:
            opt.unmet.append(self.t(texts.UNAVAILABLE["own_request"]))
            return False
        return True

    def remedy_names(self) -> dict[str, str]:
        k = "zh" if self.lang == "zh" else "en"
        respondent, body = self.act_policy.remedy_parties(self.rp)
        return {
            "respondent": respondent[k],
            "body": body[k],
            "court": self.rp.get("remedy.litigation.court")[k],
        }

    def filed(self, opt: Option) -> bool:
        """The person already filed this remedy: follow it, do not offer it again."""
        a = self.s.appeal
        if a is None or a.path != opt.path:
            return False
        due = self.pending_dates().get("decision_due")
        due_text = (
            ("，预计" if self.lang == "zh" else ", expected by ") + self.d(due) if due else ""
        )
        opt.unmet.append(
            self.t(texts.UNAVAILABLE["filed_already"], date=self.d(a.filed_on), due=due_text)
        )
        return True

    def contest_steps(self, key: str, **values: object) -> list[dict[str, str]]:
        """The steps of a contest path, after what a death record or a death asks first."""
        p, s = self.s.permit, self.s
        first: list[dict[str, str]] = []
        if p.cancellation_reason == R.HOLDER_DECEASED:
            first = self.steps("death_record" if s.disputes_cancellation else "close_relatives")
            if s.appeal is not None:
                first = first[:1]  # the reconsideration or suit is already under way
        after: list[dict[str, str]] = []
        if self.no_basis and p.cancellation_reason == R.EXPIRED_NOT_RENEWED:
            after = self.steps("restored_then_endorse")
        return first + self.steps(key, **values) + after

    def reconsideration(self) -> Option:
        opt = Option(RemedyPath.RECONSIDERATION, False)
        if not self.contestable(opt) or self.filed(opt):
            return opt
        rp = self.rp
        if self.s.appeal and self.s.appeal.path == RemedyPath.LITIGATION:
            opt.trace.append(rp.step("remedy.reconsideration.excludes_litigation", {}))
            opt.unmet.append(self.t(texts.UNAVAILABLE["suit_pending_no_recon"]))
            return opt
        self.contest_window(
            opt,
            "remedy.reconsideration.period",
            "remedy.reconsideration.absolute",
            "remedy.reconsideration.not_informed_cap",
        )
        acceptance, decision = (
            rp.period("remedy.reconsideration.acceptance"),
            rp.period("remedy.reconsideration.decision"),
        )
        assert acceptance is not None and decision is not None
        opt.trace.append(rp.step("remedy.reconsideration.decision", {}))
        opt.trace.append(self.act_policy.step("remedy.respondent", {}))
        opt.trace.append(rp.step("remedy.reconsideration_body", {}))
        if opt.available and opt.earliest_date:
            accepted = self.end_of(opt.earliest_date, acceptance, side="estimate")
            opt.ready_by = self.end_of(accepted, decision, side="estimate")
        opt.steps = self.contest_steps(
            "reconsideration",
            deadline=self.d(opt.deadline),
            acceptance=acceptance.describe(self.lang),
            decision=decision.describe(self.lang),
            **self.remedy_names(),
        )
        return opt

    def litigation(self) -> Option:
        opt = Option(RemedyPath.LITIGATION, False)
        if not self.contestable(opt) or self.filed(opt):
            return opt
        rp = self.rp
        after = rp.period("remedy.litigation.after_reconsideration")
        assert after is not None
        if self.s.appeal and self.s.appeal.path == RemedyPath.RECONSIDERATION:
            # 行政复议法 (2023) Art. 29: no suit while an accepted reconsideration runs.
            opt.trace.append(rp.step("remedy.reconsideration.excludes_litigation", {}))
            opt.trace.append(rp.step("remedy.litigation.after_reconsideration", {}))
            opt.unmet.append(
                self.t(texts.UNAVAILABLE["recon_pending_no_suit"], after=after.describe(self.lang))
            )
            due = self.pending_dates().get("decision_due")
            if due is not None:
                opt.deadline = self.end_of(due, after)
                opt.deadline_reason = because(
                    "after_reconsideration",
                    "remedy.litigation.after_reconsideration",
                    after=after,
                    due=due,
                )
            return opt
        self.contest_window(
            opt,
            "remedy.litigation.direct",
            "remedy.litigation.absolute",
            "remedy.litigation.not_informed_cap",
        )
        opt.trace.append(rp.step("remedy.litigation.after_reconsideration", {}))
        opt.trace.append(rp.step("remedy.litigation.court", {}))
        if opt.available and opt.earliest_date:
            docketing, judgment = (
                rp.period("remedy.litigation.docketing"),
                rp.period("remedy.litigation.judgment"),
            )
            assert docketing is not None and judgment is not None
            docketed = self.end_of(opt.earliest_date, docketing, side="estimate")
            opt.ready_by = self.end_of(docketed, judgment, side="estimate")
        opt.steps = self.contest_steps(
            "litigation",
            deadline=self.d(opt.deadline),
            after=after.describe(self.lang),
            **self.remedy_names(),
        )
        return opt

    def appeal(self, reconsideration: Option) -> Option:
        opt = Option(RemedyPath.APPEAL, False)
        if not self.contestable(opt) or self.filed(opt):
            return opt
        opt.available = True
        opt.earliest_date = self.s.as_of
        opt.earliest_reason = because("now", "remedy.respondent")
        # A complaint has no statutory deadline but does not stop the reconsideration clock.
        opt.deadline = reconsideration.deadline if reconsideration.available else None
        if opt.deadline is not None:
            opt.deadline_reason = because("appeal", "remedy.reconsideration.period")
        opt.trace.append(self.act_policy.step("remedy.respondent", {}))
        opt.steps = self.contest_steps(
            "appeal_pending"
            if self.s.appeal is not None
            else ("appeal" if reconsideration.available else "appeal_closed"),
            deadline=self.d(reconsideration.deadline),
            **self.remedy_names(),
        )
        return opt

    # -- a remedy already filed -------------------------------------------------------------
    def pending_dates(self) -> dict[str, dt.date | None]:
        """When a remedy already filed should be answered (行政复议法 (2023) Arts. 30, 62;
        行政诉讼法 Arts. 51, 81); a complaint (申诉) has no statutory time."""
        if self._pending_dates is not None:
            return self._pending_dates
        a = self.s.appeal
        out: dict[str, dt.date | None] = {
            "accept_by": None,
            "decision_due": None,
            "extended_due": None,
        }
        rp = self.rp
        if a is not None and a.path == RemedyPath.RECONSIDERATION:
            acceptance = rp.period("remedy.reconsideration.acceptance")
            decision = rp.period("remedy.reconsideration.decision")
            extension = rp.period("remedy.reconsideration.extension")
            assert acceptance and decision and extension
            accept_by = self.end_of(a.filed_on, acceptance, side="estimate")
            due = self.end_of(accept_by, decision, side="estimate")
            out.update(
                accept_by=accept_by,
                decision_due=due,
                extended_due=self.end_of(due, extension, side="estimate"),
            )
        elif a is not None and a.path == RemedyPath.LITIGATION:
            docketing = rp.period("remedy.litigation.docketing")
            judgment = rp.period("remedy.litigation.judgment")
            assert docketing and judgment
            accept_by = self.end_of(a.filed_on, docketing, side="estimate")
            out.update(
                accept_by=accept_by, decision_due=self.end_of(accept_by, judgment, side="estimate")
            )
        self._pending_dates = out
        return out

    def pending(self, reconsideration: Option) -> dict[str, Any] | None:
        a = self.s.appeal
        if a is None:
            return None
        rp = self.rp
        dates = self.pending_dates()
        values: dict[str, object] = {
            "filed": self.d(a.filed_on),
            **{k: self.d(v) for k, v in dates.items()},
            "certificate": self._registration_values()["certificate"],
            "deadline": self.d(reconsideration.deadline),
        }
        trace: list[TraceStep] = []
        if a.path == RemedyPath.RECONSIDERATION:
            keys = (
                "remedy.reconsideration.acceptance",
                "remedy.reconsideration.decision",
                "remedy.reconsideration.extension",
                "remedy.litigation.after_reconsideration",
                "remedy.reconsideration.excludes_litigation",
            )
            trace = [rp.step(k, {"filed_on": a.filed_on.isoformat()}) for k in keys]
            names = ("acceptance", "decision", "extension", "after")
            for name, key in zip(names, keys, strict=False):
                period = rp.period(key)
                assert period is not None
                values[name] = period.describe(self.lang)
            values.update(due=values["decision_due"], extended=values["extended_due"])
        elif a.path == RemedyPath.LITIGATION:
            lit_keys = ("remedy.litigation.docketing", "remedy.litigation.judgment")
            trace = [rp.step(k, {"filed_on": a.filed_on.isoformat()}) for k in lit_keys]
            for name, key in zip(("docketing", "judgment"), lit_keys, strict=False):
                period = rp.period(key)
                assert period is not None
                values[name] = period.describe(self.lang)
            values["due"] = values["decision_due"]
        else:
            trace = [rp.step("remedy.reconsideration.period", {})]
        return {
            "path": a.path.value,
            "label": label(a.path.value, self.lang),
            "filed_on": a.filed_on.isoformat(),
            "accept_by": _iso(dates["accept_by"]),
            "decision_due": _iso(dates["decision_due"]),
            "extended_due": _iso(dates["extended_due"]),
            "text": self.t(texts.PENDING[a.path.value], **values),
            "trace": [t.as_dict() for t in trace],
        }

    def residence_registration(self) -> Option:
        p = self.s.permit
        opt = Option(RemedyPath.RESIDENCE_REGISTRATION, False)
        if p.cancellation_reason in (R.HOLDER_DECEASED, R.MOVED_AWAY, R.HUKOU_SETTLED) and not (
            p.cancellation_reason == R.MOVED_AWAY and self.lives_here
        ):
            key = {
                R.HOLDER_DECEASED: "restore_hukou_first"
                if self.alive_but_recorded_dead
                else "deceased",
                R.MOVED_AWAY: "not_living_here",
                R.HUKOU_SETTLED: "hukou",
            }
            opt.unmet.append(self.t(texts.UNAVAILABLE[key[p.cancellation_reason]]))
            return opt
        opt.available = True
        opt.earliest_date = self.working_day_on_or_after(self.s.as_of)
        deadline = self.policy.period("registration.deadline")
        opt.earliest_reason = because(
            "registration",
            "registration.deadline",
            deadline=deadline or {"zh": "及时", "en": "promptly"},
        )
        opt.ready_by = opt.earliest_date
        opt.trace.append(self.policy.step("registration.deadline", {}))
        opt.trace.append(self.policy.step("registration.certificate_name", {}))
        opt.steps = self.steps("residence_registration", **self._registration_values())
        return opt

    def none_needed(self) -> Option:
        """Nothing to do only where the law no longer asks for a permit: a valid permit, a dead
        holder, local hukou, or a person gone from the city — never someone still living here."""
        p, s = self.s.permit, self.s
        opt = Option(RemedyPath.NONE_NEEDED, False)
        if s.appeal is not None:
            nothing = False  # a remedy is running: follow it
        elif p.status == S.ACTIVE:
            nothing = not self._overdue()
        elif s.disputes_cancellation or (self.no_basis and self.contest_matters):
            nothing = False  # the act is contested, or contestable for lack of a ground
        else:
            reason = p.cancellation_reason
            nothing = reason in PERMIT_NO_LONGER_NEEDED or (
                reason in (R.MOVED_AWAY, R.VOLUNTARY) and not self.lives_here
            )
        if nothing:
            opt.available = True
            opt.steps = self.steps("none_needed")
        else:
            opt.unmet.append(self.t(texts.UNAVAILABLE["action_needed"]))
        return opt

    # -- the law behind the act -------------------------------------------------------------
    def where_living(self) -> bool:
        """Whether the person lives in the city now: said outright, or read from the facts (a
        registration after a "moved away" cancellation; a registration at all after a
        voluntary one). Unknown after a voluntary cancellation: asked for, and read as gone."""
        s, p = self.s, self.s.permit
        if s.lives_in_city is not None:
            return s.lives_in_city
        reason = p.cancellation_reason
        if reason == R.MOVED_AWAY:
            if s.disputes_cancellation:
                return True
            return bool(
                s.registered_since and p.cancelled_on and s.registered_since > p.cancelled_on
            )
        if reason == R.VOLUNTARY:
            if s.registered_since is None:
                self.miss("residence.lives_in_city")
                return False
            return True
        return reason not in PERMIT_NO_LONGER_NEEDED or self.alive_but_recorded_dead

    def legal_basis(self) -> dict[str, Any] | None:
        """Whether the cancellation had a ground in the city's own law on its day
        (``cancellation.grounds``); if not, the plan says so and the act is contestable."""
        p = self.s.permit
        reason = p.cancellation_reason
        if p.status != S.CANCELLED or reason in (None, R.UNKNOWN, R.VOLUNTARY):
            return None
        ap = self.act_policy
        grounds = ap.get("cancellation.grounds")
        facts = {"reason": reason.value, "cancelled_on": _iso(p.cancelled_on)}
        if reason in grounds:
            self.decisive.append(ap.step("cancellation.grounds", facts, "ground given"))
            return None
        step = ap.step("cancellation.grounds", facts, "no such ground")
        self.decisive.append(step)
        self.no_basis = True
        instead: dict[str, str] = {"zh": "", "en": ""}
        suspension = None
        if reason == R.EXPIRED_NOT_RENEWED:
            suspension = ap.cite("endorsement.grace")
            instead = {
                "zh": f"：逾期未签注只会中止居住证的使用，补办签注即可恢复（《{suspension.title}》"
                f"{suspension.article}）",
                "en": f": a missed endorsement only suspends the permit, and a late endorsement "
                f"restores it ({suspension.title}, {suspension.article})",
            }
        restore = {"zh": "", "en": ""}
        if reason == R.EXPIRED_NOT_RENEWED:
            restore = {
                "zh": "注销被撤销后居住证恢复，补办签注即可恢复使用，居住年限不因注销中断。",
                "en": " Once the cancellation is revoked the permit is restored, a late "
                "endorsement brings it back into use, and your residence years are not broken.",
            }
        return {
            "lawful": False,
            "reason": reason.value,
            "instead": instead,
            "restore": restore,
            "citation": step.citation.as_dict(),
            "suspension_citation": suspension.as_dict() if suspension else None,
        }

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
        # A third party ended the registration (Guangzhou 2023): where the city counts a move
        # inside it as a new registration, the residence clock starts again from it, unless
        # the person has registered again since; where it is a change (广东 Art. 10), it
        # goes on from the first registration.
        self.registration_restarts = (
            reason == R.REGISTRATION_DEREGISTERED
            and not_registered_since
            and self.policy.get("registration.move_within_city") == "restart"
        )
        # After an unreported move the person registers at the new address first.
        self.register_first = self.registration_restarts or (
            reason == R.ADDRESS_CHANGE_UNREPORTED and not_registered_since
        )
        # the person says the death record is wrong: they are alive and need a permit here
        self.alive_but_recorded_dead = reason == R.HOLDER_DECEASED and bool(s.disputes_cancellation)
        self.lives_here = self.where_living()
        basis = self.legal_basis()
        # The missing ground matters where the person still needs the permit here.
        self.contest_matters = bool(s.disputes_cancellation) or (
            self.lives_here and reason not in PERMIT_NO_LONGER_NEEDED
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
            and not self.no_basis
            and s.appeal is None
        ):
            self.miss("disputes_cancellation")
        pending = self.pending(recon)
        diagnosis = self.diagnosis(basis)
        impacts = self.impacts(self.restored_on(chosen))
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
            # counted from the day the application can go in, not from today
            expected_working_days = self.cal.working_days_between(
                chosen.earliest_date, chosen.ready_by
            )
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
            "pending": pending,
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
        if s.appeal is not None and s.appeal.path != RemedyPath.APPEAL:
            # the act stays in force while the remedy runs: proof of residence meanwhile
            for path in (RemedyPath.RESIDENCE_REGISTRATION, RemedyPath.REAPPLY):
                if options[path].available:
                    return path
        if options[RemedyPath.NONE_NEEDED].available:
            return RemedyPath.NONE_NEEDED
        if options[RemedyPath.LATE_ENDORSEMENT].earliest_date is not None:
            return RemedyPath.LATE_ENDORSEMENT
        if s.disputes_cancellation or s.appeal:
            for path in CONTEST_PATHS:
                if options[path].available:
                    return path
        elif self.no_basis and self.contest_matters:
            # contest a ground-less act while the formal remedies are open; once they have
            # closed, a fresh application serves the person better than a complaint
            for path in CONTEST_PATHS[:2]:
                if options[path].available:
                    return path
        if options[RemedyPath.REAPPLY].earliest_date is not None:
            return RemedyPath.REAPPLY
        if options[RemedyPath.RESIDENCE_REGISTRATION].available:
            return RemedyPath.RESIDENCE_REGISTRATION
        return RemedyPath.APPEAL if options[RemedyPath.APPEAL].available else RemedyPath.NONE_NEEDED

    def restored_on(self, chosen: Option) -> dt.date | None:
        """The earliest date the recommended path gives back a valid permit, if it does."""
        if chosen.path in (
            RemedyPath.LATE_ENDORSEMENT,
            RemedyPath.REAPPLY,
            RemedyPath.RECONSIDERATION,
            RemedyPath.LITIGATION,
        ):
            return chosen.ready_by
        if self.s.appeal is not None:
            return self.pending_dates().get("decision_due")
        return None

    def diagnosis(self, basis: dict[str, Any] | None) -> dict[str, Any]:
        p, s = self.s.permit, self.s
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
            reason = p.cancellation_reason
            k = "zh" if self.lang == "zh" else "en"
            if basis is not None and self.contest_matters and reason != R.HOLDER_DECEASED:
                key = "no_basis"
                values.update(
                    reason=label(reason_id, self.lang),
                    city=self.policy.name[k],
                    instead=basis["instead"][k],
                    restore=basis["restore"][k],
                )
            elif reason == R.HOLDER_DECEASED and s.disputes_cancellation:
                key = "holder_deceased_disputed"
            elif reason == R.MOVED_AWAY and self.lives_here and not s.disputes_cancellation:
                key = "moved_back"
            elif reason == R.VOLUNTARY and self.lives_here:
                key = "voluntary_lives_here"
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
        legal_basis = None
        if basis is not None:
            k = "zh" if self.lang == "zh" else "en"
            legal_basis = {
                "lawful": False,
                "text": self.t(
                    texts.DIAGNOSIS["no_basis"],
                    **{
                        **values,
                        "reason": label(reason_id, self.lang),
                        "city": self.policy.name[k],
                        "instead": basis["instead"][k],
                        "restore": basis["restore"][k],
                    },
                ),
                "citation": basis["citation"],
                "suspension_citation": basis["suspension_citation"],
            }
        return {
            "reason": reason_id,
            "status": p.status.value if p.status else None,
            "text": self.t(texts.DIAGNOSIS[key], **values),
            "legal_basis": legal_basis,
        }

    def impacts(self, restored_on: dt.date | None) -> list[dict[str, Any]]:
        p, s = self.s.permit, self.s
        invalid = p.status in (S.CANCELLED, S.REVOKED, S.EXPIRED, S.SUSPENDED) or (
            p.status == S.ACTIVE and self._overdue()
        )
        since = p.cancelled_on if p.status in (S.CANCELLED, S.REVOKED) else None
        if p.status == S.SUSPENDED or (p.status == S.ACTIVE and self._overdue()):
            since = self.suspension()[0]
        if p.cancellation_reason == R.HUKOU_SETTLED and not s.disputes_cancellation:
            invalid = False  # a local hukou holder uses the ID card and hukou booklet instead
        services = self.policy.linked_services()
        k = "zh" if self.lang == "zh" else "en"
        out = []
        names = list(s.needs) + [sv for sv in services if sv not in s.needs]
        for service in names:
            found = services.get(service)
            needed = service in s.needs
            by = s.needs_by.get(LinkedService(service))
            if found is None:
                out.append(
                    {
                        "service": str(service),
                        "label": label(str(service), self.lang),
                        "needed": needed,
                        "affected": None,
                        "requires_permit": None,
                        "since": None,
                        "by": _iso(by),
                        "restored_on": None,
                        "in_time": None,
                        "when_text": None,
                        "text": "本市政策没有列明此项是否需要居住证，请向主管部门确认"
                        if k == "zh"
                        else "The city's policy does not say whether this needs a permit; ask the department",
                    }
                )
                continue
            rule, cite = found
            affected = bool(invalid and rule["requires_permit"])
            back = restored_on if affected else None
            in_time = None if by is None else (not affected or (back is not None and back <= by))
            out.append(
                {
                    "service": str(service),
                    "label": label(str(service), self.lang),
                    "needed": needed,
                    "affected": affected,
                    "requires_permit": rule["requires_permit"],
                    "since": _iso(since) if affected else None,
                    "by": _iso(by),
                    "restored_on": _iso(back),
                    "in_time": in_time,
                    "when_text": self.when_text(str(service), affected, back, by)
                    if needed
                    else None,
                    "text": rule["text"][k],
                    "citation": cite.as_dict(),
                }
            )
        return out

    def when_text(
        self, service: str, affected: bool, back: dt.date | None, by: dt.date | None
    ) -> str | None:
        """The need-by answer in words: in time or not, and what would help if not."""
        name = label(service, self.lang)
        if not affected:
            return (
                self.t(texts.NEED_BY["not_affected"], service=name, by=self.d(by)) if by else None
            )
        when = fmt_about(back, self.lang) if back else None
        if by is None:
            return self.if_won() + self.t(texts.NEED_BY["restored"], when=when) if when else None
        office = texts.OFFICES.get(service, texts.OFFICE_DEFAULT)
        instead = self.t(
            texts.NEED_BY["instead"],
            certificate=self._registration_values()["certificate"],
            office=self.t(office),
        )
        if back is None:
            return self.t(texts.NEED_BY["unknown"], service=name, by=self.d(by), instead=instead)
        key = "in_time" if back <= by else "late"
        return self.if_won() + self.t(
            texts.NEED_BY[key], service=name, by=self.d(by), when=when, instead=instead
        )

    def if_won(self) -> str:
        """A contest restores the permit only if it succeeds: say so before the date."""
        contested = self.recommended in CONTEST_PATHS or self.s.appeal is not None
        return self.t(texts.NEED_BY["if_won"]) if contested else ""

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
        if self.no_basis and self.contest_matters:
            self.warnings.append(
                {
                    "code": "no_legal_basis",
                    "text": self.t(
                        texts.WARNINGS["no_legal_basis"],
                        city=self.policy.name["zh" if self.lang == "zh" else "en"],
                    ),
                }
            )
        if (
            p.cancellation_reason == R.REGISTRATION_DEREGISTERED
            and self.policy.get("registration.move_within_city") == "change"
            and s.registered_since is not None
            and p.cancelled_on is not None
            and s.registered_since > p.cancelled_on
        ):
            self.warnings.append(
                {"code": "move_is_change", "text": self.t(texts.WARNINGS["move_is_change"])}
            )
        unverified = [
            t
            for o in options
            if o.path == self.recommended
            for t in o.trace
            if t.citation.status == "unverified"
        ] + [t for t in self.decisive if t.citation.status == "unverified"]
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
    """The plan for a situation, as a JSON-ready dict (docs/planner.md)."""
    return _Planner(
        situation, policies or load_policies(), calendar or default_calendar(), lang
    ).run()


_CALENDAR: list[WorkCalendar] = []


def default_calendar() -> WorkCalendar:
    if not _CALENDAR:
        _CALENDAR.append(WorkCalendar.load())
    return _CALENDAR[0]
