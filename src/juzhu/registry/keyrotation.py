"""``juzhu keys rotate``: re-encrypt every person's ID and phone number under the current
data key, bound to its row (layout 2), and recompute the blind indexes under the current
index key, in batches, resumable.

How a rotation goes (README, "Rotating keys"): start every process with the new keys in
``JUZHU_DATA_KEY`` / ``JUZHU_INDEX_KEY`` and the old ones in ``JUZHU_DATA_KEY_OLD`` /
``JUZHU_INDEX_KEY_OLD`` (old ciphertexts still read), run ``juzhu keys rotate``, then drop
the old keys. Notices still queued (a login code sealed for its worker) are sealed again
at the end. The rotation first moves the key-check values to the new keys, so a process
still started with the old key alone is refused. Each batch is one transaction: its rows and
the checkpoint (the last person done) commit together, so a run killed half-way loses
nothing and a rerun resumes after the checkpoint. Layout-1 ciphertexts (bound to the field
only, swappable between rows) are rewritten too; once a run finishes, layout 1 is refused.

An index-key rotation changes the blind indexes row by row: lookups by ID or phone number
miss the rows not yet done, so rotate the index key with the service stopped.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from juzhu.registry import keycheck, personal, pii
from juzhu.registry.models import CLAIMABLE, Notification, Person, PersonKey
from juzhu.registry.models_keys import KeyRotation

FIELDS = ["id_number_enc", "id_number_index", "phone_enc", "phone_index"]


@dataclass
class RotationReport:
    rows: int  # re-encrypted in this run
    total: int  # re-encrypted by the rotation so far, earlier interrupted runs included
    resumed: bool  # this run went on from an interrupted one's checkpoint


def target() -> str:
    """Which keys a rotation moves to (a key id and the index key's check value)."""
    return pii.key_id(settings.DATA_KEY).hex() + ":" + keycheck.index_value(settings.INDEX_KEY)


def _rewrite(person: Person) -> None:
    number = pii.decrypt(bytes(person.id_number_enc), purpose="id_number", row=person)
    person.id_number_enc = pii.encrypt_checked(number, purpose="id_number", row=person)
    person.id_number_index = pii.blind_index(number, purpose="id_number")
    if person.phone_enc:
        phone = pii.decrypt(bytes(person.phone_enc), purpose="phone", row=person)
        person.phone_enc = pii.encrypt_checked(phone, purpose="phone", row=person)
        person.phone_index = pii.blind_index(phone, purpose="phone")


def do_rotate_keys(
    *, batch: int = 500, after_batch: Callable[[KeyRotation], None] | None = None
) -> RotationReport:
    """Rotate; ``after_batch`` is called after each committed batch (progress)."""
    if batch < 1:
        raise ValueError("--batch must be at least 1")
    keycheck.move_to_current_keys()
    run = KeyRotation.objects.filter(target=target(), finished_at=None).order_by("pk").last()
    resumed = run is not None
    if run is None:
        run = KeyRotation.objects.create(target=target())
    done = 0
    while True:
        with transaction.atomic():
            rows = Person.objects.select_for_update().order_by("pk")
            if run.last_person_id is not None:
                rows = rows.filter(pk__gt=run.last_person_id)
            people = list(rows[:batch])
            for person in people:
                _rewrite(person)
            if people:
                Person.objects.bulk_update(people, FIELDS)
                _rewrap_person_keys([p.pk for p in people])
                run.last_person_id = people[-1].pk
                run.rows_done += len(people)
                run.save(update_fields=["last_person_id", "rows_done"])
        done += len(people)
        if after_batch is not None and people:
            after_batch(run)
        if len(people) < batch:
            break
    with transaction.atomic():
        _reseal_queued_notices()
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        keycheck.retire_legacy_layout()
    return RotationReport(rows=done, total=run.rows_done, resumed=resumed)


def _rewrap_person_keys(person_ids: list[Any]) -> None:
    """The batch's per-person keys (``registry/personal.py``) wrapped again under the new
    data key; a destroyed key (empty) stays destroyed."""
    keys = list(
        PersonKey.objects.select_for_update().filter(person_id__in=person_ids).exclude(wrapped=b"")
    )
    for row in keys:
        row.wrapped = personal.wrap(
            row.person_id, personal.unwrap(row.person_id, bytes(row.wrapped))
        )
    PersonKey.objects.bulk_update(keys, ["wrapped"])


def _reseal_queued_notices() -> None:
    """Notices still queued (a login code, sealed for its worker) are sealed again under
    the new key, so the old key can go as soon as the rotation finishes. The outbox holds
    few queued rows; a delivered notice keeps no sealed value (``outbox.scrubbed``)."""
    from juzhu.registry.outbox import SEALED

    queued = Notification.objects.select_for_update().filter(status__in=CLAIMABLE)
    for notice in queued.select_related("person").order_by("pk").iterator(chunk_size=500):
        context, changed = dict(notice.context), False
        for key, value in notice.context.items():
            if isinstance(value, dict) and SEALED in value:
                blob = base64.b64decode(value[SEALED])
                if pii.needs_rotation(blob):
                    row = notice.person
                    plain = pii.decrypt(blob, purpose="notice_secret", row=row)
                    sealed = pii.encrypt_checked(plain, purpose="notice_secret", row=row)
                    context[key] = {SEALED: base64.b64encode(sealed).decode()}
                    changed = True
        if changed:
            Notification.objects.filter(pk=notice.pk).update(context=context)
