"""Build a remedy plan from a situation (docs/planner.md).

The planner looks at every remedy path, decides whether it is open now, what is unmet, the
earliest date and the deadline, then recommends one (the ranking is in ``ranking.py``). Every
statement carries the trace of the rules and sources it rests on.

The work is split by job, each a mixin of ``_Planner``:

- ``base``: the shared state and helpers, ``Option``, dates and reasons in zh and en;
- ``paths``: late endorsement, re-application, residence registration, nothing needed;
- ``contest``: reconsideration, litigation, the complaint, a remedy already filed;
- ``diagnosis``: the legal basis, the diagnosis, the impacts and the need-by answers;
- ``ranking``: the recommendation and when it restores the permit;
- here: the order they run in, the warnings, and the plan as a dict.

Every earliest date and deadline carries its reason (zh, en and the rule), and each needed
service its restoration date against the date it is needed by.
"""

from __future__ import annotations

from typing import Any

from juzhu.domain.days import WorkCalendar
from juzhu.domain.vocabulary import CancellationReason as R
from juzhu.domain.vocabulary import PermitStatus as S
from juzhu.domain.vocabulary import RemedyPath, label
from juzhu.planner import texts
from juzhu.planner.base import (
    NOT_CONTESTABLE,
    PERMIT_NO_LONGER_NEEDED,
    WARN_WITHIN_DAYS,
    Option,
    fmt_about,
    fmt_date,
    iso_date,
)
from juzhu.planner.checklist import checklist_for
from juzhu.planner.contest import ContestMixin
from juzhu.planner.diagnosis import DiagnosisMixin
from juzhu.planner.paths import PathsMixin
from juzhu.planner.ranking import RankingMixin
from juzhu.planner.situation import Situation
from juzhu.rules.engine import evaluate_eligibility
from juzhu.rules.loader import PolicySet, load_policies

__all__ = ["Option", "default_calendar", "fmt_about", "fmt_date", "make_plan"]


class _Planner(PathsMixin, RankingMixin, ContestMixin, DiagnosisMixin):
    """One plan: the parts above (``RankingMixin`` builds on ``ContestMixin``), run in the
    order the decisions need them."""

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
                "expected_ready_by": iso_date(chosen.ready_by),
                "working_days": expected_working_days,
                "start": iso_date(chosen.earliest_date),
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
