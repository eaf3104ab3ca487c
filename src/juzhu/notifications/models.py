"""The outbox: one row per (event, channel, recipient), written in the same transaction as
the state change it reports. A worker claims rows (``SELECT ... FOR UPDATE SKIP LOCKED`` on
PostgreSQL) and delivers each exactly once; the unique constraint makes a second enqueue of
the same notice a no-op."""

from __future__ import annotations

from django.db import models


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
        ]
