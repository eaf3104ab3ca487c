"""Append events to a record's hash chain, and verify every chain.

``hash = HMAC-SHA256(chain key, prev_hash + "\\n" + body)`` where ``body`` is the stored JSON
text of the event and the chain key comes from ``JUZHU_AUDIT_KEY``, kept outside the database
(``audit_key.py``): whoever rewrites a row cannot recompute its link without the key. The same
formula runs in SQL for set-based appends (``sweep_sql.py``, RFC 2104 over PostgreSQL's
``sha256``) and in the legacy import's workers (``legacy_import_rows.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from juzhu.registry import personal
from juzhu.registry.audit_key import chain_key
from juzhu.registry.models import GENESIS_HASH, Chained, Event

RECORD_TYPES = {
    "Permit": "permit",
    "Application": "application",
    "Appeal": "appeal",
    "ResidenceRegistration": "registration",
}


def chain_hash(prev_hash: str, body: str) -> str:
    return hmac.new(chain_key(), f"{prev_hash}\n{body}".encode(), hashlib.sha256).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):  # StrEnum
        return value.value
    return value


def canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(_plain(body), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class NewEvent:
    name: str
    on: dt.date
    data: Mapping[str, Any]


def build_events(
    record: Chained,
    new: Sequence[NewEvent],
    *,
    actor: str,
    reason: str = "",
    policy: Mapping[str, str] | None = None,
    inputs: Mapping[str, Any] | None = None,
    trace: Sequence[Any] = (),
    dedupe_key: str | None = None,
    occurred_at: dt.datetime | None = None,
    pending_keys: personal.PendingKeys | None = None,
) -> list[Event]:
    """Event rows for ``new``, chained after the record's head; moves the head in memory.

    ``occurred_at`` defaults to now (a back-dated history, e.g. the demo, passes its own).
    ``pending_keys``: people not saved yet get their keys there (the demo ledger).

    The caller first saves the record under its optimistic lock, then inserts these rows, in
    one transaction (``services.apply_transition``).
    """
    record_type = RECORD_TYPES[type(record).__name__]
    now = occurred_at or timezone.now()
    city = record.city
    # Personal details go into the body sealed with the person's key (``personal.py``):
    # the hash covers the ciphertext, so destroying the key later breaks no chain.
    sealer = personal.Sealer(record.person_id, pending_keys)
    inputs = sealer.seal(dict(inputs or {}))
    sealed_trace = sealer.seal_trace(_plain(list(trace)))
    rows = []
    for i, item in enumerate(new):
        seq = record.last_event_seq + 1
        key = dedupe_key if i == 0 else None
        body = canonical(
            {
                "record_type": record_type,
                "record_id": str(record.pk),
                "seq": seq,
                "name": item.name,
                "on": item.on,
                "at": now,
                "actor": actor,
                "reason": reason,
                "city": city,
                "policy": dict(policy or {}),
                "inputs": inputs,
                "trace": sealed_trace,
                "data": sealer.seal(dict(item.data)),
                "dedupe_key": key,
            }
        )
        digest = chain_hash(record.last_event_hash, body)
        rows.append(
            Event(
                city=city,
                record_type=record_type,
                record_id=record.pk,
                seq=seq,
                name=item.name,
                on_date=item.on,
                occurred_at=now,
                actor=actor,
                dedupe_key=key,
                body=body,
                prev_hash=record.last_event_hash,
                hash=digest,
            )
        )
        record.last_event_seq, record.last_event_hash = seq, digest
    return rows


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    record_type: str
    record_id: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"event {self.event_id} ({self.record_type} {self.record_id}, seq {self.seq}): {self.problem}"


def _heads() -> dict[tuple[str, str], tuple[int, str]]:
    from juzhu.registry.models import Appeal, Application, Permit, ResidenceRegistration

    heads: dict[tuple[str, str], tuple[int, str]] = {}
    for model in (Permit, Application, Appeal, ResidenceRegistration):
        record_type = RECORD_TYPES[model.__name__]
        for pk, seq, digest in model.objects.values_list(
            "pk", "last_event_seq", "last_event_hash"
        ).iterator(chunk_size=20000):
            heads[(record_type, str(pk))] = (seq, digest)
    return heads


def verify_chains(progress: Any = None) -> tuple[int, BrokenLink | None]:
    """Walk every chain in order; return (events checked, the first broken link or None)."""
    heads = _heads()
    checked = 0
    current: tuple[str, str] | None = None
    prev_hash, prev_seq = GENESIS_HASH, 0
    first_id = last_id = -1
    rows = Event.objects.order_by("record_type", "record_id", "seq").values_list(
        "id", "record_type", "record_id", "seq", "name", "on_date", "body", "prev_hash", "hash"
    )
    for event_id, record_type, record_id, seq, name, on_date, body, stored_prev, digest in _stream(
        rows
    ):
        key = (record_type, str(record_id))
        if key != current:
            if current is not None:
                broken = _check_head(current, prev_seq, prev_hash, heads, (first_id, last_id))
                if broken:
                    return checked, broken
            current, prev_hash, prev_seq, first_id = key, GENESIS_HASH, 0, event_id

        problem = _link_problem(
            prev_seq,
            prev_hash,
            seq,
            stored_prev,
            digest,
            body,
            (name, seq, str(record_id), on_date.isoformat()),
        )
        if problem:
            return checked, BrokenLink(event_id, record_type, str(record_id), seq, problem)
        prev_hash, prev_seq, last_id = digest, seq, event_id
        checked += 1
        if progress is not None:
            progress(1)
    if current is not None:
        broken = _check_head(current, prev_seq, prev_hash, heads, (first_id, last_id))
        if broken:
            return checked, broken
    for (record_type, record_id), (seq, _) in heads.items():
        # every chain met above was popped; what is left has a head but no events at all
        if seq:
            return checked, BrokenLink(
                -1, record_type, record_id, seq, "the record has a chain head but no events"
            )
    return checked, None


def _link_problem(
    prev_seq: int,
    prev_hash: str,
    seq: int,
    stored_prev: str,
    digest: str,
    body: str,
    columns: tuple[str, int, str, str],
) -> str | None:
    if seq != prev_seq + 1:
        return f"sequence jumps from {prev_seq} to {seq}: an event is missing"
    if stored_prev != prev_hash:
        return "prev_hash does not match the previous event's hash"
    if chain_hash(prev_hash, body) != digest:
        return "hash does not match the body: the event was altered"
    try:
        parsed = json.loads(body)
    except ValueError:
        return "body is not valid JSON"
    if (
        parsed.get("name"),
        parsed.get("seq"),
        parsed.get("record_id"),
        parsed.get("on"),
    ) != columns:
        return "indexed columns disagree with the hashed body"
    return None


def _check_head(
    key: tuple[str, str],
    seq: int,
    digest: str,
    heads: dict[tuple[str, str], tuple[int, str]],
    event_ids: tuple[int, int],
) -> BrokenLink | None:
    """``event_ids``: the chain's first and last event (the first is named when the whole
    chain is orphaned, the last when the head disagrees with where the chain ends)."""
    head = heads.pop(key, None)
    if head is None:
        # Records are never deleted (PROTECT everywhere): events whose record is gone, or of
        # a type no table holds, lost the head that proves where their chain ends.
        return BrokenLink(
            event_ids[0],
            key[0],
            key[1],
            1,
            "events of a record with no chain head: the record was removed or never existed",
        )
    if head != (seq, digest):
        return BrokenLink(
            event_ids[1],
            key[0],
            key[1],
            seq,
            f"the record's chain head is seq {head[0]} but the log ends at seq {seq}: "
            "events were removed or the head was rewritten",
        )
    return None


def _stream(rows: Any) -> Iterator[Any]:
    if connection.vendor == "postgresql":
        yield from rows.iterator(chunk_size=20000)
    else:
        yield from rows.iterator(chunk_size=5000)
