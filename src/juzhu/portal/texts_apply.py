"""The portal's words for online applications of every kind: choosing the service, one
question a page, the uploads, the check page, the receipt and withdrawal. Chinese first,
English second; translators edit this file.

Every page's words are read through ``portal/texts.py`` (``say``, ``ui``).
"""

from __future__ import annotations

# Online applications.
APPLY: dict[str, tuple[str, str]] = {
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
    "q_facts": ("你的就业、社保和就读情况", "Your work, social insurance and study"),
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
    # rating a finished service (好差评)
    "rating_title": ("评价这次办理", "Rate this service"),
    "rating_lead": (
        "政务服务“好差评”：你的评价直接交给办理单位；不满意的，办理单位会回访、整改并答复你。",
        "Your rating goes straight to the office; if you are not satisfied, it follows up, puts it right and replies to you.",
    ),
    "rating_score": ("你对这次办理满意吗？", "How satisfied are you with this service?"),
    "rating_comment": (
        "说说原因（可不填；不满意的请填写）",
        "Why? (optional; required if not satisfied)",
    ),
    "rating_comment_hint": (
        "例如：等了多久、材料是否一次说清、工作人员态度。不要写身份证号。",
        "E.g. how long you waited, whether the documents were explained at once, how staff treated you. Do not write your ID number.",
    ),
    "rating_submit": ("提交评价", "Send rating"),
    "rating_yours": ("你的评价", "Your rating"),
    "rating_reply_due": ("办理单位应在此前回访答复", "The office must follow up and reply by"),
    "rating_reply": ("办理单位的答复", "The office's reply"),
    "rating_thanks": ("谢谢你的评价。", "Thank you for rating this service."),
}
