"""Online re-application: one thing per page, uploads, check your answers, submit, withdraw.

The draft is saved at every step (``Draft``); submitting goes through the registry's own
use case (``services.do_submit_application``), so the rules, the event and the notice are
the same as at the counter. Only re-application is online so far (the kind the seed's
reader needs); the other kinds follow the same pages.

Uploads (ecosystem.md §1.2 材料预审): the content must *be* a JPEG, PNG or PDF — judged by
its first bytes, not by its name or the browser's claim — at most 5 MB a file, 3 files a
material and 20 a draft. Files are stored under ``PORTAL_UPLOAD_DIR`` (default
``var/uploads``), which nothing serves, named by a random id.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from juzhu.domain.vocabulary import label
from juzhu.planner.checklist import checklist_for
from juzhu.planner.situation import parse_situation
from juzhu.portal.flow import today
from juzhu.portal.models import Draft, Upload
from juzhu.registry import services
from juzhu.registry.models import Application, Permit, Person, ResidenceRegistration
from juzhu.rules.engine import Decision, Policy
from juzhu.rules.loader import load_policies

KIND = "reapplication"
STEPS = ("basis", "housing", "address", "materials", "check")
MAX_BYTES = 5 * 1024 * 1024
MAX_PER_MATERIAL = 3
MAX_FILES = 20
MAGIC = {  # content type by the file's first bytes
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


class UploadRefused(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(en)

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


def upload_root() -> Path:
    return Path(getattr(settings, "PORTAL_UPLOAD_DIR", settings.VAR_DIR / "uploads"))


def city_of(person: Person) -> tuple[str, str, str]:
    """Where the application goes: the station of the person's latest permit, else of
    their residence registration, else the city alone (a clerk assigns it)."""
    for model in (Permit, ResidenceRegistration):
        row = (
            model.objects.filter(person=person)
            .order_by("-pk" if model is ResidenceRegistration else "-issued_on")
            .values_list("city", "district", "station")
            .first()
        )
        if row:
            return row
    return person.city, "", ""


def open_draft(person: Person) -> Draft:
    """The person's unfinished re-application, or a new one (save and resume)."""
    draft = Draft.objects.filter(person=person, kind=KIND, application__isnull=True).first()
    return draft or Draft.objects.create(person=person, kind=KIND, data={})


def draft_of(person: Person, draft_id: Any) -> Draft | None:
    try:
        return Draft.objects.filter(pk=draft_id, person=person, application__isnull=True).first()
    except (ValueError, TypeError):
        return None


def next_step(draft: Draft) -> str:
    for step in ("basis", "housing", "address"):
        if step not in draft.data:
            return step
    return "check" if draft.data.get("materials_done") else "materials"


def checklist(draft: Draft, lang: str) -> list[dict[str, Any]]:
    """The materials for the chosen basis and housing, from the city's policy."""
    city, _, _ = city_of(draft.person)
    basis, housing = draft.data.get("basis"), draft.data.get("housing")
    policies = load_policies()
    situation = parse_situation(
        {
            "city": city,
            "as_of": today().isoformat(),
            "residence": {"housing": housing} if housing else {},
            "employment": {"employed": basis == "employment"},
            "study": {"enrolled": basis == "study"},
        },
        policies.ids(),
    )
    policy = Policy.of(city, today(), policies)
    decision = Decision(None, basis, (), (), ())
    items = checklist_for(policy, "reapply", situation, decision, lang)
    files = list(draft.uploads.order_by("created_at"))
    for item in items:
        ids = [item["id"], *item["alternatives"]]
        item["choices"] = [label(i, lang) for i in ids] if len(ids) > 1 else []
        item["files"] = [f for f in files if f.material == item["id"]]
    return items


def sniff(head: bytes) -> str | None:
    return next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), None)


def do_add_upload(draft: Draft, material: str, f: UploadedFile, allowed: set[str]) -> Upload:
    """Check and store one file; ``UploadRefused`` says what is wrong and how to fix it."""
    if material not in allowed:
        raise UploadRefused("请选择清单中的材料", "Choose a material from the list")
    if f.size is None or f.size > MAX_BYTES:
        raise UploadRefused(
            f"文件“{f.name}”超过5MB，请压缩或拍得小一些再上传",
            f"“{f.name}” is over 5 MB; compress it or take a smaller photo",
        )
    if f.size == 0:
        raise UploadRefused(f"文件“{f.name}”是空的", f"“{f.name}” is empty")
    head = f.read(16)
    f.seek(0)
    kind = sniff(head)
    if kind is None:
        raise UploadRefused(
            f"文件“{f.name}”的内容不是 JPG、PNG 或 PDF（只改扩展名不行），请上传照片或PDF",
            f"“{f.name}” is not really a JPG, PNG or PDF (renaming does not change it)",
        )
    uploads = draft.uploads.all()
    if uploads.filter(material=material).count() >= MAX_PER_MATERIAL:
        raise UploadRefused(
            f"每项材料最多上传{MAX_PER_MATERIAL}个文件，请先删除一个",
            f"At most {MAX_PER_MATERIAL} files per material; delete one first",
        )
    if uploads.count() >= MAX_FILES:
        raise UploadRefused(
            f"一份申请最多上传{MAX_FILES}个文件", f"At most {MAX_FILES} files per application"
        )
    digest = hashlib.sha256()
    upload = Upload(
        draft=draft,
        material=material,
        name=(Path(f.name or "file").name)[:100],
        content_type=kind,
        size=f.size,
    )
    folder = upload_root() / str(draft.pk)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / str(upload.pk)
    with open(target, "wb") as out:
        for chunk in f.chunks():
            digest.update(chunk)
            out.write(chunk)
    upload.sha256 = digest.hexdigest()
    try:
        upload.save(force_insert=True)
    except Exception:
        target.unlink(missing_ok=True)  # nothing half-written
        raise
    return upload


def do_delete_upload(draft: Draft, upload_id: Any) -> None:
    upload = draft.uploads.filter(pk=upload_id).first()
    if upload is not None:
        (upload_root() / str(draft.pk) / str(upload.pk)).unlink(missing_ok=True)
        upload.delete()


def missing_materials(draft: Draft, lang: str) -> list[str]:
    return [i["text"] for i in checklist(draft, lang) if not i["files"]]


@transaction.atomic
def do_submit(draft: Draft) -> Application:
    """Submit through the registry's use case; raises ``services.Refused`` (e.g. a live
    permit exists) with the reason, leaving the draft as it was."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.application_id:
        assert draft.application is not None
        return draft.application  # submitted already (a second click, or Back then submit)
    person = draft.person
    city, district, station = city_of(person)
    provided = sorted(set(draft.uploads.values_list("material", flat=True)))
    app = services.do_submit_application(
        person,
        kind=KIND,
        city=city,
        district=district,
        station=station,
        on=today(),
        actor=services.Actor(f"holder:{person.pk}"),
        basis=draft.data["basis"],
        housing=draft.data["housing"],
        facts={"address": draft.data["address"], "channel": "online"},
        materials=provided,
    )
    draft.application = app
    draft.save(update_fields=["application", "updated_at"])
    return app


def statutory(app: Application, lang: str) -> dict[str, str]:
    """The time limit in words and the estimated ready date (from submission; the legal
    clock runs from acceptance)."""
    policy = services.policy_of(app.city, app.submitted_on or today())
    period = policy.period("issuing.time_limit")
    ready = services.expected_ready(policy, app.submitted_on or today())
    from juzhu.portal.present import day

    return {"limit": period.describe(lang) if period else "", "ready": day(ready, lang)}


def withdrawable(app: Application) -> bool:
    return app.status in ("submitted", "needs_supplement", "accepted")


def do_withdraw(app: Application, person: Person) -> None:
    services.do_withdraw_application(
        app,
        on=today(),
        actor=services.Actor(f"holder:{person.pk}"),
        expected_version=app.version,
    )
