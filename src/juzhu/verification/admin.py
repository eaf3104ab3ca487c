"""Django admin (superusers only): keys are shown by their public prefix, never their hash;
consent codes never show their HMAC; the audit log and its seals are read-only. Issuing,
rotating and revoking keys is done with ``juzhu verification`` (the secret is shown once)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from juzhu.verification.models import (
    ApiKey,
    ConsentCode,
    PartyAction,
    StatusList,
    Verification,
    VerificationSeal,
)


class ReadOnly(admin.ModelAdmin[Any]):  # registered for several models
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnly):
    list_display = ("prefix", "party", "label", "per_minute", "per_day", "created_at", "not_after", "revoked_at")  # fmt: skip
    list_filter = ("city",)
    exclude = ("key_hash",)
    search_fields = ("prefix", "label")


@admin.register(ConsentCode)
class ConsentCodeAdmin(ReadOnly):
    list_display = ("id", "party", "purpose", "city", "created_at", "expires_at", "used_at")
    list_filter = ("city", "purpose")
    exclude = ("code_hash",)
    raw_id_fields = ("permit",)


@admin.register(Verification)
class VerificationAdmin(ReadOnly):
    list_display = ("at", "reference", "party", "method", "purpose", "on_date", "held_for_months", "outcome", "problem")  # fmt: skip
    list_filter = ("city", "outcome", "method", "purpose")
    search_fields = ("=reference",)
    raw_id_fields = ("permit", "person", "party", "key")


@admin.register(PartyAction)
class PartyActionAdmin(ReadOnly):
    list_display = ("at", "party", "action", "key_prefix", "note", "actor")
    list_filter = ("city", "action")


@admin.register(VerificationSeal)
class VerificationSealAdmin(ReadOnly):
    list_display = ("id", "first_id", "last_id", "count", "sealed_at", "hash")


@admin.register(StatusList)
class StatusListAdmin(ReadOnly):
    list_display = ("city", "version", "issued_at", "valid_until", "size", "kid")
    exclude = ("encoded_list",)
