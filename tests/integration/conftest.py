"""The database suite's set-up. The fixed cast — ``alice`` holds a permit in Shenzhen
(station ``sz-futian-1``), ``bob`` is the clerk of her station, ``charlie`` a clerk
elsewhere, ``school`` a relying party — comes from ``tests/fixtures/`` (plugins loaded by
``tests/conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Officers are made by the dozen (the authorisation matrix makes hundreds); PBKDF2 at
    production strength would spend minutes hashing test passwords. Sign-in still checks a
    real hash, only a cheap one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
