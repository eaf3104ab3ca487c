"""The retention purge (PIPL Art. 19, 47): ``juzhu purge``, nightly like the sweep.

A person is out of retention in a city when none of their records there is live (no permit
in use or suspended, no residence registration, no application or appeal being handled)
and nothing has happened to any of their records since the city's
``retention.personal_data`` period before the purge day (the last event's date; for a
person with no record at all, the day they signed up). Then, in one transaction per person:

- the person's event key is destroyed (``personal.shred``): the sealed details in the
  append-only events (addresses, facts, statements) can no longer be read, while every
  body and hash stays as it was, so ``juzhu audit verify`` still passes;
- the person's name, ID and phone numbers (ciphertext and blind index), e-mail and birth
  date are erased, and ``purged_on`` set;
- the addresses of their registrations, the personal details in their applications (facts,
  the hearing's statement, a proposal's facts), appeals' grounds, letters' and notices'
  snapshots and ratings' comments are erased;
- their drafts and the uploaded scans are deleted, files included (``retention.scans``).

The portal's login attempts (pseudonymous: blind indexes) are deleted once older than
``retention.login_attempts`` (the 6-month floor of 网络安全法 Art. 21).

Never deleted: events, access logs, verification audit rows, denials and sign-in logs.
They name no one once the person is erased (ids only), and the law keeps logs at least 6
months (网络安全法 Art. 21; ``retention.audit_logs``, a floor this job checks).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from juzhu.domain.months import add_months
from juzhu.registry import personal
from juzhu.registry.files import upload_root
from juzhu.registry.models import (
    Appeal,
    Application,
    Draft,
    Event,
    Letter,
    Notification,
    Permit,
    Person,
    ResidenceRegistration,
    ServiceRating,
)
from juzhu.rules.engine import Policy
from juzhu.rules.policyset import UnknownPolicy

log = logging.getLogger("juzhu.retention")

LIVE_PERMIT = ("active", "suspended")
LIVE_APPLICATION = (
    "draft",
    "submitted",
    "needs_supplement",
    "accepted",
    "approved",
    "in_production",
    "ready_for_pickup",
)
LIVE_APPEAL = ("filed", "accepted")
MIN_AUDIT_DAYS = 180  # 网络安全法 Art. 21: at least 6 months
ERASED_NAME = "（已删除）"


class RetentionPolicyError(ValueError):
    pass


def period_before(on: dt.date, period: Mapping[str, Any]) -> dt.date:
    """``on`` minus a policy period ({days}, {months} or {years})."""
    if "days" in period:
        return on - dt.timedelta(days=int(period["days"]))
    months = int(period.get("months", 0)) + 12 * int(period.get("years", 0))
    return add_months(on, -months)


@dataclass(frozen=True)
class Cutoffs:
    personal: dt.date  # last activity on or before this day: details erased
    scans: dt.date  # ... and scans deleted


def cutoffs(city: str, on: dt.date) -> Cutoffs:
    policy = Policy.of(city, on)
    audit = policy.get("retention.audit_logs")
    if (on - period_before(on, audit)).days < MIN_AUDIT_DAYS:
        raise RetentionPolicyError(
            f"{city}: retention.audit_logs is {audit}, less than the 6 months 网络安全法 Art. 21 "
            "requires; fix the policy data (src/juzhu/policies)"
        )
    return Cutoffs(
        period_before(on, policy.get("retention.personal_data")),
        period_before(on, policy.get("retention.scans")),
    )


def login_attempts_cutoff(on: dt.date) -> dt.date:
    """Login attempts on or before this day are deleted (national ``retention.login_attempts``,
    never less than the 6 months of 网络安全法 Art. 21)."""
    period = Policy.of("national", on).get("retention.login_attempts")
    cutoff = period_before(on, period)
    if (on - cutoff).days < MIN_AUDIT_DAYS:
        raise RetentionPolicyError(
            f"national: retention.login_attempts is {period}, less than the 6 months "
            "网络安全法 Art. 21 requires; fix the policy data (src/juzhu/policies)"
        )
    return cutoff


@dataclass
class PurgeReport:
    on: dt.date
    checked: int = 0
    purged: list[uuid.UUID] = field(default_factory=list)
    scans_removed: int = 0
    dry_run: bool = False


def _live(person_id: uuid.UUID) -> bool:
    return (
        Permit.objects.filter(person_id=person_id, status__in=LIVE_PERMIT).exists()
        or ResidenceRegistration.objects.filter(person_id=person_id, status="active").exists()
        or Application.objects.filter(person_id=person_id, status__in=LIVE_APPLICATION).exists()
        or Appeal.objects.filter(person_id=person_id, status__in=LIVE_APPEAL).exists()
    )


def record_ids(person_id: uuid.UUID) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    for model in (Permit, Application, Appeal, ResidenceRegistration):
        ids += list(model.objects.filter(person_id=person_id).values_list("pk", flat=True))
    return ids


def last_activity(person: Person) -> dt.date:
    ids = record_ids(person.pk)
    last = Event.objects.filter(record_id__in=ids).aggregate(m=Max("on_date"))["m"] if ids else None
    return last or person.created_at.date()


def candidates(city: str | None) -> Iterator[Person]:
    people = Person.objects.filter(purged_on__isnull=True)
    if city:
        people = people.filter(
            Q(city=city)
            | Q(permits__city=city)
            | Q(registrations__city=city)
            | Q(applications__city=city)
        ).distinct()
    yield from people.order_by("pk").iterator(chunk_size=500)


def _scrub(value: Any) -> Any:
    """A JSON snapshot with the values of personal keys erased (any depth)."""
    if isinstance(value, Mapping):
        return {
            k: ("" if k in personal.PI_KEYS or k == "person" else _scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def remove_scans(person_id: uuid.UUID) -> int:
    """Delete the person's drafts, their upload rows and the files; the count of files."""
    removed = 0
    root = upload_root()
    for draft_id in Draft.objects.filter(person_id=person_id).values_list("pk", flat=True):
        folder = root / str(draft_id)
        if folder.is_dir():
            removed += sum(1 for p in folder.iterdir() if p.is_file())
            shutil.rmtree(folder)
    Draft.objects.filter(person_id=person_id).delete()  # uploads cascade
    return removed


@transaction.atomic
def do_purge_person(person: Person, on: dt.date) -> int:
    """Erase one person's details (see the module docstring); the scans removed."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.purged_on is not None:
        return 0
    personal.shred(person.pk)
    Person.objects.filter(pk=person.pk).update(
        name=ERASED_NAME,
        id_number_enc=b"",
        id_number_index=f"purged:{person.pk}",
        id_number_masked="",
        phone_enc=None,
        phone_index="",
        phone_masked="",
        email="",
        birth_date=None,
        purged_on=on,
    )
    ResidenceRegistration.objects.filter(person_id=person.pk).update(address="")
    for app in Application.objects.filter(person_id=person.pk):
        Application.objects.filter(pk=app.pk).update(
            facts=_scrub(app.facts),
            intent=_scrub(app.intent) if app.intent else app.intent,
            proposal=_scrub(app.proposal) if app.proposal else app.proposal,
        )
    Appeal.objects.filter(person_id=person.pk).update(grounds="")
    for letter in Letter.objects.filter(person_id=person.pk):
        Letter.objects.filter(pk=letter.pk).update(context=_scrub(letter.context))
    Notification.objects.filter(person_id=person.pk).update(context={})
    ServiceRating.objects.filter(person_id=person.pk).update(comment="")
    return remove_scans(person.pk)


def purge(on: dt.date, *, city: str | None = None, dry_run: bool = False) -> PurgeReport:
    """Erase everyone out of retention on ``on``; idempotent (a purged person is skipped)."""
    report = PurgeReport(on, dry_run=dry_run)
    limits: dict[str, Cutoffs] = {}
    for person in candidates(city):
        report.checked += 1
        home = city or person.city
        if home not in limits:
            try:
                limits[home] = cutoffs(home, on)
            except UnknownPolicy:  # a person of a place with no policy: the national periods
                limits[home] = cutoffs("national", on)
        last = last_activity(person)
        if last > max(limits[home].personal, limits[home].scans) or _live(person.pk):
            continue
        if last <= limits[home].personal:
            report.purged.append(person.pk)
            if not dry_run:
                report.scans_removed += do_purge_person(person, on)
        elif not dry_run:  # scans kept for a shorter time than the details they prove
            with transaction.atomic():
                report.scans_removed += remove_scans(person.pk)
    log.info("purge %s: %d checked, %d erased", on, report.checked, len(report.purged))
    return report
