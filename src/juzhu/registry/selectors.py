"""Scoped reads. ``access_*`` functions are the only way to fetch a person's records for a
viewer; each read by an officer or a relying party writes an access-log row (visible to the
holder). A record outside the viewer's scope raises ``NotFound`` — indistinguishable from a
record that does not exist — and the attempt is logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Count, Model, QuerySet

from juzhu.domain.vocabulary import ApplicationStatus
from juzhu.registry.audit_health import record_failure, record_success
from juzhu.registry.models import (
    AccessLog,
    Appeal,
    Application,
    Officer,
    Permit,
    Person,
    RelyingParty,
)

log = logging.getLogger("juzhu.access")
M = TypeVar("M", bound=Model)


BAD_KEY = (ValueError, ValidationError)  # a malformed id is the same as an unknown one


class NotFound(LookupError):
    """No such record for this viewer (it may exist outside their scope)."""


@dataclass(frozen=True)
class Viewer:
    """Who is reading: a holder (their own person id), an officer, or a relying party."""

    kind: str  # holder | officer | relying_party | system
    id: str
    name: str = ""
    city: str = ""
    district: str = ""
    station: str = ""

    @classmethod
    def of_officer(cls, officer: Officer) -> Viewer:
        return cls(
            "officer",
            str(officer.user_id),
            officer.display_name or officer.user.get_username(),
            officer.city,
            officer.district,
            officer.station,
        )

    @classmethod
    def of_party(cls, party: RelyingParty) -> Viewer:
        return cls("relying_party", str(party.pk), party.name, party.city)

    @classmethod
    def holder(cls, person: Person) -> Viewer:
        return cls("holder", str(person.pk), person.name, person.city)


def _scope(qs: QuerySet[M], viewer: Viewer) -> QuerySet[M]:
    if viewer.kind == "system":
        return qs
    if viewer.kind == "holder":
        field = "id" if qs.model is Person else "person_id"
        return qs.filter(**{field: viewer.id})
    qs = qs.filter(city=viewer.city)
    if viewer.kind == "officer" and qs.model is not Person:
        if viewer.district:
            qs = qs.filter(district=viewer.district)
        if viewer.station:
            qs = qs.filter(station=viewer.station)
    return qs


def scoped(viewer: Viewer, qs: QuerySet[M]) -> QuerySet[M]:
    """A list restricted to the viewer's scope. Lists show masked data and are not logged;
    opening one record goes through an ``access_*`` function, which logs the read."""
    return _scope(qs, viewer)


# What opening each kind of record shows the viewer (the access log's ``fields``).
READ_FIELDS = {
    "permit": "name,id_number_masked,permit_number,status,dates,station,history",
    "application": "name,id_number_masked,case,facts,materials,uploads,history",
    "appeal": "name,id_number_masked,grounds,evidence,history",
    "person": "name,id_number,phone,registrations,addresses,permits,applications",
    "verification": "validity",
}


def _log_read(
    viewer: Viewer, person_id: Any, city: str, purpose: str, record_type: str, record_id: Any
) -> None:
    """Log the read before the record is returned; if the log cannot be written the read is
    refused (``audit_health``: fail closed, 503, a CRITICAL alert)."""
    if viewer.kind in ("officer", "relying_party"):
        try:
            # a savepoint: the failure leaves the caller's transaction usable (for its 503)
            with transaction.atomic():
                AccessLog.objects.create(
                    city=city,
                    person_id=person_id,
                    viewer_kind=viewer.kind,
                    viewer_id=viewer.id,
                    viewer_name=viewer.name,
                    purpose=purpose,
                    record_type=record_type,
                    record_id=record_id,
                    fields=READ_FIELDS.get(record_type, record_type),
                )
        except DatabaseError as exc:
            raise record_failure("access log", exc) from exc
        record_success()


def _refused(viewer: Viewer, what: str, key: Any) -> NotFound:
    log.warning("refused %s read of %s %s by %s %s", viewer.kind, what, key, viewer.kind, viewer.id)
    return NotFound(f"no {what} {key}")


def access_permit(viewer: Viewer, permit_id: Any, purpose: str = "view") -> Permit:
    try:
        permit = _scope(Permit.objects.select_related("person"), viewer).get(pk=permit_id)
    except (Permit.DoesNotExist, *BAD_KEY):
        raise _refused(viewer, "permit", permit_id) from None
    _log_read(viewer, permit.person_id, permit.city, purpose, "permit", permit.pk)
    return permit


def access_application(viewer: Viewer, application_id: Any, purpose: str = "view") -> Application:
    try:
        app = _scope(Application.objects.select_related("person"), viewer).get(pk=application_id)
    except (Application.DoesNotExist, *BAD_KEY):
        raise _refused(viewer, "application", application_id) from None
    _log_read(viewer, app.person_id, app.city, purpose, "application", app.pk)
    return app


def access_appeal(viewer: Viewer, appeal_id: Any, purpose: str = "view") -> Appeal:
    try:
        appeal = _scope(Appeal.objects.select_related("person", "permit"), viewer).get(pk=appeal_id)
    except (Appeal.DoesNotExist, *BAD_KEY):
        raise _refused(viewer, "appeal", appeal_id) from None
    _log_read(viewer, appeal.person_id, appeal.city, purpose, "appeal", appeal.pk)
    return appeal


def access_person(viewer: Viewer, person_id: Any, purpose: str = "view") -> Person:
    try:
        person = _scope(Person.objects.all(), viewer).get(pk=person_id)
    except (Person.DoesNotExist, *BAD_KEY):
        raise _refused(viewer, "person", person_id) from None
    if (
        viewer.kind == "officer"
        and (viewer.district or viewer.station)
        and not _has_record_in_scope(person, viewer)
    ):
        raise _refused(viewer, "person", person_id)
    _log_read(viewer, person.pk, person.city, purpose, "person", person.pk)
    return person


def _has_record_in_scope(person: Person, viewer: Viewer) -> bool:
    return (
        _scope(Permit.objects.filter(person=person), viewer).exists()
        or _scope(Application.objects.filter(person=person), viewer).exists()
    )


def access_log_for_holder(person: Person) -> QuerySet[AccessLog]:
    """Who read my record (the holder's own view), newest first; rows of one instant in
    the order they were written (a stable order for paging through them)."""
    return AccessLog.objects.filter(person=person).order_by("-at", "-id")


def public_statistics() -> dict[str, Any]:
    """Aggregate counts for the landing page: no personal data."""
    by_status = dict(
        Permit.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {
        "permits": sum(by_status.values()),
        "by_status": by_status,
        "open_applications": Application.objects.exclude(
            status__in=[
                ApplicationStatus.REFUSED,
                ApplicationStatus.COLLECTED,
                ApplicationStatus.WITHDRAWN,
            ]
        ).count(),
    }
