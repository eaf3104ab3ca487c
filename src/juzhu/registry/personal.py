"""Personal details inside event bodies, sealed with the person's own key (crypto-shredding).

``seal(person_id, mapping)`` returns a copy of ``mapping`` in which the value of every key in
``PI_KEYS`` (at any depth) is replaced by ``"pi1:" + base64url(nonce || AES-GCM(json))``
under the person's key, with ``person_id:key`` as associated data (a sealed value moved to
another person or field does not open). ``reveal(person_id, value)`` opens one again,
or says it was erased once the key is destroyed (``shred``).

The chain hash is computed over the stored body, ciphertext included (``events.py``), so
destroying a key changes no stored byte: ``juzhu audit verify`` still passes after a purge.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError, transaction
from django.utils import timezone

from juzhu.registry import keycheck, pii
from juzhu.registry.models_privacy import PersonKey

PREFIX = "pi1:"
# The keys of event ``inputs`` / ``data`` whose values are personal details (the address,
# the facts found about the person, the person's own statements, contact details). Policy
# ids, dates, statuses and case numbers stay readable: replay and history need them.
PI_KEYS = frozenset(
    {
        "address",
        "from",
        "facts",
        "answer",
        "statement",
        "comment",
        "phone",
        "mobile",
        "email",
        "id_number",
    }
)
TRACE_PI_KEYS = PI_KEYS | {"to"}
ERASED = "（已按保存期限删除 erased at the end of its retention period）"


def _row(person_id: uuid.UUID) -> str:
    return f"registry_person:{person_id}"


def wrap(person_id: uuid.UUID, key: bytes) -> bytes:
    """The person's key sealed under ``DATA_KEY`` through ``pii`` (its key id, bound to the
    person), so ``juzhu keys rotate`` re-wraps it like any other ciphertext."""
    plain = base64.b64encode(key).decode()
    return pii.encrypt_checked(plain, purpose="person_key", row=_row(person_id))


def unwrap(person_id: uuid.UUID, wrapped: bytes) -> bytes:
    return base64.b64decode(pii.decrypt(wrapped, purpose="person_key", row=_row(person_id)))


def _new_key(person_id: uuid.UUID) -> bytes:
    key = AESGCM.generate_key(bit_length=256)
    keycheck.ensure_keys()
    try:
        with transaction.atomic():
            PersonKey.objects.create(person_id=person_id, wrapped=wrap(person_id, key))
    except IntegrityError:  # made meanwhile by another transaction: use that one
        found = person_key(person_id)
        if found is None:
            raise
        return found
    return key


def person_key(person_id: uuid.UUID) -> bytes | None:
    """The person's key, or None if it was destroyed (or never made)."""
    row = PersonKey.objects.filter(person_id=person_id).values_list("wrapped", flat=True).first()
    if not row:
        return None
    return unwrap(person_id, bytes(row))


class PendingKeys:
    """Keys made for people not saved yet (the demo ledger builds a whole city in memory):
    ``rows`` are saved by the caller after the people (``demo_ledger.flush``)."""

    def __init__(self) -> None:
        self.keys: dict[uuid.UUID, bytes] = {}
        self.rows: list[PersonKey] = []

    def key_for(self, person_id: uuid.UUID) -> bytes:
        if person_id not in self.keys:
            key = AESGCM.generate_key(bit_length=256)
            self.rows.append(PersonKey(person_id=person_id, wrapped=wrap(person_id, key)))
            self.keys[person_id] = key
        return self.keys[person_id]


class Sealer:
    """Seals values for one person, making the person's key on first use (in ``pending``
    when given, else in the database)."""

    def __init__(self, person_id: uuid.UUID, pending: PendingKeys | None = None) -> None:
        self.person_id = person_id
        self.pending = pending
        self._key: bytes | None = None

    def _aead(self) -> AESGCM:
        if self._key is None:
            if self.pending is not None:
                self._key = self.pending.key_for(self.person_id)
            else:
                self._key = person_key(self.person_id) or _new_key(self.person_id)
        return AESGCM(self._key)

    def seal_value(self, field: str, value: Any) -> str:
        nonce = os.urandom(12)
        plain = json.dumps(value, ensure_ascii=False, default=str).encode()
        blob = nonce + self._aead().encrypt(nonce, plain, f"{self.person_id}:{field}".encode())
        return PREFIX + base64.urlsafe_b64encode(blob).decode().rstrip("=")

    def seal(self, value: Any, keys: frozenset[str] = PI_KEYS) -> Any:
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for k, v in value.items():
                empty = v is None or v == "" or v == [] or v == {}
                if str(k) in keys and not empty and not _is_sealed(v):
                    out[str(k)] = self.seal_value(str(k), v)
                else:
                    out[str(k)] = self.seal(v, keys)
            return out
        if isinstance(value, list | tuple):
            return [self.seal(v, keys) for v in value]
        return value

    def seal_trace(self, trace: Any) -> list[Any]:
        """A rule trace: only each step's ``facts`` can hold personal details (a move's
        ``from`` and ``to`` addresses); rule ids, values and citations stay readable."""
        out = []
        for step in trace:
            if isinstance(step, Mapping) and isinstance(step.get("facts"), Mapping):
                step = {**step, "facts": self.seal(step["facts"], TRACE_PI_KEYS)}
            out.append(step)
        return out


def _is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(person_id: uuid.UUID | None, value: Any) -> Any:
    """``value`` with its personal details sealed; unchanged when there is no person."""
    return value if person_id is None else Sealer(person_id).seal(value)


def reveal(person_id: uuid.UUID, value: Any, *, field: str = "", key: bytes | None = None) -> Any:
    """``value`` with every sealed detail opened (``ERASED`` where the key was destroyed)."""
    if key is None and _contains_sealed(value):
        key = person_key(person_id) or b""
    if isinstance(value, Mapping):
        return {k: reveal(person_id, v, field=str(k), key=key) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(person_id, v, field=field, key=key) for v in value]
    if not _is_sealed(value):
        return value
    if not key:
        return ERASED
    raw = base64.urlsafe_b64decode(value[len(PREFIX) :] + "==")
    try:
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], f"{person_id}:{field}".encode())
    except InvalidTag:
        return ERASED
    return json.loads(plain)


def _contains_sealed(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_contains_sealed(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_sealed(v) for v in value)
    return _is_sealed(value)


def shred(person_id: uuid.UUID) -> bool:
    """Destroy the person's key for good; True if there was one to destroy."""
    return bool(
        PersonKey.objects.filter(person_id=person_id, shredded_at__isnull=True).update(
            wrapped=b"", shredded_at=timezone.now()
        )
    )
