"""The demo city: Shenzhen, with a small Guangzhou cohort, reproducible and loaded in seconds.

``juzhu demo`` fills an empty registry with people, residence registrations, permits in every
status with their whole histories, applications in every open status, appeals (one cancelled
permit under reconsideration, filed and accepted), officers, relying parties and an ``admin``
superuser. Dates are relative to today, so the nightly sweep, reminders, grace periods and
deadline badges meet cases due now. A fixed seed makes the same city every time.

This module says who lives there: the cohorts (``COHORTS``, one ``cohort_<name>`` method
each) and a cast of named people to try things with. How each one's records come to be —
the person, the registration, the permit's years, the applications — is
``demo_histories.Histories``; every step goes through the domain, by way of
``demo_ledger.Ledger`` (the use cases of ``services`` in memory, saved in bulk).

Why Guangzhou too: Shenzhen permits have no validity term since 2015 (``validity.term`` is
null), so no Shenzhen permit can be ``expired``. Guangzhou's, issued under the Guangdong 2010
scheme, carried a 3-year term and lapsed; and in Guangzhou a landlord's deregistration ends
the permit (``registration_deregistered``, 2023).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from juzhu.domain.months import add_months
from juzhu.registry.demo_histories import (
    APPLICANT_STATUSES,
    DAY,
    EXPIRED,
    FIRST_ISSUE,
    SEED,
    STATIONS,
    STATUS_AGE,
    SWEEP,
    Histories,
)
from juzhu.registry.demo_ledger import Ledger, Place
from juzhu.registry.models import Permit

__all__ = ["CAST", "COHORTS", "MIN_PEOPLE", "SEED", "STATIONS", "DemoCity"]

# (cohort, share of the people, at least); the rest are "active" holders. Each cohort is a
# ``cohort_<name>`` method of DemoCity.
COHORTS = (
    ("newcomer", 0.06, 2),  # registered under 12 months: not yet eligible (深圳 Art. 19)
    ("applicant", 0.06, 9),  # a first application in flight, round the application statuses
    ("late", 0.04, 1),  # missed an endorsement, endorsed late within grace, active again
    ("suspended", 0.07, 2),  # missed the last anniversary, still within the 2-year grace
    ("lapsed", 0.04, 1),  # suspended 2 years: cancelled, expired_not_renewed
    ("reapplying", 0.015, 3),  # lapsed, and applying again
    ("hukou", 0.03, 1),  # cancelled: hukou_settled
    ("ineligible", 0.01, 1),  # cancelled: ineligible_or_false_info
    ("revoked", 0.01, 1),  # 撤销: obtained with a forged lease
    ("gz_expired", 0.03, 1),  # Guangzhou, 3-year term under the 2010 scheme, not renewed
    ("gz_active", 0.015, 1),  # Guangzhou, issued under the 2023 yearly-endorsement practice
    ("gz_deregistered", 0.005, 1),  # Guangzhou, landlord deregistered the registration
)
CAST = ("alice", "reconsideration", "complaint", "upheld", "reinstated", "reinstated")
MIN_PEOPLE = len(CAST) + sum(least for _, _, least in COHORTS) + 20

GROUNDS = {
    "hukou": "户籍系统比对：已迁入深圳市户籍",
    "ineligible": "复核发现：租赁备案已于申领前注销，社保自上年起停缴",
    "revoked": "出租屋管理系统无该租赁备案，房东书面证明租赁合同系伪造",
}


class DemoCity(Histories):
    """Builds the city into a ``Ledger``: the cohorts and the cast, each a method here."""

    def build(self) -> Ledger:
        plan = list(CAST)
        for cohort, share, least in COHORTS:
            plan += [cohort] * max(least, round(self.n * share))
        plan += ["active"] * (self.n - len(plan))
        head, tail = plan[: len(CAST)], plan[len(CAST) :]
        self.rng.shuffle(tail)
        counters: dict[str, int] = {}
        for cohort in head + tail:
            index = counters[cohort] = counters.get(cohort, -1) + 1
            self.live(cohort, index)
        return self.ledger

    # -- cohorts ---------------------------------------------------------------------------

    def live(self, cohort: str, index: int) -> None:
        method: Callable[[int], None] = getattr(self, f"cohort_{cohort}")
        method(index)

    def cohort_newcomer(self, index: int) -> None:
        self.resident("newcomer", self.ago(10, 330))

    def cohort_active(self, index: int) -> None:
        _, _, permit = self.holder_of("active", self.between(FIRST_ISSUE, self.ago(20, 20)))
        self.endure(permit, self.today)
        self.open_case(permit)

    def cohort_applicant(self, index: int) -> None:
        status = APPLICANT_STATUSES[index % len(APPLICANT_STATUSES)]
        person, reg, facts = self.resident("applicant", self.ago(400, 1200))
        if status == "refused":
            facts["social_insurance_months"] = self.rng.randint(2, 11)
        place = Place(reg.city, reg.district, reg.station)
        self.case(person, place, facts, "first_issue", status, self.ago(*STATUS_AGE[status]))

    def cohort_late(self, index: int) -> None:
        _, _, permit = self.holder_of("late", self.between(FIRST_ISSUE, self.ago(1200, 1200)))
        lapse = self.between(permit.issued_on + dt.timedelta(days=366), self.ago(760, 760))
        self.endure(permit, self.today, lapse_at=lapse, late_after=self.rng.randint(10, 330))

    def cohort_suspended(self, index: int) -> None:
        # the anniversary missed falls 15 to 715 days ago: inside the 2-year grace today
        _, _, permit = self.holder_of("suspended", self.between(FIRST_ISSUE, self.ago(780, 780)))
        self.endure(permit, self.today, lapse_at=self.ago(380, 715))

    def cohort_lapsed(self, index: int) -> Permit:
        _, _, permit = self.holder_of("lapsed", self.between(FIRST_ISSUE, self.ago(1600, 1600)))
        lapse = self.between(permit.issued_on + dt.timedelta(days=366), self.ago(1150, 1150))
        self.endure(permit, self.today, lapse_at=lapse)  # grace ends ≥ 50 days ago: cancelled
        return permit

    def cohort_reapplying(self, index: int) -> None:
        permit = self.cohort_lapsed(index)
        status = ("submitted", "needs_supplement", "accepted")[index % 3]
        self.open_case(permit, "reapplication", status)

    def ended_by_decision(self, ground: str) -> None:
        """Cancelled (hukou, ineligible) or revoked by the district's reviewer, some day
        after issue; a new Shenzhen hukou holder's residence registration ends too."""
        _, reg, permit = self.holder_of(ground, self.between(FIRST_ISSUE, self.ago(200, 200)))
        on = self.between(permit.issued_on + dt.timedelta(days=150), self.ago(1, 1))
        self.endure(permit, on)
        place = Place(reg.city, reg.district, reg.station)
        if ground == "revoked":
            self.ledger.revoke_permit(
                permit, on=on, actor=self.reviewer(place), evidence=GROUNDS[ground]
            )
            return
        reason = {"hukou": "hukou_settled", "ineligible": "ineligible_or_false_info"}[ground]
        self.ledger.cancel_permit(
            permit, reason=reason, on=on, actor=self.reviewer(place), evidence=GROUNDS[ground]
        )
        if ground == "hukou":  # a Shenzhen hukou holder no longer registers as a resident
            self.ledger.deregister_residence(reg, by="holder", on=on, actor=self.clerk(place))

    def cohort_hukou(self, index: int) -> None:
        self.ended_by_decision("hukou")

    def cohort_ineligible(self, index: int) -> None:
        self.ended_by_decision("ineligible")

    def cohort_revoked(self, index: int) -> None:
        self.ended_by_decision("revoked")

    def cohort_gz_expired(self, index: int) -> None:
        # Guangdong 2010 scheme: a 3-year card, renewed before expiry, no yearly endorsement
        issued = self.between(dt.date(2019, 7, 1), dt.date(2020, 6, 20))
        _, _, permit = self.holder_of("gz_expired", issued)
        assert permit.expires_on is not None
        on = EXPIRED.event_on(permit.expires_on, self.today)  # the first day without a term
        self.ledger.expire_permit(permit, on=on, actor=SWEEP)

    def cohort_gz_active(self, index: int) -> None:
        issued = self.between(dt.date(2023, 7, 1), self.ago(20, 20))
        _, _, permit = self.holder_of("gz_active", issued)
        self.endure(permit, self.today)

    def cohort_gz_deregistered(self, index: int) -> None:
        issued = self.between(dt.date(2023, 7, 1), self.ago(120, 120))
        _, reg, permit = self.holder_of("gz_deregistered", issued)
        on = self.between(issued + dt.timedelta(days=60), self.ago(1, 1))
        self.endure(permit, on)
        live = [permit] if permit.status in ("active", "suspended") else []
        place = Place(reg.city, reg.district, reg.station)
        self.ledger.deregister_residence(
            reg, by="landlord", on=on, actor=self.clerk(place), live_permits=live
        )

    # -- the cast: named records to try things with ----------------------------------------

    def anniversary_in(self, days: int) -> dt.date:
        due = self.today + dt.timedelta(days=days)
        return due - DAY if (due.month, due.day) == (2, 29) else due  # a chain without 29 Feb

    def cohort_alice(self, index: int) -> None:
        """艾丽斯 holds a permit at sz-futian-1 whose endorsement is due in 30 days: the
        window is open, she has not been yet, and tonight's sweep sends the 30-day reminder."""
        issued = add_months(self.anniversary_in(30), -36)
        _, _, permit = self.holder_of("active", issued, "sz-futian-1", "艾丽斯")
        self.endure(permit, self.today, endorse_open_window=0)
        self.showcase["alice"] = permit

    def contested(
        self, name: str, station: str, ground: str, cancelled: dt.date, issued: dt.date
    ) -> tuple[Permit, Place]:
        _, _, permit = self.holder_of("active", issued, station, name)
        self.endure(permit, cancelled)
        place = Place(permit.city, permit.district, permit.station)
        reason = {"hukou": "hukou_settled", "ineligible": "ineligible_or_false_info"}[ground]
        self.ledger.cancel_permit(
            permit, reason=reason, on=cancelled, actor=self.reviewer(place),
            evidence=GROUNDS[ground],
        )  # fmt: skip
        return permit, place

    def cohort_reconsideration(self, index: int) -> None:
        """林晓梅's permit was cancelled as hukou_settled a month ago; the hukou match was a
        namesake. Her reconsideration (行政复议) is filed and accepted, awaiting decision."""
        permit, place = self.contested(
            "林晓梅", "sz-futian-1", "hukou", self.ago(32, 32), self.ago(900, 1400)
        )
        filed = self.ago(20, 20)
        appeal = self.ledger.file_appeal(
            permit, kind="reconsideration", on=filed, actor=self.holder(permit.person),
            grounds="本人从未在深圳落户，注销所依据的落户信息属于同名人员；请求撤销注销决定，恢复居住证。",
        )  # fmt: skip
        # examined within 5 days of receipt (行政复议法 Art. 30; working days, as lifecycle.py)
        accepted = self.calendar.add_working_days(filed, 5)
        self.ledger.accept_appeal(appeal, on=accepted, actor=self.actors["supervisor"])
        self.showcase["reconsideration"] = permit

    def cohort_complaint(self, index: int) -> None:
        """周建国 complained (申诉) to the issuing office three days ago; not yet accepted."""
        permit, _ = self.contested(
            "周建国", "sz-nanshan-3", "ineligible", self.ago(15, 15), self.ago(700, 1100)
        )
        self.ledger.file_appeal(
            permit, kind="appeal", on=self.ago(3, 3), actor=self.holder(permit.person),
            grounds="租赁备案注销是房东所为，本人一直在原址居住并缴纳社保，附水电费单和社保记录。",
        )  # fmt: skip
        self.showcase["complaint"] = permit

    def cohort_upheld(self, index: int) -> None:
        permit, _ = self.contested(
            "吴丽娟", "sz-baoan-1", "ineligible", self.ago(400, 400), self.ago(1200, 1500)
        )
        appeal = self.ledger.file_appeal(
            permit, kind="appeal", on=self.ago(390, 390), actor=self.holder(permit.person),
            grounds="请求复核注销决定。",
        )  # fmt: skip
        supervisor = self.actors["supervisor"]
        self.ledger.accept_appeal(appeal, on=self.ago(385, 385), actor=supervisor)
        self.ledger.decide_appeal(
            appeal, outcome="upheld", on=self.ago(340, 340), actor=supervisor,
            reasons="复核确认申领时提交的租赁备案已注销，注销决定维持。",
        )  # fmt: skip

    def cohort_reinstated(self, index: int) -> None:
        """Cancelled wrongly after an on-time endorsement; the act was revoked on appeal
        (index 0) or reconsideration (index 1) and the permit reinstated, its next
        anniversary still ahead."""
        due = self.anniversary_in(self.rng.randint(40, 200))
        issued = add_months(due, -12 * self.rng.randint(2, 6))
        cancelled = self.between(add_months(due, -12) + 5 * DAY, self.ago(90, 90))
        name = ("郑海峰", "黄秀英")[index % 2]
        permit, _ = self.contested(name, "sz-longgang-1", "hukou", cancelled, issued)
        filed = cancelled + dt.timedelta(days=self.rng.randint(5, 20))
        appeal = self.ledger.file_appeal(
            permit, kind=("appeal", "reconsideration")[index % 2], on=filed,
            actor=self.holder(permit.person), grounds="本人未在深圳落户，请求撤销注销决定。",
        )  # fmt: skip
        supervisor = self.actors["supervisor"]
        accepted = self.calendar.add_working_days(filed, 5)
        self.ledger.accept_appeal(appeal, on=accepted, actor=supervisor)
        self.ledger.decide_appeal(
            appeal, outcome="revoked_act", on=accepted + dt.timedelta(days=30),
            actor=supervisor, reasons="户籍比对错误（同名人员），注销决定撤销，居住证恢复。",
        )  # fmt: skip
        self.endure(permit, self.today)
