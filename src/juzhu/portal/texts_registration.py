"""The words of residence registration (居住登记) in the portal."""

from __future__ import annotations

REGISTRATION: dict[str, tuple[str, str]] = {
    "reg_title": ("居住登记", "Residence registration"),
    "reg_intro": (
        "到一个城市居住，应在规定期限内办理居住登记；居住时间从登记之日起计算，申领居住证"
        "要看它。搬家请办理变更，不要重新登记。",
        "When you come to live in a city, register your address within the time the law sets: "
        "your time of residence counts from the day you register, and the residence permit "
        "depends on it. When you move, change the address; do not register again.",
    ),
    "reg_current": ("你的居住登记", "Your registrations"),
    "reg_none": ("你还没有居住登记。", "You have no residence registration yet."),
    "reg_address": ("居住地址", "Address"),
    "reg_housing": ("住房类型", "Housing"),
    "reg_since": ("登记日期", "Registered on"),
    "reg_status_active": ("有效", "In force"),
    "reg_status_ended": ("已注销", "Ended"),
    "reg_certificate": ("下载居住登记凭证", "Download the registration certificate"),
    "reg_new": ("办理居住登记", "Register an address"),
    "reg_change": ("变更居住地址（搬家）", "Change the address (moving)"),
    "reg_end": ("注销居住登记（离开本市）", "End the registration (leaving the city)"),
    "reg_end_hint": (
        "离开本市后才注销；注销后居住时间不再累计。",
        "Only when you leave the city: your time of residence stops counting.",
    ),
    "reg_station": ("所属派出所或受理点", "Police station or service point"),
    "reg_arrived": ("开始在这里居住的日期", "The day you began living there"),
    "reg_arrived_hint": (
        "按 年-月-日 填写。本市要求开始居住后这么久内登记：",
        "Year-month-day. The city asks you to register within this time of arriving:",
    ),
    "reg_evidence": ("你能出示的住所证明", "Proof of your address you can show"),
    "reg_evidence_hint": (
        "按住房类型需要的证明，核验时请出示原件。",
        "What your housing needs; show the originals when asked.",
    ),
    "reg_submit": ("提交居住登记", "Register"),
    "reg_change_submit": ("提交变更", "Change the address"),
    "signup_title": ("第一次使用：注册", "First time here: sign up"),
    "signup_intro": (
        "填写身份证号、姓名和手机号，用短信验证码确认手机。网上注册的身份为“本人申报”，"
        "到受理点核验身份证（或申请被受理）后即为已核验。",
        "Give your ID number, name and mobile number, and confirm the phone with the SMS code. "
        "An online sign-up is self-declared until a service counter sees your ID card (or "
        "accepts your application).",
    ),
    "signup_name": ("姓名（与身份证一致）", "Name (as on the ID card)"),
    "signup_phone": ("手机号", "Mobile number"),
    "signup_city": ("你居住的城市", "The city you live in"),
    "signup_submit": ("获取验证码", "Get a code"),
    "signup_link": ("第一次使用？注册", "First time? Sign up"),
    "assurance_self_declared": (
        "你的身份为本人申报：请携带身份证到受理点核验（或在申请受理时核验）。",
        "Your identity is self-declared: have your ID card checked at a service counter "
        "(or when your application is accepted).",
    ),
    "phone_title": ("更换手机号", "Change my phone number"),
    "phone_intro": (
        "验证码会发到你现在登记的手机上；输入后，新号码替换旧号码。旧手机已不能用的，"
        "请携带身份证到受理点更换。",
        "A code goes to the phone now on record; with it, the new number replaces the old one. "
        "If the old phone is gone, change it at a service counter with your ID card.",
    ),
    "phone_new": ("新手机号", "New mobile number"),
    "phone_code_sent": (
        "验证码已发到你现在登记的手机，请输入。",
        "A code was sent to the phone now on record.",
    ),
    "phone_confirm": ("确认更换", "Change the number"),
    "phone_counter_only": (
        "网上注册的账户请携带身份证到受理点更换手机号。",
        "An account signed up online changes its phone at a service counter, with the ID card.",
    ),
    "reg_check_title": ("居住登记核验", "Residence registration check"),
    "reg_check_valid": ("这份居住登记有效。", "This residence registration is in force."),
    "reg_check_ended": ("这份居住登记已注销。", "This residence registration has ended."),
    "reg_check_bad": (
        "二维码无效或已被篡改，无法核验。",
        "The code is not valid or has been altered; it cannot be checked.",
    ),
}
