"""The adversarial suite's set-up (security.md §6): the shared fixtures come from
``tests/fixtures/`` (plugins loaded by ``tests/conftest.py``), as for tests/integration."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """One cheap hasher for every password, known username or not (Django's ModelBackend
    hashes for an unknown username too): sign-in still checks a real hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
