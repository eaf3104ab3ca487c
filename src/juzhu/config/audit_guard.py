"""The request side of failing closed (``registry/audit_health.py``): a read whose access log
could not be written is answered 503 with Retry-After, and nothing of the record.

The API gets problem+json (RFC 9457, like ``verification/problems.py``); pages get a short
page in the visitor's language. Neither names the person or the record."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

from juzhu.config.errors import visitor_lang
from juzhu.registry.audit_health import AuditUnavailable

RETRY_AFTER = "60"
TEXT = {
    "zh": ("暂时无法查看", "访问记录暂时无法写入，为保护个人信息，本次查询没有进行。请稍后再试。"),
    "en": (
        "Temporarily unavailable",
        "The access log cannot be written right now, so to protect personal data this "
        "read was not carried out. Please try again in a minute.",
    ),
}


def audit_unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {
            "type": "urn:juzhu:problem:audit-unavailable",
            "title": "The audit log cannot be written; nothing was read",
            "status": 503,
            "detail": "Every read is logged first; the log is failing, so the read was refused. "
            "Retry after the Retry-After seconds.",
            "detail_zh": "每次查询都须先记录；记录暂时无法写入，本次查询已拒绝，请稍后重试。",
            "code": "audit-unavailable",
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False),
            status=503,
            content_type="application/problem+json",
        )
    else:
        lang = visitor_lang(request)
        title, lead = TEXT[lang]
        response = HttpResponse(
            f'<!doctype html><html lang="{"en" if lang == "en" else "zh-Hans"}"><meta '
            f'charset="utf-8"><title>{escape(title)}</title><h1>{escape(title)}</h1>'
            f"<p>{escape(lead)}</p></html>",
            status=503,
        )
    response["Retry-After"] = RETRY_AFTER
    response["Cache-Control"] = "no-store"
    return response


class AuditFailClosedMiddleware:
    """Turns ``AuditUnavailable`` from any view into the 503 above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, AuditUnavailable):
            return audit_unavailable(request)
        return None
