"""What happened and what it touches: whether the act had a ground in the city's law,
where the person lives, the diagnosis, the impacts on linked services and the need-by
answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from juzhu.domain.months import add_months
from juzhu.domain.vocabulary import CancellationReason as R
from juzhu.domain.vocabulary import LinkedService, label
from juzhu.domain.vocabulary import PermitStatus as S
from juzhu.planner import texts
from juzhu.planner.base import (
    CONTEST_PATHS,
    PERMIT_NO_LONGER_NEEDED,
    PlannerBase,
    fmt_about,
    iso_date,
)


class DiagnosisMixin(PlannerBase):
    """The legal basis, the diagnosis, the impacts and when each service comes back."""

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
        if p.status != S.CANCELLED or reason is None or reason in (R.UNKNOWN, R.VOLUNTARY):
            return None
        ap = self.act_policy
        grounds = ap.get("cancellation.grounds")
        facts = {"reason": reason.value, "cancelled_on": iso_date(p.cancelled_on)}
        if reason in grounds:
            self.decisive.append(ap.step("cancellation.grounds", facts, "ground given"))
            return None
        step = ap.step("cancellation.grounds", facts, "no such ground")
        self.decisive.append(step)
        self.no_basis = True
        k = "zh" if self.lang == "zh" else "en"
        parts = {"instead": "", "restore": ""}
        suspension = None
        if reason == R.EXPIRED_NOT_RENEWED:
            suspension = ap.cite("endorsement.grace")
            parts = {
                name: self.t(text, title=suspension.title, article=suspension.article)
                for name, text in texts.NO_BASIS_EXPIRED.items()
            }
        text = self.t(
            texts.DIAGNOSIS["no_basis"],
            cancelled_on=self.d(p.cancelled_on) if p.cancelled_on else self.t(texts.SOME_DAY),
            reason=label(reason.value, self.lang),
            city=self.policy.name[k],
            **parts,
        )
        return {
            "lawful": False,
            "text": text,
            "citation": step.citation.as_dict(),
            "suspension_citation": suspension.as_dict() if suspension else None,
        }

    def diagnosis(self, basis: dict[str, Any] | None) -> dict[str, Any]:
        p, s = self.s.permit, self.s
        values: dict[str, object] = {
            "cancelled_on": self.d(p.cancelled_on) if p.cancelled_on else self.t(texts.SOME_DAY)
        }
        reason_id: str
        if p.status == S.REVOKED:
            key, reason_id = "revoked", (p.cancellation_reason or R.INELIGIBLE_OR_FALSE_INFO).value
        elif p.status == S.CANCELLED:
            reason_id = (p.cancellation_reason or R.UNKNOWN).value
            key = reason_id
            reason = p.cancellation_reason
            if basis is not None and self.contest_matters and reason != R.HOLDER_DECEASED:
                key = "no_basis"
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
        return {
            "reason": reason_id,
            "status": p.status.value if p.status else None,
            "text": basis["text"]
            if key == "no_basis" and basis
            else self.t(texts.DIAGNOSIS[key], **values),
            "legal_basis": basis,
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
                        "by": iso_date(by),
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
                    "since": iso_date(since) if affected else None,
                    "by": iso_date(by),
                    "restored_on": iso_date(back),
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
