"""Thin views: the landing page that links what exists, and a health check."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from juzhu.registry import audit_health, selectors

STATS_KEY, STATS_SECONDS = "juzhu:landing:stats", 300


def landing(request: HttpRequest) -> HttpResponse:
    """The counts are taken at most once per 5 minutes for every process (the shared cache):
    counting the permit table per hit let anyone load the database for free (issue 14)."""
    stats = cache.get(STATS_KEY)
    if stats is None:
        stats = selectors.public_statistics()
        cache.set(STATS_KEY, stats, STATS_SECONDS)
    return render(
        request,
        "registry/landing.html",
        {"stats": stats, "admin_enabled": settings.ADMIN_ENABLED},
    )


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
