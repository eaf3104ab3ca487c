"""The sign-in guide ``make run`` ends with (``juzhu serve`` prints it when the demo flag is
on): how to sign in as each demo role, in Chinese and in English.

It prints the demo holders' full ID numbers, so it runs only with ``JUZHU_DEMO=1`` (which
the settings refuse outside a development machine); without the flag it prints one line
saying so.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from juzhu.registry.demo import OFFICERS, demo_cast, sign_in_officers
from juzhu.registry.models import RelyingParty

ROLE_ZH = {"clerk": "受理民警", "reviewer": "审核民警", "supervisor": "法制/督察",
           "auditor": "审计", "admin": "管理员"}  # fmt: skip


def print_signin_guide(console: Any) -> None:
    """Every role's way in, or nothing but a hint when the demo is off or not loaded."""
    if not settings.DEMO:
        console.print("sign-in guide: only with JUZHU_DEMO=1 on a development machine (make run)")
        return
    site = settings.SITE_URL.rstrip("/")
    sms = settings.NOTIFY_FILE_DIR / "sms" / "messages.jsonl"
    cast = demo_cast()
    if not cast:
        console.print("怎样登录：没有演示数据，先运行 juzhu demo。")
        console.print("How to sign in: no demo data here; run `juzhu demo` first.")
        return
    out = console.print
    out("[bold]怎样登录（演示） / How to sign in (demo)[/]")
    out(f"[bold]1. 居民 / A holder[/]  {site}/portal/login/")
    for member in cast:
        phone = member.phone_masked or "无手机号，收不到验证码 / no mobile: no code"
        out(f"   {member.id_number}  {member.name}  ({phone})")
        out(f"       {member.about[0]} / {member.about[1]}")
    out("   输入身份证号，获取验证码。演示模式下验证码就显示在验证码页上；")
    out(f"   通知进程（juzhu serve 一起启动）也把它写进模拟短信网关的文件 {sms}。")
    out("   Enter the ID number and ask for a code. In demo mode the code page shows it; the")
    out(f"   notify worker (started with juzhu serve) also writes it to the fake SMS file {sms}.")
    out(f"[bold]2. 民警 / Officers[/]  {site}/office/")
    for officer in sign_in_officers():
        scope = " ".join(x for x in (officer.city, officer.district, officer.station) if x)
        name = officer.user.get_username()
        out(f"   {name:8} {officer.role:10} {ROLE_ZH.get(officer.role, '')}  {scope}")
    first = OFFICERS[0][0]
    out("   密码：载入演示数据时打印过一次（juzhu demo 的输出）；忘了就重设：")
    out("   Password: printed once when the demo was loaded (juzhu demo); to set a new one:")
    out(f"     .venv/bin/python manage.py changepassword {first}")
    out("   首次登录先输入绑定码（一次有效，与密码分开交付）；这条命令打印一个：")
    out("   The first sign-in asks for an enrolment token (one use, apart from the password):")
    out(f"     .venv/bin/juzhu officer enrol-token {first}")
    out("   动态验证码（TOTP）：输入绑定码后页面显示二维码和密钥，用任一验证器应用扫描；")
    out("   没有验证器应用时，演示模式下这条命令打印当前的6位码：")
    out("   TOTP: then the page shows a QR code and its key for any authenticator app;")
    out("   without one, in demo mode this prints the current 6-digit code:")
    out(f"     JUZHU_DEMO=1 .venv/bin/juzhu officer totp {first}")
    out(f"[bold]3. 学校（核验接口） / A school (verification API)[/]  {site}/api/docs")
    school = RelyingParty.objects.filter(kind="school").order_by("created_at").first()
    if school is not None:
        out(f"   {school.name}（{school.id}）。发一把接口密钥（只显示一次）：")
        out(f"   {school.name} ({school.id}). Issue it an API key (shown once):")
        out(f"     .venv/bin/juzhu verification issue-key {school.id} --label demo")
    out("   居民在“我的居住证”为学校生成一次性授权码，学校凭密钥和授权码核验；")
    out("   详见 docs/howto/relying-parties.md。")
    out("   The holder makes a one-time consent code for the school on my permit; the school")
    out("   asks with its key and that code (docs/howto/relying-parties.md).")
