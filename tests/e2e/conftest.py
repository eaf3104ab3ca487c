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


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Cheap hashes for the officers the journeys make (see tests/integration/conftest.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture()
def portal_settings(settings: Any, tmp_path: Path) -> Path:
    """SMS codes go to the fake gateway's files in a fresh folder."""
    settings.NOTIFY_FILE_DIR = tmp_path / "outbox"
    return tmp_path / "outbox"


def _pages(browser: Any, live_server: Any, request: Any, width: int, height: int) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="zh-CN",
        base_url=live_server.url,
        accept_downloads=True,
    )
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.shots = Shots(request.node.name)  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture()
def page(
    browser: Any,
    live_server: Any,
    _flushable: None,
    portal_settings: Path,
    request: Any,
) -> Iterator[Any]:
    """The portal on a phone."""
    yield from _pages(browser, live_server, request, 375, 812)


@pytest.fixture()
def office_page(browser: Any, live_server: Any, _flushable: None, request: Any) -> Iterator[Any]:
    """The back office at a counter screen's size (officers work at desks)."""
    yield from _pages(browser, live_server, request, 1366, 900)


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
