"""Where uploaded files live: ``PORTAL_UPLOAD_DIR`` (default ``var/uploads``), outside
anything the web server serves; each file is named by its row's id."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def upload_root() -> Path:
    return Path(getattr(settings, "PORTAL_UPLOAD_DIR", settings.VAR_DIR / "uploads"))
