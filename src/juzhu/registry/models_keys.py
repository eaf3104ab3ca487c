"""The key-check values (``keycheck.py``) and the checkpoints of ``juzhu keys rotate``
(``keyrotation.py``). No key is ever stored: only values that tell the right key from a
wrong one. ``models.py`` re-exports them."""

from __future__ import annotations

from django.db import models


class KeyCheck(models.Model):
    """One value per key (``data``, ``index``) that only that key reproduces, and the
    ciphertext layout in force (``layout`` = 2 once no row holds layout 1)."""

    name = models.CharField(max_length=16, primary_key=True)
    value = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class KeyRotation(models.Model):
    """One run of ``juzhu keys rotate`` towards one pair of keys: the last person
    re-encrypted is the checkpoint a rerun resumes from."""

    target = models.CharField(max_length=80, db_index=True)  # key id + index check value
    last_person_id = models.UUIDField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rotation {self.target[:8]} ({self.rows_done} rows)"
