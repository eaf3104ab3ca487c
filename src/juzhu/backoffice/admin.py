"""The admin's view of sign-in: read-only. Loaded after django.contrib.auth and django-otp
(this app comes last in INSTALLED_APPS), so it replaces their admins: a superuser cannot
give anyone an authenticator (``TOTPDevice``: enrolment needs a one-time token, ``juzhu
officer enrol-token``), a password, staff or superuser status from the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from juzhu.registry.admin import ReadOnly

for model in (TOTPDevice, Group, get_user_model()):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(get_user_model())
class UserAdmin(ReadOnly):
    list_display = ("username", "is_active", "is_staff", "is_superuser", "last_login")
    exclude = ("password",)
