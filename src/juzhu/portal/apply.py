"""Online applications: one thing per page, uploads, check your answers, submit, withdraw.

Every application kind goes online (``KINDS``): first issue and re-application when the
person holds no live permit in the city; endorsement, change of address, replacement and
voluntary cancellation of the live (active or suspended) permit. ``kinds_for`` offers only
the kinds valid for the person's situation; each kind asks only its own questions
(``KIND_STEPS``) and has its own materials (``checklist``).

The draft is saved at every step (``Draft``); submitting goes through the registry's own
use case (``services.do_submit_application``), so the rules, the event and the notice are
the same as at the counter.

Uploads (ecosystem.md §1.2 材料预审): the content must *be* a JPEG, PNG or PDF — parsed,
scanned for malware, not judged by its name or the browser's claim
(``juzhu.registry.uploads``) — at most 5 MB a file, 3 files a material and 20 a draft.
Files are stored under ``PORTAL_UPLOAD_DIR`` (default ``var/uploads``), which nothing
serves, named by a random id, written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from juzhu.domain.months import add_months
from juzhu.domain.vocabulary import ApplicationStatus, PermitStatus, label
from juzhu.planner.checklist import checklist_for
from juzhu.planner.situation import parse_situation
from juzhu.portal.flow import today
from juzhu.portal.models import Draft, Upload
from juzhu.registry import services, uploads
from juzhu.registry.eligibility import FactSpec, declared_facts
from juzhu.registry.files import upload_root
from juzhu.registry.models import Application, Permit, Person, ResidenceRegistration
from juzhu.rules.engine import Decision, Policy
from juzhu.rules.loader import load_policies

KIND = "reapplication"  # what a start without a chosen kind opens (the first online kind)
STEPS = ("basis", "housing", "address", "materials", "check")
NEW_PERMIT_KINDS = ("first_issue", "reapplication")
PERMIT_KINDS = ("endorsement", "change", "replacement", "voluntary_cancellation")
KINDS = (*NEW_PERMIT_KINDS, *PERMIT_KINDS)
KIND_STEPS: dict[str, tuple[str, ...]] = {
    "first_issue": ("basis", "housing", "address"),
    "reapplication": ("basis", "housing", "address"),
    "endorsement": (),
    "change": ("housing", "address"),
    "replacement": ("replace_reason",),
    "voluntary_cancellation": ("cancel_reason", "cancel_confirm"),
}
LIVE = PermitStatus.live()
MAX_PER_MATERIAL = 3
MAX_FILES = 20
# What an upload check raises: zh and en messages and the HTTP status (400, 413, 422, 503,
# 507); the portal's views show the message beside the material or the evidence field.
UploadRefused = uploads.UploadRejected


def city_of(person: Person) -> tuple[str, str, str]:
    """Where the application goes: where the person lives now — the station of their live
    residence registration — else of their latest permit, else the city alone (a clerk
    assigns it). Never an old permit's station when they have registered elsewhere since."""
    live = (
        ResidenceRegistration.objects.filter(person=person, status="active")
        .order_by("-registered_on")
        .values_list("city", "district", "station")
        .first()
    )
    if live:
        return live
    row = (
        Permit.objects.filter(person=person)
        .order_by("-issued_on")
        .values_list("city", "district", "station")
        .first()
    )
    return row or (person.city, "", "")


def live_permit(person: Person) -> Permit | None:
    """The person's live (active or suspended) permit: the one the permit kinds act on."""
    return Permit.objects.filter(person=person, status__in=LIVE).order_by("-issued_on").first()


def endorsement_open(permit: Permit, on: dt.date) -> bool:
    """Suspended (late endorsement), or active within the city's window before the due day."""
    if permit.status == PermitStatus.SUSPENDED:
        return True
    if permit.next_due_on is None:
        return False
    window = services.policy_of(permit.city, on).period("endorsement.window")
    opens = permit.next_due_on
    if window is not None:
        opens = (
            permit.next_due_on - dt.timedelta(days=window.amount)
            if window.unit == "days"
            else add_months(
                permit.next_due_on, -window.amount * (12 if window.unit == "years" else 1)
            )
        )
    return on >= opens


def kinds_for(person: Person, permits: list[Permit] | None = None) -> list[str]:
    """The kinds valid for the person now: the permit kinds while a permit is live, else
    re-application after a permit ended here, or first issue if none was ever held here.
    ``permits``: the person's permits when the caller has them (newest first)."""
    permit = (
        live_permit(person)
        if permits is None
        else next((p for p in permits if p.status in LIVE), None)
    )
    if permit is not None:
        kinds = ["change", "replacement", "voluntary_cancellation"]
        return ["endorsement", *kinds] if endorsement_open(permit, today()) else kinds
    city, _, _ = city_of(person)
    held = Permit.objects.filter(person=person, city=city).exists()
    return ["reapplication" if held else "first_issue"]


def open_draft(person: Person, kind: str = KIND) -> Draft:
    """The person's unfinished application of ``kind``, or a new one (save and resume).
    A permit kind's draft names the live permit it acts on."""
    draft = Draft.objects.filter(person=person, kind=kind, application__isnull=True).first()
    if draft is not None:
        return draft
    data: dict[str, Any] = {}
    if kind in PERMIT_KINDS:
        permit = live_permit(person)
        if permit is not None:
            data["permit"] = str(permit.pk)
    return Draft.objects.create(person=person, kind=kind, data=data)


def open_drafts(person: Person) -> list[Draft]:
    return list(
        Draft.objects.filter(person=person, application__isnull=True).order_by("-updated_at")
    )


def permit_of(draft: Draft) -> Permit | None:
    pk = draft.data.get("permit")
    if not pk or draft.kind not in PERMIT_KINDS:
        return None
    return Permit.objects.filter(pk=pk, person=draft.person).first()


def steps(draft: Draft) -> tuple[str, ...]:
    """The question pages of the draft's kind (materials and check follow), and the facts
    page when the city's policy needs facts the person must declare."""
    base = KIND_STEPS.get(draft.kind, KIND_STEPS[KIND])
    return (*base, "facts") if fact_questions(draft) else base


def fact_questions(draft: Draft) -> list[FactSpec]:
    """The facts this application must declare under its city's policy, once its basis is
    known (the registry's own facts, such as the registration date, are never asked)."""
    if draft.kind not in (*NEW_PERMIT_KINDS, "endorsement"):
        return []
    permit = permit_of(draft)
    basis = permit.basis if permit is not None else draft.data.get("basis")
    if not basis:
        return []
    city = permit.city if permit is not None else city_of(draft.person)[0]
    return declared_facts(services.policy_of(city, today()), draft.kind, basis)


def draft_of(person: Person, draft_id: Any) -> Draft | None:
    try:
        return Draft.objects.filter(pk=draft_id, person=person, application__isnull=True).first()
    except (ValueError, TypeError):
        return None


def next_step(draft: Draft) -> str:
    for step in steps(draft):
        if step not in draft.data:
            return step
    return "check" if draft.data.get("materials_done") else "materials"


def _item(material: str, lang: str, why: str) -> dict[str, Any]:
    return {"id": material, "alternatives": [], "text": label(material, lang), "why": why}


def checklist(draft: Draft, lang: str) -> list[dict[str, Any]]:
    """The materials of the draft's kind, from the city's policy: for a new permit those of
    the chosen basis and housing; for an endorsement the permit and, where the city
    re-checks the conditions (``endorsement.reproves_eligibility``), proof of home and
    basis; for a change proof of the new home; for a replacement the ID card and a photo;
    for a voluntary cancellation the ID card."""
    permit = permit_of(draft)
    city = permit.city if permit else city_of(draft.person)[0]
    basis, housing = draft.data.get("basis"), draft.data.get("housing")
    path = "reapply"
    if draft.kind == "endorsement":
        path = "late_endorsement"
        basis, housing = (permit.basis, permit.housing) if permit else (basis, housing)
    elif draft.kind == "change":  # proof of the new home only
        policy = Policy.of(city, today())
        items = []
        for entry in policy.get("materials.by_housing").get(housing or "", []):
            ids = entry["any_of"] if isinstance(entry, dict) else [entry]
            joiner = " 或 " if lang == "zh" else " or "
            text = joiner.join(label(i, lang) for i in ids)
            items.append({"id": ids[0], "alternatives": ids[1:], "text": text, "why": "change"})
        return _with_files(draft, items, lang)
    elif draft.kind in ("replacement", "voluntary_cancellation"):
        ids = ["id_card", "photo"] if draft.kind == "replacement" else ["id_card"]
        return _with_files(draft, [_item(i, lang, draft.kind) for i in ids], lang)
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
    items = checklist_for(policy, path, situation, decision, lang)
    return _with_files(draft, items, lang)


def _with_files(draft: Draft, items: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    files = list(draft.uploads.order_by("created_at"))
    for item in items:
        ids = [item["id"], *item["alternatives"]]
        item["choices"] = [label(i, lang) for i in ids] if len(ids) > 1 else []
        item["files"] = [f for f in files if f.material == item["id"]]
    return items


def check_file(f: UploadedFile) -> str:
    """The file's real content type (JPEG, PNG or PDF, by parsing it), or ``UploadRefused``
    when it is too big, empty, infected or something else."""
    return uploads.check_upload(f, max_bytes=settings.PORTAL_UPLOAD_MAX_FILE_BYTES)


MAX_EVIDENCE = 10  # evidence files of an appeal


def check_evidence(files: Sequence[UploadedFile]) -> list[str]:
    """Each evidence file's real content type; ``UploadRefused`` for a bad file or too many."""
    if len(files) > MAX_EVIDENCE:
        raise UploadRefused(
            f"最多上传{MAX_EVIDENCE}个证据文件，请只选最重要的",
            f"At most {MAX_EVIDENCE} evidence files; choose the most important ones",
        )
    return [check_file(f) for f in files]


def store_file(target: Path, f: UploadedFile) -> str:
    """Write the file to ``target`` (under the upload root), whole or not at all; returns
    its SHA-256. ``UploadRefused`` (507) when the disk is full."""
    return uploads.write_atomically(target, f.chunks())


def file_name(f: UploadedFile) -> str:
    """The client's name, only to show (``../../x.png`` → ``x.png``); never a path."""
    return uploads.display_name(f.name or "file")


def do_add_upload(draft: Draft, material: str, f: UploadedFile, allowed: set[str]) -> Upload:
    """Check and store one file; ``UploadRefused`` says what is wrong and how to fix it."""
    if material not in allowed:
        raise UploadRefused("请选择清单中的材料", "Choose a material from the list")
    kind = check_file(f)
    assert f.size is not None  # check_file refuses a file without a size
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
    upload = Upload(
        draft=draft, material=material, name=file_name(f), content_type=kind, size=f.size
    )
    target = upload_root() / str(draft.pk) / str(upload.pk)
    upload.sha256 = store_file(target, f)
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


def submission(draft: Draft) -> dict[str, Any]:
    """What the registry's use case is given for the draft's kind: the answers as facts,
    the permit for the permit kinds (its basis and housing unless the kind changes them)."""
    d = draft.data
    permit = permit_of(draft)
    facts: dict[str, Any] = {"channel": "online"}
    args: dict[str, Any] = {}
    if draft.kind in PERMIT_KINDS:
        if permit is None:
            raise services.Refused(
                "这类申请需要你本人有效或中止的居住证",
                "this kind of application needs your own live permit",
                "permit",
            )
        city, district, station = permit.city, permit.district, permit.station
        args = {"permit": permit, "basis": permit.basis, "housing": permit.housing}
    else:
        city, district, station = city_of(draft.person)
        args = {"basis": d["basis"], "housing": d["housing"]}
    if draft.kind == "change":
        args["housing"] = d["housing"]
    for key in ("address", "replace_reason", "cancel_reason"):
        if key in d:
            facts[key] = d[key]
    if d.get("cancel_confirm"):
        facts["consequences_understood"] = True
    facts.update(d.get("facts") or {})  # the declared eligibility facts (the facts page)
    return {"city": city, "district": district, "station": station, "facts": facts, **args}


@transaction.atomic
def do_submit(draft: Draft) -> Application:
    """Submit through the registry's use case; raises ``services.Refused`` (e.g. a live
    permit exists) with the reason, leaving the draft as it was."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.application_id:
        assert draft.application is not None
        return draft.application  # submitted already (a second click, or Back then submit)
    person = draft.person
    provided = sorted(set(draft.uploads.values_list("material", flat=True)))
    app = services.do_submit_application(
        person,
        kind=draft.kind,
        on=today(),
        actor=services.Actor(f"holder:{person.pk}"),
        materials=provided,
        **submission(draft),
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
    return app.status in (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.NEEDS_SUPPLEMENT,
        ApplicationStatus.ACCEPTED,
    )


def do_withdraw(app: Application, person: Person) -> None:
    services.do_withdraw_application(
        app,
        on=today(),
        actor=services.Actor(f"holder:{person.pk}"),
        expected_version=app.version,
    )
