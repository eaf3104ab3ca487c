"""The words of every notice, in Chinese and English (translators edit this file only).

Each notice has a title and a body (the in-app message and the e-mail) and an SMS text.
People read these on a phone, often a cheap one, so: short sentences, plain words, the one
thing to do next. A Chinese SMS text fits one message (70 characters including the
signature【居住证服务】); an English one, two (the Chinese signature makes the whole message
UCS-2: 67 characters per part), so its SMS leaves the details to the in-app message. The
tests check every one.

``PARAMS`` names the context keys a notice needs and how each is shown (``render.py``):
``date`` (2026年12月21日 / 21 December 2026), ``text`` (as is), ``reason`` (a cancellation
reason id), ``materials`` (a list of material ids), ``lines`` (a list of free texts),
``outcome`` (an appeal outcome id). The registry passes these keys (``notice_context`` in
``juzhu/registry/services.py``, reminders in the sweep); a missing one is an error at
render time, never a blank in a message.

Remedy rights (docs/law.md §4): reconsideration within 60 days of knowing of the act
(行政复议法 Art. 20), a lawsuit within 6 months (行政诉讼法 Art. 46), or within 15 days of
receiving a reconsideration decision (行政诉讼法 Art. 45). A notice of a cancellation,
revocation or refusal states them, because a notice that omits them lengthens the period
to up to a year (Art. 20) and, more to the point, leaves the person not knowing.
"""

from __future__ import annotations

from collections.abc import Mapping

# Context keys each notice needs, and their kind.
PARAMS: Mapping[str, Mapping[str, str]] = {
    "permit_issued": {"number": "text", "on": "date"},
    "permit_endorsed": {"number": "text", "next_due": "date"},
    "permit_suspended": {"number": "text", "on": "date"},
    "permit_expired": {"number": "text", "on": "date"},
    "permit_cancelled": {"number": "text", "on": "date", "reason": "reason"},
    "permit_revoked": {"number": "text", "on": "date"},
    "permit_reinstated": {"number": "text", "on": "date"},
    "application_submitted": {"case_number": "text"},
    "application_accepted": {"case_number": "text", "due": "date"},
    "application_needs_supplement": {"case_number": "text", "missing": "materials"},
    "application_refused": {"case_number": "text", "reasons": "lines"},
    "refusal_intended": {"case_number": "text", "reasons": "lines", "respond_by": "date"},
    "decision_intended": {"number": "text", "reasons": "lines", "respond_by": "date"},
    "application_ready": {"case_number": "text"},
    "appeal_decided": {"outcome": "outcome"},
    "endorsement_reminder": {"number": "text", "due": "date"},
    "expiry_reminder": {"number": "text", "due": "date"},
    # A login code (``registry/outbox.py``): "secret" is shown to the person only; the
    # journals and the console print ****** in its place.
    "login_code": {"code": "secret"},
}

# Keys a notice may carry beyond PARAMS. When all of them are present the notice switches to
# its ``<name>.dated`` texts: the back office passes the decision letter's number and the
# last days to apply for reconsideration and to sue, so the person reads dates, not periods.
OPTIONAL: Mapping[str, Mapping[str, str]] = {
    name: {"letter": "text", "reconsideration_by": "date", "litigation_by": "date"}
    for name in ("permit_cancelled", "permit_revoked", "application_refused", "permit_suspended")
}

# A notice whose words depend on one context value: (key, {value: variant name}). The
# variant's texts replace the notice's; its SMS has its own template id.
VARIANTS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    # Cancelled at the holder's own request: no "if you disagree" paragraph.
    "permit_cancelled": ("reason", {"voluntary": "permit_cancelled.voluntary"}),
}

OUTCOMES: Mapping[str, tuple[str, str]] = {
    "upheld": ("维持原决定", "the decision was upheld"),
    "revoked_act": ("撤销原决定", "the decision was revoked"),
    "changed_act": ("变更原决定", "the decision was changed"),
    "confirmed_unlawful": ("确认原决定违法", "the decision was found unlawful"),
}

_REMEDY_ZH = (
    "如果不服，可以自知道该决定之日起60日内申请行政复议（《行政复议法》第20条），"
    "或者6个月内向人民法院提起行政诉讼（《行政诉讼法》第46条）。也可以先向原办理机关申诉，"
    "但申诉不会让上述期限停止计算。请保留本通知。"
)
_REMEDY_EN = (
    "If you disagree, you may apply for administrative reconsideration within 60 days of "
    "learning of the decision (Administrative Reconsideration Law, Art. 20), or sue in a "
    "people's court within 6 months (Administrative Litigation Law, Art. 46). You may also "
    "complain to the office that decided, but a complaint does not stop these periods. "
    "Keep this notice."
)
_REMEDY_SMS_ZH = "不服可在60日内申请行政复议或6个月内提起行政诉讼。"
_DATED_ZH = (
    "如果不服，可以在{reconsideration_by}前申请行政复议，或者在{litigation_by}前向人民法院提起"
    "行政诉讼（期限按本市政策和你的送达日计算）。决定书编号{letter}，写明了依据、复议机关和"
    "被申请人，可在平台“我的文书”下载。也可以先向原办理机关申诉，但申诉不会让上述期限停止计算。"
)
_DATED_EN = (
    "If you disagree, you may apply for administrative reconsideration by "
    "{reconsideration_by}, or sue in a people's court by {litigation_by} (your own last days, "
    "counted from the day you were told). Decision letter {letter}, under My letters, gives "
    "the legal basis, the reconsideration body and the respondent. A complaint to the office "
    "that decided does not stop these periods."
)
_DATED_SMS_ZH = "不服可于{reconsideration_by}前申请复议。"
_DATED_SMS_EN = "To contest: reconsideration by {reconsideration_by}."
_REMEDY_SMS_EN = "To contest: reconsideration within 60 days, or sue within 6 months."

# name -> lang -> {"title", "body", "sms"}
TEXTS: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    "decision_intended": {
        "zh": {
            "title": "拟注销或撤销居住证告知：请在期限内陈述申辩",
            "body": "经核查，拟注销（或撤销）你的居住证（证号{number}），情形和事实：{reasons}。"
            "你有权陈述和申辩：请在{respond_by}前登录平台“我的居住证”提交你的说明和材料，"
            "我们会在作出决定前听取。期满未答复的，将依法作出决定。",
            "sms": "你的居住证拟被注销或撤销，可在{respond_by}前登录平台陈述申辩。",
        },
        "en": {
            "title": "Intended cancellation: you may answer",
            "body": "After checking, the office intends to cancel (or revoke) your residence "
            "permit ({number}). The ground and facts: {reasons}. You have the right to state "
            "your case: answer by {respond_by} under My permit, with any documents; the "
            "office will hear you before it decides. Without an answer by then, it decides.",
            "sms": "Your permit may be cancelled. Answer by {respond_by} online.",
        },
    },
    "refusal_intended": {
        "zh": {
            "title": "拟不予签发告知：请在期限内陈述申辩",
            "body": "你的申请（受理编号{case_number}）经审核，拟不予签发居住证，理由和事实：{reasons}。"
            "你有权陈述和申辩：请在{respond_by}前登录平台“我的申请”提交你的说明和材料，"
            "我们会在作出决定前听取。期满未答复的，将依法作出决定。",
            "sms": "你的居住证申请拟不予签发，可在{respond_by}前登录平台陈述申辩。",
        },
        "en": {
            "title": "Intended refusal: you may answer",
            "body": "After review, the office intends to refuse your application "
            "({case_number}). Reasons and facts: {reasons}. You have the right to state your "
            "case: answer by {respond_by} under My applications, with any documents; the "
            "office will hear you before it decides. Without an answer by then, it decides.",
            "sms": "Your permit application may be refused. Answer by {respond_by} online.",
        },
    },
    "login_code": {
        "zh": {
            "title": "登录验证码",
            "body": "你的登录验证码是{code}，5分钟内有效。请勿告诉他人，工作人员不会向你索要。",
            "sms": "验证码{code}，5分钟内有效。请勿告诉他人，工作人员不会向你索要。",
        },
        "en": {
            "title": "Your sign-in code",
            "body": "Your sign-in code is {code}. It works for 5 minutes. Do not tell anyone: "
            "our staff will never ask for it.",
            "sms": "Sign-in code {code}, valid 5 min. Never share it; staff never ask.",
        },
    },
    "permit_issued": {
        "zh": {
            "title": "居住证已签发",
            "body": "你的居住证（证号{number}）已于{on}签发。以后每年在满一年前的一个月内"
            "办理签注，逾期会暂停使用。",
            "sms": "你的居住证已于{on}签发。请每年按时签注，逾期会暂停使用。",
        },
        "en": {
            "title": "Residence permit issued",
            "body": "Your residence permit ({number}) was issued on {on}. Have it endorsed "
            "every year, in the month before each anniversary, or it will be suspended.",
            "sms": "Your residence permit was issued on {on}. Endorse it every year on time "
            "or it will be suspended.",
        },
    },
    "permit_endorsed": {
        "zh": {
            "title": "居住证已签注",
            "body": "你的居住证（证号{number}）已签注。下次请在{next_due}之前的一个月内办理签注。",
            "sms": "你的居住证已签注。下次请在{next_due}前一个月内办理。",
        },
        "en": {
            "title": "Residence permit endorsed",
            "body": "Your residence permit ({number}) has been endorsed. Endorse it next in "
            "the month before {next_due}.",
            "sms": "Your residence permit has been endorsed. Next time: in the month before "
            "{next_due}.",
        },
    },
    "permit_suspended": {
        "zh": {
            "title": "居住证暂停使用",
            "body": "你的居住证（证号{number}）没有按时签注，自{on}起暂停使用（使用功能中止）。"
            "补办签注后即可恢复。长时间不办，居住证可能被注销，居住年限也可能受影响。",
            "sms": "你的居住证未按时签注，自{on}起暂停使用。请尽快补办签注，办后即恢复。",
        },
        "en": {
            "title": "Residence permit suspended",
            "body": "Your residence permit ({number}) was not endorsed on time and is "
            "suspended from {on}. A late endorsement restores it. If you wait too long the "
            "permit may be cancelled and your years of residence may be affected.",
            "sms": "Your residence permit is suspended from {on} (not endorsed on time). "
            "Endorse it late to restore it.",
        },
    },
    "permit_expired": {
        "zh": {
            "title": "居住证已到期",
            "body": "你的居住证（证号{number}）已于{on}到期失效。如果你仍在本市居住，请重新申领。",
            "sms": "你的居住证已于{on}到期失效。如仍在本市居住，请重新申领。",
        },
        "en": {
            "title": "Residence permit expired",
            "body": "Your residence permit ({number}) expired on {on}. If you still live "
            "here, apply for a new one.",
            "sms": "Your residence permit expired on {on}. If you still live here, apply "
            "for a new one.",
        },
    },
    "permit_cancelled": {
        "zh": {
            "title": "居住证已注销",
            "body": "你的居住证（证号{number}）已于{on}被注销，原因：{reason}。" + _REMEDY_ZH,
            "sms": "你的居住证已于{on}注销，原因：{reason}。" + _REMEDY_SMS_ZH,
        },
        "en": {
            "title": "Residence permit cancelled",
            "body": "Your residence permit ({number}) was cancelled on {on}. Reason: {reason}. "
            + _REMEDY_EN,
            "sms": "Your residence permit was cancelled on {on}. " + _REMEDY_SMS_EN,
        },
    },
    "permit_cancelled.voluntary": {
        "zh": {
            "title": "居住证已注销",
            "body": "按你的申请，你的居住证（证号{number}）已于{on}注销。",
            "sms": "按你的申请，你的居住证已于{on}注销。",
        },
        "en": {
            "title": "Residence permit cancelled",
            "body": "As you asked, your residence permit ({number}) was cancelled on {on}.",
            "sms": "As you asked, your residence permit was cancelled on {on}.",
        },
    },
    "permit_revoked": {
        "zh": {
            "title": "居住证已撤销",
            "body": "你的居住证（证号{number}）已于{on}被撤销，理由是认定申领时使用了虚假材料。"
            + _REMEDY_ZH,
            "sms": "你的居住证已于{on}被撤销。" + _REMEDY_SMS_ZH,
        },
        "en": {
            "title": "Residence permit revoked",
            "body": "Your residence permit ({number}) was revoked on {on} on the finding that "
            "it was obtained with false documents. " + _REMEDY_EN,
            "sms": "Your residence permit was revoked on {on}. " + _REMEDY_SMS_EN,
        },
    },
    "permit_reinstated": {
        "zh": {
            "title": "居住证已恢复有效",
            "body": "原决定已被撤销，你的居住证（证号{number}）自{on}起恢复有效，可以正常使用。",
            "sms": "原决定已撤销，你的居住证自{on}起恢复有效。",
        },
        "en": {
            "title": "Residence permit valid again",
            "body": "The decision was revoked. Your residence permit ({number}) is valid "
            "again from {on}.",
            "sms": "The decision was revoked: your residence permit is valid again from {on}.",
        },
    },
    "application_submitted": {
        "zh": {
            "title": "申请已提交",
            "body": "你的居住证申请已提交，申请编号{case_number}。受理和办理进度可以在平台上查看。",
            "sms": "你的居住证申请已提交，编号{case_number}。进度可在平台查看。",
        },
        "en": {
            "title": "Application submitted",
            "body": "Your residence-permit application was submitted; its number is "
            "{case_number}. Follow its progress online.",
            "sms": "Your residence-permit application {case_number} was submitted. Follow "
            "it online.",
        },
    },
    "application_accepted": {
        "zh": {
            "title": "申请已受理",
            "body": "你的居住证申请（编号{case_number}）已受理，按规定应在{due}前办结。",
            "sms": "你的居住证申请已受理，按规定应在{due}前办结。",
        },
        "en": {
            "title": "Application accepted",
            "body": "Your residence-permit application ({case_number}) was accepted. By law "
            "it must be decided by {due}.",
            "sms": "Your residence-permit application was accepted and must be decided by {due}.",
        },
    },
    "application_needs_supplement": {
        "zh": {
            "title": "请补充材料",
            "body": "你的居住证申请（编号{case_number}）还需要补充：{missing}。这是一次性告知："
            "除非你改变申领依据或住房类型，不会再要求别的材料。补齐后在平台上传或到窗口提交。",
            "sms": "你的居住证申请还缺材料，请登录平台查看清单并补齐。",
        },
        "en": {
            "title": "Documents needed",
            "body": "Your residence-permit application ({case_number}) still needs: "
            "{missing}. This list is complete: nothing else will be asked for unless you "
            "change the basis or your housing. Upload them online or bring them to the "
            "counter.",
            "sms": "Your residence-permit application needs more documents. See the list online.",
        },
    },
    "application_refused": {
        "zh": {
            "title": "申请未获批准",
            "body": "你的居住证申请（编号{case_number}）未获批准。理由：{reasons}。"
            + _REMEDY_ZH
            # 复议前置 (行政复议法 Art. 23) for a refusal is unsettled (docs/law.md §4.1).
            + "个别情形须先申请行政复议，以决定书写明的为准。",
            "sms": "你的居住证申请未获批准，理由见平台。" + _REMEDY_SMS_ZH,
        },
        "en": {
            "title": "Application refused",
            "body": "Your residence-permit application ({case_number}) was refused. Reasons: "
            "{reasons}. " + _REMEDY_EN + " In some cases reconsideration must come first; "
            "the decision letter says so if it does.",
            "sms": "Your permit application was refused (reasons online). " + _REMEDY_SMS_EN,
        },
    },
    "permit_suspended.dated": {
        "zh": {
            "title": "居住证暂停使用",
            "body": "你的居住证（证号{number}）没有按时签注，自{on}起暂停使用（使用功能中止）。"
            "补办签注后即可恢复。" + _DATED_ZH,
            "sms": "你的居住证未按时签注，自{on}起暂停使用。补办签注即恢复。",
        },
        "en": {
            "title": "Residence permit suspended",
            "body": "Your residence permit ({number}) was not endorsed on time and is "
            "suspended from {on}. A late endorsement restores it. " + _DATED_EN,
            "sms": "Your residence permit is suspended from {on}. Endorse it late to restore it.",
        },
    },
    "permit_cancelled.dated": {
        "zh": {
            "title": "居住证已注销",
            "body": "你的居住证（证号{number}）已于{on}被注销，原因：{reason}。" + _DATED_ZH,
            "sms": "你的居住证已于{on}注销，原因：{reason}。" + _DATED_SMS_ZH,
        },
        "en": {
            "title": "Residence permit cancelled",
            "body": "Your residence permit ({number}) was cancelled on {on}. Reason: {reason}. "
            + _DATED_EN,
            "sms": "Your residence permit was cancelled on {on}. " + _DATED_SMS_EN,
        },
    },
    "permit_revoked.dated": {
        "zh": {
            "title": "居住证已撤销",
            "body": "你的居住证（证号{number}）已于{on}被撤销，理由是认定申领时使用了虚假材料。"
            + _DATED_ZH,
            "sms": "你的居住证已于{on}被撤销。" + _DATED_SMS_ZH,
        },
        "en": {
            "title": "Residence permit revoked",
            "body": "Your residence permit ({number}) was revoked on {on} on the finding that "
            "it was obtained with false documents. " + _DATED_EN,
            "sms": "Your residence permit was revoked on {on}. " + _DATED_SMS_EN,
        },
    },
    "application_refused.dated": {
        "zh": {
            "title": "申请未获批准",
            "body": "你的居住证申请（编号{case_number}）未获批准。理由：{reasons}。" + _DATED_ZH,
            "sms": "你的居住证申请未获批准，理由见平台。" + _DATED_SMS_ZH,
        },
        "en": {
            "title": "Application refused",
            "body": "Your residence-permit application ({case_number}) was refused. Reasons: "
            "{reasons}. " + _DATED_EN,
            "sms": "Your permit application was refused (reasons online). " + _DATED_SMS_EN,
        },
    },
    "application_ready": {
        "zh": {
            "title": "居住证可以领取",
            "body": "你的居住证已制好（申请编号{case_number}）。请本人带身份证到办理窗口领取。",
            "sms": "你的居住证已制好，请本人带身份证到办理窗口领取。",
        },
        "en": {
            "title": "Permit ready to collect",
            "body": "Your residence permit is ready (application {case_number}). Collect it "
            "in person at the counter, with your ID card.",
            "sms": "Your residence permit is ready. Collect it in person with your ID card.",
        },
    },
    "appeal_decided": {
        "zh": {
            "title": "申诉或复议有结果了",
            "body": "你提出的申诉或复议已有结果：{outcome}。如果原决定被撤销，你的居住证会恢复有效，"
            "另有通知。不服复议决定的，可以自收到决定书之日起15日内提起行政诉讼"
            "（《行政诉讼法》第45条）；具体途径和期限以决定书为准。",
            "sms": "你的申诉或复议已有结果：{outcome}。详情和后续权利请登录平台查看。",
        },
        "en": {
            "title": "Your appeal has been decided",
            "body": "Your complaint or reconsideration has been decided: {outcome}. If the "
            "decision was revoked, your permit becomes valid again (a separate notice "
            "follows). If you disagree with a reconsideration decision you may sue within "
            "15 days of receiving it (Administrative Litigation Law, Art. 45); the decision "
            "letter states the exact route and period.",
            "sms": "Your appeal has been decided: {outcome}. Details and your further "
            "rights are online.",
        },
    },
    "endorsement_reminder": {
        "zh": {
            "title": "签注提醒",
            "body": "你的居住证（证号{number}）最晚要在{due}办理签注（签注免费），逾期会暂停使用。",
            "sms": "提醒：你的居住证最晚要在{due}办理签注（免费），逾期会暂停使用。",
        },
        "en": {
            "title": "Endorsement reminder",
            "body": "Your residence permit ({number}) must be endorsed by {due} (endorsement "
            "is free). After that it will be suspended.",
            "sms": "Reminder: endorse your residence permit by {due} (free), or it will be "
            "suspended.",
        },
    },
    "expiry_reminder": {
        "zh": {
            "title": "到期提醒",
            "body": "你的居住证（证号{number}）将于{due}到期。如果仍在本市居住，请提前办理续签。",
            "sms": "提醒：你的居住证将于{due}到期。如仍在本市居住，请提前续签。",
        },
        "en": {
            "title": "Expiry reminder",
            "body": "Your residence permit ({number}) expires on {due}. If you still live "
            "here, renew it in time.",
            "sms": "Reminder: your residence permit expires on {due}. Renew it in time "
            "if you still live here.",
        },
    },
}
