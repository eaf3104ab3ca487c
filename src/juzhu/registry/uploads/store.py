"""Writing an upload to disk so that it is there whole or not at all: a temporary file
beside the target (same file system), fsync, atomic rename; on any error the temporary
file is removed. A full disk (or quota) becomes 507 with a clear message (T21)."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from juzhu.registry.uploads.errors import UploadRejected

log = logging.getLogger("juzhu.uploads")
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def disk_full() -> UploadRejected:
    return UploadRejected(
        "服务器存储空间已满，文件没有保存（什么也没有留下）；请稍后再试，或到窗口办理",
        "The server's storage is full, so the file was not kept (nothing was left behind); "
        "try again later or go to the counter",
        507,
    )


def write_atomically(target: Path, chunks: Iterable[bytes]) -> str:
    """Write ``chunks`` to ``target``; returns their SHA-256. ``UploadRejected`` (507) when
    the disk is full; nothing is left at ``target`` or beside it on any error."""
    digest = hashlib.sha256()
    tmp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        if exc.errno in FULL:
            log.error("upload not stored: %s is full (%s)", target.parent, exc)
            raise disk_full() from exc
        raise
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return digest.hexdigest()
