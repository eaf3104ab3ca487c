"""The adversarial suite (security.md §6, T1–T27): each test file names the cases it proves.
Uses the shared cast and factories of ``tests/fixtures/`` (loaded by ``tests/conftest.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Officers sign in with a real, cheap hash (as in tests/integration/conftest.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture()
def as_app_role(db: Any) -> Any:
    """A function switching the test's connection to the service's role, made by ``juzhu db
    roles`` (PostgreSQL; rolled back with the test's transaction: the role, its grants and
    the SET ROLE). Returns the role's name."""
    from juzhu.registry.roles import do_create_app_role

    role = f"tapp_{connection.settings_dict['NAME'][-24:]}".lower().replace("-", "_")
    do_create_app_role(role, password=None)

    def switch() -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {role}")
        return role

    return switch
