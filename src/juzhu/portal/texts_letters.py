"""The words of "my letters" (我的文书): every letter the offices issued to the holder."""

from __future__ import annotations

LETTERS: dict[str, tuple[str, str]] = {
    "letters": ("我的文书", "My letters"),
    "letters_intro": (
        "办理机关出具给你的决定书和通知书。每份都有电子签章；下载PDF时可一并下载签章文件，"
        "学校、单位可用它核验文书真伪。",
        "Decisions and notices the offices issued to you. Each carries an electronic seal: "
        "download the seal file with the PDF so a school or employer can check it is genuine.",
    ),
    "letters_empty": ("暂时没有文书。", "No letters yet."),
    "letter_view": ("查看", "View"),
    "letter_pdf": ("下载PDF", "Download PDF"),
    "letter_seal": ("签章文件", "Seal file"),
    "letter_of_notice": ("查看决定书", "See the decision letter"),
    "letter_issued": ("出具日期", "Issued"),
    # 陈述申辩 on the application page
    "intent_title": ("拟不予签发：你可以陈述申辩", "Intended refusal: you may state your case"),
    "intent_reasons": ("理由和事实", "Reasons and facts"),
    "permit_intent_title": (
        "拟注销或撤销：你可以陈述申辩",
        "Intended cancellation: you may state your case",
    ),
    "colon_sep": ("：", ": "),
    "intent_answered": ("你已提交陈述申辩，日期", "You answered on"),
    "intent_answer_label": ("你的陈述和申辩", "Your statement"),
    "intent_answer_hint": (
        "说明你不同意的理由，可以补充事实和材料。截止日期：",
        "Say why you disagree; add facts and documents. Last day:",
    ),
    "intent_submit": ("提交陈述申辩", "Send my statement"),
    "intent_closed": (
        "陈述申辩的期限已届满，截止日期：",
        "The time to answer has ended. Last day:",
    ),
}
