"""A virus scan of each upload by ClamAV's daemon (clamd), over its socket with the
INSTREAM command (the bytes are streamed; clamd needs no access to our files).

``settings.CLAMD_SOCKET``: a Unix socket path (Debian's clamav-daemon:
``/run/clamav/clamd.ctl``) or ``host:port``. ``settings.UPLOAD_SCAN_REQUIRED`` (on unless
``JUZHU_ENV`` names a development machine): fail closed — when clamd cannot be reached the
upload is refused with 503 and a clear message. Off: the upload is kept unscanned and a
warning is logged (a development machine without clamd)."""

from __future__ import annotations

import logging
import socket
import struct

from django.conf import settings

from juzhu.registry.uploads.errors import UploadRejected

log = logging.getLogger("juzhu.uploads")
CHUNK = 64 * 1024


class ScannerUnavailable(OSError):
    pass


def _connect() -> socket.socket:
    where = str(settings.CLAMD_SOCKET)
    timeout = float(getattr(settings, "CLAMD_TIMEOUT", 30))
    if where.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(where)
        return sock
    host, _, port = where.rpartition(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def clamd_verdict(data: bytes) -> str | None:
    """The signature clamd found in ``data``, or None when it is clean;
    ``ScannerUnavailable`` when clamd cannot be asked or gives no verdict."""
    try:
        with _connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                piece = data[start : start + CHUNK]
                sock.sendall(struct.pack("!L", len(piece)) + piece)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ScannerUnavailable(f"clamd at {settings.CLAMD_SOCKET}: {exc}") from exc
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith(" OK"):
        return None
    if text.endswith(" FOUND"):
        return text.removeprefix("stream:").removesuffix(" FOUND").strip()
    raise ScannerUnavailable(f"clamd at {settings.CLAMD_SOCKET} answered {text!r}")


def scan(data: bytes, name: str) -> None:
    """``UploadRejected`` (422) when clamd finds malware; (503) when clamd cannot be asked
    and scanning is required."""
    try:
        found = clamd_verdict(data)
    except ScannerUnavailable as exc:
        if settings.UPLOAD_SCAN_REQUIRED:
            log.error("upload refused: the virus scanner is unavailable (%s)", exc)
            raise UploadRejected(
                "病毒扫描服务暂时不可用，文件没有保存；请过几分钟再上传",
                "The virus scanner is unavailable, so the file was not kept; "
                "try again in a few minutes",
                503,
            ) from exc
        log.warning("upload kept UNSCANNED (development: JUZHU_ENV is not production): %s", exc)
        return
    if found:
        log.warning("upload %r refused: clamd found %s", name, found)
        raise UploadRejected(
            f"文件“{name}”被病毒扫描判定为恶意文件（{found}），没有保存",
            f"“{name}” was flagged by the virus scanner ({found}) and was not kept",
            422,
        )
