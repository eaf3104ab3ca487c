"""The back office's shared shell: sign-in with both factors, home, queues, the case page,
claims, and the 403 / 404 split between role and jurisdiction."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from fixtures.applications import make_application
from fixtures.officers import current_code, device_of, officer, signed_in
from fixtures.step_up import solved
from juzhu.backoffice.auth import issue_enrolment_token
from juzhu.backoffice.models import Claim, Denial, EnrolmentToken, SignInAttempt
from juzhu.registry.models import AccessLog

pytestmark = pytest.mark.django_db


def test_sign_in_needs_password_then_totp(db: Any) -> None:
    clerk = officer("clerk")
    device = device_of(clerk)
    client = Client()
    assert client.get(reverse("backoffice:home")).status_code == 302  # not signed in
    r = client.post(
        reverse("backoffice:login"), {"username": clerk.user.username, "password": "x" * 12}
    )
    assert r.status_code == 302 and r["Location"].startswith(reverse("backoffice:code"))
    # a password alone does not open the back office
    assert client.get(reverse("backoffice:home")).status_code == 302
    r = client.post(
        reverse("backoffice:code"),
        {"token": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert r.status_code == 400 and "动态验证码不正确" in r.content.decode()
    # django-otp throttles a device after a failure (1 s, 2 s, 4 s...); skip the wait
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    device.throttle_reset()
    r = client.post(reverse("backoffice:code"), {"token": current_code(device)})
    assert r.status_code == 302
    assert client.get(reverse("backoffice:home")).status_code == 200


def test_first_sign_in_enrols_an_authenticator_only_with_the_enrolment_token(db: Any) -> None:
    """A password alone never binds a new authenticator: the QR (the TOTP secret) is shown
    only after the one-time token handed over apart, which then works no more."""
    clerk = officer("clerk")
    token = issue_enrolment_token(clerk.user)
    client = Client()
    client.post(
        reverse("backoffice:login"), {"username": clerk.user.username, "password": "x" * 12}
    )
    page = client.get(reverse("backoffice:code")).content.decode()
    assert "绑定码" in page and "<svg" not in page
    assert not TOTPDevice.objects.filter(user=clerk.user).exists()  # no secret made yet
    r = client.post(reverse("backoffice:code"), {"enrol_token": "AAAA-BBBB-CCCC-DDDD"})
    assert r.status_code == 400 and "绑定码不正确" in r.content.decode()
    r = client.post(reverse("backoffice:code"), {"token": "123456"})  # no token, no enrolment
    assert r.status_code == 400 and not TOTPDevice.objects.filter(user=clerk.user).exists()
    assert client.post(reverse("backoffice:code"), {"enrol_token": token}).status_code == 302
    page = client.get(reverse("backoffice:code")).content.decode()
    assert "绑定身份验证器" in page and "<svg" in page
    pending = TOTPDevice.objects.get(user=clerk.user, confirmed=False)
    typed = base64.b32encode(pending.bin_key).decode().rstrip("=")  # what an app takes
    assert " ".join(typed[i : i + 4] for i in range(0, len(typed), 4)) in page
    assert (
        client.post(reverse("backoffice:code"), {"token": current_code(pending)}).status_code == 302
    )
    pending.refresh_from_db()
    assert pending.confirmed
    assert EnrolmentToken.objects.get().used_at is not None
    # the token is spent: another session with the password cannot enrol a second device
    other = Client()
    other.post(reverse("backoffice:login"), {"username": clerk.user.username, "password": "x" * 12})
    TOTPDevice.objects.filter(user=clerk.user).delete()  # (as after a lost phone)
    r = other.post(reverse("backoffice:code"), {"enrol_token": token})
    assert r.status_code == 400 and "绑定码不正确" in r.content.decode()


def test_wrong_passwords_ask_for_the_step_up_and_never_lock_the_officer_out(db: Any) -> None:
    clerk = officer("clerk")
    client = Client()
    for _ in range(5):
        r = client.post(
            reverse("backoffice:login"), {"username": clerk.user.username, "password": "wrong"}
        )
        assert "用户名或密码不正确" in r.content.decode()
    r = client.post(
        reverse("backoffice:login"), {"username": clerk.user.username, "password": "x" * 12}
    )
    html = r.content.decode()
    assert r.status_code == 400 and "请先输入图片中的字符" in html
    wrong = solved(html, wrong=True)
    r = client.post(
        reverse("backoffice:login"),
        {"username": clerk.user.username, "password": "x" * 12, **wrong},
    )
    assert r.status_code == 400  # a wrong answer is no pass
    r = client.post(
        reverse("backoffice:login"),
        {"username": clerk.user.username, "password": "x" * 12, **solved(r.content.decode())},
    )
    assert r.status_code == 302 and r["Location"].startswith(reverse("backoffice:code"))
    steps = list(
        SignInAttempt.objects.filter(username=clerk.user.username).values_list("step", "ok")
    )
    assert steps.count(("password", False)) == 5 and ("step_up", False) in steps
    assert steps[-1] == ("password", True)


def test_queue_and_case_page_are_scoped_and_logged(db: Any) -> None:
    app = make_application()
    mine = signed_in(officer("clerk"))
    page = mine.get(reverse("backoffice:queue", args=["online"])).content.decode()
    assert app.case_number in page and app.person.id_number_masked in page
    assert mine.get(reverse("backoffice:application", args=[app.pk])).status_code == 200
    assert AccessLog.objects.filter(person=app.person, viewer_kind="officer").count() == 1

    other = signed_in(officer("clerk", district="nanshan", station="sz-nanshan-3"))
    assert (
        app.case_number
        not in other.get(reverse("backoffice:queue", args=["online"])).content.decode()
    )
    assert other.get(reverse("backoffice:application", args=[app.pk])).status_code == 404
    assert Denial.objects.filter(why="scope").count() == 1
    assert AccessLog.objects.filter(person=app.person).count() == 1  # no read happened


def test_admin_role_does_no_casework(db: Any) -> None:
    app = make_application()
    admin = signed_in(officer("admin"))
    assert admin.get(reverse("backoffice:application", args=[app.pk])).status_code == 403
    assert Denial.objects.filter(why="role").exists()


def test_claim_then_a_second_claim_conflicts(db: Any) -> None:
    app = make_application()
    first, second = officer("clerk", name="a"), officer("supervisor", station="", name="b")
    url = reverse("backoffice:application_claim", args=[app.pk])
    assert signed_in(first).post(url).status_code == 302
    r = signed_in(second).post(url)
    assert r.status_code == 409 and "已由 a 认领" in r.content.decode()
    assert Claim.objects.get().officer == first
    assert signed_in(second).post(url, {"release": "1"}).status_code == 302  # a supervisor may
    assert not Claim.objects.exists()


def test_the_admin_keeps_the_office_directory_and_the_working_days(db: Any) -> None:
    import datetime as dt

    from juzhu.registry.models import Office, WorkingDayOverride
    from juzhu.registry.services import work_calendar

    mine = Office.objects.create(
        city="shenzhen", district="futian", station="sz-futian-1", name_zh="华强北派出所",
        bureau_zh="深圳市公安局福田分局", government_zh="深圳市福田区人民政府",
    )  # fmt: skip
    theirs = Office.objects.create(
        city="guangzhou", district="tianhe", station="gz-tianhe-1", name_zh="石牌派出所",
        bureau_zh="广州市公安局天河区分局", government_zh="广州市天河区人民政府",
    )  # fmt: skip
    admin = signed_in(officer("admin", district="", station=""))
    page = admin.get(reverse("backoffice:manage")).content.decode()
    assert "华强北派出所" in page and "石牌派出所" not in page
    r = admin.post(
        reverse("backoffice:manage_office", args=[mine.pk]),
        {"name_zh": "深圳市公安局福田分局华强北派出所", "bureau_zh": mine.bureau_zh,
         "government_zh": mine.government_zh, "address": "", "phone": ""},
    )  # fmt: skip
    assert r.status_code == 302
    mine.refresh_from_db()
    assert mine.name_zh == "深圳市公安局福田分局华强北派出所"
    assert admin.get(reverse("backoffice:manage_office", args=[theirs.pk])).status_code == 404

    # 2027-02-20 is a Saturday; made a working day, deadlines count it
    saturday = dt.date(2027, 2, 20)
    assert not work_calendar().is_workday(saturday)
    bad = admin.post(reverse("backoffice:manage_override_add"), {"day": "2027-02-30", "is_workday": "1", "note": "x"})  # fmt: skip
    assert bad.status_code == 400 and not WorkingDayOverride.objects.exists()
    ok = admin.post(
        reverse("backoffice:manage_override_add"),
        {"day": "2027-02-20", "is_workday": "1", "note": "国务院办公厅通知（调休上班）"},
    )
    assert ok.status_code == 302 and work_calendar().is_workday(saturday)
    assert (
        signed_in(officer("clerk", name="c2")).get(reverse("backoffice:manage")).status_code == 403
    )


def test_the_case_timeline_names_the_officer_who_acted(db: Any) -> None:
    from juzhu.registry import services
    from juzhu.registry.services import Actor

    clerk = officer("clerk", name="王小窗")
    app = make_application()
    services.do_accept_application(
        app, on=app.submitted_on, actor=Actor(f"officer:{clerk.user_id}"),
        expected_version=app.version,
    )  # fmt: skip
    page = signed_in(clerk).get(reverse("backoffice:application", args=[app.pk])).content.decode()
    assert "王小窗（受理窗口）" in page and "申请人本人" in page
    assert "你本人" not in page  # the holder's wording stays in the portal
