"""Reads of the verification service.

``receipts_for_holder`` is the holder's "who verified my permit" list: the registry's access
log (``registry.selectors.access_log_for_holder``, rows with ``viewer_kind="relying_party"``)
joined to the audit rows by their reference, so the holder sees the outcome too.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from juzhu.registry.models import Person
from juzhu.registry.selectors import access_log_for_holder
from juzhu.verification import keys
from juzhu.verification.models import Verification


@dataclass(frozen=True)
class HolderReceipt:
    at: dt.datetime
    party_id: str
    party_name: str
    purpose: str
    reference: str
    method: str
    outcome: str  # yes | no | refused
    problem: str  # why it was refused, e.g. consent-code-used
    held_for_months: int | None = None  # the question: None for "valid on D"


def receipts_for_holder(person: Person, limit: int = 200) -> list[HolderReceipt]:
    logs = list(
        access_log_for_holder(person)
        .filter(viewer_kind="relying_party", record_type="verification")
        .values_list("at", "viewer_id", "viewer_name", "purpose", "record_id")[:limit]
    )
    audit: dict[uuid.UUID | None, tuple[str, str, str, int | None]] = {
        ref: (method, outcome, problem, months)
        for ref, method, outcome, problem, months in Verification.objects.filter(
            reference__in=[row[4] for row in logs]
        ).values_list("reference", "method", "outcome", "problem", "held_for_months")
    }
    receipts = []
    for at, party_id, party_name, purpose, ref in logs:
        method, outcome, problem, months = audit.get(ref, ("", "", "", None))
        receipts.append(
            HolderReceipt(
                at, party_id, party_name, purpose, str(ref), method, outcome, problem, months
            )
        )
    return receipts


def public_key_set() -> dict[str, Any]:
    """The keys that sign credentials and status lists, JWK-style (RFC 8037, OKP Ed25519)."""
    return {
        "keys": [
            {
                "kid": kid,
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "x": base64.urlsafe_b64encode(keys.raw_public(key)).rstrip(b"=").decode(),
            }
            for kid, key in keys.public_keys().items()
        ]
    }


def keys_from_set(doc: dict[str, Any]) -> dict[str, Any]:
    """Public keys by id from a published key set (the inverse of ``public_key_set``)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from juzhu.verification.credentials import unb64url

    return {
        str(k["kid"]): Ed25519PublicKey.from_public_bytes(unb64url(str(k["x"])))
        for k in doc.get("keys", [])
        if k.get("kty") == "OKP" and k.get("crv") == "Ed25519"
    }
