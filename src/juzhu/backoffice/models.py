"""Back-office tables: who holds a case (claims), the letters officers issue, sign-in
attempts, and refused attempts to reach a record outside an officer's jurisdiction.

Case state lives in the registry (``juzhu.registry.models``); nothing here changes it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from juzhu.registry.models import Person


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


class Letter(models.Model):
    """A document issued to a person: 受理回执, 一次性告知书, 容缺受理通知书, 不予签发决定书,
    注销 / 撤销决定书. ``context`` is the snapshot of every value printed, taken when it was
    issued, so the letter can be printed again exactly as served (never retyped)."""

    KINDS = [
        ("receipt", "受理回执"),
        ("supplement_notice", "一次性告知书"),
        ("deferral_notice", "容缺受理补齐材料通知书"),
        ("refusal", "不予签发居住证决定书"),
        ("cancellation", "注销居住证决定书"),
        ("revocation", "撤销居住证决定书"),
        ("pickup_notice", "领证通知"),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=48, unique=True)
    kind = models.CharField(max_length=24, choices=KINDS)
    city = models.CharField(max_length=32)
    district = models.CharField(max_length=32, default="", blank=True)
    station = models.CharField(max_length=32, default="", blank=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="letters")
    record_type = models.CharField(max_length=16)
    record_id = models.UUIDField()
    issued_on = models.DateField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.CharField(max_length=64)
    context = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["record_type", "record_id"])]

    @property
    def title(self) -> str:
        return dict(self.KINDS)[self.kind]


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
