"""The portal's own words, Chinese first and English second (translators edit this file).

Plain words for a person on a phone: short sentences, the question as the heading, the one
thing to do next. The planner's, the notices' and the vocabulary's texts live with them
(``planner/texts.py``, ``notifications/texts.py``, ``domain/vocabulary.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

UI: Mapping[str, tuple[str, str]] = {
    # frame
    "site": ("居住证服务", "Residence permit services"),
    "skip": ("跳到正文", "Skip to content"),
    "home": ("首页", "Home"),
    "elder_on": ("长辈版", "Large text"),
    "elder_off": ("标准版", "Standard text"),
    "lang_switch": ("English", "中文"),
    "lang_switch_label": ("Switch to English", "切换到中文"),
    "not_official": (
        "开源软件演示，非政府官方网站；请以当地公安机关的答复为准。",
        "Open-source demo, not an official government site; the police office's answer prevails.",
    ),
    "scam_short": (
        "只通过公安机关、政务服务中心和官方App办理；居住证申领和签注不收费。",
        "Only use police stations, service centres and official apps; applying and endorsing are free.",
    ),
    "back": ("返回上一步", "Back"),
    "continue": ("继续", "Continue"),
    "errors_title": ("请改正以下问题", "There is a problem"),
    "optional": ("（可不填）", "(optional)"),
    "date_hint": ("按 年-月-日 填写，例如 2026-03-11", "Year-month-day, for example 2026-03-11"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "unsure": ("不确定 / 不记得", "Not sure / don't remember"),
    # punctuation between the parts of a line (full-width in Chinese)
    "colon": ("：", ": "),
    "semicolon": ("；", "; "),
    "lp": ("（", " ("),
    "rp": ("）", ")"),
    "full_stop": ("。", ". "),
    # portal home
    "home_title": ("居住证服务", "Residence permit services"),
    "home_lead": (
        "居住证被注销或中止了？先花两分钟回答几个问题，看看该怎么补救、什么时候之前要办。",
        "Was your residence permit cancelled or suspended? Answer a few questions to see what to do, and by when.",
    ),
    "home_planner": ("补救规划（不用登录）", "Remedy planner (no login)"),
    "home_login": ("登录查看我的居住证", "Log in to see my permit"),
    "home_login_hint": (
        "用身份证号和短信验证码登录，查看状态、办理记录和通知。",
        "Log in with your ID number and an SMS code to see your status, history and notices.",
    ),
    # planner
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
    # plan
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
    # login
    "login_title": ("登录", "Log in"),
    "login_lead": (
        "输入你的身份证号，我们会把验证码发到你登记的手机上。",
        "Enter your ID number and we send a code to the phone number on file.",
    ),
    "id_number": ("身份证号", "ID number"),
    "id_number_hint": ("18位，最后一位可能是X", "18 characters; the last may be X"),
    "send_code": ("获取验证码", "Send code"),
    "code_title": ("输入短信验证码", "Enter the SMS code"),
    "code_sent": (
        "如果这个身份证号登记过手机号，验证码已经发到那个手机上，5分钟内有效。",
        "If this ID number has a phone number on file, a code has been sent to it. It is valid for 5 minutes.",
    ),
    "code": ("6位验证码", "6-digit code"),
    "code_hint": (
        "只填数字。工作人员不会向你索要验证码。",
        "Digits only. Staff never ask for your code.",
    ),
    "login_button": ("登录", "Log in"),
    "resend": ("重新发送验证码", "Send a new code"),
    "resend_wait": ("{seconds}秒后可重新发送", "You can ask for a new code in {seconds} s"),
    "no_code_help": (
        "收不到验证码？手机号变了的，请带身份证到派出所或社区受理点更新。",
        "No code? If your phone number changed, update it at a police station with your ID card.",
    ),
    "other_id": ("换一个身份证号", "Use another ID number"),
    "logout": ("退出登录", "Log out"),
    "logged_out": ("你已退出登录。", "You have logged out."),
    "login_needed": ("请先登录。", "Please log in first."),
    # my permit
    "me_title": ("我的居住证", "My permit"),
    "no_permit": (
        "我们没有查到你名下的居住证。如需申领，请到居住地派出所或社区受理点办理。",
        "We found no permit in your name. To apply, go to the police station or community centre.",
    ),
    "permit_number": ("证件号码", "Permit number"),
    "status": ("状态", "Status"),
    "issued": ("发证日期", "Issued"),
    "last_endorsed": ("最近签注", "Last endorsed"),
    "next_due": ("下次签注截止", "Next endorsement due"),
    "expires": ("有效期至", "Valid until"),
    "cancelled": ("注销日期", "Cancelled on"),
    "reason": ("原因", "Reason"),
    "details": ("查看详情和办理记录", "Details and history"),
    "timeline": ("办理记录", "History"),
    "event_by": ("办理人", "By"),
    "event_why": ("原因", "Why"),
    "what_now": ("现在该怎么办", "What to do now"),
    "remedy_deadlines": ("救济期限", "Deadlines to contest"),
    "full_plan": ("完整补救计划", "Full remedy plan"),
    "verified_by": ("谁查验过我的居住证", "Who checked my permit"),
    "verified_none": ("还没有单位查验过你的居住证。", "Nobody has checked your permit yet."),
    "verified_when": ("时间", "When"),
    "verified_who": ("查验方", "Who"),
    "verified_why": ("用途", "Purpose"),
    "inbox": ("通知消息", "Notices"),
    "inbox_empty": ("暂时没有通知。", "No notices yet."),
    "unread": ("未读", "new"),
    "applications": ("我的申请", "My applications"),
    "case_number": ("办件编号", "Case number"),
    # online application
    "apply_title": ("网上重新申领居住证", "Re-apply for a permit online"),
    "apply_lead": (
        "一页一个问题，大约5分钟。每一步都会自动保存，可以随时离开，回来接着填。",
        "One question a page, about 5 minutes. Every step is saved: you can leave and come back.",
    ),
    "apply_title_first_issue": ("网上申领居住证", "Apply for a permit online"),
    "apply_any_title": ("网上办理居住证业务", "Permit services online"),
    "apply_any_lead": (
        "只列出你现在可以办理的业务。选一项，一页一个问题，每一步都会自动保存。",
        "Only the services that fit your situation now. Choose one; one question a page, every "
        "step saved.",
    ),
    "apply_drafts": ("没填完的申请", "Unfinished applications"),
    "apply_drafts_hint": (
        "接着填写，或者选择一项新业务。",
        "Continue one, or choose a new service.",
    ),
    "q_kind": ("你要办理什么业务？", "What do you want to do?"),
    "kind_first_issue": ("首次申领居住证", "Apply for a permit (first time)"),
    "kind_first_issue_hint": (
        "你在本市还没有办过居住证",
        "You have never held a permit in this city",
    ),
    "kind_reapplication": ("重新申领居住证", "Re-apply for a permit"),
    "kind_reapplication_hint": ("原居住证已注销或过期", "Your permit was cancelled or has expired"),
    "kind_endorsement": ("居住证签注", "Endorse the permit"),
    "kind_endorsement_hint": (
        "每年签注一次；逾期未签注被中止的，签注后恢复",
        "Once a year; a suspended permit is restored",
    ),
    "kind_change": ("变更居住地址", "Change of address"),
    "kind_change_hint": (
        "搬家后申报新的居住地址和住房",
        "Report your new address and home after moving",
    ),
    "kind_replacement": ("补领或换领居住证", "Replace a lost or damaged card"),
    "kind_replacement_hint": ("证件丢失或损坏", "The card is lost or damaged"),
    "kind_voluntary_cancellation": ("申请注销居住证", "Cancel my permit"),
    "kind_voluntary_cancellation_hint": (
        "离开本市或已在本市落户",
        "You moved away or got local hukou",
    ),
    "kind_not_offered": (
        "你现在的情况不能办理这项业务，请从列出的业务中选择",
        "This service does not fit your situation now; choose one of those listed",
    ),
    "q_replace_reason": ("为什么要补领或换领？", "Why do you need a new card?"),
    "replace_lost": ("证件丢失了", "The card is lost"),
    "replace_lost_hint": (
        "补领期间原证作废；找回的原证也不能再使用",
        "The lost card stops being valid, even if found",
    ),
    "replace_damaged": ("证件损坏了（带原证换领）", "The card is damaged (bring it)"),
    "q_cancel_reason": ("为什么要注销居住证？", "Why do you want to cancel the permit?"),
    "cancel_moved_away": ("已离开本市", "I have left the city"),
    "cancel_hukou_settled": ("已在本市落户", "I got local hukou here"),
    "cancel_other": ("其他原因", "Another reason"),
    "q_cancel_confirm": ("注销后会怎样", "What cancelling means"),
    "cancel_consequences": (
        "注销后居住证立即失效，不能撤回：子女入学、公租房、社保、驾驶证等凭居住证办理的事项不能再用它；"
        "居住年限不再连续计算；以后需要时要重新申领。",
        "Once cancelled the permit stops at once and this cannot be undone: school places, public "
        "housing, social insurance, driving licences and the like can no longer rely on it; your "
        "years of residence stop counting; you must apply again later if you need one.",
    ),
    "cancel_confirm_label": (
        "我已了解以上后果，确认申请注销",
        "I understand this and want to cancel the permit",
    ),
    "cancel_confirmed": ("已确认", "Confirmed"),
    "the_permit": ("居住证", "Permit"),
    "next_3_endorsement": (
        "签注办好后会通知你，“我的居住证”里会显示新的签注日期。不收费。",
        "You are told when it is done; My permit shows the new endorsement date. It is free.",
    ),
    "next_3_cancellation": (
        "注销后会通知你。注销后居住证不能再使用；需要时可以重新申领。",
        "You are told when it is cancelled. The permit can no longer be used; you can apply again.",
    ),
    "apply_start": ("开始申请", "Start"),
    "apply_resume": ("继续填写申请", "Continue your application"),
    "q_basis": ("你以什么理由申领？", "On what basis do you apply?"),
    "q_housing": ("你现在住的是什么房子？", "What kind of home do you live in?"),
    "q_address": ("你现在的居住地址", "Your current address"),
    "address_hint": (
        "写到门牌号，例如：福田区福华路88号3栋501",
        "Down to the door number, e.g. Futian, 88 Fuhua Rd, Bldg 3, Rm 501",
    ),
    "materials_title": ("上传材料", "Upload your documents"),
    "materials_lead": (
        "按清单上传照片或PDF：每个文件不超过5MB，每项最多3个文件。也可以不上传，到窗口时带原件。",
        "Upload photos or PDFs: up to 5 MB a file, 3 files per item. Or bring the originals to the counter.",
    ),
    "upload_file": ("选择文件（JPG、PNG或PDF）", "Choose a file (JPG, PNG or PDF)"),
    "upload_button": ("上传", "Upload"),
    "uploaded": ("已上传", "Uploaded"),
    "not_uploaded": ("还没有上传", "Not uploaded yet"),
    "delete": ("删除", "Delete"),
    "materials_done": ("材料上传好了，继续", "Done with documents, continue"),
    "check_title": ("核对你的申请", "Check your answers"),
    "declaration": (
        "我承诺以上信息和材料真实有效。提供虚假材料骗领居住证的，居住证将被撤销，并依法承担责任。",
        "I declare that this information and these documents are true. A permit obtained with "
        "false documents is revoked, and the law applies.",
    ),
    "declaration_label": ("我已阅读并同意以上承诺", "I have read and agree to this declaration"),
    "declaration_needed": ("请勾选承诺后再提交", "Tick the declaration before submitting"),
    "submit": ("提交申请", "Submit application"),
    "missing_uploads": ("还没上传的材料（到窗口时带原件）", "Not uploaded (bring the originals)"),
    "submitted_title": ("申请已提交", "Application submitted"),
    "case_number_is": ("你的办件编号", "Your case number"),
    "keep_number": (
        "请记下这个编号，查询进度和打电话咨询时都要用。",
        "Keep this number: you need it to ask about progress.",
    ),
    "time_limit": ("法定办理时限", "Statutory time limit"),
    "time_limit_text": ("受理后{limit}内办结", "{limit} from acceptance"),
    "expected_ready": ("预计办好", "Expected ready"),
    "next_title": ("接下来会怎样", "What happens next"),
    "next_1": (
        "受理窗口审核你的申请和材料，缺什么会一次性告诉你（短信和站内通知）。",
        "The office checks your application and tells you everything missing at once (SMS and notice).",
    ),
    "next_2": (
        "可能需要你带身份证和材料原件到窗口核验。",
        "You may be asked to bring your ID card and originals to the counter.",
    ),
    "next_3": (
        "办好后会通知你到指定地点领证。不收费，也不需要找任何人“加急”。",
        "You are told when to collect it. It is free; nobody can “speed it up” for money.",
    ),
    "application_status": ("办理状态", "Status"),
    "withdraw": ("撤回申请", "Withdraw application"),
    "withdraw_hint": (
        "撤回后这份申请不再办理，需要时可以重新申请。",
        "A withdrawn application is closed; you can apply again later.",
    ),
    "withdrawn": ("申请已撤回。", "The application was withdrawn."),
    # e-permit
    "epermit_title": ("电子居住证", "E-permit"),
    "epermit_lead": (
        "给学校、银行等单位出示二维码，对方扫码核验你的居住证是否有效。二维码里没有你的身份证号、姓名或地址。",
        "Show the QR code to a school, bank or other body; they scan it to check that your permit is "
        "valid. It holds no ID number, name or address.",
    ),
    "epermit_party": ("出示给哪个单位？", "Who will you show it to?"),
    "epermit_choose": ("请选择一个单位", "Choose one"),
    "epermit_show": ("生成二维码", "Show the QR code"),
    "epermit_for": ("出示给", "For"),
    "epermit_valid": ("有效期", "Valid"),
    "epermit_none": (
        "只有有效的居住证才能出示电子凭证。",
        "Only a valid permit can be shown as an e-permit.",
    ),
    "epermit_no_parties": (
        "本市还没有登记的核验单位。",
        "No relying party is registered in this city yet.",
    ),
    "epermit_public_title": ("居住证电子凭证", "Residence e-permit"),
    "epermit_public_text": (
        "这是居住证电子凭证的二维码链接。请核验单位使用已登记的核验系统扫描二维码；二维码不含个人信息，本页面也不会读取它。",
        "This is the link of a residence e-permit QR code. Relying parties scan it with their "
        "registered verification system; it holds no personal data and this page does not read it.",
    ),
    # consent codes and the verification lock
    "consent_title": ("授权单位查验", "Let a body check my permit"),
    "consent_lead": (
        "学校、银行等单位要核实你的居住证时，在这里为它生成核验码。核验码只给这一个单位、只用于这一个用途，10分钟内有效，只能用一次。",
        "When a school, bank or other body needs to check your permit, make a code for it here. The "
        "code is for that body and that purpose only, lasts 10 minutes and works once.",
    ),
    "consent_party": ("给哪个单位查验？", "Which body will check it?"),
    "consent_party_hint": (
        "这里只列出在{city}登记的核验单位。",
        "Only bodies registered in {city} are listed.",
    ),
    "consent_purpose": ("{party}要办理什么事项？", "What is {party} checking it for?"),
    "consent_purpose_hint": (
        "只能选这个单位登记过的用途。",
        "Only the purposes this body is registered for.",
    ),
    "consent_make": ("生成核验码", "Make the code"),
    "consent_other_party": ("换一个单位", "Choose another body"),
    "consent_code_is": ("你的核验码", "Your code"),
    "consent_for": ("给", "For"),
    "consent_purpose_is": ("用途", "Purpose"),
    "consent_expires": ("有效至", "Valid until"),
    "consent_expires_text": (
        "{time}（{minutes}分钟内有效，只能用一次）",
        "{time} ({minutes} minutes, one use)",
    ),
    "consent_tell": (
        "把核验码念给{party}的工作人员，或让对方输入。",
        "Read the code to {party}'s staff, or let them type it in.",
    ),
    "consent_once": (
        "核验码只显示这一次，我们不保存它。离开本页后就看不到了；需要时再生成一个。",
        "The code is shown only now; we do not keep it. If you lose it, make a new one.",
    ),
    "consent_learns": ("对方会知道", "They will learn"),
    "consent_learns_text": (
        "只有“是”或“否”：你的居住证在所问的那一天，对“{purpose}”是否有效。",
        "Only yes or no: whether your permit is valid for “{purpose}” on the day they ask about.",
    ),
    "consent_learns_any": (
        "只有“是”或“否”：你的居住证在所问的那一天，对你选的用途是否有效。",
        "Only yes or no: whether your permit is valid for the purpose you choose, on the day asked.",
    ),
    "consent_not_learns": ("对方不会知道", "They will not learn"),
    "consent_not_learns_text": (
        "你的身份证号、姓名、住址、电话、居住证号码，以及居住证无效的原因。",
        "Your ID number, name, address, phone number, permit number, or why a permit is not valid.",
    ),
    "consent_receipt": (
        "每次查验都会记在“谁查验过我的居住证”里。",
        "Every check is listed under “Who checked my permit”.",
    ),
    "consent_again": ("再生成一个核验码", "Make another code"),
    "consent_locked": (
        "你已锁定核验，解锁后才能生成核验码。",
        "Verification is locked: unlock it to make a code.",
    ),
    "lock_title": ("锁定核验", "Lock verification"),
    "lock_explain": (
        "锁定后，任何单位都查验不了你的居住证：已经给出的核验码和电子凭证也会被拒绝，也不能再生成核验码。"
        "被拒绝的查验同样记在“谁查验过我的居住证”里。锁定不影响居住证本身的效力，你随时可以解锁。",
        "While locked, nobody can check your permit: codes and e-permits already given are refused "
        "and no new code can be made. Refused checks are listed under “Who checked my permit” too. "
        "Locking does not change the permit itself; you can unlock at any time.",
    ),
    "lock_state_on": (
        "现在已锁定：任何单位都查验不了你的居住证。",
        "Now locked: nobody can check your permit.",
    ),
    "lock_state_off": (
        "现在未锁定：单位可以凭你给的核验码或电子凭证查验。",
        "Now unlocked: a body can check your permit with a code or e-permit you give it.",
    ),
    "lock_button": ("锁定核验", "Lock verification"),
    "unlock_button": ("解锁核验", "Unlock verification"),
    "lock_conflict": (
        "你的居住证在你打开本页后有了变化，页面已更新为最新状态；请看一下，需要的话再按一次。",
        "Your permit changed after you opened this page. The page now shows its current state; "
        "press the button again if you still want to.",
    ),
    # appeals
    "appeal_title": ("对注销有异议", "Contest the cancellation"),
    "appeal_refusal_title": ("对不予签发有异议", "Contest the refusal"),
    "appeal_refusal_lead": (
        "认为申请被错误地不予签发的，可以申请行政复议，或先向原办理机关申诉（申诉不会让复议期限停下来）。"
        "提交后，我们为你生成一份行政复议申请书草稿（PDF），打印签名后递交。",
        "If you think the application was refused wrongly, apply for reconsideration, or first "
        "complain to the office (that does not stop the reconsideration clock). We then make a draft "
        "reconsideration application (PDF) to print, sign and hand in.",
    ),
    "evidence": ("证据材料（可不传）", "Evidence (optional)"),
    "evidence_hint": (
        "可一次选多个照片或PDF：每个不超过5MB，最多10个。例如租赁合同、社保记录、签注回执。",
        "Choose one or more photos or PDFs: up to 5 MB each, at most 10. E.g. a lease, "
        "social-insurance record, endorsement receipt.",
    ),
    "evidence_list": ("你提交的证据", "Your evidence"),
    "refused_act": ("不予签发的决定", "The refusal"),
    "appeal_lead": (
        "认为居住证被错误注销的，可以申请行政复议，或先向原办理机关申诉（申诉不会让复议期限停下来）。"
        "提交后，我们为你生成一份行政复议申请书草稿（PDF），打印签名后递交。",
        "If you think the permit was cancelled wrongly, apply for reconsideration, or first complain to "
        "the office (that does not stop the reconsideration clock). We then make a draft "
        "reconsideration application (PDF) to print, sign and hand in.",
    ),
    "appeal_kind": ("你要怎么做？", "What do you want to do?"),
    "appeal_kind_reconsideration": ("申请行政复议", "Apply for administrative reconsideration"),
    "appeal_kind_appeal": ("向原办理机关申诉", "Complain to the issuing office"),
    "appeal_grounds": ("事实和理由", "Facts and reasons"),
    "appeal_grounds_hint": (
        "写清楚哪里错了、有什么证据，例如：我一直住在本市，有租赁合同和社保记录。",
        "Say what is wrong and what proves it, e.g. you still live here: lease, social-insurance record.",
    ),
    "appeal_submit": ("提交并生成申请书", "Submit and make the application"),
    "appeal_filed": ("已登记你的异议", "Your challenge is recorded"),
    "appeal_deadline": ("行政复议截止日期", "Reconsideration deadline"),
    "appeal_pdf": (
        "下载行政复议申请书（PDF草稿）",
        "Download the reconsideration application (PDF draft)",
    ),
    "appeal_next": (
        "打印申请书，手写完整身份证号并签名，在截止日期前交给复议机关；保留回执和所有证据。",
        "Print it, write your full ID number by hand, sign it and hand it in before the deadline; keep "
        "the receipt and all evidence.",
    ),
    "appeal_status": ("办理状态", "Status"),
    "actor_holder": ("你本人", "You"),
    "actor_officer": ("公安机关工作人员", "Police officer"),
    "actor_system": ("系统自动处理", "Automatic (system)"),
    "actor_party": ("第三方单位", "Third party"),
}


def ui(lang: str) -> dict[str, str]:
    """Every UI string in ``lang`` (zh or en), for a template's ``T``."""
    i = 1 if lang == "en" else 0
    return {key: pair[i] for key, pair in UI.items()}


def say(key: str, lang: str, **values: object) -> str:
    text = UI[key][1 if lang == "en" else 0]
    return text.format(**values) if values else text
