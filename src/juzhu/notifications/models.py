"""The outbox: one row per (event, channel, recipient), written in the same transaction as
the state change it reports. A worker claims rows (``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL) and delivers each exactly once; the unique constraint makes a second enqueue of
the same notice a no-op. The guarantee and its limits are stated in ``worker.py``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

# Rows a worker may claim: waiting ones, and ones whose claim (lease) ran out because the
# worker holding them died. A claim moves ``next_attempt_at`` to the end of the lease, so
# both kinds are found by one range scan of the partial index below.
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
    event = models.ForeignKey(
        "registry.Event", on_delete=models.PROTECT, related_name="notifications"
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


class SmsThrottle(models.Model):
    """Per-number SMS budget, shared by every worker (claims live in the database, not in
    a process). One row per number, keyed by the blind index of the number, never the
    number itself. A send first takes a token with a conditional UPDATE; see
    ``sms.take_sms_token``."""

    recipient = models.CharField(max_length=64, primary_key=True)
    last_sent_at = models.DateTimeField()
    day = models.DateField()  # the local (Asia/Shanghai) day that ``day_count`` counts
    day_count = models.PositiveSmallIntegerField(default=0)
