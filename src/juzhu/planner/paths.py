"""The remedy paths that restore or replace the permit itself: late endorsement,
re-application, the interim residence-registration certificate, and nothing needed."""

from __future__ import annotations

from juzhu.domain.months import add_months
from juzhu.domain.vocabulary import CancellationReason as R
from juzhu.domain.vocabulary import PermitStatus as S
from juzhu.domain.vocabulary import RemedyPath
from juzhu.planner import texts
from juzhu.planner.base import PERMIT_NO_LONGER_NEEDED, Option, PlannerBase, because, iso_date
from juzhu.rules.engine import Unmet, evaluate_eligibility


class PathsMixin(PlannerBase):
    """The options that act on the permit (or stand in for it)."""

    def late_endorsement(self) -> Option:
        s, p = self.s, self.s.permit
        opt = Option(RemedyPath.LATE_ENDORSEMENT, False)
        if p.status == S.SUSPENDED or (p.status == S.ACTIVE and self._overdue()):
            suspended_on, grace_end = self.suspension()
            opt.trace.append(
                self.policy.step("endorsement.grace", {"suspended_on": iso_date(suspended_on)})
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
