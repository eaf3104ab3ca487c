"""Factories: plain ``make_<noun>(**overrides)`` functions (cosmicpython style).

The fixed cast (conftest.py): ``alice`` holds a permit in
Shenzhen (station ``sz-futian-1``), ``bob`` is the clerk of her station, ``charlie`` a clerk
elsewhere, ``school`` a relying party."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth import get_user_model

from juzhu.registry import services
from juzhu.registry.idnumbers import make_id_number
from juzhu.registry.models import Officer, Permit, Person
from juzhu.registry.services import Actor

ISSUED = dt.date(2024, 3, 1)
_seq = itertools.count(1)


def make_id(birth: dt.date = dt.date(1990, 5, 17)) -> str:
    return make_id_number("440304", birth, next(_seq))


def make_person(**overrides: Any) -> Person:
    values: dict[str, Any] = {
        "id_number": make_id(),
        "name": "测试人",
        "city": "shenzhen",
        "phone": f"138{next(_seq):08d}",
    }
    values.update(overrides)
    id_number, name = values.pop("id_number"), values.pop("name")
    return services.do_register_person(id_number, name, **values)


def make_permit(
    person: Person | None = None,
    *,
    on: dt.date = ISSUED,
    city: str = "shenzhen",
    district: str = "futian",
    station: str = "sz-futian-1",
    **facts: Any,
) -> Permit:
    person = person or make_person(city=city)
    facts = {
        "basis": "employment",
        "housing": "rented",
        "registered_since": "2022-01-01",
        "employed": True,
        "social_insurance_months": 24,
        "social_insurance_continuous": True,
        **facts,
    }
    return services.do_issue_permit(
        person,
        city=city,
        district=district,
        station=station,
        on=on,
        actor=Actor("officer:test"),
        facts=facts,
    )


def make_officer(
    username: str,
    *,
    role: str = "clerk",
    city: str = "shenzhen",
    district: str = "futian",
    station: str = "sz-futian-1",
) -> Officer:
    user = get_user_model().objects.create_user(username=username, password="x" * 12)
    return Officer.objects.create(
        user=user, role=role, city=city, district=district, station=station, display_name=username
    )
