"""Thin views: the landing page that links what exists, and a health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from juzhu.registry import audit_health, selectors


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/landing.html", {"stats": selectors.public_statistics()})


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and the audit log takes writes; 503 while an access-log
    write has failed since the last that succeeded (``audit_health``: reads are refused)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    audit = audit_health.state()
    ok = audit["audit"] == "ok"
    return JsonResponse(
        {"ok": ok, "database": connection.vendor, **audit}, status=200 if ok else 503
    )
