"""Delivery state of the notifications app. The outbox rows themselves (``Notification``)
belong to the registry, which writes them with each state change (``registry/outbox.py``);
this app renders and delivers them. ``Notification`` is re-exported here for the delivery
code that reads it.
"""

from __future__ import annotations

from django.db import models

from juzhu.registry.models import CLAIMABLE, Notification

__all__ = ["CLAIMABLE", "Notification", "SmsThrottle"]


class SmsThrottle(models.Model):
    """Per-number SMS budget, shared by every worker (claims live in the database, not in
    a process). One row per number, keyed by the blind index of the number, never the
    number itself. A send first takes a token with a conditional UPDATE; see
    ``sms.take_sms_token``."""

    recipient = models.CharField(max_length=64, primary_key=True)
    last_sent_at = models.DateTimeField()
    day = models.DateField()  # the local (Asia/Shanghai) day that ``day_count`` counts
    day_count = models.PositiveSmallIntegerField(default=0)
