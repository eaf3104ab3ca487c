"""Which failures on the event-loop paths are an outage of the database (one warning line,
Django answers) and which are a bug (a traceback): security.md T19. No database needed."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import pytest

from juzhu.verification import asgi


@pytest.mark.parametrize(
    ("exc", "outage"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError(), True),
        (asyncpg.CrashShutdownError("terminating connection because of crash"), True),
        (asyncpg.CannotConnectNowError("the database system is starting up"), True),
        # a pooled connection left mid-operation by a statement the outage cut off
        (
            asyncpg.InternalClientError(
                "cannot switch to state 12; another operation (2) is in progress"
            ),
            True,
        ),  # fmt: skip
        (asyncpg.UndefinedColumnError('column "x" does not exist'), False),  # a bug
        (KeyError("juzhu_session"), False),
    ],
)
def test_an_outage_is_one_warning_and_anything_else_a_traceback(
    exc: BaseException, outage: bool, caplog: Any
) -> None:
    log = logging.getLogger("juzhu.test.fallback")
    try:
        raise exc
    except BaseException as raised:  # noqa: BLE001 (the handler under test takes any)
        asgi.log_fallback(log, "the page on the event loop failed", raised)
    [record] = caplog.records
    assert record.levelname == ("WARNING" if outage else "ERROR")
    assert (record.exc_info is None) == outage
