"""Personal data at rest: AES-GCM encryption bound to its row, a keyed blind index, masking
in logs.

Keys come from settings (``DATA_KEY``, ``INDEX_KEY``; base64 of 32 bytes), never from the
database; ``keycheck.py`` refuses a wrong key before anything is written.

A ciphertext (layout 2) is ``0x02 || key id (4 bytes) || 12-byte nonce || AES-GCM(plaintext)``
with the associated data ``purpose 0x1F table:primary key``: a ciphertext copied to another
row, or to another column, does not decrypt (``CiphertextError`` says so), and the key id
names the key that made it, so ``juzhu keys rotate`` can re-encrypt under a new key while the
old one (``JUZHU_DATA_KEY_OLD``) still reads. Layout 1 (``0x01 || nonce || ct``, bound to the
purpose only) is read until a rotation has re-encrypted every row, never written.

The blind index is HMAC-SHA256 of the normalised value: equal values find each other,
nothing else can be learned without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from juzhu.registry import keycheck
from juzhu.registry.idnumbers import mask_id_number, mask_phone

VERSION = b"\x02"
LEGACY = b"\x01"
KID = 4  # bytes of key id


class CiphertextError(ValueError):
    """A stored ciphertext does not open; ``str()`` says why and what to do."""


@cache
def _aead(key_b64: str) -> AESGCM:
    return AESGCM(base64.b64decode(key_b64))


@cache
def _index_key(key_b64: str) -> bytes:
    return base64.b64decode(key_b64)


key_id = keycheck.key_id


def _data_keys() -> dict[bytes, str]:
    """The current data key and the old ones still read during a rotation, by key id."""
    return _keys_by_id(settings.DATA_KEY, tuple(getattr(settings, "DATA_KEYS_OLD", ())))


@cache
def _keys_by_id(current: str, old: tuple[str, ...]) -> dict[bytes, str]:
    return {key_id(k): k for k in (*old, current)}


def row_ref(row: Any) -> str:
    """``table:primary key`` of a model instance (a string is taken as already one)."""
    if isinstance(row, str):
        return row
    if row.pk is None:
        raise ValueError("a ciphertext is bound to its row: give the row its primary key first")
    return f"{row._meta.db_table}:{row.pk}"


def associated_data(purpose: str, row: Any) -> bytes:
    return f"{purpose}\x1f{row_ref(row)}".encode()


def encrypt(plaintext: str, *, purpose: str, row: Any) -> bytes:
    """Encrypt for one field (``purpose``, e.g. "id_number") of one row (a model instance
    with its primary key, or ``row_ref``'s string): both are bound as associated data."""
    keycheck.ensure_keys()
    return encrypt_checked(plaintext, purpose=purpose, row=row)


def encrypt_checked(plaintext: str, *, purpose: str, row: Any) -> bytes:
    """``encrypt`` for a caller that ran ``keycheck.ensure_keys()`` itself (bulk loaders)."""
    nonce = os.urandom(12)
    aad = associated_data(purpose, row)
    sealed = _aead(settings.DATA_KEY).encrypt(nonce, plaintext.encode(), aad)
    return VERSION + key_id(settings.DATA_KEY) + nonce + sealed


def decrypt(blob: bytes, *, purpose: str, row: Any) -> str:
    blob = bytes(blob)
    where = f"the {purpose} of {row_ref(row)}"
    if blob[:1] == VERSION:
        key = _data_keys().get(blob[1 : 1 + KID])
        if key is None:
            raise CiphertextError(
                f"{where} was encrypted under a data key this process does not have: set "
                "JUZHU_DATA_KEY_OLD to the previous key until `juzhu keys rotate` finishes"
            )
        nonce, body = blob[1 + KID : 13 + KID], blob[13 + KID :]
        try:
            return _aead(key).decrypt(nonce, body, associated_data(purpose, row)).decode()
        except InvalidTag:
            raise CiphertextError(
                f"{where} does not decrypt: the ciphertext belongs to another row or field "
                "(copied or swapped in the database) or was altered; restore it from a backup"
            ) from None
    if blob[:1] == LEGACY:
        if keycheck.legacy_retired():
            raise CiphertextError(
                f"{where} is in the old layout 1, which `juzhu keys rotate` retired: it was "
                "put back from an old copy; restore it from a backup"
            )
        for key in _data_keys().values():
            try:
                return _aead(key).decrypt(blob[1:13], blob[13:], purpose.encode()).decode()
            except InvalidTag:
                continue
        raise CiphertextError(f"{where} does not decrypt under any data key this process has")
    raise CiphertextError(f"{where}: unknown ciphertext version {blob[:1]!r}")


def needs_rotation(blob: bytes | None) -> bool:
    """True when the ciphertext is not in layout 2 under the current data key."""
    if blob is None:
        return False
    blob = bytes(blob)
    return blob[:1] != VERSION or blob[1 : 1 + KID] != key_id(settings.DATA_KEY)


def blind_index(value: str, *, purpose: str) -> str:
    keycheck.ensure_keys()
    mac = hmac.new(_index_key(settings.INDEX_KEY), f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


_ID_RE = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """Mask anything that looks like an ID or mobile number inside free text (logs)."""
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)
