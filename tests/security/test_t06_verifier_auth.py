"""T6 verifier authentication (security.md §6), with the verification findings of issue 14:
replayed requests, reused or withdrawn consent, reused credentials and unbounded past dates.

Each refusal proves three things: the status is 401/403 (422 for a date out of range),
exactly one audit row is written for it (``Verification`` once the key is known,
``KeyDenial`` before), and no personal data is in the body.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fixtures.clock import frozen, today
from fixtures.people import make_person
from fixtures.verification import (
    URL,
    ask,
    assert_no_personal_data,
    code_for,
    problem,
)
from juzhu.registry.models import Permit, Person, RelyingParty
from juzhu.verification import questions, services
from juzhu.verification.models import ApiKey, ConsentCode, KeyDenial, Verification

pytestmark = [pytest.mark.django_db, frozen]


def audit_rows() -> int:
    return Verification.objects.count() + KeyDenial.objects.count()


def refused_once(
    call: Callable[[], Any], status: int, code: str, alice: Person, permit: Permit
) -> dict[str, Any]:
    """``call()`` is refused with ``status``/``code``, one audit row, no personal data."""
    before = audit_rows()
    response = call()
    body = problem(response, status, code)
    assert audit_rows() == before + 1, f"{code}: one audit row"
    assert_no_personal_data(response, alice, permit)
    return body


def signed(
    key: str, *, at: dt.datetime | None = None, nonce: str | None = None, **body: Any
) -> Any:
    """The verify API asked with replay protection headers."""
    body.setdefault("purpose", "school_enrollment")
    return Client().post(
        URL,
        json.dumps(body, default=str),
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        HTTP_X_REQUEST_TIME=str(int((at or timezone.now()).timestamp())),
        HTTP_X_REQUEST_NONCE=nonce or secrets.token_hex(16),
    )


def test_missing_and_unknown_keys_are_401_with_a_denial_row(
    alice: Person, permit: Permit, school: RelyingParty
) -> None:
    code = code_for(alice, school, "school_enrollment")
    refused_once(lambda: ask(None, consent_code=code), 401, "api-key-missing", alice, permit)
    refused_once(
        lambda: ask("jzk_" + "x" * 40, consent_code=code), 401, "api-key-invalid", alice, permit
    )
    assert list(KeyDenial.objects.values_list("problem", flat=True)) == [
        "api-key-missing",
        "api-key-invalid",
    ]


def test_an_expired_key_is_401_with_one_audit_row(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    ApiKey.objects.filter(party=school).update(not_after=timezone.now() - dt.timedelta(seconds=1))
    code = code_for(alice, school, "school_enrollment")
    refused_once(lambda: ask(school_key, consent_code=code), 401, "api-key-expired", alice, permit)


def test_another_partners_credential_and_a_wrong_scope_are_403(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, bank_key: str
) -> None:
    token, _ = services.do_issue_credential(permit, school)
    refused_once(
        lambda: ask(bank_key, purpose="bank_account", credential=token),
        403, "credential-wrong-party", alice, permit,
    )  # fmt: skip
    code = code_for(alice, school, "school_enrollment")
    refused_once(
        lambda: ask(school_key, purpose="bank_account", consent_code=code),
        403, "purpose-not-allowed", alice, permit,
    )  # fmt: skip


def test_request_time_skew_over_60_seconds_is_401(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    for skew in (61, -61, 3600):
        code = code_for(alice, school, "school_enrollment")
        at = timezone.now() + dt.timedelta(seconds=skew)
        refused_once(
            lambda: signed(school_key, at=at, consent_code=code),  # noqa: B023
            401, "request-time-skew", alice, permit,
        )  # fmt: skip
    code = code_for(alice, school, "school_enrollment")
    ok = signed(school_key, at=timezone.now() - dt.timedelta(seconds=59), consent_code=code)
    assert ok.status_code == 200


def test_a_reused_nonce_is_401(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    nonce = secrets.token_hex(16)
    first = signed(
        school_key, nonce=nonce, consent_code=code_for(alice, school, "school_enrollment")
    )
    assert first.status_code == 200
    again = code_for(alice, school, "school_enrollment")
    refused_once(
        lambda: signed(school_key, nonce=nonce, consent_code=again),
        401,
        "nonce-reused",
        alice,
        permit,
    )


def test_nonce_and_time_are_required_when_the_registry_says_so(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, settings: Any
) -> None:
    settings.VERIFY_REQUIRE_NONCE = True
    code = code_for(alice, school, "school_enrollment")
    refused_once(lambda: ask(school_key, consent_code=code), 401, "request-unsigned", alice, permit)
    assert (
        signed(school_key, consent_code=code_for(alice, school, "school_enrollment")).status_code
        == 200
    )


def test_a_reused_consent_code_is_403(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment")
    assert ask(school_key, consent_code=code).status_code == 200
    refused_once(
        lambda: ask(school_key, consent_code=code), 403, "consent-code-used", alice, permit
    )


def test_a_consent_code_the_holder_withdrew_is_403(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    issued = services.do_create_consent_code(alice, school, "school_enrollment")
    code_id = ConsentCode.objects.get(permit=permit).pk
    assert services.do_revoke_consent_code(alice, code_id) is True
    refused_once(
        lambda: ask(school_key, consent_code=issued.code),
        403,
        "consent-code-revoked",
        alice,
        permit,
    )
    assert services.do_revoke_consent_code(alice, code_id) is False  # nothing left to withdraw


def test_someone_else_cannot_withdraw_the_holders_code(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    issued = services.do_create_consent_code(alice, school, "school_enrollment")
    mallory = make_person(name="马洛里")
    assert services.do_revoke_consent_code(mallory, ConsentCode.objects.get().pk) is False
    assert ask(school_key, consent_code=issued.code).status_code == 200


def test_a_credential_answers_one_question(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    """A party cannot replay a scanned QR to walk the holder's history date by date."""
    token, _ = services.do_issue_credential(permit, school)
    assert ask(school_key, credential=token).status_code == 200
    refused_once(
        lambda: ask(school_key, credential=token, on=today() - dt.timedelta(days=3)),
        403, "credential-used", alice, permit,
    )  # fmt: skip


def test_a_new_credential_retires_the_old_ones_index(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    old, old_claims = services.do_issue_credential(permit, school)
    new, new_claims = services.do_issue_credential(permit, school)
    assert old_claims.sli != new_claims.sli  # the old index does not follow the new one
    refused_once(lambda: ask(school_key, credential=old), 422, "credential-invalid", alice, permit)
    assert ask(school_key, credential=new).status_code == 200


def test_two_parties_indexes_for_one_permit_are_unlinkable(
    permit: Permit, school: RelyingParty, bank: RelyingParty
) -> None:
    _, school_claims = services.do_issue_credential(permit, school)
    _, bank_claims = services.do_issue_credential(permit, bank)
    assert school_claims.sli != bank_claims.sli and school_claims.sub != bank_claims.sub


def test_past_dates_are_bounded_by_the_purpose(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    back = questions.max_days_back("school_enrollment")
    too_old = today() - dt.timedelta(days=back + 1)
    code = code_for(alice, school, "school_enrollment")
    body = refused_once(
        lambda: ask(school_key, consent_code=code, on=too_old),
        422,
        "date-out-of-range",
        alice,
        permit,
    )
    assert str(back) in body["detail"]
    within = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"),
                 on=today() - dt.timedelta(days=back))  # fmt: skip
    assert within.status_code == 200


def test_the_holder_withdraws_a_code_in_the_portal(
    client: Any, alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    from fixtures.portal import login

    issued = services.do_create_consent_code(alice, school, "school_enrollment")
    login(client, alice)
    page = client.get("/portal/me/consent/").content.decode()
    assert school.name in page and "撤回" in page
    code_id = ConsentCode.objects.get(permit=permit).pk
    assert client.post("/portal/me/consent/withdraw/", {"code": code_id}).status_code == 302
    refused_once(
        lambda: ask(school_key, consent_code=issued.code),
        403,
        "consent-code-revoked",
        alice,
        permit,
    )
    assert 'id="open-codes"' not in client.get("/portal/me/consent/").content.decode()
