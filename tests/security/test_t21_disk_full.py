"""T21 disk full for scans (security.md §6): the upload folder on a 2 MB tmpfs, a 3 MB
scan uploaded. Pass: 507 with a clear message, no orphan database row, no partial file
(the temporary file is removed). Also an appeal whose second evidence file does not fit:
the appeal is not filed and the first file is removed. Where no tmpfs can be mounted (not
root), the full disk is injected (ENOSPC from the write) — that test always runs."""

from __future__ import annotations

import datetime as dt
import errno
import io
import random
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from fixtures.clock import frozen
from fixtures.permits import OFFICER_17, cancelled_permit
from fixtures.portal import login, materials_draft
from juzhu.portal.models import Evidence, Upload
from juzhu.registry.models import Appeal, Permit, Person
from juzhu.registry.uploads import store

pytestmark = frozen


def noise_png(megabytes: float, seed: int) -> bytes:
    """A real PNG of random pixels (does not compress): about ``megabytes`` big."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5)
    pixels = random.Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "PNG", compress_level=0)
    return out.getvalue()


@pytest.fixture()
def small_disk(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """The upload folder on a 2 MB tmpfs (needs root; skipped otherwise)."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({done.stderr.decode().strip()}); see the ENOSPC test"
        )
    settings.PORTAL_UPLOAD_DIR = mount / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.fixture()
def cancelled(alice: Person) -> Permit:
    return cancelled_permit(
        alice, reason="expired_not_renewed", on=dt.date(2025, 12, 1), actor=OFFICER_17
    )


def files_in(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_a_3_mb_scan_on_a_2_mb_disk_gets_507_and_leaves_nothing(
    client: Client, alice: Person, cancelled: Permit, small_disk: Path
) -> None:
    login(client, alice)
    draft = materials_draft(client)
    scan = noise_png(3, seed=1)
    assert 3 * 1024 * 1024 * 0.9 < len(scan) < 5 * 1024 * 1024
    r = client.post(
        f"/portal/me/apply/{draft.pk}/materials/",
        {
            "action": "upload",
            "material": "lease_contract",
            "file": SimpleUploadedFile("scan.png", scan),
        },
    )
    assert r.status_code == 507
    assert "服务器存储空间已满" in r.content.decode()
    assert not Upload.objects.exists()  # no orphan row
    assert files_in(small_disk) == []  # no partial file, no temporary file


def test_an_appeal_whose_second_file_does_not_fit_is_not_filed_and_leaves_nothing(
    client: Client, alice: Person, cancelled: Permit, small_disk: Path
) -> None:
    login(client, alice)
    evidence = [
        SimpleUploadedFile("回执.png", noise_png(1.2, seed=2)),
        SimpleUploadedFile("合同.png", noise_png(1.2, seed=3)),
    ]
    r = client.post(
        f"/portal/me/permits/{cancelled.pk}/appeal/",
        {
            "kind": "reconsideration",
            "grounds": "我一直按时签注，有回执为证。",
            "evidence": evidence,
        },
    )
    assert r.status_code == 507
    assert "服务器存储空间已满" in r.content.decode()
    assert not Appeal.objects.exists() and not Evidence.objects.exists()
    assert files_in(small_disk) == []


def test_an_injected_enospc_gets_507_and_leaves_nothing(
    client: Client, alice: Person, cancelled: Permit, uploads: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", full)
    login(client, alice)
    draft = materials_draft(client)
    r = client.post(
        f"/portal/me/apply/{draft.pk}/materials/",
        {
            "action": "upload",
            "material": "lease_contract",
            "file": SimpleUploadedFile("scan.png", noise_png(0.2, 4)),
        },
    )
    assert r.status_code == 507 and "服务器存储空间已满" in r.content.decode()
    assert not Upload.objects.exists()
    assert files_in(uploads) == []  # the temporary file was removed
