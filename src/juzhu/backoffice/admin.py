"""The admin's view of sign-in: read-only. Loaded after django.contrib.auth and django-otp
(this app comes last in INSTALLED_APPS), so it replaces their admins: a superuser cannot
give anyone an authenticator (``TOTPDevice``: enrolment needs a one-time token, ``juzhu
officer enrol-token``), a password, staff or superuser status from the admin. And the
admin's session ends like an officer's: 15 idle minutes, 8 hours in all."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from juzhu.backoffice.auth import session_alive
from juzhu.registry.admin import ReadOnly

_superuser_verified = admin.site.has_permission


def _within_session_limits(request: HttpRequest) -> bool:
    return bool(_superuser_verified(request) and session_alive(request))


admin.site.has_permission = _within_session_limits  # type: ignore[method-assign]

for model in (TOTPDevice, Group, get_user_model()):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(get_user_model())
class UserAdmin(ReadOnly):
    list_display = ("username", "is_active", "is_staff", "is_superuser", "last_login")
    exclude = ("password",)
