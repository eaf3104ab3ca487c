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
}
