"""What a logged-in holder sees: their permits (through ``registry.selectors`` with a holder
viewer, so a record of anyone else is "not found"), each permit's history in plain words,
the plan when it is suspended or ended, who checked it, and the inbox.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from juzhu.domain.vocabulary import LABELS, label
from juzhu.notifications.models import Notification
from juzhu.notifications.render import TemplateError, render
from juzhu.planner.situation import SituationError
from juzhu.portal.flow import plan_for, today
from juzhu.portal.present import day, present_plan
from juzhu.portal.texts import say
from juzhu.registry.models import Application, Event, Permit, Person
from juzhu.registry.selectors import (
    Viewer,
    access_application,
    access_log_for_holder,
    access_permit,
)

EVENT_WORDS: dict[str, tuple[str, str]] = {
    "PermitIssued": ("居住证签发", "Permit issued"),
    "PermitEndorsed": ("签注", "Endorsed"),
    "PermitEndorsedLate": ("补办签注", "Endorsed late"),
    "PermitSuspended": ("使用功能中止（未按时签注）", "Suspended (not endorsed on time)"),
    "PermitExpired": ("有效期届满", "Expired"),
    "PermitCancelled": ("注销", "Cancelled"),
    "PermitRevoked": ("撤销", "Revoked"),
    "PermitReinstated": ("恢复有效（复议或申诉结果）", "Reinstated (appeal outcome)"),
    "PermitEndorsementReminded": ("签注提醒已发送", "Endorsement reminder sent"),
    "PermitExpiryReminded": ("到期提醒已发送", "Expiry reminder sent"),
    "PermitCardReplaced": ("补领/换领新证", "New card issued (replacement)"),
    "PermitDetailsChanged": ("变更登记事项", "Details changed"),
}
EVENT_WORDS.update(
    {
        "ApplicationSubmitted": ("提交申请", "Application submitted"),
        "ApplicationSupplementRequested": (
            "一次性告知：需要补充材料",
            "Asked for missing documents",
        ),
        "ApplicationSupplemented": ("已补充材料", "Documents supplied"),
        "ApplicationAmended": ("申请已修改", "Application changed"),
        "ApplicationAccepted": ("受理", "Accepted"),
        "ApplicationRefused": ("不予办理", "Refused"),
        "ApplicationApproved": ("审核通过", "Approved"),
        "ApplicationProductionStarted": ("开始制证", "Being made"),
        "ApplicationMarkedReady": ("可以领证", "Ready to collect"),
        "ApplicationCollected": ("已领证", "Collected"),
        "ApplicationWithdrawn": ("撤回申请", "Withdrawn"),
        "ApplicationReopened": ("原不予签发决定被撤销，重新审核", "Reopened after appeal"),
        "AppealFiled": ("提出申诉或复议", "Appeal filed"),
        "AppealAccepted": ("已受理", "Appeal accepted"),
        "AppealRejected": ("不予受理", "Appeal not accepted"),
        "AppealActUpheld": ("维持原决定", "Decision upheld"),
        "AppealActRevoked": ("撤销原决定", "Decision revoked"),
        "AppealActChanged": ("变更原决定", "Decision changed"),
        "AppealActConfirmedUnlawful": ("确认原决定违法", "Decision found unlawful"),
        "AppealWithdrawn": ("撤回申诉或复议", "Appeal withdrawn"),
    }
)
APPLICATION_STATUS: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "draft"),
    "submitted": ("已提交，等待受理", "submitted, waiting to be accepted"),
    "needs_supplement": ("需要补充材料", "documents missing"),
    "accepted": ("已受理，审核中", "accepted, being reviewed"),
    "refused": ("不予办理", "refused"),
    "approved": ("审核通过", "approved"),
    "in_production": ("制证中", "being made"),
    "ready_for_pickup": ("可以领证", "ready to collect"),
    "collected": ("已领证", "collected"),
    "withdrawn": ("已撤回", "withdrawn"),
}
ENDED = ("cancelled", "revoked", "suspended", "expired")


def application_status(status: str, lang: str) -> str:
    zh, en = APPLICATION_STATUS.get(status, (status, status))
    return en if lang == "en" else zh


def viewer(person: Person) -> Viewer:
    return Viewer.holder(person)


def _permit_ids(person: Person) -> Any:
    return Permit.objects.filter(person=person).order_by("-issued_on").values_list("pk", flat=True)


def my_permits(person: Person) -> list[Permit]:
    return [access_permit(viewer(person), pk) for pk in _permit_ids(person)]


def latest_permit_id(person: Person) -> Any:
    """The id of the person's newest permit (the one a consent code binds to), or None."""
    return _permit_ids(person).first()


def my_applications(person: Person) -> list[Application]:
    ids = (
        Application.objects.filter(person=person)
        .order_by("-created_at")
        .values_list("pk", flat=True)
    )
    return [access_application(viewer(person), pk) for pk in ids]


def actor_words(actor: str, lang: str) -> str:
    """Who acted, masked: a holder sees a role and the last digits of an officer's id."""
    kind, _, ident = actor.partition(":")
    if kind == "holder":
        return say("actor_holder", lang)
    if kind == "officer":
        tail = ident[-2:] if ident else ""
        return say("actor_officer", lang) + (f" (***{tail})" if tail else "")
    if kind == "system":
        return say("actor_system", lang)
    return say("actor_party", lang)


def _why(body: dict[str, Any], lang: str) -> str:
    reason = body.get("reason") or (body.get("data") or {}).get("reason") or ""
    parts = []
    if reason:
        parts.append(label(str(reason), lang) if str(reason) in LABELS else str(reason))
    due = (body.get("data") or {}).get("due")
    if due:
        parts.append(("截止" if lang == "zh" else "due ") + day(str(due), lang))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def timeline(
    record_type: str,
    record_id: Any,
    lang: str,
    who: Callable[[str], str] | None = None,
) -> list[dict[str, str]]:
    """The record's events in words; ``who`` names the actor (default: as the holder sees
    it, an officer masked)."""
    rows = Event.objects.filter(record_type=record_type, record_id=record_id).order_by("seq")
    out = []
    for row in rows:
        body = json.loads(row.body)
        zh, en = EVENT_WORDS.get(row.name, (row.name, row.name))
        at = timezone.localtime(row.occurred_at)
        out.append(
            {
                "what": en if lang == "en" else zh,
                "on": day(row.on_date, lang),
                "at": at.strftime("%Y-%m-%d %H:%M"),
                "who": who(row.actor) if who else actor_words(row.actor, lang),
                "why": _why(body, lang),
                "policy": (body.get("policy") or {}).get("version", ""),
            }
        )
    return out


def notice_day(person: Person, permit: Permit) -> dt.date | None:
    """The day the person was told of the cancellation: the inbox notice of it."""
    first = (
        Notification.objects.filter(
            person=person,
            channel="inbox",
            template__in=("permit_cancelled", "permit_revoked"),
            event__record_id=permit.pk,
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return timezone.localtime(first).date() if first else None


def situation_of(permit: Permit) -> dict[str, Any]:
    """The planner situation from the permit's own data (the facts of its last decision)."""
    told = notice_day(permit.person, permit)
    p: dict[str, Any] = {
        "status": permit.status,
        "issued_on": permit.issued_on.isoformat(),
        "last_endorsed_on": permit.last_endorsed_on.isoformat()
        if permit.last_endorsed_on
        else None,
    }
    if permit.status in ("cancelled", "revoked"):
        p["cancellation_reason"] = permit.cancellation_reason or "unknown"
        p["cancelled_on"] = permit.cancelled_on.isoformat() if permit.cancelled_on else None
        p["notified_on"] = (told or permit.cancelled_on or today()).isoformat()
        # Our cancellation and revocation notices state the remedy rights (notifications/texts.py).
        p["informed_of_remedy_rights"] = True if told else None
    return {
        "city": permit.city,
        "as_of": today().isoformat(),
        "permit": {k: v for k, v in p.items() if v is not None},
        "residence": {
            k: v
            for k, v in {
                "registered_since": permit.registered_since.isoformat()
                if permit.registered_since
                else None,
                "housing": permit.housing,
            }.items()
            if v
        },
        "employment": {
            "employed": permit.employed,
            "social_insurance_months": min(permit.social_insurance_months, 24),
            "social_insurance_continuous": permit.social_insurance_continuous,
        },
        "study": {"enrolled": permit.enrolled},
    }


def permit_card(permit: Permit, lang: str, with_plan: bool) -> dict[str, Any]:
    card: dict[str, Any] = {
        "permit": permit,
        "status_label": label(permit.status, lang),
        "issued": day(permit.issued_on, lang),
        "last_endorsed": day(permit.last_endorsed_on, lang),
        "next_due": day(permit.next_due_on, lang),
        "expires": day(permit.expires_on, lang),
        "cancelled": day(permit.cancelled_on, lang),
        "reason": label(permit.cancellation_reason, lang) if permit.cancellation_reason else "",
        "plan": None,
    }
    if with_plan:
        try:
            card["plan"] = present_plan(plan_for(situation_of(permit), lang))
        except SituationError:
            card["plan"] = None  # inconsistent stored facts: show the record, not a wrong plan
    return card


def verified_by(person: Person, lang: str) -> list[dict[str, str]]:
    rows = []
    for log in access_log_for_holder(person)[:50]:
        purpose = label(log.purpose, lang) if log.purpose in LABELS else log.purpose
        kind = say("actor_officer", lang) if log.viewer_kind == "officer" else log.viewer_name
        rows.append(
            {
                "when": timezone.localtime(log.at).strftime("%Y-%m-%d %H:%M"),
                "who": kind if log.viewer_kind == "officer" else (log.viewer_name or kind),
                "purpose": purpose,
            }
        )
    return rows


def inbox(person: Person, lang: str, mark_read: bool = True) -> list[dict[str, Any]]:
    rows = Notification.objects.filter(person=person, channel="inbox").order_by("-created_at")
    out = []
    for n in rows[:100]:
        try:
            r = render(n.template, lang, n.context)
            title, body = r.title, r.body
        except TemplateError:
            title = "通知" if lang == "zh" else "Notice"
            body = (
                "这条通知暂时无法显示，请联系受理点。"
                if lang == "zh"
                else "This notice cannot be shown."
            )
        out.append(
            {
                "title": title,
                "body": body,
                "at": timezone.localtime(n.created_at).strftime("%Y-%m-%d %H:%M"),
                "unread": n.read_at is None,
            }
        )
    if mark_read:
        rows.filter(read_at__isnull=True).update(read_at=timezone.now())
    return out


def unread_count(person: Person) -> int:
    return Notification.objects.filter(person=person, channel="inbox", read_at__isnull=True).count()
