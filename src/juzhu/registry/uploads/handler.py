"""The size limit, enforced while a multipart request streams in (settings
``FILE_UPLOAD_HANDLERS``, first): a file past its limit, or a request past
``UPLOAD_MAX_REQUEST_BYTES``, stops the parse there — the rest is never read or stored —
and ``juzhu.config.failure`` answers 413 naming the limit. Django's own
``DATA_UPLOAD_MAX_MEMORY_SIZE`` caps the form fields; this caps the files.

The portal takes files of up to ``PORTAL_UPLOAD_MAX_FILE_BYTES`` (5 MB), the back office up
to ``UPLOAD_MAX_FILE_BYTES`` (10 MB); the forms check the same limits again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler


class UploadTooLarge(Exception):
    def __init__(self, limit: int, what: str) -> None:
        self.limit, self.what = limit, what
        super().__init__(f"{what} is over {limit} bytes")


def file_limit(path: str) -> int:
    if path.startswith("/portal/"):
        return int(settings.PORTAL_UPLOAD_MAX_FILE_BYTES)
    return int(settings.UPLOAD_MAX_FILE_BYTES)


def request_limit() -> int:
    return int(settings.UPLOAD_MAX_REQUEST_BYTES)


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of each file and of the whole request; passes the chunks on to the
    next handlers (memory or temporary file) until a limit is crossed."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = file_limit(getattr(request, "path", "") or "")
        self.total = 0
        self.in_file = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length > request_limit():
            raise UploadTooLarge(request_limit(), "request")

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.in_file = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.in_file += len(raw_data)
        self.total += len(raw_data)
        if self.in_file > self.limit:
            raise UploadTooLarge(self.limit, "file")
        if self.total > request_limit():
            raise UploadTooLarge(request_limit(), "request")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
