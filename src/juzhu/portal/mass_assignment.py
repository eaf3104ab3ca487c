"""Mass assignment (security.md T2): a holder's write request that names a field no holder
form has — the record's status, its jurisdiction, its identity, its lock — is refused with
400 before any view runs, instead of the field being silently dropped; nothing is stored.
``auth.holder_required`` calls it for every signed-in holder page."""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict

log = logging.getLogger("juzhu.portal")

# Fields no holder form has and no holder may set.
PROTECTED_FIELDS = frozenset(
    {
        "status", "jurisdiction", "city", "district", "person", "person_id", "assurance",
        "verification_locked", "last_event_hash", "last_event_seq", "purged_on", "number",
        "issued_on", "expires_on", "next_due_on", "decided_on", "decision", "outcome",
        "role", "is_staff", "is_superuser", "id_number_index",
    }
)  # fmt: skip


def _submitted_fields(request: HttpRequest) -> set[str]:
    """The field names of a POST, PUT or PATCH body (form-encoded or a JSON object)."""
    if request.method == "POST":
        return set(request.POST.keys())
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return set()
        return set(data) if isinstance(data, dict) else set()
    return set(QueryDict(request.body).keys())


def refuse_protected_fields(request: HttpRequest) -> HttpResponse | None:
    """400 naming the field, when a write request sets one of ``PROTECTED_FIELDS``."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    named = sorted(_submitted_fields(request) & PROTECTED_FIELDS)
    if not named:
        return None
    log.warning("portal: refused %s %s setting %s", request.method, request.path, named)
    return HttpResponseBadRequest(
        f"不能修改：{'、'.join(named)}。这些内容由登记机关按规定办理，不能由本人直接修改；"
        f"请通过相应的申请办理。\nYou cannot set {', '.join(named)}: the office records "
        "these under the rules; apply for the change instead.",
        content_type="text/plain; charset=utf-8",
    )
