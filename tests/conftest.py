"""Shared test set-up: fixed keys for personal data, the shared fixtures (loaded as
plugins from ``tests/fixtures/``), and a report header naming the database the integration
tests run on (so a reader sees PostgreSQL really ran)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("JUZHU_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("JUZHU_DATA_KEY", base64.b64encode(b"d" * 32).decode())
os.environ.setdefault("JUZHU_INDEX_KEY", base64.b64encode(b"i" * 32).decode())
os.environ.setdefault("JUZHU_SEAL_KEY", base64.b64encode(b"s" * 32).decode())
os.environ.setdefault("JUZHU_AUDIT_KEY", base64.b64encode(b"a" * 32).decode())
# Uploads are virus-scanned by clamd, fail-closed in production. The suites run like a
# development machine (scan when clamd answers, else a logged warning); the T9 tests start
# their own clamd and require the scan (tests/security/test_t09_uploads.py).
os.environ.setdefault("JUZHU_UPLOAD_SCAN_REQUIRED", "0")


def pytest_configure(config: Any) -> None:
    """pytest-django may have read the settings before this file set the environment."""
    from django.conf import settings

    if settings.configured:
        required = os.environ["JUZHU_UPLOAD_SCAN_REQUIRED"].lower() in {"1", "true", "yes", "on"}
        settings.UPLOAD_SCAN_REQUIRED = required


# The shared fixtures (tests/fixtures/): pytest reads ``pytest_plugins`` only here, in the
# top-level conftest. Their factories and helpers are imported where they are used.
pytest_plugins = [
    "fixtures.clock",
    "fixtures.people",
    "fixtures.portal",
    "fixtures.permits",
    "fixtures.officers",
    "fixtures.verification",
]


def pytest_report_header() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return f"integration database: PostgreSQL ({url.split('@')[-1]})"
    return "integration database: SQLite (embedded default)"


_LIFTED: list[str] = []  # SQL of the SQLite triggers lifted for a flush; "pg" on PostgreSQL


@pytest.fixture(autouse=True)
def _fresh_counters(settings: Any) -> Iterator[None]:
    """Each test gets its own empty cache in this process's memory (production: Redis):
    no rate-limit counters, SMS budget or cached counts left by another test, and the
    frozen clock (time-machine) is the cache's clock too."""
    from django.core.cache import cache

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"}
    }
    cache.clear()
    yield


@pytest.fixture()
def _flushable(transactional_db: Any) -> Iterator[None]:
    """A transactional test (``live_server``, threads) empties the database after each test with a flush, which the
    append-only triggers (events, verification audit rows) rightly refuse: lift them for
    the flush only; ``pytest_runtest_teardown`` below puts them back after it."""
    yield
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off (superuser)
            _LIFTED.append("pg")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            for name, sql in cursor.fetchall():
                _LIFTED.append(sql.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1))
                cursor.execute(f'DROP TRIGGER "{name}"')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: Any, nextitem: Any) -> Iterator[None]:
    yield  # every fixture's teardown, the flush included
    if nextitem is None:  # the session's last test: the test database is gone already
        _LIFTED.clear()
    if not _LIFTED:
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        with connection.cursor() as cursor:
            for sql in _LIFTED:
                cursor.execute("SET session_replication_role = DEFAULT" if sql == "pg" else sql)
        # Opened here, after the test's own teardown: close it, or it may still be open when
        # the test database is dropped at the end of the session.
        connection.close()
    _LIFTED.clear()
