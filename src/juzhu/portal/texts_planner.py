"""The portal's words for the planner without login: the questionnaire and the plan page
(and its PDF). Chinese first, English second; translators edit this file.

Every page's words are read through ``portal/texts.py`` (``say``, ``ui``).
"""

from __future__ import annotations

# The planner: its start page and one question a page.
QUESTIONS: dict[str, tuple[str, str]] = {
    "planner_title": ("居住证补救规划", "Residence permit remedy planner"),
    "planner_lead": (
        "回答几个简单的问题（大约2分钟），我们会告诉你：居住证出了什么问题，影响哪些事，有哪些办法，"
        "每个办法最早什么时候能办、最晚什么时候前要办，要准备哪些材料。",
        "Answer a few short questions (about 2 minutes). We tell you what happened to your permit, what "
        "it affects, your options with their earliest dates and deadlines, and the materials to prepare.",
    ),
    "planner_private": (
        "不需要登录，也不需要填写身份证号。你的回答只保存在本次浏览中。",
        "No login and no ID number needed. Your answers are kept only for this visit.",
    ),
    "planner_start": ("开始", "Start"),
    "planner_restart": ("清空回答，重新开始", "Clear answers and start again"),
    "q_city": ("你的居住证是哪个城市办的？", "Which city issued your permit?"),
    "q_status": ("你的居住证现在是什么状态？", "What is the status of your permit now?"),
    "q_status_hint": (
        "不清楚的，可以拨打12345政务服务热线或到派出所查询。",
        "Not sure? Ask the 12345 service hotline or a police station.",
    ),
    "status_cancelled": ("已注销", "Cancelled"),
    "status_cancelled_hint": (
        "收到注销通知，或查询显示“已注销”",
        "You got a cancellation notice, or a check shows “cancelled”",
    ),
    "status_suspended": ("使用功能中止", "Suspended"),
    "status_suspended_hint": ("没有按时签注", "It was not endorsed on time"),
    "status_revoked": ("已撤销", "Revoked"),
    "status_revoked_hint": (
        "被认定以虚假材料骗领",
        "It was found to have been obtained with false documents",
    ),
    "status_expired": ("已过期", "Expired"),
    "status_expired_hint": ("有效期到了", "Its term has ended"),
    "status_active": ("有效", "Valid"),
    "status_active_hint": ("想知道下次什么时候签注", "You want to know when to endorse next"),
    "q_reason": (
        "通知或查询结果里写的注销原因是什么？",
        "What reason was given for the cancellation?",
    ),
    "q_act_dates": ("居住证是哪天被注销的？", "When was the permit cancelled?"),
    "cancelled_on": ("注销日期", "Date of cancellation"),
    "cancelled_on_hint": (
        "见注销通知或查询结果。不知道可以不填。",
        "See the notice or the check result. Leave blank if you don't know.",
    ),
    "notified_on": ("你是哪天知道被注销的？", "When did you learn of it?"),
    "notified_on_hint": (
        "收到通知或查到结果的那一天。复议期限从这天算起。",
        "The day you got the notice or saw the result. Appeal deadlines count from this day.",
    ),
    "q_disputes": ("你认为注销有误吗？", "Do you think the cancellation was wrong?"),
    "q_disputes_hint": (
        "例如：你一直按时签注，或一直住在本市，却被注销了。",
        "For example: you endorsed on time, or you still live here, yet it was cancelled.",
    ),
    "disputes_yes": ("是，我认为注销错了", "Yes, I think it was wrong"),
    "disputes_no": ("否，注销原因属实", "No, the reason is true"),
    "q_informed": (
        "注销通知里有没有写明可以申请行政复议，以及期限？",
        "Did the notice tell you that you can apply for reconsideration, and by when?",
    ),
    "q_informed_hint": (
        "没有写明的，复议期限会更长；不记得就选“不确定”。",
        "If it did not, you have longer; choose “not sure” if you don't remember.",
    ),
    "informed_yes": ("写了", "Yes, it did"),
    "informed_no": ("没写 / 没收到通知", "No / I got no notice"),
    "q_permit_dates": (
        "居住证是哪天发的，最近一次签注是哪天？",
        "When was the permit issued and last endorsed?",
    ),
    "issued_on": ("发证日期", "Issue date"),
    "issued_on_hint": ("见居住证背面或办理回执", "See the back of the permit or your receipt"),
    "last_endorsed_on": ("最近一次签注日期", "Date of the last endorsement"),
    "last_endorsed_on_hint": ("从没签注过就不填", "Leave blank if it was never endorsed"),
    "q_residence": ("你在本市住在哪里？", "Where do you live in the city?"),
    "registered_since": (
        "在现住址办理居住登记的日期",
        "Date you registered at your current address",
    ),
    "registered_since_hint": (
        "居住登记凭证上的日期。申领要求登记满一定时间。",
        "The date on your registration certificate. Applying needs some months of registration.",
    ),
    "housing": ("住房类型", "Type of housing"),
    "q_work": ("你在本市工作或上学吗？", "Do you work or study in the city?"),
    "employed": (
        "你在本市工作吗（有劳动合同或营业执照）？",
        "Do you work here (contract or business licence)?",
    ),
    "si_months": (
        "近24个月里，在本市缴了几个月社保？",
        "In the last 24 months, how many months of social insurance did you pay here?",
    ),
    "si_months_hint": (
        "填0到24的整数；可在社保App查询",
        "A whole number from 0 to 24; see the social-insurance app",
    ),
    "si_continuous": ("这些月是连续缴到现在的吗？", "Were they paid without a break up to now?"),
    "enrolled": ("你在本市的学校上学吗？", "Are you enrolled at a school here?"),
    "q_needs": ("你最近要办下面哪些事？", "Which of these do you need soon?"),
    "q_needs_hint": (
        "可多选，也可不选。勾选后可以填哪天前要办好（可不填），我们会告诉你来不来得及。",
        "Choose any or none. For each, you can say when you need it by (optional); we tell you "
        "whether the permit will be back in time.",
    ),
    "needs_by": ("哪天前要办好？（可不填）", "Needed by (optional)"),
    "by_date": ("{date}前要办好", "needed by {date}"),
    "q_filed": (
        "你已经申请行政复议、起诉或申诉了吗？",
        "Have you already applied for reconsideration, sued or complained?",
    ),
    "q_filed_hint": (
        "已经提交的，我们会告诉你什么时候该有结果，以及这期间要做什么。",
        "If you have, we tell you when to expect an answer and what to do meanwhile.",
    ),
    "filed_path": ("你已经做了哪一项？", "What have you done?"),
    "filed_no": ("还没有", "Nothing yet"),
    "filed_reconsideration": ("已申请行政复议", "Applied for administrative reconsideration"),
    "filed_litigation": ("已向法院提起行政诉讼", "Sued in court"),
    "filed_appeal": ("已向原办理机关申诉", "Complained to the issuing office"),
    "filed_on": ("你是哪天提交的？", "When did you file it?"),
    "filed_on_hint": (
        "见申请回执或法院的收件凭证。受理和作出决定的期限从这天算起。",
        "See the receipt from the body or the court. The time limits to accept and decide count "
        "from this day.",
    ),
}

# The plan, as a page and a PDF.
PLAN: dict[str, tuple[str, str]] = {
    "plan_title": ("你的补救计划", "Your remedy plan"),
    "plan_as_of": ("按{date}的规定和日历计算", "Worked out with the rules and calendar of {date}"),
    "diagnosis": ("你的情况", "What happened"),
    "recommended": ("建议你这样做", "What we suggest"),
    "earliest": ("最早可办", "Earliest"),
    "deadline": ("截止日期", "Deadline"),
    "no_deadline": ("无截止日期，越早办越好", "None; the sooner the better"),
    "steps": ("办理步骤", "Steps"),
    "ready_by": ("预计办好", "Expected ready"),
    "ready_by_text": ("{date}前（约{n}个工作日）", "by {date} (about {n} working days)"),
    "ready_same_day": ("{date}当天", "on {date}, the same day"),
    "ready_by_from_text": (
        "{date}前（从{start}递交起约{n}个工作日）",
        "by {date} (about {n} working days from handing it in on {start})",
    ),
    "checklist": ("需要准备的材料", "Materials to prepare"),
    "checklist_hint": ("带原件和复印件。", "Bring originals and copies."),
    "any_one_of": ("以下任选其一：", "Any one of:"),
    "or": ("或", "or"),
    "impacts": ("受影响的事项", "What is affected"),
    "impacts_other": ("其他事项", "Other services"),
    "affected": ("受影响", "Affected"),
    "not_affected": ("不受影响", "Not affected"),
    "unclear": ("不确定", "Unclear"),
    "you_need": ("你要办", "You need this"),
    "since": ("自{date}起", "since {date}"),
    "need_by": ("你需要在{date}前办好", "You need it by {date}"),
    "in_time": ("赶得上", "In time"),
    "not_in_time": ("赶不上", "Not in time"),
    "restored_from": (
        "按建议办理，最早{date}恢复",
        "Back from {date} at the earliest, as suggested",
    ),
    "pending": ("你已经提出的救济", "What you have already filed"),
    "pending_filed_on": ("提交日期", "Filed on"),
    "pending_accept_by": ("最晚决定是否受理", "Acceptance decided by"),
    "pending_decision_due": ("应作出决定", "Decision due by"),
    "pending_extended_due": ("如延长，最晚", "If extended, by"),
    "pending_meanwhile": ("这期间怎么办", "Meanwhile"),
    "unlawful": (
        "这次注销在本市规定里找不到依据，可以依法提出异议",
        "This cancellation has no ground in the city's rules; you can contest it",
    ),
    "legal_basis_source": ("对照的规定", "Rules checked"),
    "options": ("所有办法", "All options"),
    "available": ("现在可以办", "Available now"),
    "not_available": ("暂时不能办", "Not available now"),
    "unmet": ("还差", "Missing"),
    "warnings": ("请注意", "Please note"),
    "missing_facts": ("补充这些信息，计划会更准确", "These facts would make the plan more precise"),
    "sources": ("依据", "Sources"),
    "policy_version": ("政策版本", "Policy version"),
    "calendar_incomplete": (
        "部分年份的节假日安排尚未公布，日期按保守方式估算。",
        "Some years' holiday calendars are not published yet; dates are conservative.",
    ),
    "your_answers": ("你的回答", "Your answers"),
    "change": ("修改", "Change"),
    "not_given": ("未填", "Not given"),
    "print": ("打印", "Print"),
    "download_pdf": ("下载PDF", "Download PDF"),
    "channel_counter": ("到窗口", "In person"),
    "channel_online": ("网上办", "Online"),
    "channel_hotline": ("打电话", "By phone"),
    "channel_written": ("书面材料", "In writing"),
    "channel_court": ("到法院", "Court"),
    "channel_none": ("", ""),
    "generated": (
        "生成于{date}，依据{policy}的政策数据。",
        "Generated on {date} from the policy data of {policy}.",
    ),
    "page_of": ("第 {page} 页，共 {pages} 页", "Page {page} of {pages}"),
}
