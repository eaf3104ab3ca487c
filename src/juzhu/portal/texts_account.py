"""The portal's words for the holder's own pages: login, my permit, the e-permit, consent
codes and the verification lock, and appeals. Chinese first, English second; translators
edit this file.

Every page's words are read through ``portal/texts.py`` (``say``, ``ui``).
"""

from __future__ import annotations

# Login by ID number and SMS code.
LOGIN: dict[str, tuple[str, str]] = {
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
    "demo_code": (
        "演示模式，本机不发真实短信。模拟短信网关收到的验证码：",
        "Demo mode: no real SMS is sent from this machine. The code the fake SMS gateway got: ",
    ),
    "demo_code_where": (
        "它也写在 var/outbox/sms/messages.jsonl 里。正式系统不会在页面上显示验证码。",
        "It is also in var/outbox/sms/messages.jsonl. A real system never shows the code on a page.",
    ),
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
}

# My permit: status, history, who checked it, the inbox.
MY_PERMIT: dict[str, tuple[str, str]] = {
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
    "endorse_now": ("去签注", "Endorse now"),
    "endorse_due": ("你的居住证需要签注，截止日期", "Your permit needs its endorsement, due by"),
    "endorse_late": (
        "签注已过期限，居住证使用功能中止：补办签注即可恢复",
        "The endorsement is overdue and the permit's use is suspended: endorse late to restore it",
    ),
    "verified_none": ("还没有单位查验过你的居住证。", "Nobody has checked your permit yet."),
    "verified_when": ("时间", "When"),
    "verified_who": ("查验方", "Who"),
    "verified_why": ("用途", "Purpose"),
    "verified_asked_about": ("问的日期", "Date asked about"),
    "verified_answer": ("回答", "Answer"),
    "verified_yes": ("有效", "yes, valid"),
    "verified_no": ("无效", "no, not valid"),
    "verified_refused": ("没有回答", "no answer given"),
    "verified_because": ("原因", "Because"),
    "inbox": ("通知消息", "Notices"),
    "inbox_empty": ("暂时没有通知。", "No notices yet."),
    "unread": ("未读", "new"),
    "applications": ("我的申请", "My applications"),
    "case_number": ("办件编号", "Case number"),
}

# The e-permit QR.
EPERMIT: dict[str, tuple[str, str]] = {
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
}

# Consent codes and the verification lock.
CONSENT: dict[str, tuple[str, str]] = {
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
}

# Appeals against a cancellation or a refusal; who did what.
APPEALS: dict[str, tuple[str, str]] = {
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
    "evidence_held": (
        "这些证据已经收到，不用再选；提交时会一起交上：",
        "These files are kept, so there is no need to choose them again; they go in when you submit:",
    ),
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
    "my_appeals": ("我的申诉和复议", "My complaints and reconsiderations"),
    "appeal_against_permit": ("居住证 {number} 被注销", "Permit {number}: the cancellation"),
    "appeal_against_refusal": ("办件 {number} 不予签发", "Case {number}: the refusal"),
    "appeal_no_documents": ("没有上传证据", "No evidence uploaded"),
    "appeal_open": ("办理中，不必再次提交", "Being handled: no need to file again"),
    "appeal_view": ("查看办理情况和文书", "See its progress and documents"),
    "appeal_recon_clock": ("申请行政复议截止", "Reconsideration deadline"),
    "appeal_recon_note": (
        "申诉不会让复议期限停下来：申诉没有满意结果的，请在截止日期前申请行政复议。",
        "A complaint does not stop the reconsideration clock: if it brings no answer you accept, "
        "apply for reconsideration before the deadline.",
    ),
    "appeal_status_filed": ("已提交，等待受理", "filed, waiting to be accepted"),
    "appeal_status_accepted": ("已受理，审查中", "accepted, being examined"),
    "appeal_status_upheld": ("维持原决定", "decision upheld"),
    "appeal_status_revoked_act": ("原决定已撤销", "decision revoked"),
    "appeal_status_changed_act": ("原决定已变更", "decision changed"),
    "appeal_status_confirmed_unlawful": ("确认原决定违法", "decision found unlawful"),
    "appeal_status_withdrawn": ("已撤回", "withdrawn"),
    "appeal_status_rejected": ("不予受理", "not accepted"),
    "complaint_pdf": ("下载申诉书（PDF草稿）", "Download the complaint letter (PDF draft)"),
    "complaint_next": (
        "打印申诉书，手写完整身份证号并签名，交给原办理机关；保留回执和所有证据。",
        "Print it, write your full ID number by hand, sign it and hand it to the issuing office; keep "
        "the receipt and all evidence.",
    ),
    "actor_holder": ("你本人", "You"),
    "actor_officer": ("公安机关工作人员", "Police officer"),
    "actor_system": ("系统自动处理", "Automatic (system)"),
    "actor_party": ("第三方单位", "Third party"),
}
