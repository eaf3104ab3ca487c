"""Django admin, for superusers only, and off unless ``JUZHU_ADMIN=1`` (issue 14, high
finding 1). When on, it asks what the back office asks: the superuser signs in at /office/
with password + TOTP (the admin's own password-only login page is never served), and
``has_permission`` wants that verified session. Personal data appears masked; encrypted
columns and blind indexes are never shown; everything is read-only (officers' roles and
cities change with ``juzhu officer``, relying parties in the back office, both audited);
each person shown, in a list or one record, writes an access-log row like any other read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import update_wrapper
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from juzhu.registry.models import (
    AccessLog,
    Appeal,
    Application,
    Event,
    Office,
    Officer,
    Permit,
    Person,
    RelyingParty,
    ResidenceRegistration,
    WorkingDayOverride,
)


def _superusers_only(request: HttpRequest) -> bool:
    """Staff status alone opens nothing: officers work in /office/, scoped to their
    jurisdiction; the unscoped admin is for a superuser signed in with both factors."""
    user: Any = request.user
    verified = getattr(user, "is_verified", lambda: False)()
    return bool(settings.ADMIN_ENABLED and user.is_active and user.is_superuser and verified)


def _login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """No password-only login: off → 404; on → the back office's password + TOTP."""
    if not settings.ADMIN_ENABLED:
        raise Http404("the admin is off (JUZHU_ADMIN)")
    return redirect_to_login(request.GET.get("next") or "/admin/", settings.LOGIN_URL)


_admin_view = admin.site.admin_view


def _gated_view(view: Callable[..., Any], cacheable: bool = False) -> Callable[..., Any]:
    """Every admin page 404s while the admin is off (as if it were not there)."""
    inner = _admin_view(view, cacheable)

    def gate(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not settings.ADMIN_ENABLED:
            raise Http404("the admin is off (JUZHU_ADMIN)")
        return inner(request, *args, **kwargs)

    return update_wrapper(gate, inner)


# On the default site itself (there is no AdminSite subclass to configure).
admin.site.has_permission = _superusers_only  # type: ignore[method-assign]
admin.site.login = _login  # type: ignore[method-assign]
admin.site.admin_view = _gated_view  # type: ignore[method-assign,assignment]


class ReadOnly(admin.ModelAdmin[Any]):  # registered for several models
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def log_admin_reads(request: HttpRequest, rows: Iterable[Any], record_type: str) -> None:
    """One access-log row per person's record shown to the superuser."""
    user: Any = request.user
    AccessLog.objects.bulk_create(
        AccessLog(
            city=getattr(row, "city", "") or "",
            person_id=row.pk if record_type == "person" else row.person_id,
            viewer_kind="admin",
            viewer_id=str(user.pk),
            viewer_name=user.get_username(),
            purpose="admin",
            record_type=record_type,
            record_id=row.pk,
        )
        for row in rows
    )


class LoggedReads(ReadOnly):
    """A read-only admin of a person's records whose every read is logged."""

    record_type = "person"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        row = self.get_object(request, object_id)
        if row is not None and response.status_code == 200:
            log_admin_reads(request, [row], self.record_type)
        return response

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        if "cl" in context and response.status_code == 200:
            log_admin_reads(request, context["cl"].result_list, self.record_type)
        return response


@admin.register(Person)
class PersonAdmin(LoggedReads):
    list_display = ("name", "id_number_masked", "phone_masked", "city", "id_kind", "created_at")
    exclude = ("id_number_enc", "id_number_index", "phone_enc", "phone_index")
    search_fields = ("name",)
    list_filter = ("city", "id_kind")


@admin.register(Permit)
class PermitAdmin(LoggedReads):
    record_type = "permit"

    list_display = (
        "number",
        "city",
        "station",
        "status",
        "issued_on",
        "next_due_on",
        "cancellation_reason",
    )
    list_filter = ("city", "status")
    search_fields = ("number",)
    raw_id_fields = ("person",)


@admin.register(Application)
class ApplicationAdmin(LoggedReads):
    record_type = "application"

    list_display = ("case_number", "city", "station", "kind", "status", "submitted_on", "due_on")
    list_filter = ("city", "kind", "status")
    search_fields = ("case_number",)
    raw_id_fields = ("person", "permit")


@admin.register(Event)
class EventAdmin(ReadOnly):
    """Metadata and hashes only: a body may hold a person's address, and these reads are not
    tied to a person to log (``juzhu audit verify`` checks the bodies)."""

    list_display = ("id", "record_type", "record_id", "seq", "name", "on_date", "actor")
    exclude = ("body",)
    list_filter = ("record_type", "name", "city")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ("at", "viewer_kind", "viewer_name", "purpose", "record_type", "city")
    list_filter = ("viewer_kind", "city")
    raw_id_fields = ("person",)


@admin.register(ResidenceRegistration)
class RegistrationAdmin(LoggedReads):
    record_type = "registration"


@admin.register(Appeal)
class AppealAdmin(LoggedReads):
    record_type = "appeal"


@admin.register(Officer)
class OfficerAdmin(ReadOnly):
    """Read-only: roles and places change with ``juzhu officer`` (audited), never here."""

    list_display = ("display_name", "role", "city", "district", "station")
    list_filter = ("role", "city")


@admin.register(RelyingParty)
class RelyingPartyAdmin(ReadOnly):
    """Read-only: onboarding, suspension and withdrawal are the back office's audited acts."""

    list_display = ("name", "kind", "city", "contact", "created_at", "suspended_at", "revoked_at")


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(ReadOnly):
    """Read-only: next year's 调休 is entered in the back office (管理), which records who."""

    list_display = ("day", "is_workday", "note", "updated_by", "updated_at")


@admin.register(Office)
class OfficeAdmin(ReadOnly):
    """The names printed on letters; read-only here, edited in the back office (管理)."""

    list_display = ("name_zh", "city", "district", "station", "bureau_zh", "government_zh")
    list_filter = ("city",)
