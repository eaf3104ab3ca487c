"""Subject access (PIPL Art. 45, security.md T26): everything the registry holds about one
person, as one JSON document and as a readable page.

What goes in: the person's own details (ID and phone numbers opened), every residence
registration, permit (with its endorsements), application (with its materials and
uploads), appeal, letter, notice, consent code, the history of each record (the events,
with the sealed personal details opened with the person's key), every read of their data
(the access log) and every relying party's question about their permits.

What stays out: other people. An officer who read the record is named by role only
(their identity is personal data of theirs, not the holder's); a relying party by its
registered organisation name; the events' actors by their kind.

Each download is recorded as a read by the holder (``AccessLog``, purpose
``subject_access``), so it shows in "who viewed my data" with the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils import timezone

from juzhu.registry import personal, pii
from juzhu.registry.models import (
    AccessLog,
    Appeal,
    Application,
    ApplicationMaterial,
    Draft,
    Endorsement,
    Event,
    Letter,
    Notification,
    Permit,
    Person,
    ResidenceRegistration,
    Upload,
)
from juzhu.verification.models import ConsentCode, Verification

FORMAT = "juzhu-subject-access/1"
# Bookkeeping columns that say nothing about the person (chain heads, lock versions,
# blind indexes and ciphertexts, which are exported opened instead).
_SKIP = {
    "version", "last_event_seq", "last_event_hash", "person", "id_number_enc",
    "id_number_index", "phone_enc", "phone_index", "claimed_by", "claimed_until",
    "recipient", "provider_ref", "last_error", "attempts", "next_attempt_at", "code_hash",
    "event", "pdf_sha256", "seal",
}  # fmt: skip


def plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def row(obj: Model, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in _SKIP or f.name in skip:
            continue
        out[f.name] = plain(getattr(obj, f.attname))
    return out


def _actor(actor: str) -> str:
    """An event's actor by kind only: ``officer``, ``system``, ``holder``, …"""
    return actor.split(":", 1)[0] if actor else ""


def _history(person: Person, record_type: str, record_id: Any) -> list[dict[str, Any]]:
    out = []
    key = personal.person_key(person.pk) or b""
    rows = Event.objects.filter(record_type=record_type, record_id=record_id).order_by("seq")
    for e in rows:
        body = json.loads(e.body)
        out.append(
            {
                "seq": e.seq,
                "event": e.name,
                "on": e.on_date.isoformat(),
                "at": plain(e.occurred_at),
                "by": _actor(e.actor),
                "reason": body.get("reason", ""),
                "data": personal.reveal(person.pk, body.get("data") or {}, key=key),
                "inputs": personal.reveal(person.pk, body.get("inputs") or {}, key=key),
            }
        )
    return out


def _who(log: AccessLog) -> dict[str, str]:
    if log.viewer_kind == "relying_party":
        return {"kind": "relying_party", "name": log.viewer_name}
    return {"kind": log.viewer_kind}  # an officer's identity is not the holder's data


def export(person: Person) -> dict[str, Any]:
    """Everything about ``person`` (see the module docstring), JSON-ready."""
    me = row(person)
    if person.purged_on is None and bytes(person.id_number_enc or b""):
        me["id_number"] = pii.decrypt(bytes(person.id_number_enc), purpose="id_number", row=person)
    if person.phone_enc:
        me["phone"] = pii.decrypt(bytes(person.phone_enc), purpose="phone", row=person)
    regs = ResidenceRegistration.objects.filter(person=person).order_by("registered_on")
    permits = Permit.objects.filter(person=person).order_by("issued_on")
    apps = Application.objects.filter(person=person).order_by("created_at")
    appeals = Appeal.objects.filter(person=person).order_by("filed_on")
    permit_ids = [p.pk for p in permits]
    drafts = Draft.objects.filter(person=person).order_by("created_at")
    return {
        "format": FORMAT,
        "made_at": plain(timezone.now()),
        "person": me,
        "registrations": [
            {**row(r), "history": _history(person, "registration", r.pk)} for r in regs
        ],
        "permits": [
            {
                **row(p),
                "endorsements": [row(e, skip={"permit"}) for e in Endorsement.objects.filter(permit=p).order_by("endorsed_on")],
                "history": _history(person, "permit", p.pk),
            }
            for p in permits
        ],  # fmt: skip
        "applications": [
            {
                **row(a),
                "materials": [row(m, skip={"application"}) for m in ApplicationMaterial.objects.filter(application=a)],
                "history": _history(person, "application", a.pk),
            }
            for a in apps
        ],  # fmt: skip
        "appeals": [{**row(a), "history": _history(person, "appeal", a.pk)} for a in appeals],
        "drafts": [
            {**row(d), "uploads": [row(u, skip={"draft"}) for u in Upload.objects.filter(draft=d)]}
            for d in drafts
        ],
        "letters": [row(letter) for letter in Letter.objects.filter(person=person).order_by("issued_on")],
        "notices": [row(n) for n in Notification.objects.filter(person=person, channel="inbox").order_by("created_at")],
        "consent_codes": [
            {"party": c.party.name, "purpose": c.purpose, "created_at": plain(c.created_at),
             "expires_at": plain(c.expires_at), "used_at": plain(c.used_at),
             "revoked_at": plain(c.revoked_at)}
            for c in ConsentCode.objects.filter(permit_id__in=permit_ids).select_related("party")
        ],
        "access_log": [
            {"at": plain(log.at), "who": _who(log), "purpose": log.purpose,
             "record_type": log.record_type, "record_id": plain(log.record_id), "fields": log.fields}
            for log in AccessLog.objects.filter(person=person).order_by("at", "id").iterator()
        ],
        "verifications": [
            {"reference": str(v.reference), "at": plain(v.at), "party": v.party.name,
             "purpose": v.purpose, "asked_about": plain(v.on_date), "method": v.method,
             "outcome": v.outcome, "problem": v.problem, "held_for_months": v.held_for_months}
            for v in Verification.objects.filter(person_id=person.pk).select_related("party").order_by("at", "id")
        ],
    }  # fmt: skip


def do_log_subject_access(person: Person, what: str) -> None:
    """The download itself, recorded as the holder's own read of their data."""
    AccessLog.objects.create(
        city=person.city,
        person=person,
        viewer_kind="holder",
        viewer_id=str(person.pk),
        viewer_name="",
        purpose="subject_access",
        record_type="person",
        record_id=person.pk,
        fields=f"all:{what}",
    )
