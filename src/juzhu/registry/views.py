"""Thin views: the landing page that links what exists, and a health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from juzhu.registry import selectors


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/landing.html", {"stats": selectors.public_statistics()})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True, "database": connection.vendor})
