"""Refuse a request whose query string or form fields carry a NUL character.

PostgreSQL text cannot hold NUL (0x00): a NUL reaching a query is a database error, a 500
with a traceback, where the person deserves a plain 400. Django's form fields refuse NUL
(``ProhibitNullCharactersValidator``), but views that read ``request.POST`` or
``request.GET`` directly (sign-in, filters, the API's query strings) do not. Found by the
T7 form fuzzing on PostgreSQL (tests/security/test_t07_fuzzing.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DataError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

MESSAGE = (
    "输入中含有不允许的控制字符（NUL），请删除后重新提交。"
    " / The input contains a NUL character; remove it and submit again."
)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    # A multipart body is left to the form fields: reading it here would parse the upload
    # before a view can set its upload handlers (size limits).
    form = request.content_type == "application/x-www-form-urlencoded"
    for data in (request.GET, request.POST) if form else (request.GET,):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return True
    return False


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            return _refused()
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A multipart form is not read here (see ``_has_nul``): a NUL in one of its fields
        that reaches PostgreSQL is answered the same way."""
        if isinstance(exception, DataError) and "NUL" in str(exception):
            return _refused()
        return None


def _refused() -> HttpResponse:
    return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
