"""Browser tests: Playwright (Python) driving Debian's chromium at 375×812, against the app
served by pytest-django's ``live_server``.

Never ``playwright install`` (it downloads a browser build): ``scripts/ensure-e2e-deps.sh``
installs Debian's chromium, fonts-noto-cjk and axe-core; ``make test`` runs it first.
Screenshots of every step go to ``test-output/e2e/`` for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django then refuses database
# calls "from an async context". The test's own ORM calls are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "var" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-output" / "e2e"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = [str(p) for p in (Path(CHROMIUM), AXE) if not p.exists()]
    if missing or not shutil.which("pdftotext"):
        pytest.fail(
            f"browser test dependencies missing ({', '.join(missing) or 'pdftotext'}): "
            "run scripts/ensure-e2e-deps.sh (make test does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def portal_settings(settings: Any, tmp_path: Path) -> Path:
    """SMS codes go to the fake gateway's files in a fresh folder; no login floor wait."""
    settings.NOTIFY_FILE_DIR = tmp_path / "outbox"
    settings.PORTAL_LOGIN_MIN_SECONDS = 0.05
    return tmp_path / "outbox"


_LIFTED: list[str] = []  # SQL of the SQLite triggers lifted for a flush; "pg" on PostgreSQL


@pytest.fixture()
def _flushable(live_server: Any) -> Iterator[None]:
    """``live_server`` empties the database after each test with a flush, which the
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

    with item.config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
        for sql in _LIFTED:
            cursor.execute("SET session_replication_role = DEFAULT" if sql == "pg" else sql)
    _LIFTED.clear()


@pytest.fixture()
def page(
    browser: Any,
    live_server: Any,
    _flushable: None,
    portal_settings: Path,
    request: Any,
) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        locale="zh-CN",
        base_url=live_server.url,
        accept_downloads=True,
    )
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.shots = Shots(request.node.name)  # type: ignore[attr-defined]
    yield pg
    context.close()


class Shots:
    """Numbered screenshots of one journey: test-output/e2e/<test>/<nn>-<step>.png."""

    def __init__(self, test_name: str) -> None:
        self.dir = SHOTS / re.sub(r"[^\w.-]+", "_", test_name)
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        self.n = 0

    def take(self, page: Any, step: str) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
