"""Per-person data keys (crypto-shredding, PIPL Art. 47).

Personal details written into the append-only event log (an address, the facts of a
decision, a statement) cannot be deleted there: each event's hash covers its body. So they
are written encrypted with a key of the person's own (``registry.personal``), and that key is
stored here wrapped by the service's ``DATA_KEY``. When the retention period of the
person's records ends, the purge (``registry.retention``) destroys the key: the event bodies
and their hashes stay exactly as they were (the chains still verify), and the personal
details in them can no longer be read by anyone.
"""

from __future__ import annotations

from django.db import models


class PersonKey(models.Model):
    """``wrapped``: the person's 32-byte key, AES-GCM under ``DATA_KEY`` (associated data:
    the person's id); empty once ``shredded_at`` is set."""

    person = models.OneToOneField(
        "registry.Person", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    wrapped = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)
