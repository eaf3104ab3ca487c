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

__all__ = ["Draft", "Evidence", "LoginAttempt", "LoginChallenge", "Upload"]


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


class LoginAttempt(models.Model):
    """Every login attempt, whatever became of it (security.md T3: every attempt logged):
    a code asked for (``send``) or typed (``code``). Keys are blind indexes, never the ID
    number or the address. The counters themselves live in the shared cache (``abuse``)."""

    at = models.DateTimeField()
    kind = models.CharField(max_length=8)  # send | code
    id_index = models.CharField(max_length=64, blank=True)
    client = models.CharField(max_length=80)
    # sent | spaced | step_up | limited | budget | ok | wrong | expired
    outcome = models.CharField(max_length=16)

    class Meta:
        indexes = [
            models.Index(fields=["at"], name="portal_loginattempt_at"),
            models.Index(fields=["id_index", "at"], name="portal_loginattempt_id_at"),
        ]


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
