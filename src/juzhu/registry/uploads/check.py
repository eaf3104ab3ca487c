"""``check_upload``: size, name, pixel count, virus scan, content — in that order (see
``__init__``)."""

from __future__ import annotations

import re
from typing import Any

from juzhu.registry.uploads import content, scan
from juzhu.registry.uploads.errors import UploadRejected

ALLOWED_EXTENSIONS = {"jpg", "jpeg", "png", "pdf"}
UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*\u202a-\u202e\u2066-\u2069]")


def display_name(raw: str) -> str:
    """The client's file name made safe to show (and to offer as a download name): its last
    path part only (``../../x.png`` → ``x.png``), no control, bidi or reserved characters,
    no leading dots, at most 100 characters. Never used as a path on disk."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = UNSAFE.sub("_", base).strip().lstrip(".").strip()
    return base[-100:] or "file"


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):g}MB"


def check_upload(f: Any, *, max_bytes: int) -> str:
    """The upload's real content type (``image/jpeg``, ``image/png``, ``application/pdf``),
    or ``UploadRejected`` saying which rule it broke. ``f`` is a Django ``UploadedFile``;
    it is left rewound."""
    name = display_name(getattr(f, "name", "") or "")
    size = f.size
    if size is None or size > max_bytes:
        raise UploadRejected(
            f"文件“{name}”超过{mb(max_bytes)}，请压缩或拍得小一些再上传",
            f"“{name}” is over {mb(max_bytes)}; compress it or take a smaller photo",
            413,
        )
    if size == 0:
        raise UploadRejected(f"文件“{name}”是空的", f"“{name}” is empty", 400)
    if "." in name and name.rsplit(".", 1)[1].lower() not in ALLOWED_EXTENSIONS:
        ext = name.rsplit(".", 1)[1]
        raise UploadRejected(
            f"文件“{name}”的扩展名 .{ext} 不被接受，只收 JPG、PNG 或 PDF",
            f"“{name}”: the extension .{ext} is not accepted; only JPG, PNG or PDF",
            400,
        )
    f.seek(0)
    data = b"".join(f.chunks())
    f.seek(0)
    if len(data) > max_bytes:  # a size that lied
        raise UploadRejected(
            f"文件“{name}”超过{mb(max_bytes)}", f"“{name}” is over {mb(max_bytes)}", 413
        )
    content.precheck(data, name)
    scan.scan(data, name)
    return content.inspect(data, name)
