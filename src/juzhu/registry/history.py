"""A record's history in words: its chained events, newest last, each with what happened,
when, who (worded by the caller: the holder sees roles, an officer sees names), why and the
policy version. The portal and the back office both show it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from juzhu.domain.vocabulary import LABELS, label
from juzhu.planner.plan import fmt_date
from juzhu.registry.models import Event

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
    "PermitDecisionIntended": (
        "告知拟注销或撤销，听取陈述申辩",
        "Told of an intended cancellation; may answer",
    ),
    "PermitIntentAnswered": ("持证人提交陈述申辩", "The holder stated their case"),
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
        "ApplicationDecisionProposed": (
            "提议与规则引擎判定不同的决定，待会签",
            "Decision against the rules engine proposed, awaiting a countersign",
        ),
        "ApplicationRefusalIntended": (
            "告知拟不予签发，听取陈述申辩",
            "Told of the intended refusal; may state their case",
        ),
        "ApplicationIntentAnswered": ("申请人提交陈述申辩", "The applicant stated their case"),
        "ResidenceRegistered": ("居住登记", "Residence registered"),
        "ResidenceAddressChanged": ("变更居住地址", "Address changed"),
        "ResidenceDeregistered": ("注销居住登记", "Registration ended"),
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


def _day(value: str | dt.date | None, lang: str) -> str:
    if not value:
        return ""
    return fmt_date(value if isinstance(value, dt.date) else dt.date.fromisoformat(value), lang)


def _why(body: dict[str, Any], lang: str) -> str:
    reason = body.get("reason") or (body.get("data") or {}).get("reason") or ""
    parts = []
    if reason:
        parts.append(label(str(reason), lang) if str(reason) in LABELS else str(reason))
    due = (body.get("data") or {}).get("due")
    if due:
        parts.append(("截止" if lang == "zh" else "due ") + _day(str(due), lang))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def timeline(
    record_type: str,
    record_id: Any,
    lang: str,
    who: Callable[[str], str],
) -> list[dict[str, str]]:
    """The record's events in words; ``who`` names each actor."""
    rows = Event.objects.filter(record_type=record_type, record_id=record_id).order_by("seq")
    return timeline_of(rows, lang, who)


def timeline_of(rows: Iterable[Any], lang: str, who: Callable[[str], str]) -> list[dict[str, str]]:
    """``timeline`` of events already in hand, in order (anything with an event's ``name``,
    ``body``, ``on_date``, ``occurred_at`` and ``actor``)."""
    out = []
    for row in rows:
        body = json.loads(row.body)
        zh, en = EVENT_WORDS.get(row.name, (row.name, row.name))
        at = timezone.localtime(row.occurred_at)
        out.append(
            {
                "name": row.name,
                "what": en if lang == "en" else zh,
                "on": _day(row.on_date, lang),
                "at": at.strftime("%Y-%m-%d %H:%M"),
                "who": who(row.actor),
                "why": _why(body, lang),
                "policy": (body.get("policy") or {}).get("version", ""),
            }
        )
    return out
