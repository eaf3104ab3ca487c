""" "Who checked my permit" shows each check's answer (yes/no), the date asked about and why
a no was a no (issue 13, item 7): real questions through the verification API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import frozen, today
from fixtures.permits import OFFICER
from fixtures.portal import login
from fixtures.verification import ask, code_for
from juzhu.portal.checks import checks_of
from juzhu.registry import services
from juzhu.registry.models import Officer, Permit, Person, RelyingParty
from juzhu.registry.selectors import Viewer, access_permit

pytestmark = frozen


@pytest.fixture()
def outbox(settings: Any, tmp_path: Path) -> None:
    settings.NOTIFY_FILE_DIR = tmp_path


def check(key: str, person: Person, party: RelyingParty, on: dt.date) -> str:
    answer = ask(key, consent_code=code_for(person, party, "school_enrollment"), on=on)
    assert answer.status_code == 200, answer.content
    return str(answer.json()["answer"])


def test_each_check_shows_its_answer_the_date_asked_about_and_why_no(
    client: Client, alice: Person, permit: Permit, school: RelyingParty, school_key: str,
    outbox: None,
) -> None:  # fmt: skip
    assert check(school_key, alice, school, today()) == "yes"
    services.do_cancel_permit(
        permit, reason="hukou_settled", on=today() - dt.timedelta(days=5), actor=OFFICER,
        expected_version=permit.version,
    )  # fmt: skip
    assert check(school_key, alice, school, today()) == "no"
    # before the permit was issued, within school enrolment's look-back (183 days)
    assert check(school_key, alice, school, today() - dt.timedelta(days=90)) == "no"
    not_yet, no_now, yes = checks_of(alice, "zh")  # newest first
    assert (yes["answer"], yes["why"], yes["asked_about"]) == ("yes", "", "2026年12月2日")
    assert no_now["answer"] == "no" and no_now["why"] == "该日居住证已被注销"
    assert not_yet["asked_about"] == "2026年9月3日" and not_yet["why"] == "该日居住证还没有签发"

    page = login(client, alice).get("/portal/me/").content.decode()
    assert "问的日期" in page and "2026年9月3日" in page
    assert "无效" in page and "有效" in page and "该日居住证已被注销" in page
    client.cookies["django_language"] = "en"
    english = client.get("/portal/me/").content.decode()
    assert "Date asked about" in english and "the permit had been cancelled by that date" in english
    assert "no, not valid" in english and "yes, valid" in english


def test_a_suspended_permit_says_so_and_a_refused_check_says_they_learned_nothing(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, outbox: None
) -> None:
    code = code_for(alice, school, "school_enrollment")
    assert ask(school_key, consent_code=code).status_code == 200
    assert ask(school_key, consent_code=code).status_code != 200  # a code works once
    refused, _ = checks_of(alice, "zh")
    assert refused["answer"] == "refused" and "对方没有得到任何结果" in refused["why"]
    services.do_suspend_permit(permit, on=today(), actor=services.SYSTEM,
                               expected_version=permit.version)  # fmt: skip
    assert check(school_key, alice, school, today()) == "no"
    assert checks_of(alice, "en")[0]["why"] == (
        "on that date its use was suspended (not endorsed on time)"
    )


def test_an_officers_read_is_named_in_words_never_by_its_purpose_id(
    alice: Person, permit: Permit, bob: Officer, outbox: None
) -> None:
    access_permit(Viewer.of_officer(bob), permit.pk, purpose="office_case")
    access_permit(Viewer.of_officer(bob), permit.pk, purpose="office_something_new")
    newer, older = checks_of(alice, "zh")
    assert (older["who"], older["purpose"]) == ("公安机关工作人员", "办理你的业务时查看")
    assert newer["purpose"] == "工作需要查看" and "office" not in newer["purpose"]
    assert checks_of(alice, "en")[1]["purpose"] == "while handling your case"
