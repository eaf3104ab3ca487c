"""Thin views: the landing page that links what exists, and a health check."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from juzhu.registry import selectors

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
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True, "database": connection.vendor})
