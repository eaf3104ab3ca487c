"""Tamper evidence outside the database: ``juzhu audit anchor`` and ``juzhu audit verify --anchor``.

An anchor is a JSON file, signed with the audit key's Ed25519 half (``audit_key.py``), that
holds every chain head (record type, id, seq, keyed hash) and, for every log table, its row
count, last id and a digest per block of ``BLOCK`` rows; a Merkle root over all of these is
what is signed. Kept outside the database (a write-once store, a timestamping service,
another machine), it lets ``verify`` tell whether anything it covers was removed, added or
changed since, even by a database superuser who recomputes every plain hash:

- an event rewritten, added or removed inside a chain: its keyed link fails
  (``events.verify_chains``, run by ``verify`` too);
- a chain cut back (its last events deleted and its head reset): the anchored head's event
  is gone or has another hash;
- a record removed: its anchored head has no record;
- a log row removed, added or changed at or below the anchored last id: the first block
  whose digest differs is named, with its rows.

Rows and events written after the anchor are new history, not findings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection
from django.utils import timezone

from juzhu.registry import audit_key
from juzhu.registry.events import RECORD_TYPES

FORMAT = "juzhu-audit-anchor/1"
BLOCK = 1024
# Every log of the history: who read what, who was refused, who signed in, what relying
# parties asked and the seals of that log, what operators did to relying parties, the
# queries refused before any party was known, the admins' edits of shared reference data
# (app label, model). The events are the chains; the policy texts check themselves (``audit replay``:
# each is addressed by its digest).
LOGS = (
    ("registry", "AccessLog"),
    ("backoffice", "Denial"),
    ("backoffice", "SignInAttempt"),
    ("verification", "Verification"),
    ("verification", "VerificationSeal"),
    ("verification", "PartyAction"),
    ("verification", "KeyDenial"),
    ("backoffice", "AdminChange"),
)
CHAINED = tuple(RECORD_TYPES)  # Permit, Application, Appeal, ResidenceRegistration


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def _log_rows(label: str, last_id: int | None = None) -> Iterator[tuple[int, str]]:
    """(id, canonical line) of every row of a log table in id order (up to ``last_id``)."""
    model = apps.get_model(label)
    names = [f.attname for f in model._meta.concrete_fields]
    qs = model._default_manager.order_by("pk")
    if last_id is not None:
        qs = qs.filter(pk__lte=last_id)
    for row in qs.values_list(*names).iterator(chunk_size=5000):
        yield int(row[0]), "\t".join(_value(v) for v in row)


def _blocks(rows: Iterable[tuple[int, str]]) -> tuple[list[str], list[int], int, int]:
    """Per block of ``BLOCK`` rows: its digest and its first row id; the count; the last id."""
    digests: list[str] = []
    firsts: list[int] = []
    count, last_id, h = 0, 0, hashlib.sha256()
    for row_id, line in rows:
        if count % BLOCK == 0:
            if count:
                digests.append(h.hexdigest())
            h = hashlib.sha256()
            firsts.append(row_id)
        h.update(line.encode())
        h.update(b"\n")
        count, last_id = count + 1, row_id
    if count:
        digests.append(h.hexdigest())
    return digests, firsts, count, last_id


def _log_label(app_label: str, model: str) -> str:
    return f"{app_label}.{model}"


def _heads() -> Iterator[list[Any]]:
    for name, record_type in sorted(RECORD_TYPES.items(), key=lambda kv: kv[1]):
        model = apps.get_model("registry", name)
        rows = model._default_manager.filter(last_event_seq__gt=0).order_by("pk")
        for pk, seq, digest in rows.values_list("pk", "last_event_seq", "last_event_hash").iterator(
            chunk_size=20000
        ):
            yield [record_type, str(pk), int(seq), str(digest)]


def _leaf(text: str) -> bytes:
    return hashlib.sha256(b"\x00" + text.encode()).digest()


def leaves(chains: list[list[Any]], logs: dict[str, Any]) -> Iterator[bytes]:
    for record_type, record_id, seq, digest in chains:
        yield _leaf(f"chain\t{record_type}\t{record_id}\t{seq}\t{digest}")
    for label in sorted(logs):
        entry = logs[label]
        yield _leaf(f"log\t{label}\t{entry['count']}\t{entry['last_id']}\t{entry['block']}")
        for i, digest in enumerate(entry["blocks"]):
            yield _leaf(f"block\t{label}\t{i}\t{digest}")


def merkle_root(items: Iterable[bytes]) -> str:
    """RFC 6962-style: leaves prefixed 0x00 (``_leaf``), nodes 0x01; an odd node moves up."""
    level = list(items)
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        nxt = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()


def signed_message(root: str, made_at: str, public: str) -> bytes:
    return f"{FORMAT}\n{root}\n{made_at}\n{public}\n".encode()


def make_anchor() -> dict[str, Any]:
    """The anchor of the history as it is now (every head and log), signed."""
    chains = list(_heads())
    logs: dict[str, Any] = {}
    for app_label, model in LOGS:
        label = _log_label(app_label, model)
        digests, _, count, last_id = _blocks(_log_rows(label))
        logs[label] = {"count": count, "last_id": last_id, "block": BLOCK, "blocks": digests}
    made_at = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    root = merkle_root(leaves(chains, logs))
    public = audit_key.public_key()
    return {
        "format": FORMAT,
        "made_at": made_at,
        "database": connection.vendor,
        "key_id": audit_key.key_id(public),
        "public_key": public,
        "merkle_root": root,
        "signature": audit_key.sign(signed_message(root, made_at, public)),
        "chains": chains,
        "logs": logs,
    }


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    chains: int = 0
    rows: int = 0

    def add(self, text: str) -> None:
        self.problems.append(text)


def check_signature(anchor: dict[str, Any], trusted: set[str]) -> str | None:
    """Why the anchor file cannot be trusted as written, or None."""
    if anchor.get("format") != FORMAT:
        return f"not a juzhu anchor (format {anchor.get('format')!r}, expected {FORMAT})"
    public = str(anchor.get("public_key", ""))
    if public not in trusted:
        return f"signed with key {anchor.get('key_id')}, which is not a trusted audit key"
    root = merkle_root(leaves(anchor["chains"], anchor["logs"]))
    if root != anchor.get("merkle_root"):
        return "the heads and logs in the file do not hash to its Merkle root: the file was edited"
    message = signed_message(root, str(anchor["made_at"]), public)
    if not audit_key.signature_ok(public, str(anchor.get("signature", "")), message):
        return "the signature does not verify: the file was not signed by that key"
    return None


def _chain_findings(anchor: dict[str, Any], out: Findings) -> None:
    anchored = {(t, i): (s, h) for t, i, s, h in anchor["chains"]}
    out.chains = len(anchored)
    found: dict[tuple[str, str], str] = {}
    current: dict[tuple[str, str], int] = {}
    for name, record_type in RECORD_TYPES.items():
        model = apps.get_model("registry", name)
        for pk, seq in model._default_manager.values_list("pk", "last_event_seq").iterator(
            chunk_size=20000
        ):
            current[(record_type, str(pk))] = int(seq)
    events = apps.get_model("registry", "Event")._default_manager
    for record_type, record_id, seq, digest in events.values_list(
        "record_type", "record_id", "seq", "hash"
    ).iterator(chunk_size=20000):
        key = (record_type, str(record_id))
        head = anchored.get(key)
        if head is not None and head[0] == seq:
            found[key] = digest
    for key in sorted(anchored):
        seq, digest = anchored[key]
        where = f"{key[0]} {key[1]}"
        if key not in current:
            out.add(f"{where}: the record is gone (anchored at seq {seq}): removed")
        elif key not in found:
            out.add(
                f"{where}: anchored event seq {seq} is gone; the chain now ends at seq "
                f"{current[key]}: events from seq {min(seq, current[key] + 1)} were removed"
            )
        elif found[key] != digest:
            out.add(f"{where}: event seq {seq} is not the anchored one: the chain was rewritten")


def _dropped_since(label: str, made_at: str) -> list[str]:
    """The months of log ``label`` dropped after ``made_at`` (ADR 11)."""
    from juzhu.registry.models import RetiredPartition

    table = apps.get_model(label)._meta.db_table
    retired = RetiredPartition.objects.filter(
        table=table, retired_at__gt=dt.datetime.fromisoformat(made_at)
    )
    return [
        f"{table} {month:%Y-%m}"
        for month in retired.order_by("month").values_list("month", flat=True)
    ]


def _log_findings(anchor: dict[str, Any], out: Findings) -> None:
    for label, entry in sorted(anchor["logs"].items()):
        block = int(entry["block"])
        if block != BLOCK:
            out.add(f"{label}: anchored in blocks of {block}, this version reads {BLOCK}")
            continue
        if dropped := _dropped_since(label, anchor["made_at"]):
            # blocks are counted in row order: with a month gone, none lines up any more
            out.add(
                f"{label}: {', '.join(dropped)} dropped beyond retention after this anchor "
                "(`juzhu db partitions`, registry_retiredpartition): compare the archived "
                "months with it, and anchor anew"
            )
            continue
        digests, firsts, count, last_id = _blocks(_log_rows(label, int(entry["last_id"])))
        out.rows += count
        for i, digest in enumerate(entry["blocks"]):
            if i >= len(digests) or digests[i] != digest:
                start = i * BLOCK + 1
                first_id = f", from id {firsts[i]}" if i < len(firsts) else ""
                out.add(
                    f"{label}: rows {start}..{start + BLOCK - 1} in id order (block {i}"
                    f"{first_id}) differ from the anchor: a row was removed, added or changed"
                )
                break
        if count != entry["count"]:
            out.add(
                f"{label}: {entry['count']} rows up to id {entry['last_id']} anchored, "
                f"{count} found (rows {'removed' if count < entry['count'] else 'added'})"
            )


def verify_anchor(anchor: dict[str, Any], trusted: set[str]) -> Findings:
    """Everything the anchor covers that is not as it was; the signature first."""
    out = Findings()
    problem = check_signature(anchor, trusted)
    if problem:
        out.add(f"anchor: {problem}")
        return out
    _chain_findings(anchor, out)
    _log_findings(anchor, out)
    return out


def load_anchor(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict) or not {"chains", "logs"} <= data.keys():
        raise ValueError("not a juzhu anchor file (no chains or logs)")
    return data
