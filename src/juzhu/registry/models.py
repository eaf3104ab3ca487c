"""Registry tables. Models map to the domain core; no business rule lives here.

Every row carries its jurisdiction (``city`` = policy id; ``district`` and ``station`` codes
for scoping officers), the natural partition and shard key. Public ids are UUIDs. State
columns are a projection of the append-only event log, updated in the same transaction as
the event they follow from (``services.py``); ``juzhu audit verify`` checks the log.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from juzhu.domain.vocabulary import (
    AppealStatus,
    ApplicationKind,
    ApplicationStatus,
    Basis,
    CancellationReason,
    Housing,
    PermitStatus,
    RegistrationStatus,
    Role,
)
from juzhu.registry.models_base import GENESIS_HASH, Chained, Jurisdictional, _choices


class Person(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    city = models.CharField(max_length=32, db_index=True)
    id_kind = models.CharField(max_length=16, default="mainland")
    id_number_enc = models.BinaryField()
    id_number_index = models.CharField(max_length=64, unique=True)
    id_number_masked = models.CharField(max_length=18)
    name = models.CharField(max_length=64)
    phone_enc = models.BinaryField(null=True, blank=True)
    phone_index = models.CharField(max_length=64, default="", blank=True, db_index=True)
    phone_masked = models.CharField(max_length=16, default="", blank=True)
    email = models.CharField(max_length=254, default="", blank=True)
    lang = models.CharField(max_length=8, default="zh")
    birth_date = models.DateField(null=True, blank=True)
    # The day the retention purge erased this person's details (``registry.retention``):
    # name, numbers and addresses are gone, the key of their event details destroyed.
    purged_on = models.DateField(null=True, blank=True)
    # How sure the registry is that this record is this person (``services/signup.py``):
    # verified (an ID card seen at a counter, or an import of such records), self_declared
    # (signed up online with a phone proven by SMS), pending (signed up, phone not yet proven).
    assurance = models.CharField(max_length=16, default="verified", db_default="verified")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"


class ResidenceRegistration(Jurisdictional, Chained):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations")
    address = models.CharField(max_length=200)
    housing = models.CharField(max_length=24, choices=_choices(Housing))
    status = models.CharField(max_length=16, choices=_choices(RegistrationStatus), default="active")
    registered_on = models.DateField()
    # The day the person began living at the address (the reporting period counts from it).
    arrived_on = models.DateField(null=True, blank=True)
    # The proof of the address shown, by material id (``materials.by_housing``).
    evidence = models.JSONField(default=list, blank=True)
    deregistered_on = models.DateField(null=True, blank=True)
    deregistered_by = models.CharField(max_length=16, default="", blank=True)

    class Meta:
        indexes = [models.Index(fields=["city", "status"])]


class Permit(Jurisdictional, Chained):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=32, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="permits")
    status = models.CharField(max_length=16, choices=_choices(PermitStatus))
    issued_on = models.DateField()
    last_endorsed_on = models.DateField(null=True, blank=True)
    next_due_on = models.DateField(null=True, blank=True)
    suspended_on = models.DateField(null=True, blank=True)
    cancelled_on = models.DateField(null=True, blank=True)
    cancellation_reason = models.CharField(
        max_length=32, choices=_choices(CancellationReason), default="", blank=True
    )
    expires_on = models.DateField(null=True, blank=True)
    # The facts the last decision rested on (policy impact reads these in bulk).
    basis = models.CharField(max_length=16, choices=_choices(Basis), default="residence")
    housing = models.CharField(max_length=24, choices=_choices(Housing), default="rented")
    registered_since = models.DateField(null=True, blank=True)
    employed = models.BooleanField(default=False)
    social_insurance_months = models.PositiveSmallIntegerField(default=0)
    social_insurance_continuous = models.BooleanField(default=False)
    enrolled = models.BooleanField(default=False)
    policy_version = models.CharField(max_length=64, default="", blank=True)
    verification_locked = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    # A permit from ``juzhu import``: the keyed digest of the legacy CSV row it came from
    # (``legacy_import_cells.row_digest``), so a re-import skips the rows it already stored
    # without checking them again. Empty for every other permit (also in the database: the
    # raw COPYs of the demo and the benchmarks name no such column).
    import_digest = models.CharField(
        max_length=32, default="", db_default="", blank=True, editable=False
    )

    # 陈述申辩 before an officer's cancellation or revocation (``services.hearing``).
    intent = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["city", "status", "next_due_on"]),
            models.Index(fields=["city", "status", "suspended_on"]),
            models.Index(fields=["city", "status", "expires_on"]),
        ]


class Endorsement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    city = models.CharField(max_length=32, db_index=True)
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="endorsements")
    endorsed_on = models.DateField()
    late = models.BooleanField(default=False)


class Application(Jurisdictional, Chained):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case_number = models.CharField(max_length=32, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="applications")
    permit = models.ForeignKey(
        Permit, on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    kind = models.CharField(max_length=24, choices=_choices(ApplicationKind))
    status = models.CharField(max_length=24, choices=_choices(ApplicationStatus), default="draft")
    # online (the portal) or counter (a clerk entered it for a person at the window)
    channel = models.CharField(max_length=8, default="online")
    basis = models.CharField(max_length=16, choices=_choices(Basis), default="residence")
    housing = models.CharField(max_length=24, choices=_choices(Housing), default="rented")
    facts = models.JSONField(default=dict, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decision_reasons = models.JSONField(default=list, blank=True)
    notices_issued = models.PositiveSmallIntegerField(default=0)
    policy_version = models.CharField(max_length=64, default="", blank=True)
    # A decision against the engine's verdict waiting for a second officer's countersign:
    # {"outcome", "reason", "grounds", "facts", "by", "on"} (``services.do_propose_decision``).
    proposal = models.JSONField(null=True, blank=True)
    # 陈述申辩: the notice of an intended refusal and the answer to it: {"grounds", "facts",
    # "notified_on", "respond_by", "answer", "answered_on"} (``services.hearing``).
    intent = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["city", "station", "status"])]


class ApplicationMaterial(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    material = models.CharField(max_length=40)
    provided = models.BooleanField(default=False)
    deferred_until = models.DateField(null=True, blank=True)  # 容缺受理: promised by this date
    note = models.CharField(max_length=200, default="", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "material"], name="one_row_per_material")
        ]


class Appeal(Jurisdictional, Chained):
    KINDS = [("appeal", "申诉"), ("reconsideration", "行政复议"), ("litigation", "行政诉讼")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The act contested: a permit's cancellation or revocation, or the refusal of an
    # application (then ``permit`` is empty).
    permit = models.ForeignKey(
        Permit, on_delete=models.PROTECT, related_name="appeals", null=True, blank=True
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="appeals", null=True, blank=True
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="appeals")
    kind = models.CharField(max_length=16, choices=KINDS)
    status = models.CharField(max_length=24, choices=_choices(AppealStatus), default="filed")
    filed_on = models.DateField()
    accepted_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    grounds = models.TextField(default="", blank=True)


class Event(models.Model):
    """Append-only, hash-chained per record (``record_type``, ``record_id``).

    ``body`` is the event as stored JSON text and the only thing hashed, together with the
    previous hash: ``hash = HMAC-SHA256(audit chain key, prev_hash + "\\n" + body)`` (the key
    from ``JUZHU_AUDIT_KEY``, never in the database: ``events.chain_hash``). The indexed
    columns repeat fields of the body for queries; ``audit verify`` checks they agree. On
    PostgreSQL and SQLite a trigger refuses UPDATE and DELETE (migration 0002), and the
    service's role may only INSERT and SELECT (``juzhu db roles``).
    """

    id = models.BigAutoField(primary_key=True)
    city = models.CharField(max_length=32)
    record_type = models.CharField(max_length=16)
    record_id = models.UUIDField()
    seq = models.PositiveIntegerField()
    name = models.CharField(max_length=48)
    on_date = models.DateField()
    occurred_at = models.DateTimeField()
    actor = models.CharField(max_length=64)
    dedupe_key = models.CharField(max_length=64, null=True, blank=True)
    body = models.TextField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id", "seq"], name="one_event_per_seq"
            ),
            models.UniqueConstraint(
                fields=["record_type", "record_id", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="one_event_per_dedupe_key",
            ),
        ]
        indexes = [models.Index(fields=["city", "on_date"])]


class AccessLog(models.Model):
    """Each read of a person's record by an officer or a relying party (visible to the holder):
    who (``viewer_*``), when (``at``), which record (``record_*``), what it disclosed
    (``fields``) and why (``purpose``).

    Append-only (triggers, migration 0017; INSERT/SELECT only for the service's role), covered
    by ``juzhu audit anchor``; written before the read is served, or the read is refused.
    """

    id = models.BigAutoField(primary_key=True)
    city = models.CharField(max_length=32)
    # One row per read logged: every verification writes one, so the row costs as little as
    # it can. (person, at) below serves every lookup by person; a person-only index would be
    # one more random insert. No foreign-key constraint in the database: its check locks the
    # person's row (FOR KEY SHARE), a write to a random page of the people table for every
    # row logged. The id always comes from a stored permit or person in the same statement
    # or transaction, and people are never deleted while they have records (PROTECT).
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="access_logs",
        db_index=False,
        db_constraint=False,
    )
    viewer_kind = models.CharField(max_length=16)  # officer | relying_party
    viewer_id = models.CharField(max_length=64)
    viewer_name = models.CharField(max_length=128, default="")
    purpose = models.CharField(max_length=64)
    record_type = models.CharField(max_length=16, default="person")
    record_id = models.UUIDField(null=True, blank=True)
    # What the read disclosed, as field names (``selectors.READ_FIELDS``; "validity" for a
    # relying party's question: the yes/no only). A database default so the raw inserts of
    # older code paths need not name it.
    fields = models.CharField(max_length=200, default="", db_default="", blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["person", "at"])]


class Officer(models.Model):
    ROLES = [(role.value, role.zh) for role in Role]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer"
    )
    role = models.CharField(max_length=16, choices=ROLES)
    city = models.CharField(max_length=32)
    district = models.CharField(max_length=32, default="", blank=True)  # "" = whole city
    station = models.CharField(max_length=32, default="", blank=True)  # "" = whole district
    display_name = models.CharField(max_length=64, default="")


class RelyingParty(models.Model):
    KINDS = [
        ("school", "学校"),
        ("bank", "银行"),
        ("housing_bureau", "住房保障部门"),
        ("vehicle_administration", "车管所"),
        ("telecom", "电信运营商"),
        ("social_insurance", "社保经办机构"),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    city = models.CharField(max_length=32)
    name = models.CharField(max_length=128)
    kind = models.CharField(max_length=32, choices=KINDS)
    allowed_purposes = models.JSONField(default=list)
    # who at the party the registry talks to (a name and a phone or e-mail); not a holder's
    contact = models.CharField(max_length=200, default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # withdrawn for good (its keys revoked with it)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # suspended: every key refused until it is resumed; the keys themselves stay as they are
    suspended_at = models.DateTimeField(null=True, blank=True)


class Office(models.Model):
    """An acceptance point (police station 派出所 or entrusted community centre) and the county
    bureau above it, with the names the letters print: who accepted, who decided (the
    respondent, 被申请人), and who hears reconsideration (the district government, 行政复议法
    Art. 24). A letter for a place without a row falls back to the policy's generic text."""

    city = models.CharField(max_length=32)
    district = models.CharField(max_length=32)
    station = models.CharField(max_length=32)
    name_zh = models.CharField(max_length=64)
    name_en = models.CharField(max_length=128, default="", blank=True)
    bureau_zh = models.CharField(max_length=64)
    bureau_en = models.CharField(max_length=128, default="", blank=True)
    government_zh = models.CharField(max_length=64)
    government_en = models.CharField(max_length=128, default="", blank=True)
    address = models.CharField(max_length=200, default="", blank=True)
    phone = models.CharField(max_length=32, default="", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "district", "station"], name="one_office")
        ]

    def __str__(self) -> str:
        return self.name_zh


class WorkingDayOverride(models.Model):
    """Operator-entered working / rest days (e.g. next year's 调休 before chinese-calendar
    ships them); wins over chinese-calendar and the bundled override file."""

    day = models.DateField(unique=True)
    is_workday = models.BooleanField()
    note = models.CharField(max_length=200, default="", blank=True)
    updated_by = models.CharField(max_length=64, default="")
    updated_at = models.DateTimeField(auto_now=True)


class SweepRun(models.Model):
    """A nightly sweep finished for a city and a day (``registry.sweep``). The latest day
    bounds the next ``juzhu sweep --on`` from below: the sweep only goes forward."""

    city = models.CharField(max_length=32)
    on = models.DateField()
    finished_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "on"], name="one_sweep_run")]


# -- the outbox ------------------------------------------------------------------------------
# One row per (event, channel, recipient), written by the registry in the same transaction as
# the state change it reports (registry/outbox.py); the notifications app only renders and
# delivers it (notifications/worker.py states the guarantee and its limits).


# Rows a worker may claim: waiting ones, and ones whose claim (lease) ran out because the
# worker holding them died. A claim moves ``next_attempt_at`` to the end of the lease, so
# both kinds are found by one range scan of the partial index below.
class Draft(models.Model):
    """An online application being filled in, one page at a time: saved at every step, so
    the person can stop and resume on any device (GOV.UK "save and return")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    application = models.OneToOneField(
        "Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "portal_draft"  # its name from when the portal owned it (registry 0007)
        indexes = [models.Index(fields=["person", "kind"])]


class Upload(models.Model):
    """One file for one material of a draft. The bytes live under ``PORTAL_UPLOAD_DIR``
    (``var/uploads``), outside anything the web server serves, named by this row's id; the
    person's file name is kept only as text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="uploads")
    material = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "portal_upload"  # its name from when the portal owned it (registry 0007)


# What the registry issues — the outbox's notices, the letters, the policy texts its
# decisions applied — lives in models_documents.py; importing it here registers the models.
from juzhu.registry.models_documents import (  # noqa: E402
    CLAIMABLE,
    Letter,
    Notification,
    PolicyText,
)
from juzhu.registry.models_keys import KeyCheck, KeyRotation  # noqa: E402
from juzhu.registry.models_partitions import RetiredPartition  # noqa: E402
from juzhu.registry.models_privacy import PersonKey  # noqa: E402
from juzhu.registry.models_rating import ServiceRating  # noqa: E402

__all__ = [
    "CLAIMABLE",
    "GENESIS_HASH",
    "AccessLog",
    "Appeal",
    "Application",
    "ApplicationMaterial",
    "Chained",
    "Draft",
    "Endorsement",
    "Event",
    "Jurisdictional",
    "KeyCheck",
    "KeyRotation",
    "RetiredPartition",
    "Letter",
    "Notification",
    "Office",
    "Officer",
    "Permit",
    "Person",
    "PersonKey",
    "PolicyText",
    "RelyingParty",
    "ResidenceRegistration",
    "ServiceRating",
    "SweepRun",
    "Upload",
    "WorkingDayOverride",
]
