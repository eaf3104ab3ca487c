"""Portal tables: SMS login challenges and the guards that throttle and lock them out.

Neither table holds an ID number, a phone number or a code: ID numbers and client
addresses appear as keyed blind indexes (``registry.pii.blind_index``), codes as HMACs.
A challenge exists for every login attempt, registered number or not, so the tables
cannot tell an observer who is registered either.
"""

from __future__ import annotations

import uuid

from django.db import models

from juzhu.registry.models import Draft, Upload

__all__ = ["Draft", "Evidence", "LoginChallenge", "LoginGuard", "Upload"]


class LoginChallenge(models.Model):
    """One 6-digit code: sent to the registered phone, or (unknown number) never sent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    id_index = models.CharField(max_length=64, db_index=True)
    # Null for a number nobody registered: the challenge is played out the same way.
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]


class LoginGuard(models.Model):
    """Send budget and failure lockout for one key: ``id:<blind index>`` or ``ip:<index>``.

    The counters live in the database so that every process and machine shares them
    (PRODUCT.md: nothing assumes one process); updates run under a row lock.
    """

    key = models.CharField(max_length=80, primary_key=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    hour_start = models.DateTimeField(null=True, blank=True)
    hour_count = models.PositiveSmallIntegerField(default=0)
    day = models.DateField(null=True, blank=True)
    day_count = models.PositiveSmallIntegerField(default=0)
    failures = models.PositiveSmallIntegerField(default=0)
    window_start = models.DateTimeField(null=True, blank=True)  # of the failures counted
    locked_until = models.DateTimeField(null=True, blank=True)


class Evidence(models.Model):
    """A file the person attaches to an appeal (申诉 / 行政复议): stored like an ``Upload``,
    under ``PORTAL_UPLOAD_DIR`` named by this row's id, checked by content, not by name."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appeal = models.ForeignKey("registry.Appeal", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
