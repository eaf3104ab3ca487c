"""How a demo resident's records come to be (for ``demo_city``): the person with a valid,
unique ID number, the residence registration and the facts a decision rests on, the
materials, the permit endorsed (or not) year by year, and applications taken as far as a
status. ``Histories`` is the base of ``demo_city.DemoCity``, which decides who lives in
the city (the cohorts and the cast).

Every step goes through the domain, by way of ``demo_ledger.Ledger`` (the use cases of
``services`` in memory, saved in bulk). Where the nightly sweep would have acted (a
suspension the day after a missed anniversary, a cancellation once the grace has run, an
expiry), the dates are the sweep's rules' (``sweep_rules``).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from juzhu.domain.days import WorkCalendar
from juzhu.domain.months import add_months
from juzhu.registry import services, sweep_rules
from juzhu.registry.demo_ledger import Ledger, Place
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.models import (
    Application,
    Permit,
    Person,
    ResidenceRegistration,
)
from juzhu.registry.sweep_rules import grace_ends

SEED = 20261126
DAY = dt.timedelta(days=1)
# The first day on which every parameter of the Shenzhen and Guangzhou policies has a dated
# version (the national 2016 regulation), so every event can record its policy version.
FIRST_DAY = dt.date(2016, 1, 4)
FIRST_ISSUE = FIRST_DAY + dt.timedelta(days=380)  # after 12 months of registration (深圳 Art. 19)
SWEEP = str(sweep_rules.SWEEP)
# the sweep's rules for what the sweep would have done in the demo's past
SUSPENDED, CANCELLED, EXPIRED = (
    sweep_rules.BY_CATEGORY[c] for c in ("suspended", "cancelled", "expired")
)

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


class Histories:
    """Builds records into a ``Ledger``; ``actors`` maps a station or district to the
    ``officer:<user id>`` who acts there."""

    def __init__(self, people: int, today: dt.date, actors: dict[str, str], seed: int = SEED):
        self.n, self.today, self.actors = people, today, actors
        self.rng = random.Random(seed)  # noqa: S311 (reproducible demo data, not a secret)
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
                suspended_on = SUSPENDED.event_on(due, until)  # the day after the anniversary
                ledger.suspend_permit(permit, on=suspended_on, actor=SWEEP)
                if late_after is not None:
                    late_on = suspended_on + dt.timedelta(days=late_after)
                    if late_on > until:
                        return
                    ledger.endorse_permit(permit, on=late_on, actor=self.clerk(place))
                    lapse_at = late_after = None
                    continue
                grace = ledger.policy(permit.city, due).period("endorsement.grace")
                # as the sweep reads it: past grace the night after the grace ends
                end = grace and grace_ends(due, grace, self.calendar)
                if end and end < until:
                    night = CANCELLED.event_on(due, end + DAY)
                    ledger.cancel_permit(permit, reason=CANCELLED.reason, on=night, actor=SWEEP)
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

    # -- a holder --------------------------------------------------------------------------

    def holder_of(
        self, cohort: str, issued: dt.date, station: str = "", name: str = ""
    ) -> tuple[Person, ResidenceRegistration, Permit]:
        """A resident registered at least 12 months (深圳 Art. 19) before the permit."""
        earliest = max(FIRST_DAY, issued - dt.timedelta(days=1000))
        registered = self.between(earliest, max(earliest, issued - dt.timedelta(days=380)))
        person, reg, facts = self.resident(cohort, registered, station, name)
        return person, reg, self.issue(person, reg, facts, issued)
