"""``juzhu demo``: load the demo city into an empty registry and say what is there.

The city itself is ``demo_city.DemoCity`` (Shenzhen, with a small Guangzhou cohort, built
through the domain by ``demo_ledger.Ledger``). This module adds the people who work with it —
officers scoped to their station or district, relying parties, an ``admin`` superuser whose
generated password is printed once — saves it all in one transaction (nothing half-loaded),
and prints a summary with the addresses to open.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from juzhu.domain.vocabulary import ApplicationStatus
from juzhu.registry import pii
from juzhu.registry.demo_city import MIN_PEOPLE, SEED, STATIONS, DemoCity
from juzhu.registry.demo_decisions import SHOWCASE_PEOPLE, showcase_decisions
from juzhu.registry.models import (
    Office,
    Officer,
    Permit,
    Person,
    RelyingParty,
)

OFFICERS = (  # username, role, district, station ("" = all) in Shenzhen; they can log in
    ("bob", "clerk", "futian", "sz-futian-1"),
    ("charlie", "clerk", "nanshan", "sz-nanshan-3"),
    ("diana", "reviewer", "futian", ""),
    ("erin", "supervisor", "", ""),
    ("frank", "auditor", "", ""),
    ("grace", "admin", "", ""),
)
# The office directory the letters print: station → (name, district bureau, district
# government, address). Fictional addresses; the bureaus follow the real naming pattern.
OFFICES = {
    "sz-futian-1": ("华强北派出所", "福田", "深圳市福田区华强北路1001号"),
    "sz-futian-2": ("香蜜湖派出所", "福田", "深圳市福田区农园路2002号"),
    "sz-nanshan-1": ("南头派出所", "南山", "深圳市南山区南新路3003号"),
    "sz-nanshan-3": ("粤海派出所", "南山", "深圳市南山区科苑路4004号"),
    "sz-baoan-1": ("新安派出所", "宝安", "深圳市宝安区创业一路5005号"),
    "sz-baoan-2": ("福永派出所", "宝安", "深圳市宝安区福海路6006号"),
    "sz-longgang-1": ("坂田派出所", "龙岗", "深圳市龙岗区五和大道7007号"),
    "gz-tianhe-1": ("石牌派出所", "天河", "广州市天河区天河路8008号"),
    "gz-baiyun-2": ("三元里派出所", "白云", "广州市白云区机场路9009号"),
}
RELYING_PARTIES = (
    ("福田区实验小学", "school", ["school_enrollment"]),
    ("深圳农商示范银行福田支行", "bank", ["bank_account"]),
    ("深圳市住房保障署", "housing_bureau", ["public_rental_housing", "home_purchase"]),
)
OPEN = ApplicationStatus.open()
# The named holders to sign in as (``demo_city``'s cast): name → their station, and what
# their record shows (zh, en).
CAST = {
    "艾丽斯": ("sz-futian-1", "签注30天内到期，可以在线签注", "endorsement due within 30 days"),
    "林晓梅": (
        "sz-futian-1",
        "居住证被注销，行政复议已受理",
        "cancelled; reconsideration accepted",
    ),
    "周建国": ("sz-nanshan-3", "居住证被注销，已向发证机关申诉", "cancelled; complaint filed"),
}


class DemoRefused(Exception):
    """The demo cannot load here; ``str()`` says why and what to do. ``exit_code``: 2 for a
    bad option, 1 for a registry that is not empty."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Loaded:
    people: int
    seconds: float
    officer_password: str
    admin_password: str  # "" when an ``admin`` user existed already (left untouched)
    officers: list[Officer] = field(default_factory=list)
    showcase: dict[str, Permit] = field(default_factory=dict)


def load_demo(people: int, *, today: dt.date | None = None, seed: int = SEED) -> Loaded:
    """Build and save the demo city in one transaction. Refuses a non-empty registry (the
    demo would mix with real records and its fixed seed would collide with itself)."""
    if people < MIN_PEOPLE:
        raise DemoRefused(
            f"--people {people}: the demo needs at least {MIN_PEOPLE} people so that every "
            "status and the named cast appear; ask for more",
            exit_code=2,
        )
    existing = Person.objects.count()
    if existing:
        raise DemoRefused(
            f"the registry already has {existing:,} people; the demo loads into an empty one. "
            "Use a fresh JUZHU_VAR_DIR (or DATABASE_URL), or pass --if-empty to skip quietly"
        )
    taken = get_user_model().objects.filter(username__in=[o[0] for o in OFFICERS])
    if taken.exists():
        names = ", ".join(sorted(u.get_username() for u in taken))
        raise DemoRefused(
            f"user(s) {names} exist already; the demo creates its own officers. "
            "Use a fresh JUZHU_VAR_DIR (or DATABASE_URL)"
        )
    started = time.monotonic()
    today = today or timezone.localdate()
    officer_password, admin_password = secrets.token_urlsafe(12), secrets.token_urlsafe(15)
    with transaction.atomic():
        officers, actors = _create_officers(officer_password)
        _create_offices()
        admin_password = _create_admin(admin_password)
        for name, kind, purposes in RELYING_PARTIES:
            RelyingParty.objects.create(
                city="shenzhen", name=name, kind=kind, allowed_purposes=purposes
            )
        # the decision workflow's newcomers are among the ``people`` asked for
        city = DemoCity(people - SHOWCASE_PEOPLE, today, actors, seed=seed)
        city.build().flush(today=today)
        # the decision workflow's cases, through the registry's services
        showcase_decisions(today, actors)
    return Loaded(
        people, time.monotonic() - started, officer_password, admin_password, officers,
        city.showcase,
    )  # fmt: skip


@dataclass(frozen=True)
class CastMember:
    """A demo holder to sign in as: the full ID number (demo data, for the sign-in guide
    only) and whether they have a mobile number to receive the login code."""

    name: str
    id_number: str
    phone_masked: str
    about: tuple[str, str]


def demo_cast() -> list[CastMember]:
    """The cast present in this registry (none when the demo was not loaded)."""
    cast = []
    for name, (station, zh, en) in CAST.items():
        p = Person.objects.filter(name=name, permits__station=station).order_by("pk").first()
        if p is not None:
            number = pii.decrypt(bytes(p.id_number_enc), purpose="id_number", row=p)
            cast.append(CastMember(name, number, p.phone_masked, (zh, en)))
    return cast


def sign_in_officers() -> list[Officer]:
    """The officers who can sign in (a usable password), in ``OFFICERS``' order."""
    names = [o[0] for o in OFFICERS]
    rows = Officer.objects.select_related("user").filter(user__username__in=names)
    usable = [o for o in rows if o.user.has_usable_password()]
    return sorted(usable, key=lambda o: names.index(o.user.get_username()))


def _create_officers(password: str) -> tuple[list[Officer], dict[str, str]]:
    """The named cast (``OFFICERS``, sharing one printed development password) plus a clerk
    for every other station and a reviewer for every other district, who cannot log in
    (unusable password) but act in the demo's history. Returns the officers and the actor
    id (``officer:<user id>``) for each station, ``city:district`` and ``supervisor``."""
    hashed = make_password(password)  # once: hashing is deliberately slow
    wanted = {name: ("shenzhen", role, district, station) for name, role, district, station in OFFICERS}  # fmt: skip
    covered = {(role, district, station) for _, role, district, station in OFFICERS}
    for place, _, _ in STATIONS.values():
        if ("clerk", place.district, place.station) not in covered:
            wanted[f"clerk-{place.station}"] = (place.city, "clerk", place.district, place.station)
        if ("reviewer", place.district, "") not in covered:
            wanted[f"reviewer-{place.city}-{place.district}"] = (place.city, "reviewer", place.district, "")  # fmt: skip
    officers, actors = [], {}
    for username, (city, role, district, station) in wanted.items():
        user = get_user_model()(username=username, password=hashed)
        if username not in {o[0] for o in OFFICERS}:
            user.set_unusable_password()
        user.save()
        officer = Officer.objects.create(
            user=user, role=role, city=city, district=district, station=station,
            display_name=username,
        )  # fmt: skip
        officers.append(officer)
        actor = f"officer:{user.pk}"
        if role == "clerk":
            actors[station] = actor
        elif role == "reviewer":
            actors[f"{city}:{district}"] = actor
        elif role == "supervisor":
            actors["supervisor"] = actor
    return officers, actors


def _create_offices() -> None:
    rows = []
    for station, (name, district_zh, address) in OFFICES.items():
        place = STATIONS[station][0]
        city_zh = "深圳市" if place.city == "shenzhen" else "广州市"
        bureau = f"{city_zh}公安局{district_zh}分局" if place.city == "shenzhen" else f"{city_zh}公安局{district_zh}区分局"  # fmt: skip
        rows.append(
            Office(
                city=place.city, district=place.district, station=station,
                name_zh=f"{bureau}{name}", bureau_zh=bureau,
                government_zh=f"{city_zh}{district_zh}区人民政府", address=address,
                phone="0755-12345678" if place.city == "shenzhen" else "020-12345678",
            )
        )  # fmt: skip
    Office.objects.bulk_create(rows)


def _create_admin(password: str) -> str:
    users = get_user_model()
    if users.objects.filter(username="admin").exists():
        return ""
    admin = users(username="admin", is_staff=True, is_superuser=True)
    admin.set_password(password)
    admin.save()
    return password
