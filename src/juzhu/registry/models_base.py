"""The abstract bases every registry table shares: its jurisdiction, and the head of its
event chain with the optimistic-lock version. Re-exported by ``registry/models.py``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import models

GENESIS_HASH = "0" * 64


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(m.value, m.value) for m in enum]


class Jurisdictional(models.Model):
    city = models.CharField(max_length=32, db_index=True)
    district = models.CharField(max_length=32, default="", blank=True)
    station = models.CharField(max_length=32, default="", blank=True)

    class Meta:
        abstract = True


class Chained(models.Model):
    """A record whose events form a hash chain; the head is kept here for O(1) appends and
    for set-based appends in SQL. ``version`` is the optimistic-lock counter."""

    version = models.PositiveIntegerField(default=1)
    last_event_seq = models.PositiveIntegerField(default=0)
    last_event_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # Every chained record is also Jurisdictional: its events are filed under its city.
    city: str
    # ... and belongs to one person, whose key seals the personal details of its events.
    person_id: Any

    class Meta:
        abstract = True
