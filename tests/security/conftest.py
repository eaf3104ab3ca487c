"""The adversarial suite (security.md §6, T1–T27): each test file names the cases it proves.
Uses the shared cast and factories of ``tests/fixtures/`` (loaded by ``tests/conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Officers sign in with a real, cheap hash (as in tests/integration/conftest.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
