"""Decisions of the county bureau: approve or refuse an accepted application, production,
pickup and handover, and the cancellation (注销) or revocation (撤销) of a permit.

Each function here is one transaction: the registry use case (``juzhu.registry.services``)
and the letter it owes the person (``letters.issue``) commit together or not at all. A
refusal, cancellation or revocation letter states the reasons with their legal basis, the
facts, who decided (the respondent) and the remedy rights with their last days, counted
with the working-day calendar from the day of service (行政复议法 Arts. 20, 24; 行政诉讼法
Art. 46).

Evidence files for a cancellation are stored content-addressed under
``settings.EVIDENCE_DIR`` (``<sha256[:2]>/<sha256>.<ext>``) when the officer asks for the
preview; the confirmation names them by sha256 and they are checked again before the
decision records them (name, sha256, size, type) on the permit's event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from juzhu.backoffice import letters
from juzhu.backoffice.decisions.verdicts import needs_proposal
from juzhu.backoffice.models import Letter
from juzhu.backoffice.words import WORDS
from juzhu.domain.vocabulary import ApplicationStatus, PermitStatus, label
from juzhu.registry import services, uploads
from juzhu.registry.models import Application, Permit, Person
from juzhu.registry.offices import office_names
from juzhu.registry.selectors import Viewer, scoped
from juzhu.registry.services import Actor, Refused
from juzhu.rules.engine import Policy

REVOCATION_GROUND = "ineligible_or_false_info"
# 行政许可法 Art. 69 para. 2: a licence obtained by deception or bribery shall be revoked.
REVOCATION_LAW = "《中华人民共和国行政许可法》第六十九条第二款"
OPEN = ApplicationStatus.open()

# Evidence: a scan or a photo, as a file an officer gets from a scanner or a phone.
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 5
EVIDENCE_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


# -- applications -------------------------------------------------------------------------


def refusal_grounds(app: Application, on: dt.date) -> list[dict[str, Any]]:
    """The grounds an officer may choose, from the policy the decision applies."""
    policy = services.decision_policy(app, on)
    grounds: Mapping[str, Any] = policy.get("refusal.grounds") or {}
    return [{"id": key, **dict(value)} for key, value in grounds.items()]


def approve(
    app: Application,
    *,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    override_reason: str = "",
) -> str:
    """Approve; against the engine's verdict, propose it for a countersign instead (with the
    reason). Returns "approved" or "proposed"."""
    if needs_proposal(app, "approve", on, actor):
        services.do_propose_decision(
            app, outcome="approve", reason=override_reason, on=on, actor=actor,
            expected_version=expected_version,
        )  # fmt: skip
        return "proposed"
    with transaction.atomic():
        services.do_approve_application(app, on=on, actor=actor, expected_version=expected_version)
    return "approved"


def refuse(
    app: Application,
    *,
    grounds: Sequence[str],
    facts: str,
    on: dt.date,
    actor: Actor,
    expected_version: int,
    override_reason: str = "",
) -> Letter | None:
    """Refuse and issue the 不予签发居住证决定书 in the same transaction; the holder's
    notice names the letter and carries its remedy deadlines. Against the engine's verdict
    (it found the applicant eligible), propose the refusal for a countersign instead and
    return None."""
    policy, chosen = services.check_refuse_application(app, grounds, facts, on)
    if needs_proposal(app, "refuse", on, actor):
        services.do_propose_decision(
            app, outcome="refuse", reason=override_reason, on=on, actor=actor,
            expected_version=expected_version, grounds=grounds, facts=facts,
        )  # fmt: skip
        return None
    with transaction.atomic():
        letter = letters.issue_for_application(
            "refusal",
            app,
            on=on,
            actor=actor,
            context=refusal_context(app, chosen, facts.strip(), on, policy),
        )
        services.do_refuse_application(
            app,
            grounds=grounds,
            facts=facts,
            on=on,
            actor=actor,
            expected_version=expected_version,
            notice_extra=notice_extra(letter),
        )
        return letter


def notice_extra(letter: Letter) -> dict[str, Any]:
    """What the holder's notice repeats from the decision letter."""
    remedy = letter.context["remedy"]
    return {
        "letter": letter.number,
        "reconsideration_by": remedy["reconsideration_by"],
        "litigation_by": remedy["litigation_by"],
    }


def refusal_context(
    app: Application, chosen: Sequence[Mapping[str, Any]], facts: str, on: dt.date, policy: Policy
) -> dict[str, Any]:
    return {
        "case_number": app.case_number,
        "kind": WORDS.get(app.kind, app.kind),
        "submitted_on": app.submitted_on,
        "accepted_on": app.accepted_on,
        "decided_on": on,
        "grounds": [{"id": g["id"], "zh": g["zh"], "law": g["law"]["zh"]} for g in chosen],
        "facts": facts,
        "remedy": letters.remedy_rights(policy, served_on=on),
    }


def start_production(app: Application, *, on: dt.date, actor: Actor, expected_version: int) -> None:
    _needs_card(app)
    with transaction.atomic():
        services.do_start_production(app, on=on, actor=actor, expected_version=expected_version)


def mark_ready(app: Application, *, on: dt.date, actor: Actor, expected_version: int) -> Letter:
    """Ready for pickup: the holder is notified (application_ready) and a 领证通知 issued."""
    _needs_card(app)
    with transaction.atomic():
        services.do_mark_ready(app, on=on, actor=actor, expected_version=expected_version)
        permit = (
            Permit.objects.filter(pk=app.permit_id).first() if app.permit_id is not None else None
        )
        return letters.issue_for_application(
            "pickup_notice",
            app,
            on=on,
            actor=actor,
            context={
                "case_number": app.case_number,
                "kind": WORDS.get(app.kind, app.kind),
                "permit_number": permit.number if permit else "",
                "ready_on": on,
                "agent_allowed": True,
            },
        )


def _needs_card(app: Application) -> None:
    if app.kind not in services.CARD_KINDS:
        raise Refused(
            f"“{WORDS.get(app.kind, app.kind)}”不制作新证，批准即办结",
            f"a {app.kind} application makes no card; approval completes it",
            "kind",
        )


def collect(
    app: Application,
    *,
    identity: Mapping[str, Any],
    identity_checked: bool,
    on: dt.date,
    actor: Actor,
    expected_version: int,
) -> None:
    with transaction.atomic():
        services.do_collect(
            app,
            on=on,
            actor=actor,
            expected_version=expected_version,
            identity_checked=identity_checked,
            identity=identity,
        )


# -- permits: cancellation and revocation ---------------------------------------------------


def cancellation_choices(permit: Permit, on: dt.date) -> list[dict[str, Any]]:
    """The grounds of the city's policy for 注销, then 撤销 for a permit obtained by fraud
    (always possible, 行政许可法 Art. 69, whether or not the city lists it)."""
    policy = services.policy_of(permit.city, on)
    grounds = [g for g in policy.get("cancellation.grounds") if g != REVOCATION_GROUND]
    out = [{"id": g, "zh": label(g, "zh"), "revoke": False} for g in grounds]
    out.append(
        {"id": REVOCATION_GROUND, "zh": "以欺骗等不正当手段取得居住证（撤销）", "revoke": True}
    )
    return out


def check_cancellation(permit: Permit, ground: str, facts: str, on: dt.date) -> dict[str, Any]:
    """Refuse early, with the field to fix; returns the chosen ground."""
    choice = next((c for c in cancellation_choices(permit, on) if c["id"] == ground), None)
    if choice is None:
        raise Refused("请选择本市政策规定的注销事由", "choose a ground from the policy", "ground")
    if permit.status not in (PermitStatus.ACTIVE, PermitStatus.SUSPENDED, PermitStatus.EXPIRED):
        raise Refused(
            f"居住证已{WORDS.get(permit.status, permit.status)}，不能再注销或撤销",
            f"the permit is {permit.status}",
            "ground",
        )
    if not facts.strip():
        if choice["revoke"]:
            raise Refused(
                "撤销须写明认定骗领的事实和证据", "revocation needs the evidence of fraud",
                "facts",
            )  # fmt: skip
        raise Refused("请写明认定的事实", "state the facts the decision rests on", "facts")
    return choice


def impacts(viewer: Viewer, permit: Permit, on: dt.date) -> dict[str, Any]:
    """What the holder loses: the linked services that need a valid permit (policy
    ``linked_services``) and the person's open applications (in the officer's scope)."""
    policy = services.policy_of(permit.city, on)
    try:
        linked = policy.linked_services()
    except LookupError:
        linked = {}
    services_lost = [
        {"id": key, "zh": rule["text"]["zh"]}
        for key, (rule, _) in linked.items()
        if rule.get("requires_permit")
    ]
    open_apps = scoped(
        viewer, Application.objects.filter(person=permit.person, city=permit.city, status__in=OPEN)
    ).order_by("submitted_on")
    return {
        "services": services_lost,
        "applications": [
            {
                "case_number": a.case_number,
                "kind": WORDS.get(a.kind, a.kind),
                "status": WORDS.get(a.status, a.status),
                "pk": a.pk,
            }
            for a in open_apps
        ],  # fmt: skip
        "continuity": permit.status in (PermitStatus.ACTIVE, PermitStatus.SUSPENDED),
    }


def cancellation_context(
    permit: Permit,
    choice: Mapping[str, Any],
    facts: str,
    files: Sequence[Mapping[str, Any]],
    on: dt.date,
) -> dict[str, Any]:
    policy = services.policy_of(permit.city, on)
    cite = policy.cite("cancellation.grounds")
    # the article and item of the city's own text that gives this ground
    city_law = f"{cite.title}{policy.get('cancellation.grounds').get(choice['id'], cite.article)}"
    law = f"{REVOCATION_LAW}；{city_law}" if choice["revoke"] else city_law
    return {
        "permit_number": permit.number,
        "permit_issued_on": permit.issued_on,
        "ground": {"id": choice["id"], "zh": choice["zh"]},
        "law": law,
        "facts": facts.strip(),
        "evidence_files": [{"name": f["name"], "sha256": f["sha256"]} for f in files],
        "decided_on": on,
        "remedy": letters.remedy_rights(policy, served_on=on),
    }


def draft_letter(
    kind: str, person: Person, record: Any, on: dt.date, actor: Actor, context: dict[str, Any]
) -> str:
    """The letter as it would be issued, not saved (number shown as 草稿)."""
    policy = services.policy_of(record.city, on)
    common = {
        "person": {"name": person.name, "id_masked": person.id_number_masked},
        "offices": office_names(record.city, record.district, record.station, policy),
        "issued_on": on.isoformat(),
        "policy": {"id": policy.id, "version": policy.version},
    }
    letter = Letter(
        number="（草稿，确认后编号）",
        kind=kind,
        city=record.city,
        person=person,
        issued_on=on,
        issued_by=str(actor),
        context={**common, **letters.plain(context)},
    )
    return letters.render_html(letter, for_print=True)


def cancel(
    permit: Permit,
    *,
    ground: str,
    facts: str,
    files: Sequence[Mapping[str, Any]],
    on: dt.date,
    actor: Actor,
    expected_version: int,
) -> Letter:
    """注销 or 撤销 and its decision letter, in one transaction."""
    choice = check_cancellation(permit, ground, facts, on)
    context = cancellation_context(permit, choice, facts, files, on)
    with transaction.atomic():
        letter = letters.issue(
            "revocation" if choice["revoke"] else "cancellation",
            person=permit.person,
            record=permit,
            record_type="permit",
            on=on,
            actor=actor,
            context=context,
        )
        if choice["revoke"]:
            services.do_revoke_permit(
                permit,
                on=on,
                actor=actor,
                expected_version=expected_version,
                evidence=facts.strip(),
                evidence_files=files,
                notice_extra=notice_extra(letter),
            )
        else:
            services.do_cancel_permit(
                permit,
                reason=ground,
                on=on,
                actor=actor,
                expected_version=expected_version,
                evidence=facts.strip(),
                evidence_files=files,
                notice_extra=notice_extra(letter),
            )
        return letter


# -- evidence files -----------------------------------------------------------------------


def evidence_root() -> Path:
    return Path(settings.EVIDENCE_DIR)


def _safe_name(name: str) -> str:
    return uploads.display_name(name) if name.strip() else "证据"


def store_evidence(files: Iterable[Any]) -> list[dict[str, Any]]:
    """Check (size while streaming, name, virus scan, content by parsing:
    ``juzhu.registry.uploads``) and store uploaded files whole or not at all; return their
    records. A bad file is ``Refused``; a scanner or disk failure (503/507) is raised as
    ``UploadRejected`` for the failure middleware to answer."""
    files = list(files)
    if len(files) > MAX_EVIDENCE_FILES:
        raise Refused(
            f"最多上传{MAX_EVIDENCE_FILES}个证据文件", f"at most {MAX_EVIDENCE_FILES} files",
            "evidence",
        )  # fmt: skip
    stored = []
    for upload in files:
        name = _safe_name(getattr(upload, "name", "") or "")
        try:
            mime = uploads.check_upload(upload, max_bytes=MAX_EVIDENCE_BYTES)
        except uploads.UploadRejected as exc:
            if exc.status >= 500:
                raise
            raise Refused(f"证据文件：{exc.zh}", f"evidence: {exc.en}", "evidence") from None
        ext = next(e for _, e, m in EVIDENCE_TYPES if m == mime)
        content = b"".join(upload.chunks())
        digest = hashlib.sha256(content).hexdigest()
        path = evidence_root() / digest[:2] / f"{digest}.{ext}"
        if not path.exists():
            uploads.write_atomically(path, [content])
        stored.append(
            {"name": name, "sha256": digest, "size": len(content), "type": mime, "ext": ext}
        )
    return stored


def evidence_from_form(raw: str) -> list[dict[str, Any]]:
    """The files named by a preview (JSON in a hidden field), each checked on disk."""
    if not raw.strip():
        return []
    try:
        items = json.loads(raw)
        assert isinstance(items, list) and len(items) <= MAX_EVIDENCE_FILES
    except (ValueError, AssertionError):
        raise Refused("证据文件清单无效，请重新预览", "bad evidence list", "evidence") from None
    out = []
    for item in items:
        digest, ext = str(item.get("sha256", "")), str(item.get("ext", ""))
        path = evidence_root() / digest[:2] / f"{digest}.{ext}"
        if not SHA256.match(digest) or ext not in {e for _, e, _ in EVIDENCE_TYPES}:
            raise Refused("证据文件清单无效，请重新预览", "bad evidence list", "evidence")
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise Refused(
                "证据文件已不在存储中或已被改动，请重新上传", "an evidence file is missing",
                "evidence",
            )  # fmt: skip
        out.append(
            {
                "name": _safe_name(str(item.get("name", ""))),
                "sha256": digest,
                "size": path.stat().st_size,
                "type": next(m for _, e, m in EVIDENCE_TYPES if e == ext),
                "ext": ext,
            }
        )
    return out


def panel_context(app: Application, on: dt.date) -> dict[str, Any]:
    """What the decision panels of the case page read beyond its own context."""
    return {
        "grounds": refusal_grounds(app, on) if app.status == ApplicationStatus.ACCEPTED else [],
        "makes_card": app.kind in services.CARD_KINDS,
        "decide_page": True,
    }
