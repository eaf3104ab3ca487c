"""The fixed cast: ``alice`` holds a permit in Shenzhen (station ``sz-futian-1``), ``bob`` is
the clerk of her station, ``charlie`` a clerk elsewhere, ``school`` a relying party."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from factories import make_id, make_officer, make_permit, make_person

from juzhu.registry.models import Officer, Permit, Person, RelyingParty


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Officers are made by the dozen (the authorisation matrix makes hundreds); PBKDF2 at
    production strength would spend minutes hashing test passwords. Sign-in still checks a
    real hash, only a cheap one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture()
def alice(db: Any) -> Person:
    return make_person(name="艾丽斯", id_number=make_id(dt.date(1992, 2, 29)), phone="13812345678")


@pytest.fixture()
def alice_permit(alice: Person) -> Permit:
    return make_permit(alice)


@pytest.fixture()
def bob(db: Any) -> Officer:
    return make_officer("bob")


@pytest.fixture()
def charlie(db: Any) -> Officer:
    return make_officer("charlie", district="nanshan", station="sz-nanshan-3")


@pytest.fixture()
def school(db: Any) -> RelyingParty:
    return RelyingParty.objects.create(
        city="shenzhen",
        name="福田区实验小学",
        kind="school",
        allowed_purposes=["school_enrollment"],
    )
