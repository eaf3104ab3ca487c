"""The nightly sweep: ``juzhu sweep --on DATE [--city ID]`` (PRODUCT.md capability 7).

Per city, with the city policy in force on the sweep date, the rules of ``sweep_rules``
run in this order: expiry, suspension, cancellation after grace, then the reminders before
an endorsement and before an expiry. What each rule picks and writes (statuses, due date,
event and dedupe key, state change, notice) is said once, in ``sweep_rules.RULES``.

Expiry goes first (a lapsed term ends the permit whatever else is due); suspension goes
before cancellation so a permit found far past its anniversary is suspended and cancelled
in the same run, and a second run on the same date finds nothing left to do.

Every event records the policy version in force on the sweep date: the one the sweep
decided under. Idempotent and restartable: every chunk is one transaction (state change +
events + outbox rows); a permit is picked only while its status still qualifies and no
event carries its dedupe key, the update checks its version, and the outbox's unique
(event, channel, recipient) refuses a second notice. Killed half-way, a re-run carries on
from what was committed. On PostgreSQL each chunk is one set-based statement generated
from the rule (``sweep_sql``); on SQLite (the small embedded default) each chunk runs the
same rules row by row through ``services`` (``sweep_orm``).

This module runs the rules (cities, the per-city claim, chunk size, progress, the report)
and is the sweep's public face: ``sweep``, ``SweepReport``, ``SweepError``, ``plan_city``,
``grace_cutoff``, ``EVENTS``, ``CATEGORIES`` and ``REASON`` are importable from it.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection

from juzhu.registry.sweep_orm import run_orm
from juzhu.registry.sweep_rules import (
    CATEGORIES,
    EVENTS,
    ONE_DAY,
    REASON,
    RULES,
    SWEEP,
    CityPlan,
    Rule,
    SweepError,
    grace_cutoff,
    plan_city,
)
from juzhu.registry.sweep_sql import run_sql
from juzhu.rules.loader import PolicyError, UnknownPolicy

__all__ = ["CATEGORIES", "EVENTS", "ONE_DAY", "REASON", "RULES", "SWEEP", "CityPlan"]
__all__ += ["Progress", "SweepError", "SweepReport", "grace_cutoff", "plan_city", "sweep"]
__all__ += ["chunk_committed", "CHUNK_ENV", "PAUSE_ENV", "DEFAULT_CHUNK", "check_sweep_date"]

CHUNK_ENV = "JUZHU_SWEEP_CHUNK"
PAUSE_ENV = "JUZHU_SWEEP_PAUSE_MS"  # breathing room for daytime OLTP load between chunks
DEFAULT_CHUNK = 10_000

# (task, rows just done, total rows for the task or -1 if unchanged); a task is declared by a
# first call with 0 rows done, and ends with a call giving its true total.
Progress = Callable[[str, int, int], None]


def chunk_committed(category: str, city: str, rows: int) -> None:
    """Called after every committed chunk. A seam for tests (simulate a kill here) and for
    operators wanting a heartbeat; does nothing by default."""


@dataclass
class SweepReport:
    on: dt.date
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # city -> category -> rows
    notices: int = 0
    chunks: int = 0
    seconds: float = 0.0
    skipped_cities: dict[str, str] = field(default_factory=dict)  # city -> why

    def total(self, category: str | None = None) -> int:
        return sum(
            n for per in self.counts.values() for c, n in per.items() if category in (None, c)
        )


@dataclass
class _Task:
    """One (city, category) pass: feeds the report, the progress bar and the chunk hook."""

    city: str
    category: str
    report: SweepReport
    progress: Progress | None
    pause: float
    advanced: int = 0

    def tell(self, advance: int, total: int) -> None:
        self.advanced += advance
        if self.progress is not None:
            self.progress(f"{self.city} {self.category}", advance, total)

    def chunk_done(self, scanned: int, moved: int, notices: int) -> None:
        self.report.chunks += 1
        self.report.notices += notices
        self.report.counts[self.city][self.category] += moved
        self.tell(scanned, -1)
        chunk_committed(self.category, self.city, moved)
        if self.pause:
            time.sleep(self.pause)


# The earliest day a sweep may be asked for: the State Council's 居住证暂行条例 (令第663号)
# took effect on 2016-01-01; no permit of this registry predates it.
SWEEP_FLOOR = dt.date(2016, 1, 1)


def _record_run(city: str, on: dt.date) -> None:
    """A city swept to the end for ``on`` (``SweepRun``): the floor of the next ``--on``."""
    from django.utils import timezone

    from juzhu.registry.models import SweepRun

    SweepRun.objects.update_or_create(city=city, on=on, defaults={"finished_at": timezone.now()})


def last_sweep_day(city: str | None = None) -> dt.date | None:
    """The latest day a sweep finished for, in the city or in any."""
    from django.db.models import Max

    from juzhu.registry.models import SweepRun

    runs = SweepRun.objects.all()
    if city:
        runs = runs.filter(city=city)
    day: dt.date | None = runs.aggregate(day=Max("on"))["day"]
    return day


def check_sweep_date(on: dt.date, today: dt.date, city: str | None = None) -> None:
    """An explicit ``--on`` is bounded: not after ``today`` (the service's day, in its time
    zone), not before the last sweep's day, not before ``SWEEP_FLOOR``. A sweep for a day
    that has not come would expire and cancel permits early; one for a day before the last
    run would send reminders that are no longer true. Raises ``SweepError`` naming the
    bound and the fix; writes nothing."""
    if on > today:
        raise SweepError(
            f"--on {on.isoformat()} is after today ({today.isoformat()} in the service's time "
            "zone): a sweep cannot act on a day that has not come. Leave out --on to sweep "
            "today. / --on 不能晚于今天"
        )
    if on < SWEEP_FLOOR:
        raise SweepError(
            f"--on {on.isoformat()} is before {SWEEP_FLOOR.isoformat()}, when 居住证暂行条例 took "
            "effect: check the date (write it as 2026-12-21). / --on 日期过早"
        )
    last = last_sweep_day(city)
    if last is not None and on < last:
        raise SweepError(
            f"--on {on.isoformat()} is before the last sweep's day ({last.isoformat()}"
            f"{' for ' + city if city else ''}): the sweep only goes forward. Run it for "
            f"{last.isoformat()} or later. / --on 不能早于上次批处理的日期"
        )


# -- orchestration -------------------------------------------------------------------------


def _cities() -> list[str]:
    # A loose index scan: one probe per city instead of reading every permit.
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE c(city) AS (SELECT min(city) FROM registry_permit UNION ALL "
            "SELECT (SELECT min(city) FROM registry_permit WHERE city > c.city) FROM c "
            "WHERE c.city IS NOT NULL) SELECT city FROM c WHERE city IS NOT NULL"
        )
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def _claim(city: str) -> Iterator[bool]:
    """One sweep per city at a time. Without it two overlapping runs (a cron overlap) would
    race row by row: still correct thanks to the version checks, but each chunk could wait
    on, or deadlock with, the other's.

    PostgreSQL: a transaction-level advisory lock, ``pg_try_advisory_xact_lock``, taken in a
    transaction left open on a second connection for the whole run and rolled back at the
    end. Transaction-scoped, it is correct behind PgBouncer in transaction mode, which keeps
    one server connection for a transaction but hands a session's next statement to any
    (a session lock could be taken on one server connection, left there for another client,
    and "released" on another). The server drops it when the process dies (the client's
    connection closes, the transaction is rolled back). The transaction reads nothing, so
    it holds back no vacuum; its idle-in-transaction timeout is switched off for it alone."""
    if connection.vendor != "postgresql":
        yield True  # SQLite: IMMEDIATE transactions already queue the writers
        return
    holder = connection.copy()
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [_claim_key(city)])
            claimed = bool(cursor.fetchone()[0])
    except BaseException:
        holder.close()
        raise
    try:
        yield claimed
    finally:
        try:
            holder.rollback()  # ends the transaction: the lock goes with it
        finally:
            holder.close()


def _claim_key(city: str) -> str:
    return f"juzhu.sweep:{city}"


def _setting(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise SweepError(f"{name}={raw!r}: give a whole number >= {minimum}, or unset it")
    return int(raw)


def sweep(
    on: dt.date,
    city: str | None = None,
    progress: Progress | None = None,
    *,
    chunk: int | None = None,
) -> SweepReport:
    """Run every rule for ``on`` in every city (or one); safe to repeat and to restart.

    ``chunk`` rows per transaction (default $JUZHU_SWEEP_CHUNK or 10,000). Raises
    ``SweepError`` for bad input before anything is written. A city whose id has no policy
    is skipped and named in the report (the others still run).
    """
    size = chunk if chunk is not None else _setting(CHUNK_ENV, DEFAULT_CHUNK, 1)
    if size < 1:
        raise SweepError(f"chunk={size}: give a whole number of rows >= 1")
    pause = _setting(PAUSE_ENV, 0, 0) / 1000
    report = SweepReport(on)
    started = time.perf_counter()
    cities = [city] if city else _cities()
    plans: list[CityPlan] = []
    for name in cities:
        try:
            plans.append(plan_city(name, on))
        except PolicyError as exc:
            raise SweepError(f"{exc}\nrun `juzhu policy check` and fix the files") from None
        except (UnknownPolicy, SweepError) as exc:
            if city:
                raise SweepError(f"--city: {exc}") from None
            # One city's data problem must not stop the night for the others.
            report.skipped_cities[name] = f"{exc}; fix the permits' city or the policy"
    run: Callable[[CityPlan, int, Rule, _Task], None] = (
        run_sql if connection.vendor == "postgresql" else run_orm
    )
    for plan in plans:
        with _claim(plan.city) as claimed:
            if not claimed:
                report.skipped_cities[plan.city] = "another sweep is running for this city"
                continue
            report.counts.setdefault(plan.city, dict.fromkeys(CATEGORIES, 0))
            for rule in RULES:
                task = _Task(plan.city, rule.category, report, progress, pause)
                run(plan, size, rule, task)
                task.tell(0, task.advanced)  # the true total: the bar ends full
            _record_run(plan.city, on)
    report.seconds = time.perf_counter() - started
    return report


# -- the command ---------------------------------------------------------------------------
