"""What the registry issues: the outbox's notices (written in each state change's
transaction), the letters, and the policy texts its decisions applied. Re-exported by
``registry/models.py``."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

CLAIMABLE = ("pending", "sending")


class Notification(models.Model):
    STATUSES = [
        ("pending", "pending"),
        ("sending", "sending"),
        ("sent", "sent"),
        ("failed", "failed"),
    ]
    CHANNELS = [("inbox", "站内信"), ("sms", "短信"), ("email", "邮件")]

    id = models.BigAutoField(primary_key=True)
    city = models.CharField(max_length=32)
    # The state change the notice reports; none for a login code (``do_enqueue_login_code``).
    # No foreign-key constraint in the database: the events are partitioned by month
    # (ADR 11), and PostgreSQL only lets a foreign key name a partitioned table with its
    # partition key. Events are never deleted, so the reference cannot dangle.
    event = models.ForeignKey(
        "Event",
        on_delete=models.PROTECT,
        related_name="notifications",
        null=True,
        blank=True,
        db_constraint=False,
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="notifications"
    )
    channel = models.CharField(max_length=8, choices=CHANNELS)
    recipient = models.CharField(
        max_length=64
    )  # person id for inbox; blind index of the address otherwise
    template = models.CharField(max_length=48)
    lang = models.CharField(max_length=8, default="zh")
    context = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=STATUSES, default="pending")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, default="", blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=400, default="", blank=True)
    # What the carrier answered (an SMS gateway's message id, an e-mail Message-ID). A
    # database default so that set-based inserts (INSERT ... SELECT) need not name it.
    provider_ref = models.CharField(max_length=128, default="", db_default="", blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table keeps the name it had in the notifications app (the model moved to the
        # registry, whose state changes write it; migration registry 0006).
        db_table = "notifications_notification"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "recipient"], name="one_notice_per_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["person", "created_at"]),
            # The worker's claim query: due rows in order, sent and failed rows left out.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=CLAIMABLE),
                name="notification_due",
            ),
        ]

    @property
    def delivery_key(self) -> str:
        """The idempotency key handed to every backend: the row id plus its creation time
        in microseconds, so a database recreated from scratch (ids restarting at 1) never
        collides with deliveries remembered in the file logs of an earlier one."""
        micros = int(self.created_at.timestamp() * 1_000_000)
        return f"n{self.pk}-{micros}"


# -- an application being filled in online, and its files ----------------------------------
# Written by the portal as the person types, read by the counter when it accepts the
# application (the back office); both reach them here.


class PolicyText(models.Model):
    """The policy data a decision applied, kept whole and addressed by its digest (the part
    of a policy version after the ``+``), so ``juzhu audit replay`` can load the very text a
    decision used long after the files changed. Written once per digest, never changed."""

    digest = models.CharField(max_length=64, primary_key=True)
    files = models.JSONField()  # {relative path: text}
    created_at = models.DateTimeField(auto_now_add=True)


class Letter(models.Model):
    """A document issued to a person: 受理回执, 一次性告知书, 容缺受理通知书, 不予签发决定书,
    注销 / 撤销决定书, 中止使用通知书. ``context`` is the snapshot of every value printed,
    taken when it was issued, so the letter prints again exactly as served (never retyped).

    ``event`` is the decision the letter records, when it was made from one (the nightly
    sweep's letters are issued after it, from its events). ``pdf_sha256`` and ``seal`` are
    the rendered PDF's digest and the office's Ed25519 signature of it (``letters.sealed``),
    set the first time the PDF is made: the same letter renders to the same bytes."""

    KINDS = [
        ("receipt", "受理回执"),
        ("supplement_notice", "一次性告知书"),
        ("deferral_notice", "容缺受理补齐材料通知书"),
        ("refusal", "不予签发居住证决定书"),
        ("cancellation", "注销居住证决定书"),
        ("revocation", "撤销居住证决定书"),
        ("suspension", "居住证使用功能中止通知书"),
        ("pickup_notice", "领证通知"),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=48, unique=True)
    kind = models.CharField(max_length=24, choices=KINDS)
    city = models.CharField(max_length=32)
    district = models.CharField(max_length=32, default="", blank=True)
    station = models.CharField(max_length=32, default="", blank=True)
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="letters")
    record_type = models.CharField(max_length=16)
    record_id = models.UUIDField()
    issued_on = models.DateField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.CharField(max_length=64)
    context = models.JSONField(default=dict)
    # No database constraint, as for the outbox's event (partitioned events, ADR 11).
    event = models.OneToOneField(
        "registry.Event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letter",
        db_constraint=False,
    )
    pdf_sha256 = models.CharField(max_length=64, default="", blank=True)
    seal = models.CharField(max_length=128, default="", blank=True)

    class Meta:
        # The table keeps the name it had in the back office (migration registry 0010).
        db_table = "backoffice_letter"
        indexes = [
            models.Index(
                fields=["record_type", "record_id"], name="backoffice__record__c5c829_idx"
            ),
            models.Index(fields=["person", "issued_on"]),
        ]

    @property
    def title(self) -> str:
        return dict(self.KINDS)[self.kind]
