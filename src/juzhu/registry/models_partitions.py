"""The months dropped from a partitioned table (``partitions_retire.detach_before``, ADR 11).
``models.py`` re-exports it."""

from __future__ import annotations

from django.db import models


class RetiredPartition(models.Model):
    """One month of a partitioned table archived and dropped beyond its retention: how many
    rows, their ids, the archive's file and SHA-256 (of the CSV inside the gzip), and for the
    verification log where its seal chain resumes (``seals.verify_seals`` starts there).
    Append-only, like the history it accounts for."""

    id = models.BigAutoField(primary_key=True)
    table = models.CharField(max_length=64)
    month = models.DateField()
    rows = models.BigIntegerField()
    first_id = models.BigIntegerField(null=True, blank=True)
    last_id = models.BigIntegerField(null=True, blank=True)
    archive = models.CharField(max_length=400, default="", blank=True)
    sha256 = models.CharField(max_length=64, default="", blank=True)
    resume_first_id = models.BigIntegerField(null=True, blank=True)
    resume_prev_hash = models.CharField(max_length=64, default="", blank=True)
    retired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["table", "month"], name="one_retirement_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.table} {self.month:%Y-%m}"
