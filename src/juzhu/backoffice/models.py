"""Back-office tables: who holds a case (claims), sign-in attempts, and refused attempts to
reach a record outside an officer's jurisdiction. The letters moved to the registry, which
issues them with the decisions (the nightly sweep's included); ``Letter`` is re-exported.

Case state lives in the registry (``juzhu.registry.models``); nothing here changes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from juzhu.registry.models import Letter

__all__ = ["Claim", "Denial", "EnrolmentToken", "Letter", "SignInAttempt"]


class Claim(models.Model):
    """An officer holds a case so two people do not work it at once. One row per record:
    the unique constraint is the lock (it lives in the database, PRODUCT.md §Scale)."""

    record_type = models.CharField(max_length=16)  # application | appeal | permit
    record_id = models.UUIDField()
    city = models.CharField(max_length=32)
    officer = models.ForeignKey("registry.Officer", on_delete=models.CASCADE, related_name="claims")
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_type", "record_id"], name="one_claim_per_case")
        ]


class SignInAttempt(models.Model):
    """Every officer sign-in attempt (for the lockout and for the auditor)."""

    username = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField(default=False)
    step = models.CharField(max_length=16, default="password")  # password | otp
    client = models.CharField(max_length=64, default="", blank=True)

    class Meta:
        indexes = [models.Index(fields=["username", "at"])]


class Denial(models.Model):
    """An officer tried to reach what their role or jurisdiction does not allow (the request
    got 403 or 404). Auditors and supervisors see these."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    city = models.CharField(max_length=32, default="", blank=True)
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=32)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    why = models.CharField(max_length=16)  # role | scope

    class Meta:
        indexes = [models.Index(fields=["city", "at"])]


class EnrolmentToken(models.Model):
    """A one-time token to enrol an authenticator, handed to the officer apart from their
    password (``juzhu officer enrol-token``): a password alone never binds a new second
    factor. Only its hash is kept; it works once, before ``expires_at``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
