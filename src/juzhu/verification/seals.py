"""Seal the verification audit log into a hash chain of blocks, and check the seals.

Why not chain each audit row as it is written (as the registry chains a permit's events)?
A chain needs its previous hash, so every verification would wait on one lock — the chain
head — and a school's enrolment rush would run one query at a time. And chaining onto the
*permit's* own chain would bump the permit's optimistic-lock version on every query, so an
officer editing a permit would see a spurious conflict whenever a bank checked it.

Instead (X-Road's message-log archives do the same): rows are plain inserts into an
append-only table (a trigger refuses UPDATE, DELETE and TRUNCATE, migration 0002); a job
(``juzhu verification seal``, every few minutes) hashes the rows written since the last
seal, in id order, into a block: ``hash = HMAC(chain key, prev_hash + "\\n" + rows_digest)``,
keyed like the registry's chains (``events.chain_hash``, ``JUZHU_AUDIT_KEY``), so a rewritten
row cannot be resealed by someone without the key; one run at a time (``_take_seal_lock``).
``juzhu verification audit`` recomputes every block and names the first that does not match.

Only rows older than ``MARGIN`` are sealed: ids are given when a row is inserted but become
visible when its transaction commits, so a slow transaction could otherwise commit a row
into a range already sealed (``audit`` would then report that block, not miss the row).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from juzhu.registry.events import chain_hash
from juzhu.registry.models import GENESIS_HASH, RetiredPartition
from juzhu.verification.models import Verification, VerificationSeal

MARGIN = dt.timedelta(minutes=5)
FIELDS = (
    "id",
    "reference",
    "at",
    "city",
    "party_id",
    "key_id",
    "method",
    "purpose",
    "on_date",
    "outcome",
    "problem",
    "permit_id",
    "person_id",
    "held_for_months",
)


def _line(row: tuple[Any, ...]) -> str:
    if row[-1] is None:
        # "valid on D" (no held_for_months): the line is the one sealed before the question
        # had a column, so older seals still match
        row = row[:-1]
    values = []
    for value in row:
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat(timespec="microseconds")
        elif isinstance(value, dt.date):
            value = value.isoformat()
        values.append("" if value is None else str(value))
    return "\t".join(values)


def rows_digest(rows: Iterable[tuple[Any, ...]]) -> tuple[str, int]:
    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(_line(row).encode())
        digest.update(b"\n")
        count += 1
    return digest.hexdigest(), count


def _rows(first: int, last: int) -> Iterable[tuple[Any, ...]]:
    qs = Verification.objects.filter(id__gte=first, id__lte=last).order_by("id")
    return qs.values_list(*FIELDS).iterator(chunk_size=20_000)


# pg_advisory_xact_lock's key for the seal chain ("juzhuseal" as a number, any fixed value).
SEAL_LOCK = 0x6A757A6873656C


def _take_seal_lock() -> None:
    """Two seal runs at once would both read the same head and both chain a block onto it:
    a fork that ``verify_seals`` reports for ever. One run at a time: PostgreSQL queues them
    on an advisory lock held until the block commits; SQLite's IMMEDIATE transactions
    (settings) already take the one write lock at BEGIN."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])


def do_seal(*, now: dt.datetime | None = None, batch: int = 100_000) -> list[VerificationSeal]:
    """Seal every unsealed row older than ``MARGIN``, ``batch`` rows per block, one block per
    transaction under the seal lock (a second run waits, then carries on from the new head)."""
    now = now or timezone.now()
    sealed: list[VerificationSeal] = []
    while True:
        with transaction.atomic():
            _take_seal_lock()
            head = VerificationSeal.objects.order_by("-last_id").first()
            after = head.last_id if head else 0
            ids = list(
                Verification.objects.filter(id__gt=after, at__lt=now - MARGIN)
                .order_by("id")
                .values_list("id", flat=True)[:batch]
            )
            if not ids:
                return sealed
            digest, count = rows_digest(_rows(after + 1, ids[-1]))
            prev = head.hash if head else GENESIS_HASH
            sealed.append(
                VerificationSeal.objects.create(
                    first_id=after + 1,
                    last_id=ids[-1],
                    count=count,
                    prev_hash=prev,
                    hash=chain_hash(prev, digest),
                )
            )


def verify_seals() -> tuple[int, str | None]:
    """(rows checked, the first problem or None). After months of the log were dropped
    beyond retention (``juzhu db partitions --detach-before``, ADR 11), the chain is checked
    from where it resumes: the seal after the one holding the last dropped row, from that
    seal's hash as recorded (checked end to end) before the drop."""
    prev, checked, expected_first = GENESIS_HASH, 0, 1
    seals = VerificationSeal.objects.order_by("last_id")
    retired = (
        RetiredPartition.objects.filter(
            table=Verification._meta.db_table, resume_first_id__isnull=False
        )
        .order_by("-resume_first_id")
        .first()
    )
    if retired and retired.resume_first_id is not None:
        prev, expected_first = retired.resume_prev_hash, retired.resume_first_id
        before = seals.filter(last_id=expected_first - 1).first()
        if before is None or before.hash != prev:
            return 0, (
                f"the seal ending at audit row {expected_first - 1}, where the chain resumes "
                f"after the months dropped up to {retired.month:%Y-%m}, is missing or altered"
            )
        seals = seals.filter(first_id__gte=expected_first)
    for seal in seals:
        where = f"seal {seal.id} (audit rows {seal.first_id}..{seal.last_id})"
        if seal.first_id != expected_first or seal.prev_hash != prev:
            return checked, f"{where}: does not follow the previous seal (a seal was removed)"
        digest, count = rows_digest(_rows(seal.first_id, seal.last_id))
        if count != seal.count:
            return checked, f"{where}: sealed {seal.count} rows, found {count} (rows added or removed)"  # fmt: skip
        if chain_hash(prev, digest) != seal.hash:
            return checked, f"{where}: the rows no longer match their seal (a row was altered)"
        prev, checked, expected_first = seal.hash, checked + count, seal.last_id + 1
    return checked, None


# -- months dropped beyond retention (``juzhu db partitions``, ADR 11) ---------------------


def retirement_refusal(top_id: int | None) -> str | None:
    """Why a month of the log whose last row is ``top_id`` must be kept, or None: rows not
    sealed yet, or a seal chain that does not verify (checked end to end before a drop)."""
    head = VerificationSeal.objects.order_by("-last_id").first()
    if top_id is not None and (head is None or head.last_id < top_id):
        return f"rows up to id {top_id} are not sealed yet; run `juzhu verification seal` first"
    _, problem = verify_seals()
    return f"the seals do not verify ({problem})" if problem else None


def resume_after(last_id: int) -> dict[str, Any]:
    """Where the chain resumes once rows up to ``last_id`` are gone: after the seal holding
    ``last_id``, from its hash."""
    seal = VerificationSeal.objects.get(first_id__lte=last_id, last_id__gte=last_id)
    return {"resume_first_id": seal.last_id + 1, "resume_prev_hash": seal.hash}


def covering(first_id: int, last_id: int) -> list[dict[str, Any]]:
    """The seals of rows ``first_id``..``last_id``, for a dropped month's manifest."""
    blocks = VerificationSeal.objects.filter(last_id__gte=first_id, first_id__lte=last_id)
    fields = ("id", "first_id", "last_id", "count", "prev_hash", "hash")
    return [dict(row) for row in blocks.order_by("last_id").values(*fields)]
