"""A newcomer can try it (issue 13, item 9): ``make run`` ends with how to sign in as each
demo role, and with the demo flag on (never otherwise) the login-code page shows the code
the fake SMS gateway was given."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rich.console import Console
from typer.testing import CliRunner

from fixtures.clock import frozen
from fixtures.officers import current_code, device_of
from fixtures.outbox import last_code
from fixtures.people import make_id
from juzhu.cli import app
from juzhu.cli.demo_guide import print_signin_guide
from juzhu.cli.officer_runs import run_totp
from juzhu.registry import pii
from juzhu.registry.demo import load_demo
from juzhu.registry.models import Officer, Person, RelyingParty

pytestmark = frozen


@pytest.fixture()
def outbox(settings: Any, tmp_path: Path) -> Path:
    settings.NOTIFY_FILE_DIR = tmp_path
    settings.PORTAL_LOGIN_MIN_SECONDS = 0.0
    return tmp_path


def id_number_of(person: Person) -> str:
    return pii.decrypt(bytes(person.id_number_enc), purpose="id_number", row=person)


def ask_code(client: Client, person: Person) -> str:
    r = client.post("/portal/login/", {"id_number": id_number_of(person)})
    assert r.status_code == 302 and r["Location"] == "/portal/login/code/"
    return client.get("/portal/login/code/").content.decode()


def test_demo_mode_shows_the_code_the_gateway_got_and_it_signs_in(
    client: Client, alice: Person, outbox: Path, settings: Any
) -> None:
    settings.DEMO = True
    page = ask_code(client, alice)
    code = last_code(outbox)  # what the notify worker handed the fake gateway
    assert 'id="demo-code"' in page and f"<strong>{code}</strong>" in page
    assert "演示模式" in page and "messages.jsonl" in page
    r = client.post("/portal/login/code/", {"code": code})
    assert r.status_code == 302 and r["Location"] == "/portal/me/"


def test_without_the_demo_flag_the_code_is_never_on_the_page(
    client: Client, alice: Person, outbox: Path, settings: Any
) -> None:
    assert settings.DEMO is False  # off by default
    page = ask_code(client, alice)
    code = last_code(outbox)
    assert code not in page and 'id="demo-code"' not in page and "演示模式" not in page
    assert code not in str(dict(client.session))
    pending = client.session["portal_challenge"]
    assert pending["demo_code"] == ""


def test_a_code_held_from_demo_mode_is_not_shown_after_the_flag_goes_off(
    client: Client, alice: Person, outbox: Path, settings: Any
) -> None:
    settings.DEMO = True
    ask_code(client, alice)
    code = last_code(outbox)
    settings.DEMO = False
    assert code not in client.get("/portal/login/code/").content.decode()


def test_demo_mode_shows_no_code_for_a_number_nobody_registered(
    client: Client, db: Any, outbox: Path, settings: Any
) -> None:
    settings.DEMO = True
    r = client.post("/portal/login/", {"id_number": make_id(dt.date(1985, 3, 3))})
    assert r.status_code == 302
    assert 'id="demo-code"' not in client.get("/portal/login/code/").content.decode()


def test_the_settings_refuse_the_demo_flag_on_a_public_host(tmp_path: Path) -> None:
    env = dict(os.environ, JUZHU_DEMO="1", JUZHU_VAR_DIR=str(tmp_path),
               JUZHU_ALLOWED_HOSTS="juzhu.example.gov.cn", DJANGO_SETTINGS_MODULE="juzhu.config.settings")  # fmt: skip
    env.pop("DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and "unset JUZHU_DEMO" in run.stderr
    env["JUZHU_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    ok = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                        capture_output=True, text=True, check=False)  # fmt: skip
    assert ok.returncode == 0, ok.stderr


def test_serve_in_demo_mode_refuses_to_listen_beyond_this_machine() -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"], env={"JUZHU_DEMO": "1"})
    assert result.exit_code == 2
    assert "serves this machine only" in result.output


def guide() -> str:
    console = Console(record=True, width=200)
    print_signin_guide(console)
    return console.export_text()


def test_the_guide_says_how_to_sign_in_as_every_demo_role(db: Any, settings: Any) -> None:
    load_demo(120, today=dt.date(2026, 11, 26))
    settings.DEMO = True
    text = guide()
    alice = Person.objects.get(name="艾丽斯")
    assert id_number_of(alice) in text and "/portal/login/" in text
    assert "林晓梅" in text and "周建国" in text
    assert "messages.jsonl" in text and "验证码页" in text and "code page shows it" in text
    for name in ("bob", "charlie", "diana", "erin", "frank", "grace"):
        assert re.search(rf"^\s+{name}\s", text, re.M), name
    assert "/office/" in text and "juzhu officer totp bob" in text and "changepassword" in text
    school = RelyingParty.objects.get(kind="school")
    assert f"juzhu verification issue-key {school.id}" in text and "/api/docs" in text
    assert "怎样登录" in text and "How to sign in" in text


def test_without_the_flag_the_guide_prints_no_id_number(db: Any, settings: Any) -> None:
    load_demo(120, today=dt.date(2026, 11, 26))
    text = guide()
    assert "JUZHU_DEMO=1" in text
    assert pii.mask_text(text) == text


def test_officer_totp_prints_the_current_code_in_demo_mode_only(
    bob: Officer, settings: Any, capsys: Any
) -> None:
    import typer

    with pytest.raises(typer.Exit) as refused:
        run_totp("bob")
    assert refused.value.exit_code == 2
    assert "only in demo mode" in capsys.readouterr().err
    settings.DEMO = True
    device = device_of(bob)
    run_totp("bob")
    assert f"bob: {current_code(device)}" in capsys.readouterr().out
