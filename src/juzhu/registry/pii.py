"""Personal data at rest: AES-GCM encryption, a keyed blind index, masking in logs.

Keys come from settings (``DATA_KEY``, ``INDEX_KEY``; base64 of 32 bytes), never from the
database. A ciphertext is ``version byte || 12-byte nonce || AES-GCM(plaintext)`` so keys
can rotate later. The blind index is HMAC-SHA256 of the normalised value: equal values
find each other, nothing else can be learned without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from juzhu.registry.idnumbers import mask_id_number, mask_phone

VERSION = b"\x01"


@cache
def _aead(key_b64: str) -> AESGCM:
    return AESGCM(base64.b64decode(key_b64))


@cache
def _index_key(key_b64: str) -> bytes:
    return base64.b64decode(key_b64)


def encrypt(plaintext: str, *, purpose: str) -> bytes:
    """``purpose`` (e.g. "id_number") is bound as associated data: a ciphertext moved to
    another column does not decrypt."""
    nonce = os.urandom(12)
    return (
        VERSION
        + nonce
        + _aead(settings.DATA_KEY).encrypt(nonce, plaintext.encode(), purpose.encode())
    )


def decrypt(blob: bytes, *, purpose: str) -> str:
    blob = bytes(blob)
    if blob[:1] != VERSION:
        raise ValueError("unknown ciphertext version")
    return _aead(settings.DATA_KEY).decrypt(blob[1:13], blob[13:], purpose.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    mac = hmac.new(_index_key(settings.INDEX_KEY), f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()


_ID_RE = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """Mask anything that looks like an ID or mobile number inside free text (logs)."""
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)
