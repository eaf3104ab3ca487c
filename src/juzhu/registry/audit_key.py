"""The audit key: what makes the history's hashes and seals unforgeable from inside the database.

``JUZHU_AUDIT_KEY`` is a 32-byte seed (base64) from the secrets manager, like the letter seal's
``JUZHU_SEAL_KEY``; it never touches the database. Two keys come from it:

- the **chain key** (HMAC-SHA256): every event's link ``hash = HMAC(chain key, prev ‖ "\\n" ‖
  body)`` and every verification-log seal. Someone who can write to the database but does not
  hold the key cannot recompute a link after changing a row: ``juzhu audit verify`` names the
  first event whose link no longer matches.
- the **signing key** (Ed25519, the seed itself): ``juzhu audit anchor`` signs a digest of every
  chain head and log, kept outside the database, so a truncation (which leaves a shorter chain
  whose every link is still valid) is caught too. Only the public key is needed to check it.

The set-based sweep computes its links in SQL (``sweep_sql.py``) and so sends the HMAC's padded
keys as statement parameters; they are never stored, but a superuser logging statement
parameters could see them. The Ed25519 anchor does not depend on them: its private key never
leaves the process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

CHAIN_LABEL = b"juzhu-audit-chain/1"


@lru_cache(maxsize=4)
def _seed(value: str) -> bytes:
    try:
        seed = base64.b64decode(value, validate=True)
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise ValueError(
            "JUZHU_AUDIT_KEY must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`)"
        )
    return seed


def _configured() -> bytes:
    return _seed(str(settings.AUDIT_KEY))


@lru_cache(maxsize=4)
def _derive(seed: bytes) -> bytes:
    return hmac.new(seed, CHAIN_LABEL, hashlib.sha256).digest()


def chain_key() -> bytes:
    """The HMAC key of the event chains and the log seals (derived, 32 bytes)."""
    return _derive(_configured())


def hmac_pads() -> tuple[bytes, bytes]:
    """The chain key's RFC 2104 inner and outer padded keys, for computing the HMAC in SQL as
    ``sha256(outer || sha256(inner || message))`` (PostgreSQL's built-in ``sha256``)."""
    key = chain_key().ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def _private() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_configured())


def public_key() -> str:
    raw = _private().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(public: str) -> str:
    """A short name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(base64.b64decode(public)).hexdigest()[:16]


def sign(message: bytes) -> str:
    return base64.b64encode(_private().sign(message)).decode()


def signature_ok(public: str, signature: str, message: bytes) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public))
        key.verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True
