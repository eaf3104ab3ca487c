"""The portal's words for "my data": who viewed it (every read, page by page) and the
download of everything the registry holds about the holder (PIPL Art. 45). Chinese first,
English second."""

from __future__ import annotations

MY_DATA: dict[str, tuple[str, str]] = {
    "checks_title": ("谁查看过我的信息", "Who viewed my data"),
    "checks_lead": (
        "公安机关工作人员和核验单位每一次查看你的信息，都记录在这里：谁、什么时候、看了哪些内容、为什么。",
        "Every time an officer or a relying party looked at your data is listed here: who, "
        "when, what they saw and why.",
    ),
    "checks_all": ("查看全部记录", "See every record"),
    "checks_count": ("共{n}条", "{n} in all"),
    "checks_page": ("第{page}页，共{pages}页", "Page {page} of {pages}"),
    "checks_newer": ("较新的记录", "Newer"),
    "checks_older": ("较早的记录", "Older"),
    "checks_fields": ("看到的内容", "What they saw"),
    "checks_record": ("查看的记录", "Record"),
    "actor_self": ("你本人", "You"),
    "codes_open_title": ("还没有使用的核验码", "Codes not used yet"),
    "codes_open_explain": (
        "改变主意了？在单位使用之前，你可以撤回核验码；撤回后单位用它查询会被拒绝，得不到任何结果。",
        "Changed your mind? You can withdraw a code before the body uses it; a query with it "
        "is then refused and learns nothing.",
    ),
    "codes_open_until": ("有效至", "valid until"),
    "codes_withdraw": ("撤回", "Withdraw"),
    "mydata_title": ("下载我的数据", "Download my data"),
    "mydata_lead": (
        "你可以随时下载登记机关保存的关于你的全部信息：你的身份和联系方式、居住登记和地址、居住证、申请和材料、"
        "申诉和复议、文书、通知、每一次查看和核验记录。依据《个人信息保护法》第四十五条。",
        "You can download everything the registry keeps about you at any time: your identity "
        "and contact details, residence registrations and addresses, permits, applications "
        "and documents, appeals, letters, notices, and every view and check of your data. "
        "Personal Information Protection Law, Art. 45.",
    ),
    "mydata_json": ("下载机器可读文件（JSON）", "Download for computers (JSON)"),
    "mydata_html": ("打开可阅读版本（可打印）", "Open the readable version (printable)"),
    "mydata_logged": (
        "每次下载都会记录在“谁查看过我的信息”中。",
        "Each download is recorded in “Who viewed my data”.",
    ),
    "mydata_refused": (
        "无法提供：你的资料已按保存期限删除（{on}）。",
        "Not available: your details were erased at the end of their retention period ({on}).",
    ),
}
