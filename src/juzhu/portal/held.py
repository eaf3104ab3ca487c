"""Evidence files kept across a validation error on the appeal form: a browser forgets the
chosen files when the page comes back with an error, so the checked files are held on the
server (under the upload root, named by a random token, listed in the session per form)
and handed in with the next submission. Nothing is lost; nothing is held for anyone else.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpRequest

from juzhu.portal import apply
from juzhu.registry.files import upload_root

SESSION_KEY = "portal_held_evidence"


def _folder(token: str) -> Path:
    return upload_root() / "held" / token


def _all(request: HttpRequest) -> dict[str, list[dict[str, Any]]]:
    held: dict[str, list[dict[str, Any]]] = request.session.get(SESSION_KEY, {})
    return held


def held(request: HttpRequest, form: str) -> list[dict[str, Any]]:
    """What is held for ``form`` (its action URL): name, content type, size, token."""
    return list(_all(request).get(form, []))


def hold(request: HttpRequest, form: str, files: Sequence[UploadedFile]) -> None:
    """Check and keep ``files`` for ``form``; ``apply.UploadRefused`` for a bad one (the
    ones before it stay held)."""
    everything = _all(request)
    kept = everything.get(form, [])
    for f in files:
        kind = apply.check_file(f)
        token = uuid.uuid4().hex
        apply.store_file(_folder(token) / "file", f)
        kept.append({"token": token, "name": apply.file_name(f), "type": kind})
        everything[form] = kept
        request.session[SESSION_KEY] = everything


def files(request: HttpRequest, form: str) -> list[UploadedFile]:
    """The held files of ``form``, as uploads to hand in with the new ones."""
    out: list[UploadedFile] = []
    for item in held(request, form):
        path = _folder(item["token"]) / "file"
        if path.exists():
            out.append(SimpleUploadedFile(item["name"], path.read_bytes(), item["type"]))
    return out


def release(request: HttpRequest, form: str) -> None:
    """Forget and delete what is held for ``form`` (handed in, or a fresh start)."""
    everything = _all(request)
    for item in everything.pop(form, []):
        shutil.rmtree(_folder(item["token"]), ignore_errors=True)
    request.session[SESSION_KEY] = everything
