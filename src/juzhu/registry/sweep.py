"""The nightly sweep: ``juzhu sweep --on DATE [--city ID]`` (PRODUCT.md capability 7).

Per city, with the city policy in force on the sweep date, in this order:

1. expiry: an ``active`` or ``suspended`` permit whose ``expires_on`` is before the date
   becomes ``expired`` (fixed-term permits, e.g. Guangdong's 3-year term before 2023; a
   permit's own expiry date stands even after the term was abolished, 居住证暂行条例
   Art. 23). Event ``PermitExpired`` on ``expires_on + 1``, notice ``permit_expired``.
2. suspension: an ``active`` permit whose ``next_due_on`` is before the date missed its
   endorsement and is suspended (使用功能中止, Art. 10) from ``next_due_on + 1``: what
   ``services.do_suspend_permit`` writes for that day. Notice ``permit_suspended``.
3. cancellation after grace: a ``suspended`` permit whose grace (``endorsement.grace``,
   counted from ``next_due_on``; null = no limit) ended before the date is cancelled
   (注销) for ``expired_not_renewed`` on the date, exactly ``services.do_cancel_permit``.
   Notice ``permit_cancelled``.
4. reminders: an ``active`` permit whose ``next_due_on`` is ``reminders.offsets_days`` days
   away gets ``PermitEndorsementReminded`` (notice ``endorsement_reminder``); an ``active``
   or ``suspended`` one whose ``expires_on`` is that far away gets ``PermitExpiryReminded``
   (``expiry_reminder``; a suspended holder can still restore the permit before it expires).
   Reminders change no state but are chained events, so the log shows what was sent.

Expiry goes first (a lapsed term ends the permit whatever else is due); suspension goes
before cancellation so a permit found far past its anniversary is suspended and cancelled
in the same run, and a second run on the same date finds nothing left to do.

Every event records the policy version in force on the sweep date: the one the sweep
decided under. Idempotent and restartable: every chunk is one transaction (state change + events + outbox
rows); a permit is picked only while its status still qualifies and no event carries its
dedupe key, the update checks its version, and the outbox's unique (event, channel,
recipient) refuses a second notice. Killed half-way, a re-run carries on from what was
committed. On PostgreSQL each chunk is one set-based statement; on SQLite (the small
embedded default) each chunk runs the same rules row by row through ``services``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from juzhu.domain.days import Period, WorkCalendar
from juzhu.registry import services
from juzhu.registry.models import Event, Notification, Permit
from juzhu.registry.services import Actor, policy_ref
from juzhu.rules.engine import Policy
from juzhu.rules.loader import PolicyError, UnknownPolicy

SWEEP = Actor("system:sweep")
CHUNK_ENV = "JUZHU_SWEEP_CHUNK"
PAUSE_ENV = "JUZHU_SWEEP_PAUSE_MS"  # breathing room for daytime OLTP load between chunks
DEFAULT_CHUNK = 10_000
ONE_DAY = dt.timedelta(days=1)
REASON = "expired_not_renewed"
# category -> (event, notice template), in the order the rules run (module docstring)
EVENTS = {
    "expired": ("PermitExpired", "permit_expired"),
    "suspended": ("PermitSuspended", "permit_suspended"),
    "cancelled": ("PermitCancelled", "permit_cancelled"),
    "reminded_endorsement": ("PermitEndorsementReminded", "endorsement_reminder"),
    "reminded_expiry": ("PermitExpiryReminded", "expiry_reminder"),
}
CATEGORIES = tuple(EVENTS)

# (task, rows just done, total rows for the task or -1 if unchanged); a task is declared by a
# first call with 0 rows done, and ends with a call giving its true total.
Progress = Callable[[str, int, int], None]


class SweepError(Exception):
    """Bad input or configuration; the message says what, where and how to fix it."""


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


@dataclass(frozen=True)
class CityPlan:
    """What the policy in force on the sweep date says for one city."""

    city: str
    on: dt.date
    policy: Policy
    offsets: tuple[int, ...]
    cutoff: dt.date | None  # suspended permits due on or before it are past grace

    def cancel_trace(self) -> list[dict[str, Any]]:
        facts = {"on": self.on.isoformat(), "past_grace_if_due_on_or_before": str(self.cutoff)}
        return [self.policy.step("endorsement.grace", facts).as_dict()]


def grace_cutoff(on: dt.date, grace: Period | None, calendar: WorkCalendar) -> dt.date | None:
    """The latest ``next_due_on`` such that it and every earlier one are past grace on ``on``.

    The grace runs from the missed anniversary with 民事诉讼法 Art. 85 arithmetic (first day
    not counted; a last day on a rest day moves to the next working day); a permit is
    cancelled only when ``on`` is after its end. Cancelling acts against the citizen, so the
    end is taken on the late side (``side="estimate"``): in a year without a published
    holiday calendar we wait out every day that may be a holiday. That padding makes the end
    not quite monotonic in the start, so the cut-off is the end of the prefix of due dates
    that are all past grace; a permit beyond it waits a night or two more, never less.
    Returns None when the grace is null (no limit: never cancelled for lateness).
    """
    if grace is None:
        return None

    def past(due: dt.date) -> bool:
        return calendar.period_end(due, grace, side="estimate").date < on

    span = dt.timedelta(
        days={"days": 2, "months": 31, "years": 366}[grace.unit] * grace.amount + 62
    )
    lo = on - span
    while not past(lo):  # a grace far beyond its nominal length: look further back
        lo -= span
    while lo + ONE_DAY < on and past(lo + ONE_DAY):
        lo += ONE_DAY
    return lo


def plan_city(city: str, on: dt.date) -> CityPlan:
    policy = Policy.of(city, on)
    offsets = tuple(sorted({int(d) for d in policy.get("reminders.offsets_days") or ()}))
    grace = policy.period("endorsement.grace")
    if grace is not None and REASON not in policy.get("cancellation.grounds"):
        raise SweepError(
            f"policy {city} on {on}: endorsement.grace is set but cancellation.grounds lacks "
            f"{REASON!r}; add it to the grounds or set the grace to null (`juzhu policy show`)"
        )
    return CityPlan(city, on, policy, offsets, grace_cutoff(on, grace, services.work_calendar()))


# -- the rules as ORM filters (SQLite path) ------------------------------------------------


def _rule_filter(category: str, plan: CityPlan) -> Q | None:
    on = plan.on
    if category == "expired":
        return Q(status__in=["active", "suspended"], expires_on__lt=on)
    if category == "suspended":
        return Q(status="active", next_due_on__lt=on)
    if category == "cancelled":
        return None if plan.cutoff is None else Q(status="suspended", next_due_on__lte=plan.cutoff)
    days = [on + dt.timedelta(days=d) for d in plan.offsets]
    if not days:
        return None
    if category == "reminded_endorsement":
        return Q(status="active", next_due_on__in=days)
    return Q(status__in=["active", "suspended"], expires_on__in=days)


def _dedupe_key(category: str, permit: Permit, on: dt.date) -> str:
    # The same keys services use, so a sweep never repeats what a clerk already did.
    if category == "expired":
        return f"expire:{permit.expires_on}"
    if category == "suspended":
        return f"suspend:{permit.next_due_on}"
    if category == "cancelled":
        return f"cancel:{on}"
    if category == "reminded_endorsement":
        assert permit.next_due_on is not None
        return f"remind:{permit.next_due_on}:{(permit.next_due_on - on).days}"
    assert permit.expires_on is not None
    return f"remind_expiry:{permit.expires_on}:{(permit.expires_on - on).days}"


def _apply_one(category: str, permit: Permit, plan: CityPlan) -> None:
    """One permit through the services' commit path (caller holds the chunk's transaction)."""
    on, key = plan.on, _dedupe_key(category, permit, plan.on)
    name, template = EVENTS[category]
    if category == "cancelled":
        services.do_cancel_permit(
            permit, reason=REASON, on=on, actor=SWEEP, expected_version=permit.version,
            trace=plan.cancel_trace(),
        )  # fmt: skip
        return
    by_anniversary = category in ("suspended", "reminded_endorsement")
    due = permit.next_due_on if by_anniversary else permit.expires_on
    assert due is not None
    if category in ("expired", "suspended"):
        effective = due + ONE_DAY  # the first day without a valid term or endorsement
        lapse = services.do_suspend_permit if by_anniversary else services.do_expire_permit
        lapse(
            permit, on=effective, actor=SWEEP, expected_version=permit.version, policy=plan.policy
        )
        return
    services.do_remind(
        permit, event=name, template=template, due=due, on=on, actor=SWEEP, policy=plan.policy,
        dedupe_key=key,
    )  # fmt: skip


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _run_orm(plan: CityPlan, chunk: int, task: _Task) -> None:
    rule = _rule_filter(task.category, plan)
    if rule is None:
        return
    base = Permit.objects.filter(rule, city=plan.city)
    ids = list(base.order_by("pk").values_list("pk", flat=True))
    task.tell(0, len(ids))
    for batch in _chunks(ids, chunk):
        with transaction.atomic():
            before = Notification.objects.count()
            # Re-read under the rule inside the transaction: a clerk may have acted since.
            permits = list(base.filter(pk__in=batch).select_related("person").order_by("pk"))
            seen = set(
                Event.objects.filter(
                    record_type="permit", record_id__in=batch, dedupe_key__isnull=False
                ).values_list("record_id", "dedupe_key")
            )
            moved = 0
            for permit in permits:
                if (permit.pk, _dedupe_key(task.category, permit, plan.on)) in seen:
                    continue  # done already under this key (e.g. by a clerk today): skip
                _apply_one(task.category, permit, plan)
                moved += 1
            notices = Notification.objects.count() - before
        task.chunk_done(len(batch), moved, notices)


# -- the rules as set-based SQL (PostgreSQL path) ------------------------------------------

# Per category: the rule, the due date it reads, the event's date and dedupe key, the state
# change, the event data and the notice context. Fragments are constants; values are bound.
_ON_CONTEXT = "jsonb_build_object('number', c.number, 'on', c.on_date, 'event', %(name)s)"
_DUE_DATA = "json_build_object('due', c.due, 'days_before', c.due - c.on_date)"
_DUE_CONTEXT = (
    "jsonb_build_object('number', c.number, 'due', c.due, 'days', c.due - c.on_date, "
    "'event', %(name)s)"
)
_SQL_RULES: dict[str, dict[str, str]] = {
    "expired": {
        "where": "p.status IN ('active', 'suspended') AND p.expires_on < %(on)s",
        "due": "p.expires_on",
        "on_date": "p.expires_on + 1",
        "key": "'expire:' || to_char(p.expires_on, 'YYYY-MM-DD')",
        "set": "status = 'expired',",
        "data": "'{}'::json",
        "context": _ON_CONTEXT,
    },
    "suspended": {
        "where": "p.status = 'active' AND p.next_due_on < %(on)s",
        "due": "p.next_due_on",
        "on_date": "p.next_due_on + 1",
        "key": "'suspend:' || to_char(p.next_due_on, 'YYYY-MM-DD')",
        "set": "status = 'suspended', suspended_on = c.on_date,",
        "data": "'{}'::json",
        "context": _ON_CONTEXT,
    },
    "cancelled": {
        "where": "p.status = 'suspended' AND p.next_due_on <= %(cutoff)s",
        "due": "p.next_due_on",
        "on_date": "%(on)s::date",
        "key": "%(cancel_key)s::text",
        "set": "status = 'cancelled', cancelled_on = c.on_date, cancellation_reason = %(reason)s,",
        "data": "json_build_object('reason', %(reason)s::text)",
        "context": _ON_CONTEXT.replace("'event'", "'reason', %(reason)s::text, 'event'"),
    },
    "reminded_endorsement": {
        "where": "p.status = 'active' AND p.next_due_on = ANY(%(days)s)",
        "due": "p.next_due_on",
        "on_date": "%(on)s::date",
        "key": "'remind:' || to_char(p.next_due_on, 'YYYY-MM-DD') || ':' || "
        "(p.next_due_on - %(on)s::date)",
        "set": "",
        "data": _DUE_DATA,
        "context": _DUE_CONTEXT,
    },
    "reminded_expiry": {
        "where": "p.status IN ('active', 'suspended') AND p.expires_on = ANY(%(days)s)",
        "due": "p.expires_on",
        "on_date": "%(on)s::date",
        "key": "'remind_expiry:' || to_char(p.expires_on, 'YYYY-MM-DD') || ':' || "
        "(p.expires_on - %(on)s::date)",
        "set": "",
        "data": _DUE_DATA,
        "context": _DUE_CONTEXT,
    },
}

# A probe of the dedupe index per permit. OFFSET 0 keeps the planner from turning it into
# an anti-join: with a constant key (cancel:DATE) and statistics that have not seen today's
# keys yet, it would scan every event bearing the key once per permit (quadratic).
_NOT_DONE = """NOT EXISTS (SELECT 1 FROM registry_event e WHERE e.record_type = 'permit'
        AND e.record_id = p.id AND e.dedupe_key = {key} OFFSET 0)"""

# The event body mirrors events.build_events key for key (json_build_object, not canonical
# text: verify_chains hashes the stored text and compares name/seq/record_id/on with the
# columns). The outbox rows follow registry.outbox.do_enqueue_notice: inbox always,
# SMS when the person has a phone. They belong to events born in this very statement, so
# no earlier notice can exist: no ON CONFLICT (a speculative insert per row); the unique
# (event, channel, recipient) still stands guard. The update names its rows as an array of
# ids so the planner reaches them through the primary key, not a hash join over every
# permit. Rows go in key order (permit id, then person id for the outbox: new event ids are
# contiguous anyway) so index inserts and foreign-key checks hit neighbouring pages.
_CHUNK_SQL = """
WITH picked AS (
    SELECT p.id, p.city, p.person_id, p.number, p.version, p.last_event_seq + 1 AS seq,
           p.last_event_hash AS prev_hash, {due} AS due, {on_date} AS on_date, {key} AS dedupe_key
    FROM registry_permit p
    WHERE p.city = %(city)s AND {where} AND {not_done}
    LIMIT %(limit)s
), bodied AS (
    SELECT c.*, json_build_object(
        'record_type', 'permit', 'record_id', c.id, 'seq', c.seq, 'name', %(name)s,
        'on', c.on_date, 'at', %(at)s, 'actor', %(actor)s, 'reason', %(event_reason)s,
        'city', c.city, 'policy', %(policy)s::json, 'inputs', %(inputs)s::json,
        'trace', %(trace)s::json, 'data', {data}, 'dedupe_key', c.dedupe_key)::text AS body
    FROM picked c ORDER BY c.id
), chained AS (
    SELECT b.*, encode(sha256(convert_to(b.prev_hash || E'\\n' || b.body, 'UTF8')), 'hex') AS hash
    FROM bodied b
), moved AS (
    UPDATE registry_permit p SET {set} version = p.version + 1,
           last_event_seq = c.seq, last_event_hash = c.hash
    FROM chained c
    WHERE p.id = ANY(ARRAY(SELECT id FROM picked)) AND p.id = c.id AND p.version = c.version
    RETURNING p.id
), logged AS (
    INSERT INTO registry_event (city, record_type, record_id, seq, name, on_date, occurred_at,
                                actor, dedupe_key, body, prev_hash, hash)
    SELECT c.city, 'permit', c.id, c.seq, %(name)s, c.on_date, %(now)s, %(actor)s,
           c.dedupe_key, c.body, c.prev_hash, c.hash
    FROM chained c JOIN moved m ON m.id = c.id
    RETURNING id, record_id
), noticed AS (
    INSERT INTO notifications_notification (city, event_id, person_id, channel, recipient,
        template, lang, context, status, attempts, next_attempt_at, claimed_by, last_error,
        created_at)
    SELECT c.city, l.id, per.id, ch.channel,
           CASE ch.channel WHEN 'inbox' THEN per.id::text ELSE per.phone_index END,
           %(template)s, per.lang, {context}, 'pending', 0, %(now)s, '', '', %(now)s
    FROM logged l JOIN chained c ON c.id = l.record_id
    JOIN registry_person per ON per.id = c.person_id
    CROSS JOIN (VALUES ('inbox'), ('sms')) AS ch(channel)
    WHERE ch.channel = 'inbox' OR per.phone_index <> ''
    ORDER BY per.id, l.id, ch.channel
    RETURNING 1
)
SELECT (SELECT count(*) FROM picked), (SELECT count(*) FROM logged), (SELECT count(*) FROM noticed)
"""


def _sql_params(category: str, plan: CityPlan, limit: int) -> dict[str, Any]:
    now = timezone.now()
    name, template = EVENTS[category]
    cancel = category == "cancelled"
    trace = (
        [plan.policy.step("cancellation.grounds", {"reason": REASON}).as_dict()]
        + plan.cancel_trace()
        if cancel
        else []
    )
    return {
        "city": plan.city,
        "on": plan.on,
        "cutoff": plan.cutoff,
        "days": [plan.on + dt.timedelta(days=d) for d in plan.offsets],
        "cancel_key": f"cancel:{plan.on}",
        "reason": REASON,
        "limit": limit,
        "name": name,
        "template": template,
        "now": now,
        "at": now.isoformat(),
        "actor": str(SWEEP),
        "event_reason": REASON if cancel else "",
        "policy": json.dumps(policy_ref(plan.policy)),
        "inputs": json.dumps({"evidence": ""} if cancel else {}),
        "trace": json.dumps(trace, ensure_ascii=False, default=str),
    }


def _run_sql(plan: CityPlan, chunk: int, task: _Task) -> None:
    if _rule_filter(task.category, plan) is None:
        return
    rule = _SQL_RULES[task.category]
    not_done = _NOT_DONE.format(key=rule["key"])
    statement = _CHUNK_SQL.format(not_done=not_done, **rule)
    # The total for the progress bar leaves the dedupe check out, so it is an index-only
    # scan; rows already done (a re-run's reminders) are not picked, and the bar's total is
    # corrected when the rule is exhausted.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM registry_permit p WHERE p.city = %(city)s AND {rule['where']}",
            _sql_params(task.category, plan, chunk),
        )
        due = cursor.fetchone()[0]
    task.tell(0, due)
    if not due:
        return
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # The CTEs' row counts are guesses, so the planner prices this statement high
            # enough to JIT-compile it: ~50 ms per chunk that never pay back.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(statement, _sql_params(task.category, plan, chunk))
            picked, logged, noticed = cursor.fetchone()
        if picked:
            task.chunk_done(logged, logged, noticed)
        # Fewer than a full chunk: the rule is exhausted. A full chunk where nothing moved
        # (every version check lost to a concurrent writer): stop, never spin.
        if picked < chunk or logged == 0:
            return


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
    """One sweep per city at a time: a PostgreSQL session advisory lock, released at the
    end or by the server when the process dies. Without it two overlapping runs (a cron
    overlap) would race row by row: still correct thanks to the version checks, but each
    chunk could wait on, or deadlock with, the other's."""
    if connection.vendor != "postgresql":
        yield True  # SQLite: IMMEDIATE transactions already queue the writers
        return
    key = f"juzhu.sweep:{city}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
        claimed = bool(cursor.fetchone()[0])
    try:
        yield claimed
    finally:
        if claimed:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


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
    run = _run_sql if connection.vendor == "postgresql" else _run_orm
    for plan in plans:
        with _claim(plan.city) as claimed:
            if not claimed:
                report.skipped_cities[plan.city] = "another sweep is running for this city"
                continue
            report.counts.setdefault(plan.city, dict.fromkeys(CATEGORIES, 0))
            for category in CATEGORIES:
                task = _Task(plan.city, category, report, progress, pause)
                run(plan, size, task)
                task.tell(0, task.advanced)  # the true total: the bar ends full
    report.seconds = time.perf_counter() - started
    return report


# -- the command ---------------------------------------------------------------------------


def run_sweep_cli(on: dt.date, city: str | None) -> None:
    """``juzhu sweep``: a rich progress bar per (city, rule), then a summary table."""
    import typer
    from rich import progress as rp
    from rich.console import Console
    from rich.table import Table

    columns = (rp.TextColumn("{task.description:<32}"), rp.BarColumn(), rp.MofNCompleteColumn())
    with rp.Progress(*columns, rp.TimeElapsedColumn(), console=Console(stderr=True)) as bar:
        tasks: dict[str, rp.TaskID] = {}

        def show(task: str, advance: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], advance=advance, total=None if total < 0 else total)

        try:
            report = sweep(on, city, progress=show)
        except SweepError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
    table = Table(title=f"sweep {on.isoformat()} — {report.seconds:.1f}s, {report.chunks} chunks")
    table.add_column("city")
    for category in CATEGORIES:
        table.add_column(category.replace("_", " "), justify="right")
    for name, per in sorted(report.counts.items()):
        table.add_row(name, *(f"{per[c]:,}" for c in CATEGORIES))
    Console().print(table)
    typer.echo(f"notices queued: {report.notices:,}")
    for name, why in sorted(report.skipped_cities.items()):
        typer.echo(f"skipped city {name!r}: {why}", err=True)
    if report.skipped_cities:
        raise typer.Exit(1)
