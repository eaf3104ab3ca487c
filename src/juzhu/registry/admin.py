"""Django admin, for superusers only. Personal data appears masked; encrypted columns and
blind indexes are never shown; the event log is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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
    jurisdiction; the unscoped admin is for superusers (PRODUCT.md, capability 5)."""
    return bool(request.user.is_active and request.user.is_superuser)


# On the default site itself (there is no AdminSite subclass to configure).
admin.site.has_permission = _superusers_only  # type: ignore[method-assign]


class ReadOnly(admin.ModelAdmin[Any]):  # registered for several models
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnly):
    list_display = ("name", "id_number_masked", "phone_masked", "city", "id_kind", "created_at")
    exclude = ("id_number_enc", "id_number_index", "phone_enc", "phone_index")
    search_fields = ("name",)
    list_filter = ("city", "id_kind")


@admin.register(Permit)
class PermitAdmin(ReadOnly):
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
class ApplicationAdmin(ReadOnly):
    list_display = ("case_number", "city", "station", "kind", "status", "submitted_on", "due_on")
    list_filter = ("city", "kind", "status")
    search_fields = ("case_number",)
    raw_id_fields = ("person", "permit")


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ("id", "record_type", "record_id", "seq", "name", "on_date", "actor")
    list_filter = ("record_type", "name", "city")


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ("at", "viewer_kind", "viewer_name", "purpose", "record_type", "city")
    list_filter = ("viewer_kind", "city")
    raw_id_fields = ("person",)


for model in (ResidenceRegistration, Appeal):
    admin.site.register(model, ReadOnly)


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin[Officer]):
    list_display = ("display_name", "role", "city", "district", "station")
    list_filter = ("role", "city")


@admin.register(RelyingParty)
class RelyingPartyAdmin(admin.ModelAdmin[RelyingParty]):
    list_display = ("name", "kind", "city", "contact", "created_at", "suspended_at", "revoked_at")


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(admin.ModelAdmin[WorkingDayOverride]):
    """Operators enter next year's 调休 here before chinese-calendar ships it."""

    list_display = ("day", "is_workday", "note", "updated_by", "updated_at")


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin[Office]):
    """The names printed on letters: station, deciding bureau, reconsideration body."""

    list_display = ("name_zh", "city", "district", "station", "bureau_zh", "government_zh")
    list_filter = ("city",)
