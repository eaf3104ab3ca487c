"""The web service's database watchdog (``config/db_watchdog.py``) cuts a connection whose
one statement has waited past the budget (a database that stopped answering, T19), and
never a healthy connection that runs short statements back to back, however long it stays
busy: the soak's and the suites' busy threads were cut that way before."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from psycopg.pq import TransactionStatus

from juzhu.config import db_watchdog


@dataclass
class PgConn:
    socket: int
    transaction_status: TransactionStatus = TransactionStatus.ACTIVE


@dataclass
class Raw:
    pgconn: PgConn
    closed: bool = False


@dataclass
class Wrapper:
    connection: Raw
    execute_wrappers: list[Any] = field(default_factory=list)


@pytest.fixture()
def watched(monkeypatch: pytest.MonkeyPatch) -> tuple[Wrapper, list[int]]:
    cut: list[int] = []
    monkeypatch.setattr(db_watchdog, "cut", cut.append)
    monkeypatch.setattr(db_watchdog, "deadline_s", lambda: 4.0)
    wrapper = Wrapper(Raw(PgConn(socket=42)))
    monkeypatch.setattr(db_watchdog, "_connections", [wrapper])
    monkeypatch.setattr(db_watchdog, "_statements", {})
    return wrapper, cut


def statement(wrapper: Wrapper) -> None:
    """One statement through the watchdog's execute wrapper."""
    db_watchdog._count(lambda *a: None, "SELECT 1", None, False, {"connection": wrapper})


def test_one_statement_waiting_past_the_budget_is_cut(watched: tuple[Wrapper, list[int]]) -> None:
    wrapper, cut = watched
    busy: dict[int, tuple[int, float]] = {}
    for t in (0.0, 0.5, 2.0, 4.0):
        db_watchdog.check(busy, t)
    assert cut == []  # 4 s: not past the budget yet
    db_watchdog.check(busy, 4.5)
    assert cut == [42]


def test_short_statements_back_to_back_are_never_cut(watched: tuple[Wrapper, list[int]]) -> None:
    wrapper, cut = watched
    busy: dict[int, tuple[int, float]] = {}
    t = 0.0
    while t < 30:  # busy at every check for 30 s, a new statement between each two
        db_watchdog.check(busy, t)
        statement(wrapper)
        t += 0.5
    assert cut == []


def test_an_idle_connection_starts_the_count_again(watched: tuple[Wrapper, list[int]]) -> None:
    wrapper, cut = watched
    busy: dict[int, tuple[int, float]] = {}
    db_watchdog.check(busy, 0.0)
    wrapper.connection.pgconn.transaction_status = TransactionStatus.IDLE
    db_watchdog.check(busy, 3.0)
    wrapper.connection.pgconn.transaction_status = TransactionStatus.ACTIVE
    db_watchdog.check(busy, 3.5)
    db_watchdog.check(busy, 7.0)
    assert cut == []  # 3.5 s on this statement
    db_watchdog.check(busy, 8.0)
    assert cut == [42]
