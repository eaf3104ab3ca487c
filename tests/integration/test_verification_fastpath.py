"""The one-statement path for the common case (PostgreSQL) must answer exactly as the
general path does, and must leave everything else to it."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection

from fixtures.clock import frozen, today
from fixtures.permits import make_permit
from fixtures.verification import ask, code_for, problem
from juzhu.registry.models import Permit, Person, RelyingParty
from juzhu.verification import services, store, validity
from juzhu.verification.models import Verification

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's"
    ),
    frozen,
]


def general_path_only(monkeypatch: Any) -> None:
    from juzhu.verification import fastpath

    monkeypatch.setattr(fastpath, "verify_by_code", lambda query: None)


def test_common_case_takes_one_statement(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, monkeypatch: Any
) -> None:
    def no_general_read(*args: Any) -> Any:
        raise AssertionError("the general path ran")

    monkeypatch.setattr(store, "find_by_code", no_general_read)
    response = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"))
    assert response.status_code == 200 and response.json()["valid"] is True
    audit = Verification.objects.get(reference=response.json()["reference"])
    assert (audit.outcome, audit.permit_id) == ("yes", permit.pk)


def test_both_paths_give_the_same_answer_for_every_kind_of_permit(
    alice: Person, school: RelyingParty, school_key: str, monkeypatch: Any
) -> None:
    permit = make_permit(alice, on=today() - dt.timedelta(days=30))
    day = dt.timedelta(days=1)
    shapes = itertools.product(
        ["active", "suspended", "expired", "cancelled", "revoked"],
        [None, today(), today() + 5 * day],  # expires_on
        [None, today() - day, today() + 3 * day],  # next_due_on
        [today() - 30 * day, today() + day],  # issued_on
    )
    checked = 0
    for status, expires, due, issued in shapes:
        Permit.objects.filter(pk=permit.pk).update(
            status=status, expires_on=expires, next_due_on=due, issued_on=issued
        )
        for on in (today(), today() + 4 * day):
            facts = validity.PermitFacts(status, issued, expires, due)
            expected = validity.valid_now_or_later(facts, on)
            fast = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"), on=on)
            with monkeypatch.context() as patch:
                general_path_only(patch)
                slow = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"), on=on)  # fmt: skip
            assert fast.json()["valid"] is slow.json()["valid"] is expected, (status, expires, due, issued, on)  # fmt: skip
            checked += 1
    assert checked == 5 * 3 * 3 * 2 * 2


def test_refusals_leave_the_fast_path_without_writing_anything(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment")
    assert ask(school_key, consent_code=code).status_code == 200
    before = Verification.objects.count()

    problem(ask(school_key, consent_code=code), 403, "consent-code-used")

    assert Verification.objects.count() == before + 1  # the refusal's own audit row, once
    assert Verification.objects.filter(problem="consent-code-used").count() == 1


def test_a_permit_of_another_city_is_no_on_both_paths(
    school: RelyingParty, school_key: str, monkeypatch: Any
) -> None:
    """A code binds the holder's permit in the party's city; should the permit move (an
    officer's correction), the answer is no rather than yes for the wrong city."""
    from fixtures.people import make_person

    holder = make_person()
    permit = make_permit(holder, on=today() - dt.timedelta(days=10))
    fast_code = code_for(holder, school, "school_enrollment")
    slow_code = code_for(holder, school, "school_enrollment")
    Permit.objects.filter(pk=permit.pk).update(city="guangzhou")
    assert ask(school_key, consent_code=fast_code).json()["valid"] is False
    general_path_only(monkeypatch)
    assert ask(school_key, consent_code=slow_code).json()["valid"] is False


def test_past_dates_and_credentials_use_the_general_path(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, monkeypatch: Any
) -> None:
    def unexpected(query: Any) -> Any:
        raise AssertionError("the one-statement path ran")

    from juzhu.verification import fastpath

    monkeypatch.setattr(fastpath, "verify_by_code", unexpected)
    code = code_for(alice, school, "school_enrollment")
    assert ask(school_key, consent_code=code, on=today() - dt.timedelta(days=1)).status_code == 200
    token = services.do_issue_credential(permit, school)[0]
    assert ask(school_key, credential=token).status_code == 200
