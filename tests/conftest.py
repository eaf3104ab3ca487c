"""Shared test set-up: fixed keys for personal data, and a report header naming the
database the integration tests run on (so a reader sees PostgreSQL really ran)."""

from __future__ import annotations

import base64
import os

os.environ.setdefault("JUZHU_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("JUZHU_DATA_KEY", base64.b64encode(b"d" * 32).decode())
os.environ.setdefault("JUZHU_INDEX_KEY", base64.b64encode(b"i" * 32).decode())


def pytest_report_header() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return f"integration database: PostgreSQL ({url.split('@')[-1]})"
    return "integration database: SQLite (embedded default)"
