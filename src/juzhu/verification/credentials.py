"""The e-permit credential and the status list, as data: encode, sign, check. No Django, no
database: a relying party (or ``juzhu credential verify``) checks a credential offline with
the public keys and a downloaded status list.

Token: ``JZ1.<payload>.<signature>``, each part base64url without padding. The payload is
compact JSON::

    {"v": 1, "kid": "<key id>", "aud": "<relying party id>", "sub": "<pseudonym>",
     "city": "shenzhen", "nbf": "2026-11-26", "exp": "2026-12-26", "sli": 1234,
     "iat": 1795680000}

``sub`` is the holder's pseudonym for that party alone (``keys.pseudonym``); ``nbf``..``exp``
is the window (inclusive days, Asia/Shanghai) in which the credential may be relied on;
``sli`` is the permit's index in the city's status list. The signature is Ed25519 over the
ASCII bytes ``JZ1.<payload>``. Nothing in it names the person: no ID number, name, address
or permit number.

Status list: the W3C Bitstring Status List idea. Bit ``i`` (most significant bit first in
each byte) is 1 when the credential at index ``i`` must not be relied on (the permit is not
active, is past its endorsement or expiry date, or its holder locked verification). The
list is gzip-compressed, base64url-encoded and signed; it is at least 131,072 bits long so
that one index says little about when its permit was issued (herd privacy).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "JZ1"
MIN_LIST_BITS = 131_072  # 16 KiB, the W3C recommendation's minimum for herd privacy
MAX_TOKEN_CHARS = 2048  # a QR code holds less; anything longer is not ours
CHINA = ZoneInfo("Asia/Shanghai")  # the days in a credential are China Standard Time days


class CredentialError(ValueError):
    """The credential must not be relied on. ``code`` is the problem code of the API."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


@dataclass(frozen=True)
class Claims:
    kid: str
    aud: str
    sub: str
    city: str
    nbf: dt.date
    exp: dt.date
    sli: int
    iat: int

    def as_payload(self) -> dict[str, Any]:
        return {
            "v": 1,
            "kid": self.kid,
            "aud": self.aud,
            "sub": self.sub,
            "city": self.city,
            "nbf": self.nbf.isoformat(),
            "exp": self.exp.isoformat(),
            "sli": self.sli,
            "iat": self.iat,
        }


def sign_token(claims: Claims, key: Ed25519PrivateKey) -> str:
    head = f"{PREFIX}.{b64url(canonical(claims.as_payload()))}"
    return f"{head}.{b64url(key.sign(head.encode()))}"


def _invalid(why: str) -> CredentialError:
    return CredentialError("credential-invalid", f"the credential is not valid: {why}")


def read_token(token: str, keys: Mapping[str, Ed25519PublicKey]) -> Claims:
    """Check the form and the signature; return the claims (dates are not checked here)."""
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise _invalid(f"it is longer than {MAX_TOKEN_CHARS} characters")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise _invalid(f"expected three parts, {PREFIX}.<payload>.<signature>, as in the QR code")
    try:
        payload = json.loads(unb64url(parts[1]))
        signature = unb64url(parts[2])
    except ValueError:
        raise _invalid("a part is not base64url-encoded JSON") from None
    if not isinstance(payload, dict) or payload.get("v") != 1:
        raise _invalid("unknown payload version")
    key = keys.get(str(payload.get("kid")))
    if key is None:
        raise _invalid("it was signed with a key this service does not know")
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode())
    except InvalidSignature:
        raise _invalid("the signature does not match (the token was altered)") from None
    try:
        return Claims(
            kid=str(payload["kid"]),
            aud=str(payload["aud"]),
            sub=str(payload["sub"]),
            city=str(payload["city"]),
            nbf=dt.date.fromisoformat(payload["nbf"]),
            exp=dt.date.fromisoformat(payload["exp"]),
            sli=int(payload["sli"]),
            iat=int(payload["iat"]),
        )
    except (KeyError, TypeError, ValueError):
        raise _invalid("a signed field is missing or malformed") from None


def check_window(claims: Claims, on: dt.date) -> None:
    if on < claims.nbf:
        raise CredentialError(
            "credential-not-yet-valid",
            f"the credential may be relied on from {claims.nbf} only; check the date asked for",
        )
    if on > claims.exp:
        raise CredentialError(
            "credential-expired",
            f"the credential was valid until {claims.exp}; ask the holder to show a fresh QR code",
        )


# -- status lists --------------------------------------------------------------------------


def encode_bits(packed: bytes) -> str:
    return b64url(gzip.compress(packed, mtime=0))


def decode_bits(encoded: str) -> bytes:
    return gzip.decompress(unb64url(encoded))


def bit_at(packed: bytes, index: int) -> int:
    return (packed[index // 8] >> (7 - index % 8)) & 1


def list_size(highest_index: int) -> int:
    """Bits to publish: the used indexes rounded up to whole 16 KiB blocks, at least one."""
    return max(MIN_LIST_BITS, -(-(highest_index + 1) // MIN_LIST_BITS) * MIN_LIST_BITS)


STATUS_FIELDS = ("city", "version", "issued_at", "valid_until", "size", "encoded_list", "kid")


def status_list_payload(doc: Mapping[str, Any]) -> bytes:
    return canonical({k: doc[k] for k in STATUS_FIELDS})


def sign_status_list(doc: Mapping[str, Any], key: Ed25519PrivateKey) -> str:
    return b64url(key.sign(status_list_payload(doc)))


@dataclass(frozen=True)
class StatusListView:
    city: str
    version: int
    valid_until: dt.datetime
    size: int
    bits: bytes

    def revoked(self, index: int) -> bool:
        if not 0 <= index < self.size:
            raise _invalid(f"its status index {index} is outside the city's status list")
        return bit_at(self.bits, index) == 1


def read_status_list(
    doc: Mapping[str, Any], keys: Mapping[str, Ed25519PublicKey]
) -> StatusListView:
    """Check a published status list's signature and shape; return it ready to query."""
    try:
        key = keys.get(str(doc["kid"]))
        if key is None:
            raise CredentialError(
                "status-list-invalid", "the status list was signed with an unknown key"
            )
        key.verify(unb64url(str(doc["signature"])), status_list_payload(doc))
        bits = decode_bits(str(doc["encoded_list"]))
        view = StatusListView(
            city=str(doc["city"]),
            version=int(doc["version"]),
            valid_until=dt.datetime.fromisoformat(str(doc["valid_until"])),
            size=int(doc["size"]),
            bits=bits,
        )
    except InvalidSignature:
        raise CredentialError(
            "status-list-invalid", "the status list's signature does not match"
        ) from None
    except (KeyError, TypeError, ValueError, OSError, EOFError):
        raise CredentialError(
            "status-list-invalid",
            "the status list is malformed; download it again from /api/verification/status-lists/<city>",
        ) from None
    if len(bits) * 8 < view.size:
        raise CredentialError("status-list-invalid", "the status list is shorter than its size")
    return view


def verify_offline(
    token: str,
    keys: Mapping[str, Ed25519PublicKey],
    status: StatusListView | None,
    *,
    now: dt.datetime,
    audience: str | None = None,
) -> Claims:
    """Everything a relying party checks without asking the service. Raises
    ``CredentialError`` naming the first problem; returns the claims when all is well."""
    claims = read_token(token, keys)
    check_window(claims, now.astimezone(CHINA).date())
    if audience is not None and claims.aud != audience:
        raise CredentialError(
            "credential-wrong-party",
            "this credential was made for another relying party; ask the holder for one made for you",
        )
    if status is None:
        return claims
    if status.city != claims.city:
        raise CredentialError(
            "status-list-invalid",
            f"the status list is {status.city}'s but the credential is from {claims.city}",
        )
    if now > status.valid_until:
        raise CredentialError(
            "status-list-stale",
            f"the status list was valid until {status.valid_until.isoformat()}; download a fresh one",
        )
    if status.revoked(claims.sli):
        raise CredentialError(
            "credential-revoked",
            "the status list marks this credential as not to be relied on",
        )
    return claims
