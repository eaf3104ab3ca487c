"""``juzhu officer add | enrol-token | reset-otp | disable``: the operator's account commands."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import authenticate
from django_otp.plugins.otp_totp.models import TOTPDevice
from typer.testing import CliRunner

from juzhu.cli import app
from juzhu.registry.models import Officer

runner = CliRunner()


def test_add_prints_a_password_once_and_the_officer_can_sign_in(db: Any) -> None:
    out = runner.invoke(
        app,
        ["officer", "add", "hui", "--role", "clerk", "--city", "shenzhen",
         "--district", "futian", "--station", "sz-futian-2", "--name", "惠"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    password = re.search(r"in person\): (\S+)", out.output)
    assert password
    officer = Officer.objects.get(user__username="hui")
    assert (officer.role, officer.district, officer.station) == ("clerk", "futian", "sz-futian-2")
    assert authenticate(username="hui", password=password.group(1)) == officer.user


def test_bad_options_name_the_option_and_write_nothing(db: Any) -> None:
    for args, words in (
        (["--role", "boss", "--city", "shenzhen"], "--role 'boss'"),
        (["--role", "clerk", "--city", "atlantis"], "--city 'atlantis'"),
        (["--role", "clerk", "--city", "shenzhen", "--station", "sz-futian-1"], "--district"),
    ):
        out = runner.invoke(app, ["officer", "add", "x", *args])
        assert out.exit_code == 2 and words in out.output, out.output
    assert not Officer.objects.exists()


def test_reset_otp_and_disable(db: Any) -> None:
    runner.invoke(app, ["officer", "add", "lin", "--role", "reviewer", "--city", "shenzhen"])
    user = Officer.objects.get(user__username="lin").user
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    assert runner.invoke(app, ["officer", "reset-otp", "lin"]).exit_code == 0
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert runner.invoke(app, ["officer", "disable", "lin"]).exit_code == 0
    user.refresh_from_db()
    assert not user.is_active
    out = runner.invoke(app, ["officer", "disable", "nobody"])
    assert out.exit_code == 2 and "no officer 'nobody'" in out.output


def test_enrol_token_prints_a_one_time_token_that_opens_the_enrolment(db: Any) -> None:
    from django.test import Client

    from juzhu.backoffice.models import EnrolmentToken

    out = runner.invoke(app, ["officer", "add", "mei", "--role", "clerk", "--city", "shenzhen"])
    password = re.search(r"in person\): (\S+)", out.output)
    assert password and "enrol-token mei" in out.output
    out = runner.invoke(app, ["officer", "enrol-token", "mei", "--hours", "2"])
    assert out.exit_code == 0, out.output
    token = re.search(r"([0-9A-F]{4}(?:-[0-9A-F]{4}){3})", out.output)
    assert token and "for 2 h" in out.output
    assert token.group(1) not in str(list(EnrolmentToken.objects.values()))  # only its hash
    client = Client()
    client.post("/office/login/", {"username": "mei", "password": password.group(1)})
    assert client.post("/office/login/code/", {"enrol_token": token.group(1)}).status_code == 302
    assert "<svg" in client.get("/office/login/code/").content.decode()


def test_enrol_token_refuses_bad_input_saying_what_to_do(db: Any) -> None:
    runner.invoke(app, ["officer", "add", "ye", "--role", "clerk", "--city", "shenzhen"])
    out = runner.invoke(app, ["officer", "enrol-token", "ye", "--hours", "0"])
    assert out.exit_code == 2 and "--hours 0" in out.output
    out = runner.invoke(app, ["officer", "enrol-token", "nobody"])
    assert out.exit_code == 2 and "no officer 'nobody'" in out.output
    user = Officer.objects.get(user__username="ye").user
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    out = runner.invoke(app, ["officer", "enrol-token", "ye"])
    assert out.exit_code == 2 and "reset-otp ye" in out.output
