"""Plain-language texts of the planner, in Chinese (default) and English.

Kept apart from the logic so a policy editor or translator can read and change them.
Placeholders are ``str.format`` fields filled by the planner.

This module has the diagnosis, why a path is unavailable, the steps, the warnings and the
names of missing facts. Why each date is what it is, the need-by answers and a remedy
already filed are in ``planner/texts_reasons.py``; they are read from here too
(``texts.REASONS``, ``texts.NEED_BY``, ``texts.OFFICES``, ``texts.PENDING``).
"""

from __future__ import annotations

from juzhu.planner.texts_reasons import NEED_BY, OFFICE_DEFAULT, OFFICES, PENDING, REASONS

__all__ = [
    "DIAGNOSIS",
    "FACT_NAMES",
    "NEED_BY",
    "OFFICES",
    "OFFICE_DEFAULT",
    "PENDING",
    "REASONS",
    "STEPS",
    "UNAVAILABLE",
    "WARNINGS",
    "Text",
    "say",
]

Text = dict[str, str]

DIAGNOSIS: dict[str, Text] = {
    "expired_not_renewed": {
        "zh": "你的居住证因为到期（或逾期）没有签注续期，已于{cancelled_on}被注销。注销后不能再补签注，需要重新申领。",
        "en": "Your permit was cancelled on {cancelled_on} because it was not endorsed or renewed in time. "
        "A cancelled permit cannot be endorsed late; you need to apply again.",
    },
    "address_change_unreported": {
        "zh": "你的居住证因为搬家后没有及时办理地址变更，于{cancelled_on}被注销。请先在现住址重新办理居住登记，再重新申领。",
        "en": "Your permit was cancelled on {cancelled_on} because a change of address was not reported. "
        "Register at your current address first, then apply again.",
    },
    "moved_away": {
        "zh": "你的居住证因登记为已迁出本市，于{cancelled_on}被注销。如果你已在别的城市生活，请在新居住地办理；如果你其实还住在本市，可以申诉或申请复议。",
        "en": "Your permit was cancelled on {cancelled_on} because you were recorded as having left the city. "
        "If you now live elsewhere, apply there; if you still live here, you can contest it.",
    },
    "hukou_settled": {
        "zh": "你已在本市落户，成为本市户籍居民，居住证于{cancelled_on}注销。你不再需要居住证，用身份证和户口簿办理各项业务即可。",
        "en": "You now hold local hukou, so your permit was cancelled on {cancelled_on}. "
        "You no longer need a permit; use your ID card and hukou booklet.",
    },
    "ineligible_or_false_info": {
        "zh": "你的居住证因为被认定不符合申领条件或材料不真实，于{cancelled_on}被注销。如果认定有误，可以申诉或申请行政复议；符合条件后也可以如实重新申领。",
        "en": "Your permit was cancelled on {cancelled_on} because you were found not eligible or your "
        "documents were found untrue. If that is wrong you can contest it; once eligible you can "
        "apply again with true documents.",
    },
    "holder_deceased": {
        "zh": "持证人已去世，居住证于{cancelled_on}注销。家属无需为居住证再办理任何手续。",
        "en": "The holder has died and the permit was cancelled on {cancelled_on}. "
        "The family does not need to do anything about the permit.",
    },
    "voluntary": {
        "zh": "居住证是按你本人的申请于{cancelled_on}注销的。如果你又需要居住证，可以重新申领。",
        "en": "The permit was cancelled on {cancelled_on} at your own request. "
        "If you need one again, you can apply again.",
    },
    "registration_deregistered": {
        "zh": "你的居住登记被房东、单位、学校或旅馆等注销，居住证随之于{cancelled_on}失效。需要重新办理居住登记后再申领。",
        "en": "Your residence registration was ended by a landlord, employer, school or hotel, so your "
        "permit stopped working on {cancelled_on}. Register again, then apply again.",
    },
    "unknown": {
        "zh": "你的居住证已被注销，但原因还不清楚。第一步请通过派出所、政务服务热线或线上平台查询注销原因，原因不同，补救办法也不同。",
        "en": "Your permit was cancelled but the reason is not known. First find out why (police station, "
        "service hotline or online platform): the remedy depends on the reason.",
    },
    "suspended": {
        "zh": "你的居住证因为没有在规定时间内签注，使用功能已中止（从{suspended_on}起）。证件没有被注销，补办签注后即可恢复使用。",
        "en": "Your permit has been suspended since {suspended_on} because it was not endorsed in time. "
        "It is not cancelled: a late endorsement restores it.",
    },
    "suspended_past_grace": {
        "zh": "你的居住证从{suspended_on}起使用功能中止，补签注的期限已于{grace_end}届满，按本市规定将被注销，需要重新申领。",
        "en": "Your permit has been suspended since {suspended_on}; the time for a late endorsement ended on "
        "{grace_end}, so under local rules it is cancelled and you need to apply again.",
    },
    "active": {
        "zh": "你的居住证目前有效。下一次签注时间：{next_window}至{next_due}。",
        "en": "Your permit is valid. Next endorsement: from {next_window} to {next_due}.",
    },
    "active_overdue": {
        "zh": "你的居住证应在{next_due}前签注，现已逾期，使用功能可能已中止。请尽快补办签注。",
        "en": "Your permit should have been endorsed by {next_due}; it is overdue and may be suspended. "
        "Endorse it as soon as you can.",
    },
    "expired": {
        "zh": "你的居住证有效期已届满。需要重新申领（或按本市规定办理续期）。",
        "en": "Your permit has expired. Apply again (or renew it where the city allows).",
    },
    "no_basis": {
        "zh": "你的居住证于{cancelled_on}以“{reason}”为由被注销。但{city}当时施行的规定里没有这个注销事由{instead}，这个注销决定缺乏法律依据：可以申请行政复议或提起行政诉讼，要求撤销注销决定，也可以先向作出决定的机关申诉。{restore}",
        "en": "Your permit was cancelled on {cancelled_on} for “{reason}”. But the rules in force in {city} at the time give no such ground for cancelling a permit{instead}, so the decision lacks a legal basis: you can apply for reconsideration or sue to have it revoked, and you can also complain to the office that decided.{restore}",
    },
    "holder_deceased_disputed": {
        "zh": "你的居住证于{cancelled_on}因为“持证人死亡”被注销。如果你本人健在，这是户籍登记的错误：请到户籍所在地派出所申请更正死亡登记、恢复户口，同时在期限内申请行政复议，要求撤销注销决定。",
        "en": "Your permit was cancelled on {cancelled_on} because the holder was recorded as dead. If you are alive, the hukou record is wrong: ask the police station of your hukou place to correct the death record and restore your hukou (恢复户口), and at the same time apply for reconsideration in time to have the cancellation revoked.",
    },
    "moved_back": {
        "zh": "你的居住证于{cancelled_on}因登记为已迁出本市被注销。你现在又在本市居住登记了，可以按新的登记重新申领居住证。",
        "en": "Your permit was cancelled on {cancelled_on} because you were recorded as having left the city. You are registered here again, so you can apply again on the new registration.",
    },
    "voluntary_lives_here": {
        "zh": "居住证是按你本人的申请于{cancelled_on}注销的。你现在仍在本市居住，居住证带来的公共服务（子女入学、各项办事）都要凭居住证，符合条件后请尽快重新申领。",
        "en": "The permit was cancelled on {cancelled_on} at your own request. You still live in the city, and the services a permit brings (schooling, many procedures) need one, so apply again as soon as you are eligible.",
    },
    "revoked": {
        "zh": "你的居住证于{cancelled_on}被撤销（通常因为认定以虚假材料骗领）。如果认定有误，可以申诉、申请行政复议或提起行政诉讼。",
        "en": "Your permit was revoked on {cancelled_on} (usually for obtaining it with false documents). "
        "If that is wrong you can contest it.",
    },
    "no_permit": {
        "zh": "你目前没有居住证。下面是申领的条件、材料和步骤。",
        "en": "You have no permit at the moment. Here are the conditions, materials and steps to apply.",
    },
}

# The two optional parts of DIAGNOSIS["no_basis"] when a missed endorsement was the reason:
# the article that gives suspension instead, and what a won challenge brings back.
SOME_DAY: Text = {"zh": "某日", "en": "a date not given"}

NO_BASIS_EXPIRED: dict[str, Text] = {
    "instead": {
        "zh": "：逾期未签注只会中止居住证的使用，补办签注即可恢复（《{title}》{article}）",
        "en": ": a missed endorsement only suspends the permit, and a late endorsement "
        "restores it ({title}, {article})",
    },
    "restore": {
        "zh": "注销被撤销后居住证恢复，补办签注即可恢复使用，居住年限不因注销中断。",
        "en": " Once the cancellation is revoked the permit is restored, a late endorsement "
        "brings it back into use, and your residence years are not broken.",
    },
}

UNAVAILABLE: dict[str, Text] = {
    "not_suspended": {
        "zh": "只有使用功能中止（逾期未签注）的居住证才能补办签注",
        "en": "only a suspended permit can be endorsed late",
    },
    "restore_then_endorse": {
        "zh": "注销没有法律依据：先通过复议或诉讼撤销注销决定，居住证恢复后即可补办签注",
        "en": "the cancellation has no legal basis: have it revoked first (reconsideration or a suit); once the permit is restored it can be endorsed late",
    },
    "filed_already": {
        "zh": "你已于{date}提出，正在等待结果{due}",
        "en": "you filed on {date} and are waiting for the result{due}",
    },
    "recon_pending_no_suit": {
        "zh": "复议期间不能就同一决定起诉；对复议决定不服，或复议机关到期不作决定的，可以在{after}内起诉",
        "en": "no suit on the same decision while the reconsideration runs; if you disagree with its decision, or none comes in time, you may sue within {after}",
    },
    "suit_pending_no_recon": {
        "zh": "法院已受理起诉的，不能再申请行政复议",
        "en": "once a court has accepted the suit, reconsideration is no longer possible",
    },
    "cancelled_cannot_endorse": {
        "zh": "已注销的居住证不能补签注，需要重新申领",
        "en": "a cancelled permit cannot be endorsed late; apply again",
    },
    "grace_over": {
        "zh": "补签注期限已于{date}届满",
        "en": "the time for a late endorsement ended on {date}",
    },
    "deceased": {"zh": "持证人已去世", "en": "the holder has died"},
    "restore_hukou_first": {
        "zh": "先到户籍所在地派出所更正死亡登记、恢复户口，身份恢复后才能办理",
        "en": "first have the death record corrected and the hukou restored at the hukou-place police station; only then can this be done",
    },
    "hukou": {"zh": "已是本市户籍，不需要居住证", "en": "you hold local hukou and need no permit"},
    "moved": {
        "zh": "已迁出本市：请在现在的居住地申领",
        "en": "you left the city: apply where you live now",
    },
    "still_valid": {"zh": "居住证仍然有效，不需要重新申领", "en": "the permit is still valid"},
    "suspended_endorse": {
        "zh": "居住证没有注销，补办签注即可恢复",
        "en": "the permit is not cancelled: a late endorsement restores it",
    },
    "no_act": {
        "zh": "没有可以申请复议的注销或撤销决定",
        "en": "there is no cancellation or revocation to contest",
    },
    "own_request": {
        "zh": "注销是按你本人的申请办理的",
        "en": "the cancellation was made at your own request",
    },
    "period_over": {"zh": "期限已于{date}届满", "en": "the time limit ended on {date}"},
    "not_living_here": {"zh": "你已不在本市居住", "en": "you no longer live in the city"},
    "not_needed_active": {"zh": "居住证有效，无需补救", "en": "the permit is valid"},
    "action_needed": {"zh": "你的情况需要处理", "en": "your situation needs action"},
    "no_route": {
        "zh": "目前没有可用的申领依据（就业、住所或就读）",
        "en": "no basis to apply on (employment, home or study) yet",
    },
}

# Each step names its channel: counter (窗口), online (App / 小程序 / 网站), hotline,
# written (a letter or form), court, or none.
STEPS: dict[str, list[Text]] = {
    "late_endorsement": [
        {
            "channel": "counter",
            "zh": "线下办理：{counter}请带上身份证和居住证。",
            "en": "In person: {counter} Bring your ID card and permit.",
        },
        {"channel": "online", "zh": "线上办理：{online}", "en": "Online: {online}"},
        {
            "channel": "none",
            "zh": "签注办结后，居住证恢复使用。",
            "en": "Once endorsed, the permit works again.",
        },
    ],
    "reapply": [
        {
            "channel": "none",
            "zh": "按下面的材料清单准备原件和复印件。",
            "en": "Prepare originals and copies of the materials below.",
        },
        {"channel": "counter", "zh": "线下办理：{counter}", "en": "In person: {counter}"},
        {
            "channel": "online",
            "zh": "线上办理：{online}（可能仍需到现场核验材料）。",
            "en": "Online: {online} (you may still need to show the originals).",
        },
        {
            "channel": "none",
            "zh": "拿好受理回执，上面有办件编号和办理时限。",
            "en": "Keep the acceptance receipt: it has the case number and the time limit.",
        },
        {
            "channel": "counter",
            "zh": "收到领证通知后，凭身份证到指定地点领取。",
            "en": "When told it is ready, collect it with your ID card.",
        },
    ],
    "reapply_register_first": [
        {
            "channel": "counter",
            "zh": "先在现住址重新办理居住登记（{registration_deadline}），领取{certificate}。",
            "en": "First register at your current address ({registration_deadline}) and get the {certificate}.",
        },
    ],
    "appeal": [
        {
            "channel": "hotline",
            "zh": "向派出所或政务服务热线（12345）查询注销的具体原因和依据，要求出具书面决定。",
            "en": "Ask the police station or the 12345 service hotline for the exact reason and legal basis, in writing.",
        },
        {
            "channel": "written",
            "zh": "向原办理机关（{respondent}）提交书面申诉，附上证据，请求撤销注销、恢复居住证。",
            "en": "Send a written complaint to the office that decided ({respondent}) with your evidence, asking it to undo the cancellation.",
        },
        {
            "channel": "none",
            "zh": "申诉不会让复议期限停下来：如果{deadline}前还没有结果，请申请行政复议。",
            "en": "A complaint does not stop the reconsideration clock: if there is no result by {deadline}, apply for reconsideration.",
        },
    ],
    "reconsideration": [
        {
            "channel": "written",
            "zh": "写一份行政复议申请书：申请人、被申请人（{respondent}）、注销决定、复议请求、事实和理由。",
            "en": "Write a reconsideration application: you, the respondent ({respondent}), the cancellation, your request, facts and reasons.",
        },
        {
            "channel": "written",
            "zh": "在{deadline}前向{body}提交（可以书面、口头或网上申请，不收费）。",
            "en": "Submit it to {body} by {deadline} (in writing, orally or online; free of charge).",
        },
        {
            "channel": "none",
            "zh": "复议机关在{acceptance}内决定是否受理，受理后{decision}内作出决定。",
            "en": "The body decides within {acceptance} whether to accept, and within {decision} of acceptance on the case.",
        },
        {
            "channel": "none",
            "zh": "保留所有材料、回执和与工作人员沟通的记录。",
            "en": "Keep every document, receipt and record of what officials told you.",
        },
    ],
    "litigation": [
        {
            "channel": "court",
            "zh": "在{deadline}前以{respondent}为被告提起行政诉讼。{court}",
            "en": "Sue {respondent} by {deadline}. {court}",
        },
        {
            "channel": "court",
            "zh": "如果先申请了复议，对复议决定不服的，收到决定书之日起{after}内起诉；复议期间不能同时起诉。",
            "en": "If you apply for reconsideration first, you may sue within {after} of receiving its decision; you cannot sue while it runs.",
        },
    ],
    "residence_registration": [
        {
            "channel": "counter",
            "zh": "办理居住登记：{counter}办好后领取{certificate}，作为过渡证明。",
            "en": "Register your residence: {counter} You get the {certificate} as an interim proof.",
        },
        {
            "channel": "none",
            "zh": "{certificate}不能代替居住证，只能在部分简单事务中证明你在本地居住。",
            "en": "The {certificate} does not replace a permit; it only proves residence for simple matters.",
        },
    ],
    "death_record": [
        {
            "channel": "counter",
            "zh": "先到户籍所在地派出所，本人带身份证（或户口簿）到场，申请更正错误的死亡登记、恢复户口（恢复户口登记）。",
            "en": "First go in person with your ID card (or hukou booklet) to the police station of your hukou place and ask them to correct the wrong death record and restore your hukou registration (恢复户口).",
        },
        {
            "channel": "none",
            "zh": "户口恢复不会自动撤销居住证的注销：请同时申请行政复议（见下一步）。",
            "en": "Restoring the hukou does not by itself undo the cancellation: apply for reconsideration as well (next steps).",
        },
    ],
    "close_relatives": [
        {
            "channel": "none",
            "zh": "持证人已去世：如认为注销有误（例如死亡登记错误），近亲属可以以自己的名义申请行政复议或起诉。",
            "en": "The holder has died: if the cancellation is wrong (e.g. the death record is), a close relative may apply for reconsideration or sue in their own name.",
        },
    ],
    "restored_then_endorse": [
        {
            "channel": "none",
            "zh": "注销被撤销后，居住证恢复为使用功能中止的状态，凭身份证和居住证补办签注即可恢复使用，居住年限不因注销中断。",
            "en": "Once the cancellation is revoked the permit is back in its suspended state; a late endorsement with your ID card and permit restores its use, and your residence years are not broken by the cancellation.",
        },
    ],
    "reapply_change_registration": [
        {
            "channel": "counter",
            "zh": "先在现住址申报居住变更登记（{registration_deadline}），在本市内搬家是变更登记，居住时间从最初登记之日连续计算。",
            "en": "First report the change of address ({registration_deadline}); a move inside the city is a change of the registration, so your residence time keeps counting from the first registration.",
        },
    ],
    "none_needed": [
        {
            "channel": "none",
            "zh": "不需要为居住证办理任何手续。",
            "en": "Nothing needs to be done about the permit.",
        },
    ],
}

# The complaint alongside a reconsideration or suit already filed: no clock to warn about.
STEPS["appeal_pending"] = STEPS["appeal"][:2]
# The complaint once reconsideration and litigation have closed: no deadline to quote.
STEPS["appeal_closed"] = [
    *STEPS["appeal"][:2],
    {
        "channel": "none",
        "zh": "复议和起诉的期限已经过了：申诉是请求原机关自行纠正，没有法定答复期限，结果不确定。",
        "en": "The time for reconsideration and a suit has passed: a complaint asks the office to correct itself, has no legal time to answer, and its outcome is uncertain.",
    },
]

WARNINGS: dict[str, Text] = {
    "scam": {
        "zh": "只通过公安机关、政务服务中心和官方App办理。声称能“加急”“代办包过”或让你缩短居住年限的都是骗局；居住证首次申领和签注都不收费。",
        "en": "Use only police stations, service centres and official apps. Anyone promising to 'expedite' or "
        "'guarantee' a permit, or to shorten the residence time, is a scam; first issue and endorsement are free.",
    },
    "deadline_soon": {
        "zh": "注意：{path}的期限是{date}，只剩{days}天",
        "en": "Careful: the deadline for {path} is {date}, only {days} days away",
    },
    "deadline_passed": {
        "zh": "{path}的期限已于{date}届满",
        "en": "The deadline for {path} passed on {date}",
    },
    "calendar_incomplete": {
        "zh": "{years}年的法定节假日安排尚未公布，日期按只排除周末计算，实际截止日可能更晚；为稳妥，请按本计划的日期办理",
        "en": "The {years} holiday calendar is not published yet; dates count weekends only. Real deadlines may "
        "be later; to be safe, act by the dates shown",
    },
    "false_info": {
        "zh": "重新申领时材料必须真实。使用虚假材料骗领居住证会被警告、罚款，伪造证件还可能被拘留",
        "en": "Use only true documents. Obtaining a permit with false documents brings a warning and a fine; "
        "forged documents can mean detention",
    },
    "not_informed": {
        "zh": "通知没有告诉你复议的权利和期限，因此期限从你知道这些权利时起算（最长不超过知道注销之日起1年）；本计划从今天起算，更稳妥",
        "en": "The notice did not tell you your remedy rights, so the period runs from when you learn them "
        "(at most 1 year from learning of the cancellation); this plan counts from today to be safe",
    },
    "unverified": {
        "zh": "本市部分规定来源尚未核实（见各项依据），办理前请向当地派出所确认",
        "en": "Some local rules used here are unverified (see the sources); confirm with the local police station",
    },
    "missing_facts": {
        "zh": "补充这些信息可能改变计划：{facts}",
        "en": "These facts could change the plan: {facts}",
    },
    "no_legal_basis": {
        "zh": "这个注销在{city}当时的规定里找不到依据，建议在期限内提出复议或诉讼，而不是只重新申领",
        "en": "This cancellation has no ground in {city}'s rules of the time; contest it within the time limit rather than simply applying again",
    },
    "move_is_change": {
        "zh": "如果你是在本市内搬家，新的居住登记是变更登记，居住时间从最初登记之日连续计算；办理时请说明，并带上原来的登记凭证",
        "en": "If you moved within the city, the new registration is a change of the old one and your residence time counts from the first registration; say so and bring the old certificate",
    },
    "continuity": {
        "zh": "居住证中断可能影响居住年限的连续计算（积分落户、子女入学等），补办越早影响越小",
        "en": "A gap in the permit can break the count of continuous residence years (points, schooling); act early",
    },
}

FACT_NAMES: dict[str, Text] = {
    "permit.cancellation_reason": {"zh": "注销原因", "en": "the cancellation reason"},
    "permit.cancelled_on": {"zh": "注销日期", "en": "the cancellation date"},
    "permit.notified_on": {"zh": "收到注销通知的日期", "en": "the date you were told"},
    "permit.informed_of_remedy_rights": {
        "zh": "通知是否告知了复议权利和期限",
        "en": "whether the notice told you your remedy rights",
    },
    "permit.issued_on": {"zh": "发证日期", "en": "the issue date"},
    "permit.status": {"zh": "居住证状态", "en": "the permit status"},
    "residence.registered_since": {"zh": "居住登记日期", "en": "your registration date"},
    "residence.housing": {"zh": "住房类型", "en": "your housing type"},
    "employment.employed": {"zh": "是否在本市就业", "en": "whether you work here"},
    "employment.social_insurance_months": {
        "zh": "近24个月在本市缴社保的月数",
        "en": "months of social insurance here",
    },
    "residence.lives_in_city": {
        "zh": "你现在是否还住在本市",
        "en": "whether you still live in the city",
    },
    "disputes_cancellation": {
        "zh": "你是否认为注销有误",
        "en": "whether you think the cancellation was wrong",
    },
}


def say(text: Text, lang: str, **values: object) -> str:
    return text["zh" if lang == "zh" else "en"].format(**values)
