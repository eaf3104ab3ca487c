"""Verification tables. Relying parties themselves are ``registry.RelyingParty``.

Every row carries its city (the jurisdiction, the partition and shard key). Secrets are
never stored: an API key is kept as its SHA-256, a consent code as a keyed HMAC (see
``keys.py`` for why each). The audit table ``Verification`` is append-only (a trigger,
migration 0002) and tamper-evident once sealed (``VerificationSeal``).
"""

from __future__ import annotations

import uuid

from django.db import models

from juzhu.registry.models import GENESIS_HASH, Permit, Person, RelyingParty


class ApiKey(models.Model):
    """A relying party's API key. Only ``key_hash`` (SHA-256 of the whole key) is stored;
    ``prefix`` is the public part shown in the admin and in logs to tell keys apart.

    Rotation issues a new key and sets ``not_after`` on the old one (a grace period for the
    party to switch); revocation sets ``revoked_at`` and takes effect on the next request.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    party = models.ForeignKey(RelyingParty, on_delete=models.PROTECT, related_name="api_keys")
    city = models.CharField(max_length=32)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=64, default="", blank=True)
    per_minute = models.PositiveIntegerField()
    per_day = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=64, default="")
    not_after = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=64, default="", blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.party_id})"


class ConsentCode(models.Model):
    """A one-time code the holder gives one relying party for one purpose (10 minutes).

    Looked up by (party, HMAC of the code): another party's code is simply not found.
    """

    id = models.BigAutoField(primary_key=True)
    city = models.CharField(max_length=32)
    # party_id leads the unique constraint's index; a second index would only cost inserts
    party = models.ForeignKey(
        RelyingParty, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The holder withdrew the consent before it was used (``services.do_revoke_consent_code``;
    # ``expires_at`` is moved to the same instant, so every path refuses it).
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # No other index: using a code changes ``used_at`` only, and with free space left on
        # each page (fillfactor, migration 0002) PostgreSQL updates the row in place without
        # touching any index. The nightly purge can afford a scan.
        constraints = [
            models.UniqueConstraint(fields=["party", "code_hash"], name="one_code_per_party_hash")
        ]


class Verification(models.Model):
    """One query by a relying party (the audit event), whatever its outcome.

    Append-only. Foreign keys carry no database constraint and no index on purpose: an
    audit row must outlive what it mentions, and inserting it on the hot path should
    neither lock the party, key or permit rows nor update four more indexes. The holder's receipt is the ``registry.AccessLog`` row whose
    ``record_id`` is this row's ``reference``.
    """

    OUTCOMES = [("yes", "yes"), ("no", "no"), ("refused", "refused")]
    METHODS = [("consent_code", "consent code"), ("credential", "credential")]

    id = models.BigAutoField(primary_key=True)
    reference = models.UUIDField(unique=True)
    at = models.DateTimeField()
    city = models.CharField(max_length=32)
    party = models.ForeignKey(
        RelyingParty,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    key = models.ForeignKey(
        ApiKey, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    method = models.CharField(max_length=16, choices=METHODS)
    purpose = models.CharField(max_length=32)
    on_date = models.DateField()
    outcome = models.CharField(max_length=8, choices=OUTCOMES)
    problem = models.CharField(max_length=40, default="", blank=True)
    permit = models.ForeignKey(
        Permit,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # The question asked: null for "valid on D", N for "held continuously for at least N
    # months up to D" (questions.py). Nullable so that adding it kept the table (and its
    # append-only triggers) as it was, and the fast path writes null without naming it.
    held_for_months = models.PositiveSmallIntegerField(null=True, blank=True)

    # Indexes: the primary key (ids follow time: a party's statement for a period is an id
    # range) and ``reference`` (the holder's receipt points here). Nothing more on the hot path.


class VerificationSeal(models.Model):
    """A block of audit rows (``first_id``..``last_id``) hashed into one chain.

    ``hash = HMAC(audit chain key, prev_hash + "\\n" + digest of the rows)`` (``seals.py``); ``juzhu verification seal``
    adds blocks and ``juzhu verification audit`` re-checks them (like ``juzhu audit verify``).
    """

    id = models.BigAutoField(primary_key=True)
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField(unique=True)
    count = models.PositiveIntegerField()
    sealed_at = models.DateTimeField(auto_now_add=True)
    prev_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    hash = models.CharField(max_length=64)


class UsageCounter(models.Model):
    """Requests per API key today (``n_day``) and in the current minute (``n_minute`` for
    the minute starting at ``minute``), in one row per key, day and slot.

    Each request bumps one of ``store.SLOTS`` rows chosen at random, so concurrent requests
    of one key rarely wait on the same row lock; the counts are the sums over the slots
    (a slot whose ``minute`` is older counts 0 for this minute). One row update per request
    serves both limits.
    """

    id = models.BigAutoField(primary_key=True)
    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateTimeField()  # local midnight (Asia/Shanghai), stored in UTC
    slot = models.PositiveSmallIntegerField()
    n_day = models.PositiveIntegerField(default=0)
    minute = models.DateTimeField()
    n_minute = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "day", "slot"], name="one_usage_row_per_slot")
        ]


class StatusEntry(models.Model):
    """One credential's position (``idx``) in its city's status list, given when the
    credential is made. Positions are never reused.

    One entry per credential issuance, never per permit: two parties' credentials for one
    permit carry different indexes, so the parties cannot link the holder by comparing
    them, and a party cannot follow a permit through the public list for ever with an old
    index. Making a new credential for the same party retires the old entries of that
    (permit, party) pair (``retired``: their bit is set, the old credential is no longer
    relied on). ``used_at``: a credential answers one online question (``verify.py``).
    """

    id = models.BigAutoField(primary_key=True)
    city = models.CharField(max_length=32)
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(
        RelyingParty, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    idx = models.PositiveIntegerField()
    retired = models.BooleanField(default=False, db_default=False)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "idx"], name="one_permit_per_status_idx")
        ]


class RequestNonce(models.Model):
    """A nonce a relying party sent with a query (``X-Request-Nonce``), kept while its
    request time (``X-Request-Time``, at most ``verify.MAX_SKEW_SECONDS`` off) could still be
    accepted: a replayed request is refused. ``nonce_hash``: SHA-256 of the nonce."""

    id = models.BigAutoField(primary_key=True)
    key = models.ForeignKey(
        ApiKey, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    nonce_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "nonce_hash"], name="one_use_per_nonce")
        ]


class KeyDenial(models.Model):
    """A query refused before any relying party was recognised (no key, or a key that is
    not one of ours): the audit row of an unauthenticated attempt. The key's public prefix
    only (first 12 characters), never the key."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    problem = models.CharField(max_length=40)
    key_prefix = models.CharField(max_length=16, default="", blank=True)
    path = models.CharField(max_length=200, default="", blank=True)


class StatusList(models.Model):
    """A published, signed status list of one city (one row per refresh)."""

    id = models.BigAutoField(primary_key=True)
    city = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    size = models.PositiveIntegerField()
    encoded_list = models.TextField()
    kid = models.CharField(max_length=32)
    signature = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "version"], name="one_status_list_version")
        ]


class PartyAction(models.Model):
    """What an operator or an admin officer did to a relying party or its keys: the audit
    trail of onboarding. One row per act, written in the same transaction as the act
    (``services.py``); the key's public prefix only, never the key."""

    ACTIONS = [
        ("registered", "registered"),
        ("key_issued", "key issued"),
        ("key_rotated", "key rotated"),
        ("key_revoked", "key revoked"),
        ("suspended", "suspended"),
        ("resumed", "resumed"),
        ("withdrawn", "withdrawn"),
    ]

    id = models.BigAutoField(primary_key=True)
    party = models.ForeignKey(RelyingParty, on_delete=models.PROTECT, related_name="actions")
    city = models.CharField(max_length=32)
    action = models.CharField(max_length=16, choices=ACTIONS)
    key_prefix = models.CharField(max_length=16, default="", blank=True)
    note = models.CharField(max_length=200, default="", blank=True)
    actor = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["party", "at"])]
