"""The office's electronic seal on its letters: an Ed25519 signature, detached from the PDF.

What is signed is one line per fact: ``juzhu-letter-seal/1``, the letter's number and the
SHA-256 of the PDF's bytes. So a seal is bound to this letter and to these exact bytes; a
PDF edited by one byte, or a seal moved to another letter, no longer verifies. The private
key is ``JUZHU_SEAL_KEY`` (a 32-byte seed from the secrets manager, never the database); the
public key and its id are printed on every letter and by ``juzhu letter key`` so anyone can
check a letter offline: ``juzhu letter verify FILE.pdf`` (with ``FILE.pdf.seal`` beside it,
or the registry's record of the letter).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

DOMAIN = "juzhu-letter-seal/1"


def _private() -> Ed25519PrivateKey:
    seed = base64.b64decode(settings.SEAL_KEY)
    if len(seed) != 32:
        raise ValueError("JUZHU_SEAL_KEY must be base64 of 32 bytes (an Ed25519 seed)")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key() -> str:
    raw = _private().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(public: str | None = None) -> str:
    """A short name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(base64.b64decode(public or public_key())).hexdigest()[:16]


def message(number: str, sha256: str) -> bytes:
    return f"{DOMAIN}\n{number}\n{sha256}\n".encode()


def sign(number: str, sha256: str) -> str:
    return base64.b64encode(_private().sign(message(number, sha256))).decode()


@dataclass(frozen=True)
class Seal:
    """The detached seal of one PDF (written beside it as ``<file>.seal``, JSON)."""

    letter: str
    sha256: str
    key_id: str
    public_key: str
    signature: str

    def as_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Seal:
        data: dict[str, Any] = json.loads(text)
        return cls(
            **{k: str(data[k]) for k in ("letter", "sha256", "key_id", "public_key", "signature")}
        )


def seal_for(number: str, pdf: bytes) -> Seal:
    digest = hashlib.sha256(pdf).hexdigest()
    public = public_key()
    return Seal(number, digest, key_id(public), public, sign(number, digest))


def check(seal: Seal, pdf: bytes, trusted: set[str]) -> str | None:
    """Why ``pdf`` is not what ``seal`` sealed with a trusted key, or None when it is.
    ``trusted``: the public keys (base64) the checker accepts (the office's, published)."""
    digest = hashlib.sha256(pdf).hexdigest()
    if digest != seal.sha256:
        return f"the file's SHA-256 {digest[:16]}… is not the sealed {seal.sha256[:16]}…: altered"
    if seal.public_key not in trusted:
        return f"sealed with key {seal.key_id}, which is not the office's (not trusted)"
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(seal.public_key))
        key.verify(base64.b64decode(seal.signature), message(seal.letter, seal.sha256))
    except (InvalidSignature, ValueError):
        return "the signature does not verify: the seal was not made by that key for this file"
    return None
