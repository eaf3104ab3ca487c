"""Status lists: one signed bitstring per city, rebuilt from the permits' statuses.

A refresh is set-based: one query names the indexes whose permit must not be relied on
today (not ``active``, past its endorsement year or term, or locked by its holder), numpy
sets those bits, and the packed list is compressed, signed and stored as the city's next
version. ``juzhu verification refresh`` runs it (schedule it every few minutes); the
endpoint also rebuilds a city's list when none exists yet or the latest one has lapsed,
so offline verifiers are never left with nothing to check against.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from juzhu.domain.vocabulary import PermitStatus
from juzhu.registry.replicas import on_primary
from juzhu.verification import credentials, keys
from juzhu.verification.models import StatusEntry, StatusList

KEEP_VERSIONS = 20


def _not_reliable(today: dt.date) -> Q:
    usable = (
        Q(permit__status=PermitStatus.ACTIVE)
        & Q(permit__verification_locked=False)
        & Q(permit__issued_on__lte=today)
        & (Q(permit__next_due_on__isnull=True) | Q(permit__next_due_on__gte=today))
        & (Q(permit__expires_on__isnull=True) | Q(permit__expires_on__gte=today))
    )
    return ~usable | Q(retired=True)


def build_bits(city: str, today: dt.date) -> tuple[int, bytes]:
    """(size in bits, packed bits) of ``city``'s list as of ``today``."""
    top = StatusEntry.objects.filter(city=city).aggregate(m=Max("idx"))["m"]
    size = credentials.list_size(-1 if top is None else top)
    flagged = np.fromiter(
        StatusEntry.objects.filter(city=city)
        .filter(_not_reliable(today))
        .values_list("idx", flat=True)
        .iterator(chunk_size=50_000),
        dtype=np.int64,
    )
    bits = np.zeros(size, dtype=np.uint8)
    bits[flagged] = 1
    return size, np.packbits(bits).tobytes()  # big-endian bit order: index 0 is the MSB


def document(row: StatusList) -> dict[str, Any]:
    """The published form (what the endpoint returns and ``credentials`` checks)."""
    return {
        "city": row.city,
        "version": row.version,
        "issued_at": row.issued_at.astimezone(dt.UTC).isoformat(),
        "valid_until": row.valid_until.astimezone(dt.UTC).isoformat(),
        "size": row.size,
        "encoded_list": row.encoded_list,
        "kid": row.kid,
        "signature": row.signature,
    }


def do_refresh_status_list(city: str, *, now: dt.datetime | None = None) -> StatusList:
    now = (now or timezone.now()).replace(microsecond=0)
    size, packed = build_bits(city, timezone.localdate(now))
    signer = keys.signing_key()
    for _ in range(3):  # two refreshes at once: the second takes the next version
        latest = StatusList.objects.filter(city=city).aggregate(m=Max("version"))["m"] or 0
        row = StatusList(
            city=city,
            version=latest + 1,
            issued_at=now,
            valid_until=now + dt.timedelta(hours=settings.VERIFY_STATUS_LIST_HOURS),
            size=size,
            encoded_list=credentials.encode_bits(packed),
            kid=keys.kid_of(signer.public_key()),
            signature="",
        )
        row.signature = credentials.sign_status_list(document(row), signer)
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            continue
        StatusList.objects.filter(city=city, version__lte=row.version - KEEP_VERSIONS).delete()
        return row
    raise RuntimeError(f"could not publish {city}'s status list: too many refreshes at once")


def do_refresh_all(*, now: dt.datetime | None = None) -> list[StatusList]:
    cities = StatusEntry.objects.values_list("city", flat=True).distinct().order_by("city")
    return [do_refresh_status_list(city, now=now) for city in cities]


def current_status_list(city: str, *, now: dt.datetime | None = None) -> StatusList | None:
    """The latest list of ``city``, rebuilt first if there is none or it has lapsed; None if
    the city has no credentials at all."""
    now = now or timezone.now()
    latest = StatusList.objects.filter(city=city).order_by("-version").first()
    if latest is not None and latest.valid_until > now:
        return latest  # perhaps from a replica (the API's GET): a published list is final
    with on_primary():  # a rebuild is a write: what decides it, and builds it, is the primary's
        latest = StatusList.objects.filter(city=city).order_by("-version").first()
        if latest is not None and latest.valid_until > now:
            return latest
        if latest is None and not StatusEntry.objects.filter(city=city).exists():
            return None
        return do_refresh_status_list(city, now=now)
