"""``juzhu notify run``: deliver the outbox.

How a row moves
---------------
``pending`` → claimed (``sending``, with a lease: ``claimed_by``, ``claimed_until``) →
delivered to its backends → ``sent`` (``sent_at``, ``provider_ref``). A failed delivery goes
back to ``pending`` with ``next_attempt_at`` moved by exponential backoff with jitter, and
to ``failed`` after ``NOTIFY_MAX_ATTEMPTS`` tries (or at once when it can never succeed: an
unknown template, no phone number). A throttled SMS goes back to ``pending`` for when the
number's budget allows, without using up an attempt.

Claiming. On PostgreSQL one statement ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
LOCKED)`` takes a batch: concurrent workers skip each other's rows instead of waiting or
taking them twice. On SQLite the same conditional UPDATE runs under the single writer lock,
which serialises claims. A claim moves ``next_attempt_at`` to the end of the lease, so a row
whose worker died becomes due again when its lease runs out, and the same index range finds
both kinds. Every later write to a claimed row is fenced on ``claimed_by``: a worker that
lost its lease (it stalled past it and someone else took the row) changes nothing.

The guarantee, exactly
----------------------
- **None lost silently.** A notice is a row committed with its state change
  (``services.py``); a row leaves ``pending``/``sending`` only as ``sent``, or as ``failed``
  with its error kept for an operator (``last_error``).
- **Secrets do not stay.** A login code is stored sealed (encrypted), opened only here at
  send time, dropped from the row when it is sent or failed, and a code still unsent when
  it expires is failed rather than sent late (``registry/outbox.py``).
- **No duplicates in the queue.** ``unique (event, channel, recipient)``: a repeated enqueue
  (a re-run sweep) is a no-op.
- **Exactly one delivery per (event, channel, recipient), across worker crashes, for
  backends that remember keys.** Every backend call carries the row's ``delivery_key``. If
  a worker dies after a backend accepted a message but before the row was marked, the next
  worker calls the backend again with the same key, and the backend answers with the first
  message id instead of sending again. The in-app inbox, the file journal and the fake SMS
  gateway remember keys (the files survive a process crash; a power cut may lose their
  last lines, as they are not fsynced). A real SMS gateway adapter keeps the guarantee only
  if the vendor folds a repeated client reference or the adapter checks first
  (``sms.SmsGateway``).
- **At least once** for backends that cannot remember: SMTP (the key travels as the
  Message-ID, so mail clients fold copies) and the console. A crash between the server's
  answer and the mark may send those twice; no design can close that window without the
  receiver's help.
- A worker that finds its lease over mid-batch (slow backends) leaves the rest of the
  batch to whoever reclaims it. One that stalls past its lease inside a backend call may
  overlap with the next owner; the key makes the second call a repeat, and the fenced
  writes let only the owner record the outcome.
- A retry after a crash spends an SMS throttle token even when the gateway recognises the
  key, so it may wait for the number's next slot: late, never twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import F
from django.utils import timezone

from juzhu.notifications.backends import (
    Delivery,
    DeliveryError,
    PermanentError,
    Throttled,
    setting,
)
from juzhu.notifications.models import Notification
from juzhu.notifications.render import TemplateError, render
from juzhu.notifications.routing import Router
from juzhu.registry import pii
from juzhu.registry.outbox import LOGIN_CODE, scrubbed, unsealed

log = logging.getLogger("juzhu.notify")
Clock = Callable[[], dt.datetime]


def lease() -> dt.timedelta:
    """How long a claim holds: longer than any one delivery takes (gateways time out in
    seconds), short enough that a crashed worker's rows are not held up for long."""
    return dt.timedelta(seconds=setting("NOTIFY_LEASE_SECONDS", 300, 1))


def max_attempts() -> int:
    return int(setting("NOTIFY_MAX_ATTEMPTS", 10, 1))


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """Delay before try ``attempts + 1``: 30 s doubling up to 6 h, "equal jitter" (half
    fixed, half random) so workers that failed together do not retry together. With 10
    attempts the last comes 2 to 4 hours after the first: a gateway outage of an
    afternoon delays notices but loses none."""
    base = setting("NOTIFY_RETRY_BASE_SECONDS", 30, 0.001)
    delay = min(base * 2 ** max(attempts - 1, 0), 6 * 3600.0)
    return dt.timedelta(seconds=delay / 2 + (rng or random).uniform(0, delay / 2))


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    throttled: int = 0
    failed: int = 0
    lease_lost: int = 0
    gave_up_crashed: int = 0
    errors: list[str] = field(default_factory=list)  # the latest few, masked

    def add(self, other: Report) -> None:
        for name in (
            "claimed",
            "sent",
            "retried",
            "throttled",
            "failed",
            "lease_lost",
            "gave_up_crashed",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors = (self.errors + other.errors)[-50:]  # a long run must not grow


_TABLE = Notification._meta.db_table
_CLAIM = f"""
UPDATE {_TABLE}
   SET status = 'sending', claimed_by = %s, claimed_until = %s, next_attempt_at = %s,
       attempts = attempts + 1
 WHERE id IN (SELECT id FROM {_TABLE}
               WHERE status IN ('pending', 'sending') AND next_attempt_at <= %s
               ORDER BY next_attempt_at
               LIMIT %s{{lock}})
RETURNING id
"""  # noqa: S608 (the table name comes from the model; every value is a bound parameter)


def give_up_crashed(now: dt.datetime) -> int:
    """Fail rows whose lease ran out after their last allowed attempt: a row that kills
    every worker that touches it must not be retried for ever."""
    return Notification.objects.filter(
        status="sending", next_attempt_at__lte=now, attempts__gte=max_attempts()
    ).update(
        status="failed",
        claimed_by="",
        claimed_until=None,
        last_error="the worker delivering it stopped (crash or kill) on every attempt",
    )


def claim(worker_id: str, batch: int, now: dt.datetime) -> list[Notification]:
    """Claim up to ``batch`` due rows for ``worker_id``; return them with their person."""
    until = connection.ops.adapt_datetimefield_value(now + lease())
    due = connection.ops.adapt_datetimefield_value(now)
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM.format(lock=lock), [worker_id, until, until, due, batch])
        ids = [row[0] for row in cursor.fetchall()]
    rows = Notification.objects.filter(pk__in=ids).select_related("person")
    # Login codes first (someone is waiting at the screen), then the notices in order.
    return sorted(rows, key=lambda n: (n.template != LOGIN_CODE, n.created_at, n.pk))


def _mine(row: Notification, worker_id: str) -> Any:
    return Notification.objects.filter(pk=row.pk, status="sending", claimed_by=worker_id)


def deliver(row: Notification, router: Router, now: dt.datetime) -> str:
    """Render and hand the row to its channel's backends; return the carrier's reference.
    A row whose context says ``expires_at`` (a login code) is failed once that has passed:
    a code that arrives after it stopped working only confuses."""
    expires = row.context.get("expires_at")
    if expires and dt.datetime.fromisoformat(expires) <= now:
        raise PermanentError("expired before it could be delivered (the holder asks again)")
    try:
        rendered = render(
            row.template,
            row.lang,
            unsealed(row.context, row.person),
            template_ids=getattr(settings, "SMS_TEMPLATE_IDS", {}),
        )
    except TemplateError as exc:
        raise PermanentError(str(exc)) from None
    delivery = Delivery(notification=row, person=row.person, rendered=rendered, now=now)
    refs = [backend.send(delivery) for backend in router.backends_for(row.channel)]
    return refs[0]


def settle(row: Notification, worker_id: str, now: dt.datetime, outcome: str | Exception) -> str:
    """Record the outcome of one delivery (fenced on the claim); return what happened."""
    mine = _mine(row, worker_id)
    release: dict[str, Any] = {"claimed_by": "", "claimed_until": None}
    # A secret (a login code) leaves the row once the row is done with, sent or failed.
    done_with = release | ({"context": cleaned} if (cleaned := scrubbed(row.context)) else {})
    if isinstance(outcome, str):
        done = mine.update(
            status="sent", sent_at=now, provider_ref=outcome[:128], last_error="", **done_with
        )
        return "sent" if done else "lease_lost"
    error = pii.mask_text(f"{type(outcome).__name__}: {outcome}")[:400]
    if isinstance(outcome, Throttled):
        done = mine.update(
            status="pending",
            next_attempt_at=outcome.retry_at,
            attempts=F("attempts") - 1,  # waiting for a budget is not a failed try
            last_error=error,
            **release,
        )
        return "throttled" if done else "lease_lost"
    if isinstance(outcome, PermanentError) or row.attempts >= max_attempts():
        done = mine.update(status="failed", last_error=error, **done_with)
        return "failed" if done else "lease_lost"
    done = mine.update(
        status="pending", next_attempt_at=now + backoff(row.attempts), last_error=error, **release
    )
    return "retried" if done else "lease_lost"


def relax_commits() -> None:
    """On PostgreSQL, let this worker's commits return before their WAL reaches disk.

    Safe for the outbox: the notices themselves were committed durably with their state
    change. A database crash can only undo the worker's last fraction of a second of
    claims and marks; those rows become due again and go out with the same delivery key,
    which the key-remembering backends recognise (SMTP, at least once anyway, may repeat).
    It saves one synchronous disk flush per row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")


def run_batch(router: Router, worker_id: str, batch: int, clock: Clock = timezone.now) -> Report:
    relax_commits()
    report = Report(gave_up_crashed=give_up_crashed(clock()))
    rows = claim(worker_id, batch, clock())
    report.claimed = len(rows)
    for row in rows:
        now = clock()
        assert row.claimed_until is not None  # claim() has just set it
        if now >= row.claimed_until:
            # Slow backends ate the lease: another worker may own the rest of the batch now.
            # Leave it to them rather than race them (the key would still save a repeat).
            report.lease_lost += 1
            continue
        outcome: str | Exception
        try:
            outcome = deliver(row, router, now)
        except DeliveryError as exc:
            outcome = exc
        except Exception as exc:  # a bug or an unexpected library error: retry, keep it
            log.exception("notification %s: unexpected error", row.pk)
            outcome = exc
        result = settle(row, worker_id, now, outcome)
        setattr(report, result, getattr(report, result) + 1)
        if not isinstance(outcome, str | Throttled):
            report.errors.append(
                pii.mask_text(f"#{row.pk} {row.channel} {row.template}: {outcome}")
            )
    return report


def run_worker(
    *,
    once: bool,
    worker_id: str | None = None,
    batch: int = 100,
    router: Router | None = None,
    clock: Clock = timezone.now,
    poll_seconds: float = 2.0,
    stop: Callable[[], bool] = lambda: False,
    on_batch: Callable[[Report], None] = lambda r: None,
) -> Report:
    """Claim and deliver batches. ``once``: until nothing is due, then return. Otherwise
    until ``stop()`` says so, sleeping ``poll_seconds`` when the outbox is empty."""
    if batch < 1:
        raise ValueError(f"--batch must be at least 1 (got {batch})")
    worker_id = (worker_id or default_worker_id())[:64]
    router = router or Router.from_settings()
    total = Report()
    while not stop():
        if not connection.in_atomic_block:  # (a caller's transaction, e.g. in a test)
            close_old_connections()  # honour CONN_MAX_AGE, drop a connection that broke
        try:
            report = run_batch(router, worker_id, batch, clock)
        except (OperationalError, InterfaceError):
            if once:
                raise
            # The database went away (restart, failover): claims already made are safe,
            # their leases run out; try again after a pause instead of dying.
            log.exception("notify worker %s: database unavailable, retrying", worker_id)
            connection.close()
            time.sleep(poll_seconds)
            continue
        total.add(report)
        if report.claimed or report.gave_up_crashed:
            on_batch(report)
        if report.claimed:
            continue
        if once:
            break
        time.sleep(poll_seconds)
    return total
