"""Contesting the act: reconsideration (行政复议), litigation (行政诉讼) and the complaint
(申诉), their windows under the law in force on the filing day, and a remedy already filed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from juzhu.domain.days import Period
from juzhu.domain.vocabulary import CancellationReason as R
from juzhu.domain.vocabulary import PermitStatus as S
from juzhu.domain.vocabulary import RemedyPath, label
from juzhu.planner import texts
from juzhu.planner.base import Option, PlannerBase, because, iso_date
from juzhu.rules.engine import TraceStep


class ContestMixin(PlannerBase):
    """The contest paths and the dates of a remedy already under way."""

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
            "accept_by": iso_date(dates["accept_by"]),
            "decision_due": iso_date(dates["decision_due"]),
            "extended_due": iso_date(dates["extended_due"]),
            "text": self.t(texts.PENDING[a.path.value], **values),
            "trace": [t.as_dict() for t in trace],
        }
