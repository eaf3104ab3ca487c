"""Request and response shapes of the verification API. Every shape forbids unknown fields
(``additionalProperties: false``): an answer can never grow a personal field by accident
(ASVS 8.2.3 / 15.3.1), and a request with a typo is refused instead of half-understood."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

from juzhu.domain.vocabulary import LinkedService


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class StrictBody(BaseModel):
    """Request bodies are plain pydantic models: ninja's ``Schema`` adds a validator that
    reads Django model attributes, which a request body never needs (and it runs on every
    verification)."""

    model_config = ConfigDict(extra="forbid")


HeldForMonths = Annotated[
    int | None,
    Field(
        ge=1,
        le=120,
        description="ask instead: was the permit held continuously, under the city's continuity "
        "rules, for at least this many months up to `on`? Only for purposes that allow it "
        "(school_enrollment, public_rental_housing, points_hukou)",
        examples=[12],
    ),
]


class ByConsentCode(StrictBody):
    """Ask with the one-time code the holder made for you (8 characters, 10 minutes)."""

    purpose: LinkedService = Field(description="the linked service you check the permit for")
    on: dt.date | None = Field(
        None, description="the date the question is about (default: today, Asia/Shanghai)"
    )
    consent_code: str = Field(
        min_length=8,
        max_length=20,
        description="the holder's code, e.g. 7KQ4-XM2P (hyphens and spaces are ignored)",
        examples=["7KQ4-XM2P"],
    )
    held_for_months: HeldForMonths = None


class ByCredential(StrictBody):
    """Ask with the token of the e-permit QR code the holder showed you."""

    purpose: LinkedService = Field(description="the linked service you check the permit for")
    on: dt.date | None = Field(
        None, description="the date the question is about (default: today, Asia/Shanghai)"
    )
    credential: str = Field(
        min_length=1, max_length=2048, description="the token read from the QR code (JZ1.…)"
    )
    held_for_months: HeldForMonths = None


class VerifyAnswer(Strict):
    """Yes or no, and a reference to quote. Nothing else: no ID number, name or address."""

    valid: bool = Field(description="true: the permit is valid in your city on that date")
    answer: Literal["yes", "no"]
    reference: uuid.UUID = Field(description="quote it; the holder sees the same reference")
    purpose: LinkedService
    on: dt.date
    city: str
    checked_at: dt.datetime


class HeldReason(Strict):
    """One reason for a no to ``held_for_months``. Dates only, never personal details."""

    code: Literal["not-valid-on-date", "held-from", "gap", "no-history"] = Field(
        description="not-valid-on-date: the permit is not valid on `on`; held-from: the "
        "permit, or its continuous residence after a late endorsement, starts on `start`, "
        "inside the period; gap: from `start` until `end` (not counted) the permit was "
        "suspended or ended; no-history: the permit was imported from the earlier system "
        "without its history, so continuity cannot be shown"
    )
    start: dt.date | None = Field(description="the first day the reason is about")
    end: dt.date | None = Field(
        description="for a gap, the day counting resumed (the gap is [start, end)); else null"
    )
    detail: str
    detail_zh: str


class HeldAnswer(VerifyAnswer):
    """The answer to `held_for_months`: yes or no, the period asked about, and for a no
    why. Nothing else: no ID number, name or address."""

    valid: bool = Field(
        description="true: the permit was held continuously in your city, under the city's "
        "continuity rules, from `period_start` to `on`"
    )
    question: Literal["held_for_months"]
    held_for_months: int
    period_start: dt.date = Field(description="`on` minus `held_for_months` months")
    reasons: list[HeldReason] = Field(description="empty for yes")


class PublicKey(Strict):
    kid: str
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    alg: Literal["EdDSA"]
    x: str = Field(description="the raw public key, base64url (RFC 8037)")


class PublicKeySet(Strict):
    keys: list[PublicKey]


class StatusListDocument(Strict):
    """A city's signed status list. Bit i (most significant bit first in each byte) of the
    gzip-compressed, base64url-encoded ``encoded_list`` is 1 when the credential with status
    index i must not be relied on. The signature (Ed25519, base64url) covers the canonical
    JSON (sorted keys, no spaces) of every other field."""

    city: str
    version: int
    issued_at: str
    valid_until: str
    size: int
    encoded_list: str
    kid: str
    signature: str
