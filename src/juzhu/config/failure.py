"""Clear answers when something below the application fails (security.md T9, T19–T21):

- the database is unreachable, or a statement ran past ``statement_timeout``: 503 with
  ``Retry-After`` and no stack trace; the rest of the site (static files, the planner,
  which needs no database) keeps answering;
- a row is locked by someone else past ``lock_timeout``: 409, "try again";
- an upload past its size limit: 413, found while the request streams in (the rest of the
  body is never read; ``registry.uploads.handler``);
- an upload the scanner could not check (503) or the disk could not take (507).

``FailureMiddleware`` sits near the top of ``MIDDLEWARE``: it parses a multipart body
before anything else reads it (so the size limit answers 413 rather than the CSRF check
failing on half a form) and turns the errors above, raised by a view, into answers.
``server_error`` (handler500) does the same for errors raised in a middleware."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from juzhu.config import errors
from juzhu.registry.uploads import UploadRejected
from juzhu.registry.uploads.check import mb
from juzhu.registry.uploads.handler import UploadTooLarge
from juzhu.verification.api import DATABASE_FAILED

log = logging.getLogger("juzhu.failure")
RETRY_AFTER = 30  # seconds: long enough for a database restart or a failover

LOCKED = ("55P03",)  # lock_not_available (lock_timeout, NOWAIT)
TIMED_OUT = ("57014",)  # query_canceled (statement_timeout)

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "database": {
        "zh": ("系统暂时无法访问数据库", "刚才这一步没有完成，也没有保存一半。请稍等半分钟再试；急事请联系当地派出所。不用登录的补救规划仍可使用。"),
        "en": ("The database is unavailable for a moment", "That last step did not go through and nothing was half-saved. Please try again in half a minute; the remedy planner (no login) still works."),
    },
    "timeout": {
        "zh": ("系统太忙，这一步超时了", "刚才这一步没有完成，也没有保存一半。请稍后再试一次。"),
        "en": ("The system is busy and that step timed out", "That last step did not go through and nothing was half-saved. Please try it again shortly."),
    },
    "locked": {
        "zh": ("这条记录正在被别人办理", "有人正在修改同一条记录，你的操作没有保存。请过一会儿刷新页面再试。"),
        "en": ("Someone else is working on this record", "Another person is changing the same record, so your change was not saved. Reload the page in a moment and try again."),
    },
}  # fmt: skip


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__ or exc
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return str(state) if state else None


def classify(exc: BaseException) -> str | None:
    """``locked``, ``timeout`` or ``database`` for a database failure; None for others."""
    if not isinstance(exc, DatabaseError):
        return None
    state = _sqlstate(exc)
    if state in LOCKED or "database is locked" in str(exc):  # SQLite's busy timeout
        return "locked"
    if state in TIMED_OUT:
        return "timeout"
    if isinstance(exc, OperationalError | InterfaceError) and (
        state is None or state.startswith(("08", "57P"))  # connection, admin shutdown
    ):
        return "database"
    return None


def _answer(request: HttpRequest, status: int, texts: dict[str, tuple[str, str]]) -> HttpResponse:
    if request.path.startswith("/api/"):
        code = {409: "record-locked", 413: "too-large", 507: "storage-full"}
        body = {"type": "about:blank", "title": texts["en"][0], "status": status,
                "detail": texts["en"][1], "detail_zh": texts["zh"][1],
                "code": code.get(status, "service-unavailable")}  # fmt: skip
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False),
            status=status,
            content_type="application/problem+json",
        )
    else:
        response = errors._page(request, status, texts)
    response["Cache-Control"] = "no-store"
    if status in (503, 507, 409):
        response["Retry-After"] = str(RETRY_AFTER if status != 409 else 5)
    return response


def failure_response(request: HttpRequest, exc: BaseException | None) -> HttpResponse | None:
    """The answer for ``exc`` when it is one of the failures above, else None."""
    if isinstance(exc, UploadRejected) and exc.status >= 500:
        return _answer(request, exc.status, {"zh": ("文件没有保存", exc.zh), "en": ("The file was not kept", exc.en)})  # fmt: skip
    if isinstance(exc, UploadTooLarge):
        return too_large(request, exc)
    kind = classify(exc) if exc is not None else None
    if kind is None:
        return None
    # the first line of the driver's message (connection or timeout: no personal data)
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    log.error("request %s %s failed: %s (%s: %r)", request.method, request.path, kind,
              type(exc).__name__, detail)  # fmt: skip
    return _answer(request, 409 if kind == "locked" else 503, TEXTS[kind])


def too_large(request: HttpRequest, exc: UploadTooLarge) -> HttpResponse:
    limit = mb(exc.limit)
    if exc.what == "file":
        zh = f"文件超过{limit}，没有保存（每个文件最大{limit}）。请压缩或拍得小一些再上传。"
        en = f"Each file may be at most {limit}; this one is larger and was not kept. Compress it or take a smaller photo."
    else:
        zh = f"这次上传超过{limit}，什么也没有保存（一次最多{limit}）。请分几次上传。"
        en = f"At most {limit} can be sent at once; this was more and nothing was kept. Send fewer files at a time."
    log.warning("upload refused while streaming: %s over %s bytes (%s)", exc.what, exc.limit,
                request.path)  # fmt: skip
    return _answer(request, 413, {"zh": ("文件太大", zh), "en": ("File too large", en)})


def _drop_partial(request: HttpRequest) -> None:
    """Close (and so delete) the temporary file of the upload cut short."""
    for handler in getattr(request, "_upload_handlers", None) or []:
        partial = getattr(handler, "file", None)
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.close()


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 500 page — unless the error is one of the failures above, raised
    in a middleware where no ``process_exception`` sees it (the session's save, say)."""
    response = failure_response(request, sys.exc_info()[1])
    return response or errors.server_error(request)


class FailureMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        failed = getattr(request, "environ", {}).get("asgi.scope", {}).get(DATABASE_FAILED)
        if failed:  # the event loop found the database not answering: no second wait for it
            return failure_response(request, OperationalError(failed)) or self.get_response(request)
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018  (streams the body through the upload handlers)
            except UploadTooLarge as exc:
                _drop_partial(request)
                return too_large(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> Any:
        return failure_response(request, exc)
