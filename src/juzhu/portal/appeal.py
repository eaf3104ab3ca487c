"""Contest a cancellation, a revocation or a refusal online: record the appeal, keep the
evidence files, and generate the draft 行政复议申请书 (a reconsideration) or 申诉书 (a
complaint, addressed to the office that decided). A challenge being handled is followed on
我的居住证 (``my_appeals``), and not offered again (``kinds_left``).

A cancellation, a revocation or the refusal of an application is recorded through the
registry's use case (``services.do_file_appeal``); for a refusal the appeal names the
application and no permit.

The draft follows 行政复议法 (2023) Art. 22 and the usual form: 申请人, 被申请人, the act
contested, 复议请求, 事实和理由, 证据, the body it goes to, the date and a signature line —
with the computed deadline on top (60 days from the day the person was told, PRODUCT.md
§Deadlines). Respondent and reconsideration body are the actual offices when the office
directory knows the place (``registry.offices.office_names``), else the policy's words.
The applicant's ID number is printed masked: the PDF may be left on a shared phone; the
person writes the full number by hand before handing it in.

Evidence files are checked like application uploads (content by magic bytes, size, count)
and stored under ``PORTAL_UPLOAD_DIR``/``appeals``/<appeal id>/<evidence id>.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from juzhu.domain.vocabulary import AppealStatus, ApplicationStatus, PermitStatus, label
from juzhu.notifications.models import Notification
from juzhu.portal import apply
from juzhu.portal.apply_forms import KINDS
from juzhu.portal.flow import today
from juzhu.portal.holder import permit_card, refusal_reasons
from juzhu.portal.models import Evidence
from juzhu.portal.present import day
from juzhu.portal.texts import ui
from juzhu.registry import services
from juzhu.registry.files import upload_root
from juzhu.registry.models import Appeal, Application, Permit, Person
from juzhu.rules.engine import Policy

CONTESTABLE = ("cancelled", "revoked")
MAX_EVIDENCE = apply.MAX_EVIDENCE
check_evidence = apply.check_evidence  # the check lives with the other upload checks


def evidence_folder(appeal: Appeal) -> Path:
    return upload_root() / "appeals" / str(appeal.pk)


def _store_evidence(appeal: Appeal, files: Sequence[UploadedFile]) -> None:
    """Store the (checked) files; the caller's transaction rolls the rows back on failure
    and the files written so far are removed."""
    kinds = check_evidence(files)
    written: list[Path] = []
    try:
        for f, kind in zip(files, kinds, strict=True):
            assert f.size is not None  # check_evidence refuses a file without a size
            row = Evidence(appeal=appeal, name=apply.file_name(f), content_type=kind, size=f.size)
            target = evidence_folder(appeal) / str(row.pk)
            written.append(target)
            row.sha256 = apply.store_file(target, f)
            row.save(force_insert=True)
    except Exception:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def evidence_of(appeal: Appeal) -> list[Evidence]:
    return list(Evidence.objects.filter(appeal=appeal).order_by("created_at"))


@transaction.atomic
def do_file(
    permit: Permit, person: Person, kind: str, grounds: str, files: Sequence[UploadedFile] = ()
) -> Appeal:
    appeal = services.do_file_appeal(
        permit,
        kind=kind,
        grounds=grounds,
        on=today(),
        actor=services.Actor(f"holder:{person.pk}"),
    )
    _store_evidence(appeal, files)
    return appeal


def refusal_contestable(app: Application) -> bool:
    return app.status == ApplicationStatus.REFUSED


@transaction.atomic
def do_file_refusal(
    app: Application,
    person: Person,
    kind: str,
    grounds: str,
    files: Sequence[UploadedFile] = (),
) -> Appeal:
    """Contest the refusal of ``app`` (the person's own): an Appeal naming the application."""
    app = Application.objects.select_for_update().get(pk=app.pk)
    if app.person_id != person.pk or not refusal_contestable(app):
        raise services.Refused(
            "只有被不予签发的申请才能申诉或复议",
            "only a refused application can be contested",
            "application",
        )
    if kind not in KINDS:
        raise services.Refused(f"未知的异议方式 {kind}", f"unknown kind {kind!r}", "kind")
    if not grounds.strip():
        raise services.Refused("请写明理由", "give your reasons", "grounds")
    if Appeal.objects.filter(
        application=app, status__in=[AppealStatus.FILED, AppealStatus.ACCEPTED]
    ).exists():
        raise services.Refused(
            "你已对这一决定提出异议，正在办理中",
            "you have already contested this decision; it is being handled",
            "grounds",
        )
    appeal = services.do_file_appeal(
        None,
        application=app,
        kind=kind,
        grounds=grounds,
        on=today(),
        actor=services.Actor(f"holder:{person.pk}"),
    )
    _store_evidence(appeal, files)
    return appeal


def refusal_notified_on(app: Application) -> dt.date:
    """The day the person was told of the refusal: the first inbox notice of it, else the
    day of the refusal event (the decision day)."""
    first = (
        Notification.objects.filter(
            person=app.person,
            template="application_refused",
            event__record_id=app.pk,
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if first:
        return timezone.localtime(first).date()
    return app.decided_on or today()


def reconsideration_deadline(policy: Policy, notified_on: dt.date) -> dt.date | None:
    period = policy.period("remedy.reconsideration.period")
    if period is None:
        return None
    return services.work_calendar().period_end(notified_on, period).date


def _offices(city: str, district: str, station: str, policy: Policy) -> dict[str, str]:
    from juzhu.registry.offices import office_names

    return office_names(city, district, station, policy)


def draft_context(appeal: Appeal, lang: str) -> dict[str, Any]:
    permit, app = appeal.permit, appeal.application
    deadline = ""
    if permit is not None:
        policy = services.policy_of(permit.city, permit.cancelled_on or appeal.filed_on)
        # the deadline the filing had to meet: the plan as it stood before it was filed
        card = permit_card(permit, lang, with_plan=True, follow_appeal=False)
        if card["plan"]:
            deadline = next(
                (
                    o["deadline_text"]
                    for o in card["plan"]["contest"]
                    if o["path"] == "reconsideration"
                ),
                "",
            )
        act = "撤销" if permit.status == PermitStatus.REVOKED else "注销"
        act_on = permit.cancelled_on
        reasons = [label(permit.cancellation_reason, "zh")] if permit.cancellation_reason else []
        place = (permit.city, permit.district, permit.station)
    else:
        assert app is not None
        policy = services.policy_of(app.city, app.decided_on or appeal.filed_on)
        due = reconsideration_deadline(policy, refusal_notified_on(app))
        deadline = day(due, lang) if due else ""
        act = "不予签发居住证"
        act_on = app.decided_on
        reasons = refusal_reasons(app, "zh")
        place = (app.city, app.district, app.station)
    offices = _offices(*place, policy)
    return {
        "appeal": appeal,
        "person": appeal.person,
        "permit": permit,
        "application": app,
        "respondent": offices["bureau"],
        "station": offices["station"],
        "body": offices["government"],
        "act": act,
        "act_on": day(act_on, "zh"),
        "reason": "；".join(reasons),
        "reasons": reasons,
        "deadline": deadline,
        "evidence": evidence_of(appeal),
        "filed_on": day(appeal.filed_on, "zh"),
        "T": ui(lang),
        "lang": lang,
        "generated": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }


def _due_dates(appeal: Appeal, lang: str) -> list[dict[str, str]]:
    """When an open challenge must be answered, and for a complaint the reconsideration
    deadline it does not stop: a permit's from its plan, a refusal's from the policy."""
    say = ui(lang)
    if appeal.permit is not None:
        plan = permit_card(appeal.permit, lang, with_plan=True)["plan"]
        pending = (plan or {}).get("pending") or {}
        dates = [{"term": d["term"], "text": d["text"]} for d in pending.get("dates", [])]
        recon = next((o for o in (plan or {}).get("contest", []) if o["path"] == "reconsideration"), None)  # fmt: skip
        deadline = recon["deadline_text"] if recon else ""
    else:
        assert appeal.application is not None
        app = appeal.application
        policy = services.policy_of(app.city, app.decided_on or appeal.filed_on)
        dates = [{"term": say["pending_filed_on"], "text": day(appeal.filed_on, lang)}]
        for key, term in (
            ("acceptance", "pending_accept_by"),
            ("decision", "pending_decision_due"),
        ):
            period = policy.period(f"remedy.reconsideration.{key}")
            if appeal.kind == "reconsideration" and period is not None:
                answer = services.work_calendar().period_end(appeal.filed_on, period).date
                dates.append({"term": say[term], "text": day(answer, lang)})
        due = reconsideration_deadline(policy, refusal_notified_on(app))
        deadline = day(due, lang) if due else ""
    if appeal.kind == "appeal" and deadline:
        dates.append({"term": say["appeal_recon_clock"], "text": deadline})
    return dates


def appeal_item(appeal: Appeal, lang: str) -> dict[str, Any]:
    """A challenge as the holder follows it: what it is against, its status, the evidence
    handed in and, while it runs, its dates."""
    say = ui(lang)
    if appeal.permit is not None:
        against = say["appeal_against_permit"].format(number=appeal.permit.number)
    else:
        assert appeal.application is not None
        against = say["appeal_against_refusal"].format(number=appeal.application.case_number)
    running = appeal.status in AppealStatus.open()
    return {
        "appeal": appeal,
        "kind": label(appeal.kind, lang),
        "against": against,
        "status": say.get(f"appeal_status_{appeal.status}", appeal.status),
        "open": running,
        "filed": day(appeal.filed_on, lang),
        "documents": [e.name for e in evidence_of(appeal)],
        "dates": _due_dates(appeal, lang) if running else [],
    }


def my_appeals(person: Person, lang: str) -> list[dict[str, Any]]:
    """Every challenge the person filed, newest first."""
    rows = Appeal.objects.filter(person=person).select_related("permit", "application")
    return [appeal_item(a, lang) for a in rows.order_by("-filed_on", "-pk")]


def appeals_of(person: Person, permit: Permit) -> list[Appeal]:
    """The person's challenges of ``permit``, newest first, in one query."""
    rows = Appeal.objects.filter(person=person, permit=permit).select_related("application")
    appeals = list(rows.order_by("-filed_on", "-pk"))
    for appeal in appeals:
        appeal.permit = permit  # in hand: no query per challenge
    return appeals


def kinds_left(permit: Permit, appeals: list[Appeal] | None = None) -> list[str]:
    """The ways of contesting ``permit``'s cancellation not already being handled (a
    complaint does not stop the reconsideration clock, so one may still follow it).
    ``appeals``: the permit's challenges, when the caller has them already."""
    if appeals is None:
        rows = Appeal.objects.filter(permit=permit, status__in=AppealStatus.open())
        running = set(rows.values_list("kind", flat=True))
    else:
        running = {a.kind for a in appeals if a.status in AppealStatus.open()}
    if "reconsideration" in running:  # the act is before the reconsideration body
        return []
    return [k for k in KINDS if k not in running]


def draft_pdf(appeal: Appeal, lang: str) -> bytes:
    from weasyprint import HTML

    # a complaint (申诉) goes to the office that decided; a reconsideration to its body
    template = "portal/complaint_pdf.html" if appeal.kind == "appeal" else "portal/appeal_pdf.html"
    html = render_to_string(template, draft_context(appeal, lang))
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
