""" "Who checked my permit": every read of the holder's record (``registry.AccessLog``), and
for a relying party's verification its answer from the audit row (``verification.
Verification``, joined by reference): yes or no, the date it asked about, and why a no was
a no — the permit's state on that date, read from its events as the answer was — or why
the party got no answer at all."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from juzhu.domain.vocabulary import LABELS, PermitStatus, label
from juzhu.portal.present import day
from juzhu.portal.texts import say
from juzhu.registry.models import AccessLog, Event, Permit, Person
from juzhu.registry.selectors import access_log_for_holder
from juzhu.verification.models import Verification
from juzhu.verification.validity import status_on

# why an officer read the record (the back office's purposes), never shown as an id
OFFICE_PURPOSES = {
    "office_case": ("办理你的业务时查看", "while handling your case"),
    "office_checklist": ("核对你的申请材料", "checking your application's documents"),
    "office_upload": ("查看你上传的材料", "looking at a document you uploaded"),
    "office_decide": ("审核你的申请", "reviewing your application"),
    "office_handover": ("发证时核对身份", "checking identity at handover"),
    "office_intake": ("窗口代办时查找", "looking you up at the counter"),
    "office_person": ("查阅你的登记信息", "looking at your registration"),
    "office_cancel": ("处理注销或撤销", "handling a cancellation or revocation"),
    "office_appeal": ("办理你的申诉或复议", "handling your complaint or reconsideration"),
    "office_rating": ("回访你的评价", "following up your rating"),
    "admin": ("系统管理员在管理后台查看", "a system administrator, in the admin site"),
    "subject_access": ("你下载了自己的数据", "you downloaded your own data"),
    "": ("工作需要查看", "for official work"),
}
# why a "no": the permit's state on the date asked about
NO_BECAUSE = {
    None: ("该日居住证还没有签发", "the permit had not been issued on that date"),
    "suspended": (
        "该日没有按时签注，居住证使用功能中止",
        "on that date its use was suspended (not endorsed on time)",
    ),  # fmt: skip
    "cancelled": ("该日居住证已被注销", "the permit had been cancelled by that date"),
    "expired": ("该日已超过居住证有效期", "the permit had expired by that date"),
    "revoked": (
        "居住证已被撤销，任何日期都不作为有效",
        "the permit was revoked, so it counts as valid on no date",
    ),  # fmt: skip
    "endorsement": (
        "该日在签注期限之后，而居住证还没有签注",
        "that date is after the endorsement deadline, and the permit is not endorsed yet",
    ),  # fmt: skip
    "": ("该日居住证无效", "the permit was not valid on that date"),
}
# why no answer at all (the party's request was refused; it learned nothing)
REFUSED_BECAUSE = {
    "consent": (
        "授权码已用过、已过期或用途不符，对方没有得到任何结果",
        "the consent code was used, expired or for another purpose: they learned nothing",
    ),  # fmt: skip
    "verification-locked": (
        "你锁定了查验，对方没有得到任何结果",
        "you had locked checks: they learned nothing",
    ),  # fmt: skip
    "credential": (
        "电子居住证已失效或不是给这家单位的，对方没有得到任何结果",
        "the e-permit had expired or was not for them: they learned nothing",
    ),  # fmt: skip
    "": (
        "查询不符合要求，对方没有得到任何结果",
        "the request was not in order: they learned nothing",
    ),
}


def _say(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


# What a read disclosed (``selectors.READ_FIELDS``) and which record, in words.
FIELD_WORDS = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "ID number"),
    "id_number_masked": ("身份证号（部分隐藏）", "ID number (partly hidden)"),
    "permit_number": ("居住证号", "permit number"),
    "status": ("状态", "status"),
    "dates": ("日期", "dates"),
    "station": ("派出所", "police station"),
    "history": ("办理记录", "history"),
    "case": ("受理编号", "case number"),
    "facts": ("申请情况", "application details"),
    "materials": ("材料清单", "list of documents"),
    "uploads": ("上传的材料", "uploaded documents"),
    "grounds": ("理由", "grounds"),
    "evidence": ("证据", "evidence"),
    "phone": ("手机号", "phone number"),
    "registrations": ("居住登记", "residence registrations"),
    "addresses": ("地址", "addresses"),
    "permits": ("居住证", "permits"),
    "applications": ("申请", "applications"),
    "validity": ("是否有效（只有是或否）", "whether valid (yes or no only)"),
    "all": ("你的全部数据", "all your data"),
}
RECORD_WORDS = {
    "permit": ("居住证", "permit"),
    "application": ("申请", "application"),
    "appeal": ("申诉或复议", "complaint or reconsideration"),
    "person": ("个人信息", "personal details"),
    "registration": ("居住登记", "residence registration"),
    "verification": ("核验", "check"),
}


def fields_in_words(fields: str, lang: str) -> str:
    names = [f.split(":", 1)[0] for f in fields.split(",") if f]
    words = [_say(FIELD_WORDS.get(n, (n, n)), lang) for n in names]
    return ", ".join(words) if lang == "en" else "、".join(words)


def _who(log: AccessLog, lang: str) -> str:
    """An officer is named by role only (their identity is not the holder's data); a party
    by its registered name; the holder's own download as "you"."""
    if log.viewer_kind in ("officer", "admin"):  # staff: no names shown
        return say("actor_officer", lang)
    if log.viewer_kind == "holder":
        return say("actor_self", lang)
    return log.viewer_name or say("actor_party", lang)


def _purpose(purpose: str, lang: str) -> str:
    if purpose in LABELS:
        return label(purpose, lang)
    return _say(OFFICE_PURPOSES.get(purpose, OFFICE_PURPOSES[""]), lang)


def why_no(permit: Permit | None, on: dt.date, lang: str) -> str:
    """Why the answer for ``on`` was no: the permit's state that day, from its events."""
    if permit is None:
        return _say(NO_BECAUSE[""], lang)
    if permit.status == PermitStatus.REVOKED:
        return _say(NO_BECAUSE["revoked"], lang)
    events = Event.objects.filter(record_type="permit", record_id=permit.pk).order_by("seq")
    state = status_on(events.values_list("name", "on_date", "body"), on)
    if state == "active" and permit.expires_on and on > permit.expires_on:
        state = "expired"
    elif state == "active" and permit.next_due_on and on > permit.next_due_on:
        state = "endorsement"
    return _say(NO_BECAUSE.get(state, NO_BECAUSE[""]), lang)


def why_refused(problem: str, lang: str) -> str:
    key = next((k for k in ("consent", "credential") if problem.startswith(k)), problem)
    return _say(REFUSED_BECAUSE.get(key, REFUSED_BECAUSE[""]), lang)


def checks_of(person: Person, lang: str, limit: int = 50) -> list[dict[str, str]]:
    """The latest reads of ``person``'s record, newest first, each in words (the page
    "who viewed my data" lists all of them, page by page)."""
    return describe(list(access_log_for_holder(person).order_by("-at", "-id")[:limit]), lang)


def describe(logs: list[AccessLog], lang: str) -> list[dict[str, str]]:
    """Access-log rows in words: who, when, why, which record, what was seen, and for a
    relying party's question its answer."""
    refs = [log.record_id for log in logs if log.record_type == "verification" and log.record_id]
    audit: dict[uuid.UUID, Verification] = {
        v.reference: v
        for v in Verification.objects.filter(reference__in=refs).select_related("permit")
    }
    rows = []
    for log in logs:
        row = {
            "when": timezone.localtime(log.at).strftime("%Y-%m-%d %H:%M"),
            "who": _who(log, lang),
            "purpose": _purpose(log.purpose, lang),
            "record": _say(RECORD_WORDS.get(log.record_type, ("记录", "record")), lang),
            "fields": fields_in_words(log.fields, lang),
            "answer": "",
            "asked_about": "",
            "why": "",
        }
        check = audit.get(log.record_id) if log.record_id else None
        if check is not None:
            row["asked_about"] = day(check.on_date, lang)
            row["answer"] = check.outcome
            if check.outcome == "no":
                row["why"] = why_no(check.permit, check.on_date, lang)
            elif check.outcome == "refused":
                row["why"] = why_refused(check.problem, lang)
        rows.append(row)
    return rows
