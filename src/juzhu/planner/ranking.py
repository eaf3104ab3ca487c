"""Which path the plan recommends, and when that path gives the permit back.

Ranking (first that applies):

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
"""

from __future__ import annotations

import datetime as dt

from juzhu.domain.vocabulary import RemedyPath
from juzhu.planner.base import CONTEST_PATHS, Option
from juzhu.planner.contest import ContestMixin


class RankingMixin(ContestMixin):
    """The recommendation; a remedy already filed (``ContestMixin``) gives its dates."""

    def recommend(self, options: dict[RemedyPath, Option]) -> RemedyPath:
        """The first path that applies, in the order of the ranking above."""
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
