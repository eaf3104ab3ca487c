"""The demo city: Shenzhen, with a small Guangzhou cohort, reproducible and loaded in seconds.

``juzhu demo`` fills an empty registry with people, residence registrations, permits in every
status with their whole histories, applications in every open status, appeals (one cancelled
permit under reconsideration, filed and accepted), officers, relying parties and an ``admin``
superuser. Dates are relative to today, so the nightly sweep, reminders, grace periods and
deadline badges meet cases due now. A fixed seed makes the same city every time.

Every step goes through the domain, by way of ``demo_ledger.Ledger`` (the use cases of
``services.py`` in memory, saved in bulk).

Why Guangzhou too: Shenzhen permits have no validity term since 2015 (``validity.term`` is
null), so no Shenzhen permit can be ``expired``. Guangzhou's, issued under the Guangdong 2010
scheme, carried a 3-year term and lapsed; and in Guangzhou a landlord's deregistration ends
the permit (``registration_deregistered``, 2023).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from juzhu.domain.days import WorkCalendar
from juzhu.domain.months import add_months
from juzhu.registry import services
from juzhu.registry.demo_ledger import Ledger, Place
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.models import (
    Application,
    Permit,
    Person,
    ResidenceRegistration,
)

SEED = 20261126
DAY = dt.timedelta(days=1)
# The first day on which every parameter of the Shenzhen and Guangzhou policies has a dated
# version (the national 2016 regulation), so every event can record its policy version.
FIRST_DAY = dt.date(2016, 1, 4)
FIRST_ISSUE = FIRST_DAY + dt.timedelta(days=380)  # after 12 months of registration (深圳 Art. 19)
SWEEP = "system:sweep"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛"
)
GIVEN_MALE = "伟强磊军洋勇杰涛明超辉刚健斌鹏宇浩俊峰凯文博志海东亮晨龙旭飞彬坤"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲婷雪慧莹琳晶颖洁倩萍红梅兰月华燕欣悦怡佳琪"
# Area code → first birth year for which it is valid (it must have existed when the holder was
# born; python-stdnum checks). Shenzhen's districts: 罗湖 福田 南山 (1984) 宝安 龙岗 (1993).
SHENZHEN_AREAS = {"440303": 1984, "440304": 1984, "440305": 1984, "440306": 1993, "440307": 1993}
HKMOTW_AREAS = ("810000", "810000", "820000", "830000", "830000")  # 港澳台居民居住证
# Where most holders come from (the area where the ID was first issued): Hunan, Hubei,
# Jiangxi, Sichuan, Fujian, Guangxi, eastern Guangdong, Henan.
ORIGIN_AREAS = {
    "430121": 0, "430321": 0, "422822": 0, "360121": 0, "510121": 0, "510321": 0, "350121": 0,
    "430104": 1984, "360102": 1984, "420106": 1984, "450102": 1984, "441421": 1989,
    "445221": 1992, "411302": 1995,
}  # fmt: skip
PHONE_PREFIXES = (*(f"13{d}" for d in range(10)), "150", "151", "152", "155", "158", "159", "177", "180", "186", "188", "199")  # fmt: skip

CITY_ZH = {"shenzhen": "深圳市", "guangzhou": "广州市"}
# station → (its place, district name, streets for addresses)
STATIONS: dict[str, tuple[Place, str, tuple[str, ...]]] = {
    p.station: (p, zh, streets)
    for p, zh, streets in (
        (Place("shenzhen", "futian", "sz-futian-1"), "福田区", ("华强北街道振华路", "福田街道福华三路", "沙头街道泰然九路")),
        (Place("shenzhen", "futian", "sz-futian-2"), "福田区", ("香蜜湖街道农园路", "梅林街道梅华路")),
        (Place("shenzhen", "nanshan", "sz-nanshan-1"), "南山区", ("南头街道南新路", "南山街道南山大道")),
        (Place("shenzhen", "nanshan", "sz-nanshan-3"), "南山区", ("粤海街道科苑路", "西丽街道留仙大道")),
        (Place("shenzhen", "baoan", "sz-baoan-1"), "宝安区", ("新安街道创业一路", "西乡街道宝民二路")),
        (Place("shenzhen", "baoan", "sz-baoan-2"), "宝安区", ("福永街道福海路", "沙井街道新沙路")),
        (Place("shenzhen", "longgang", "sz-longgang-1"), "龙岗区", ("坂田街道五和大道", "布吉街道布吉路")),
        (Place("guangzhou", "tianhe", "gz-tianhe-1"), "天河区", ("石牌街道天河路", "林和街道林和西路")),
        (Place("guangzhou", "baiyun", "gz-baiyun-2"), "白云区", ("三元里街道机场路", "京溪街道云景路")),
    )
}  # fmt: skip
SZ_STATIONS = [s for s in STATIONS if s.startswith("sz-")]
GZ_STATIONS = [s for s in STATIONS if s.startswith("gz-")]

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

APPLICANT_STATUSES = (
    "draft", "submitted", "needs_supplement", "accepted", "approved", "in_production",
    "ready_for_pickup", "refused", "withdrawn",
)  # fmt: skip
# How many days before today an application in each status was submitted.
STATUS_AGE = {
    "draft": (0, 6), "submitted": (0, 4), "needs_supplement": (3, 15), "accepted": (1, 25),
    "approved": (8, 20), "in_production": (8, 20), "ready_for_pickup": (14, 25),
    "refused": (20, 200), "withdrawn": (5, 120),
}  # fmt: skip
READY_AFTER = {"ready_for_pickup": 8}  # days from approval to reach it (mark_ready: 3-8)
REFUSAL = "社会保险缴纳不满12个月（《深圳经济特区居住证条例》第十九条）"
HOME = ("owned", "relatives")
WORKER_HOME = ("rented", "rented", "rented", "employer_dormitory")
GROUNDS = {
    "hukou": "户籍系统比对：已迁入深圳市户籍",
    "ineligible": "复核发现：租赁备案已于申领前注销，社保自上年起停缴",
    "revoked": "出租屋管理系统无该租赁备案，房东书面证明租赁合同系伪造",
}


class DemoCity:
    """Builds the city into a ``Ledger``; ``actors`` maps a station or district to the
    ``officer:<user id>`` who acts there."""

    def __init__(self, people: int, today: dt.date, actors: dict[str, str], seed: int = SEED):
        self.n, self.today, self.actors = people, today, actors
        self.rng = random.Random(seed)
        self.ledger = Ledger(self.rng)
        self.calendar: WorkCalendar = self.ledger.calendar
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.showcase: dict[str, Permit] = {}

    # -- small helpers ---------------------------------------------------------------------

    def between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def clerk(self, place: Place) -> str:
        return self.actors[place.station]

    def reviewer(self, place: Place) -> str:
        return self.actors[f"{place.city}:{place.district}"]

    def holder(self, person: Person) -> str:
        return f"holder:{person.pk}"

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

    # -- people ----------------------------------------------------------------------------

    def person(self, city: str, registered_on: dt.date, name: str = "") -> Person:
        """Born 1966 or later and adult when registering; a valid, unique ID number."""
        rng = self.rng
        birth = self.between(dt.date(1966, 1, 1), add_months(registered_on, -12 * 18))
        roll = rng.random()
        born_here = 0.03 <= roll < 0.30 and birth.year >= 1993  # young, born in Shenzhen
        areas = SHENZHEN_AREAS if born_here else ORIGIN_AREAS
        choices = [a for a, since in areas.items() if birth.year >= since]
        number = ""
        while not number or number in self.ids:
            area = rng.choice(HKMOTW_AREAS) if roll < 0.03 else rng.choice(choices)
            number = make_id_number(area, birth, rng.randrange(1000))
        self.ids.add(number)
        male = int(number[16]) % 2 == 1  # GB 11643: odd sequence digit = male
        given = GIVEN_MALE if male else GIVEN_FEMALE
        name = name or rng.choice(SURNAMES) + "".join(rng.sample(given, rng.choice((1, 2, 2))))
        phone = ""
        if rng.random() < 0.93:  # some give no mobile number (no SMS, inbox only)
            while not phone or phone in self.phones:
                phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            self.phones.add(phone)
        return self.ledger.register_person(number, name, city=city, phone=phone)

    def resident(
        self, cohort: str, registered_on: dt.date, station: str = "", name: str = ""
    ) -> tuple[Person, ResidenceRegistration, dict[str, Any]]:
        """A person, their residence registration and the facts a decision rests on."""
        rng = self.rng
        station = station or rng.choice(GZ_STATIONS if cohort.startswith("gz_") else SZ_STATIONS)
        place, district_zh, streets = STATIONS[station]
        person = self.person(place.city, registered_on, name)
        roll = rng.random()
        if roll < 0.06:
            basis, housing, employed = "study", "school_dormitory", False
        elif roll < 0.22:
            basis, housing, employed = "residence", rng.choice(HOME), rng.random() < 0.5
        else:
            basis, housing, employed = "employment", rng.choice(WORKER_HOME), True
        where = {"school_dormitory": "学生公寓", "employer_dormitory": "员工宿舍"}.get(housing, "")
        door = f"{rng.randint(1, 320)}号{rng.randint(1, 12)}栋{rng.randint(2, 32)}{rng.randint(1, 12):02d}"
        address = CITY_ZH[place.city] + district_zh + rng.choice(streets) + where + door
        reg = self.ledger.register_residence(
            person, place, address=address, housing=housing, on=registered_on,
            actor=self.clerk(place),
        )  # fmt: skip
        months = rng.randint(12, 24) if employed else 0
        facts = {
            "basis": basis, "housing": housing, "registered_since": registered_on.isoformat(),
            "employed": employed, "social_insurance_months": months,
            "social_insurance_continuous": employed and rng.random() < 0.9,
            "enrolled": basis == "study",
        }  # fmt: skip
        return person, reg, facts

    def materials(self, place: Place, on: dt.date, facts: dict[str, Any], kind: str) -> list[str]:
        """What the policy asks for (one of each "A or B"); a replacement needs the ID and
        a photo, an endorsement the ID and the proof of address."""
        policy = self.ledger.policy(place.city, on)
        housing = policy.get("materials.by_housing").get(facts["housing"], [])
        basis = policy.get("materials.by_basis").get(facts["basis"], [])
        items = {
            "replacement": ["id_card", "photo"],
            "endorsement": ["id_card", *housing],
        }.get(kind, [*policy.get("materials.common"), *housing, *basis])
        return [self.rng.choice(i["any_of"]) if isinstance(i, dict) else i for i in items]

    # -- permits ---------------------------------------------------------------------------

    def window_opens(self, permit: Permit, due: dt.date) -> dt.date:
        window = self.ledger.policy(permit.city, due).period("endorsement.window")
        if window is None:
            return due
        if window.unit == "days":
            return due - dt.timedelta(days=window.amount)
        return add_months(due, -window.amount * (12 if window.unit == "years" else 1))

    def endure(
        self, permit: Permit, until: dt.date, *, lapse_at: dt.date | None = None,
        late_after: int | None = None, endorse_open_window: float = 0.45,
    ) -> None:  # fmt: skip
        """The holder endorses inside each window up to ``until``. From ``lapse_at`` they stop:
        the sweep suspends the day after the anniversary (the planner's reading) and, past
        the grace (深圳 2 years), cancels as ``expired_not_renewed``; or, ``late_after``
        days into the suspension, they endorse late and carry on."""
        ledger, place = self.ledger, Place(permit.city, permit.district, permit.station)
        while True:
            due = permit.next_due_on
            assert due is not None
            opens = self.window_opens(permit, due)
            if opens > until:
                return
            if lapse_at is not None and due >= lapse_at:
                if due >= until:
                    return
                ledger.suspend_permit(permit, on=due + DAY, actor=SWEEP)
                if late_after is not None:
                    late_on = due + DAY + dt.timedelta(days=late_after)
                    if late_on > until:
                        return
                    ledger.endorse_permit(permit, on=late_on, actor=self.clerk(place))
                    lapse_at = late_after = None
                    continue
                grace = ledger.policy(permit.city, due).period("endorsement.grace")
                # as the sweep reads it: past grace once its estimate-side end has passed
                end = grace and self.calendar.period_end(due, grace, side="estimate").date
                if end and end < until:
                    ledger.cancel_permit(
                        permit, reason="expired_not_renewed", on=end + DAY, actor=SWEEP
                    )
                return
            earliest = max(opens, ledger.last_on[permit.pk])
            assert earliest <= min(due, until), f"{permit.pk}: no day left to endorse on time"
            if due >= until and self.rng.random() >= endorse_open_window:
                return  # the window is open and they have not been yet: reminders are due
            ledger.endorse_permit(
                permit, on=self.between(earliest, min(due, until)), actor=self.clerk(place)
            )

    def issue(
        self, person: Person, reg: ResidenceRegistration, facts: dict[str, Any], on: dt.date
    ) -> Permit:
        """Recent permits come through a first application (submitted, accepted, approved,
        produced, collected as far as today allows); older ones were issued at the counter."""
        place = Place(reg.city, reg.district, reg.station)
        if on < self.today - dt.timedelta(days=400):
            return self.ledger.issue_permit(
                person, place, on=on, actor=self.clerk(place), facts=facts
            )
        submitted = on - dt.timedelta(days=self.rng.randint(3, 12))
        app = self.case(person, place, facts, "first_issue", "collected", submitted, approve_on=on)
        permit: Permit | None = app.permit
        assert permit is not None
        return permit

    def case(
        self, person: Person, place: Place, facts: dict[str, Any], kind: str, status: str,
        on: dt.date, permit: Permit | None = None, approve_on: dt.date | None = None,
    ) -> Application:  # fmt: skip
        """An application of ``kind`` submitted ``on`` and taken as far as ``status``."""
        rng, ledger, clerk = self.rng, self.ledger, self.clerk(place)
        materials = self.materials(place, on, facts, kind)
        missing: list[str] = []
        if status == "needs_supplement":  # one complete notice of what is missing (一次性告知)
            optional = [m for m in materials if m not in ("id_card", "photo")] or ["photo"]
            missing = rng.sample(optional, min(len(optional), rng.choice((1, 1, 2))))
        online = rng.random() < 0.6
        app = ledger.submit_application(
            person, place, kind=kind, on=on, actor=self.holder(person) if online else clerk,
            basis=facts["basis"], housing=facts["housing"], facts=facts, permit=permit,
            materials=[m for m in materials if m not in missing], draft=status == "draft",
        )  # fmt: skip
        if status in ("draft", "submitted"):
            return app
        if status == "needs_supplement":
            asked = self.between(on, min(on + 2 * DAY, self.today))
            ledger.request_supplement(app, missing=missing, on=asked, actor=clerk)
            return app
        if status == "withdrawn":
            ledger.advance_application(
                app, "withdraw", on=self.between(on, self.today), actor=self.holder(person)
            )
            return app
        ledger.accept_application(app, on=on, actor=clerk)  # counter: accepted the same day
        assert app.due_on is not None
        if status == "accepted":
            return app
        if status == "refused":
            decided = self.between(on, min(app.due_on, self.today))
            ledger.refuse_application(
                app, reasons=[REFUSAL], on=decided, actor=self.reviewer(place)
            )
            return app
        latest = self.today - dt.timedelta(days=READY_AFTER.get(status, 0))
        self.finish(app, approve_on or self.between(on, min(app.due_on, latest)), status)
        return app

    def finish(self, app: Application, approved_on: dt.date, stop: str) -> None:
        """Approve (a first issue issues the permit), then produce, ready and collect,
        stopping at ``stop`` or at today, whichever comes first."""
        ledger, place = self.ledger, Place(app.city, app.district, app.station)
        ledger.approve_application(app, on=approved_on, actor=self.reviewer(place))
        day = approved_on
        for command, days in (("start_production", 0), ("mark_ready", self.rng.randint(3, 8)),
                              ("collect", self.rng.randint(0, 14))):  # fmt: skip
            day += dt.timedelta(days=days)
            if app.status == stop or day > self.today:
                return
            if command == "collect":
                ledger.collect(app, on=day, actor=self.clerk(place))
            else:
                ledger.advance_application(app, command, on=day, actor=self.clerk(place))

    def open_case(self, permit: Permit, kind: str = "", status: str = "") -> None:
        """An application about an existing permit: ``kind`` and ``status`` if given; else,
        for an active permit, now and then an endorsement while its window is open, a change
        of address or a replacement card."""
        rng = self.rng
        assert permit.next_due_on is not None
        opens = self.window_opens(permit, permit.next_due_on)
        early = ("submitted", "needs_supplement", "accepted")
        if not kind:
            if permit.status != "active":
                return
            roll = rng.random()
            if opens <= self.today:  # the window is open and they have not endorsed yet
                kind, status = ("endorsement", rng.choice(early)) if roll < 0.35 else ("", "")
            elif roll < 0.015:
                kind, status = "change", rng.choice(early)
            elif roll < 0.025 and permit.issued_on < self.ago(90, 90):
                kind, status = (
                    "replacement",
                    rng.choice(("approved", "in_production", "ready_for_pickup")),
                )
        if not kind:
            return
        on = self.ago(*STATUS_AGE[status])
        if kind == "endorsement":
            on = max(on, opens)
        on = max(on, self.ledger.last_on[permit.pk])
        facts = {f: getattr(permit, f) for f in services.FACT_FIELDS}
        facts["registered_since"] = str(facts["registered_since"])
        place = Place(permit.city, permit.district, permit.station)
        self.case(permit.person, place, facts, kind, status, on, permit=permit)

    # -- cohorts ---------------------------------------------------------------------------

    def holder_of(
        self, cohort: str, issued: dt.date, station: str = "", name: str = ""
    ) -> tuple[Person, ResidenceRegistration, Permit]:
        """A resident registered at least 12 months (深圳 Art. 19) before the permit."""
        earliest = max(FIRST_DAY, issued - dt.timedelta(days=1000))
        registered = self.between(earliest, max(earliest, issued - dt.timedelta(days=380)))
        person, reg, facts = self.resident(cohort, registered, station, name)
        return person, reg, self.issue(person, reg, facts, issued)

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
        self.ledger.expire_permit(permit, on=permit.expires_on + DAY, actor=SWEEP)

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
