"""The back office's cast for browser journeys, and signing in through the real pages:
password, then the code an authenticator app would show for the officer's TOTP device."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from fixtures.officers import current_code
from juzhu.registry.models import Office, Officer

PASSWORD = (
    "correct horse battery 居住"  # pragma: allowlist secret (the demo officers' test password)
)


def make_offices() -> None:
    Office.objects.get_or_create(
        city="shenzhen", district="futian", station="sz-futian-1",
        defaults={
            "name_zh": "深圳市公安局福田分局华强北派出所", "bureau_zh": "深圳市公安局福田分局",
            "government_zh": "深圳市福田区人民政府", "address": "深圳市福田区华强北路1001号",
        },
    )  # fmt: skip


def make_office_officer(username: str, role: str, station: str = "sz-futian-1") -> Officer:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return Officer.objects.create(
        user=user, role=role, city="shenzhen", district="futian", station=station,
        display_name=username,
    )  # fmt: skip


def code_for(officer: Officer) -> str:
    return current_code(TOTPDevice.objects.get(user=officer.user, confirmed=True))


def office_sign_in(page: Any, base: str, officer: Officer) -> None:
    page.goto(f"{base}/office/")
    expect(page.locator("h1")).to_have_text("工作人员登录")
    page.get_by_label("用户名").fill(officer.user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("h1")).to_have_text("输入动态验证码")
    page.get_by_label("6位动态码").fill(code_for(officer))
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("工作台")
