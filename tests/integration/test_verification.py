"""Verification for relying parties: a school checks alice's permit with her consent code;
every refusal says what to do and leaks nothing personal; alice sees every query.

The fixed cast: ``alice`` holds a permit in Shenzhen, ``school`` is a relying party (here
with an API key), ``bank`` a second party (``tests/fixtures/verification.py``). Dates are
relative to today (Asia/Shanghai), on the frozen clock.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fixtures.clock import frozen, today
from fixtures.permits import make_permit
from fixtures.verification import (
    OFFICER,
    URL,
    ask,
    assert_no_personal_data,
    code_for,
    problem,
)
from juzhu.registry import services as registry
from juzhu.registry.events import verify_chains
from juzhu.registry.models import AccessLog, Permit, Person, RelyingParty
from juzhu.registry.services import Actor, Refused
from juzhu.verification import services, store
from juzhu.verification.models import ApiKey, ConsentCode, Verification
from juzhu.verification.selectors import receipts_for_holder

pytestmark = frozen
ANSWER_FIELDS = {"valid", "answer", "reference", "purpose", "on", "city", "checked_at"}


# -- the story the issue is done by -----------------------------------------------------------


def test_school_checks_permit_for_enrollment_with_holders_code_and_holder_sees_the_receipt(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment")

    response = ask(school_key, consent_code=code)

    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    answer = response.json()
    assert set(answer) == ANSWER_FIELDS
    assert answer["valid"] is True and answer["answer"] == "yes"
    assert answer["city"] == "shenzhen" and answer["on"] == today().isoformat()
    assert_no_personal_data(response, alice, permit)
    (receipt,) = receipts_for_holder(alice)
    assert (receipt.party_name, receipt.purpose, receipt.outcome) == (
        "福田区实验小学",
        "school_enrollment",
        "yes",
    )
    assert receipt.reference == answer["reference"]
    log = AccessLog.objects.get(person=alice)
    assert (log.viewer_kind, log.viewer_id) == ("relying_party", str(school.pk))
    audit = Verification.objects.get(reference=answer["reference"])
    assert (audit.outcome, audit.method, audit.permit_id) == ("yes", "consent_code", permit.pk)


def test_code_written_with_hyphen_spaces_or_lower_case_is_the_same_code(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment")
    assert ask(school_key, consent_code=f" {code.lower().replace('-', ' ')} ").json()["valid"]


def test_cancelled_permit_answers_no_without_saying_why(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment")
    registry.do_cancel_permit(
        permit, reason="hukou_settled", on=today(), actor=OFFICER, expected_version=permit.version
    )

    response = ask(school_key, consent_code=code)

    assert response.status_code == 200
    assert response.json()["valid"] is False and response.json()["answer"] == "no"
    assert "cancel" not in response.content.decode() and "hukou" not in response.content.decode()
    assert receipts_for_holder(alice)[0].outcome == "no"


def test_a_past_date_is_answered_from_the_permits_history(
    alice: Person, school: RelyingParty, school_key: str
) -> None:
    # within the purpose's look-back (school_enrollment: 183 days, questions.DAYS_BACK_BY_PURPOSE)
    permit = make_permit(alice, on=today() - dt.timedelta(days=150))
    registry.do_cancel_permit(
        permit,
        reason="hukou_settled",
        on=today() - dt.timedelta(days=30),
        actor=OFFICER,
        expected_version=permit.version,
    )
    before = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"),
                 on=today() - dt.timedelta(days=90))  # fmt: skip
    after = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"),
                on=today() - dt.timedelta(days=10))  # fmt: skip
    not_yet = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"),
                  on=today() - dt.timedelta(days=170))  # fmt: skip

    assert [r.json()["valid"] for r in (before, after, not_yet)] == [True, False, False]


def test_a_date_past_the_endorsement_anniversary_is_answered_no(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    assert permit.next_due_on is not None
    later = permit.next_due_on + dt.timedelta(days=1)
    response = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"), on=later)
    assert response.json()["valid"] is False


# -- authorisation: every refusal is clear and leaks nothing ---------------------------------


def test_consent_code_works_only_once(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment")
    assert ask(school_key, consent_code=code).status_code == 200

    again = ask(school_key, consent_code=code)

    body = problem(again, 403, "consent-code-used")
    assert "new one" in body["detail"]
    assert_no_personal_data(again, alice, permit)
    assert [r.outcome for r in receipts_for_holder(alice)] == ["refused", "yes"]
    assert receipts_for_holder(alice)[0].problem == "consent-code-used"


def test_expired_consent_code_is_refused(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment",
                    now=timezone.now() - dt.timedelta(minutes=10, seconds=1))  # fmt: skip

    response = ask(school_key, consent_code=code)

    problem(response, 410, "consent-code-expired")
    assert_no_personal_data(response, alice, permit)


def test_code_given_for_another_purpose_is_refused_and_stays_usable_for_its_own(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    school.allowed_purposes = ["school_enrollment", "public_rental_housing"]
    school.save()
    code = code_for(alice, school, "public_rental_housing")

    response = ask(school_key, consent_code=code, purpose="school_enrollment")

    problem(response, 403, "consent-code-wrong-purpose")
    assert_no_personal_data(response, alice, permit)
    assert ask(school_key, consent_code=code, purpose="public_rental_housing").status_code == 200


def test_purpose_outside_the_partys_registration_is_refused(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment")
    response = ask(school_key, consent_code=code, purpose="bank_account")
    assert "school_enrollment" in problem(response, 403, "purpose-not-allowed")["detail"]
    assert_no_personal_data(response, alice, permit)


def test_another_partys_code_is_unknown_to_you(
    alice: Person, permit: Permit, school_key: str, bank: RelyingParty, bank_key: str
) -> None:
    code = code_for(alice, bank, "bank_account")

    response = ask(school_key, consent_code=code)

    problem(response, 404, "consent-code-unknown")
    assert_no_personal_data(response, alice, permit)
    assert receipts_for_holder(alice) == []  # the school reached no holder
    assert ask(bank_key, consent_code=code, purpose="bank_account").json()["valid"] is True


def test_revoked_key_is_refused_at_once(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    services.do_revoke_api_key(ApiKey.objects.get(party=school), actor=OFFICER)

    response = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"))

    problem(response, 401, "api-key-revoked")
    assert_no_personal_data(response, alice, permit)
    # one audit row for the refused attempt (security.md T6), no receipt: no holder reached
    refused = Verification.objects.get()
    assert (refused.outcome, refused.problem) == ("refused", "api-key-revoked")
    assert not AccessLog.objects.exists()


def test_rotated_key_works_through_its_grace_then_gives_way_to_the_new_one(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    old = ApiKey.objects.get(party=school)
    new = services.do_rotate_api_key(old, actor=OFFICER, grace_hours=1).secret
    assert ask(school_key, consent_code=code_for(alice, school, "school_enrollment")).status_code == 200  # fmt: skip

    ApiKey.objects.filter(pk=old.pk).update(not_after=timezone.now())
    stale = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"))

    problem(stale, 401, "api-key-expired")
    assert ask(new, consent_code=code_for(alice, school, "school_enrollment")).status_code == 200
    with pytest.raises(Refused):
        services.do_rotate_api_key(old, actor=OFFICER)


def test_missing_and_unknown_keys_are_refused(alice: Person, permit: Permit, school: RelyingParty) -> None:  # fmt: skip
    code = code_for(alice, school, "school_enrollment")
    problem(ask(None, consent_code=code), 401, "api-key-missing")
    problem(ask("jzk_nothing_at_all", consent_code=code), 401, "api-key-invalid")
    assert ConsentCode.objects.get().used_at is None


def test_withdrawn_party_is_refused(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment")
    services.do_withdraw_party(school, actor=OFFICER)
    problem(ask(school_key, consent_code=code), 401, "api-key-revoked")


def test_locked_holder_is_refused_and_sees_the_attempt(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    code = code_for(alice, school, "school_enrollment")
    services.do_set_verification_lock(
        permit, locked=True, actor=Actor(f"holder:{alice.pk}"), expected_version=permit.version
    )

    response = ask(school_key, consent_code=code)

    problem(response, 403, "verification-locked")
    assert_no_personal_data(response, alice, permit)
    assert receipts_for_holder(alice)[0].problem == "verification-locked"
    with pytest.raises(Refused):  # while locked, no new codes either
        code_for(alice, school, "school_enrollment")
    permit.refresh_from_db()
    services.do_set_verification_lock(
        permit, locked=False, actor=Actor(f"holder:{alice.pk}"), expected_version=permit.version
    )
    assert ask(school_key, consent_code=code).json()["valid"] is True
    assert verify_chains()[1] is None  # the lock events extend the permit's chain cleanly


def test_lock_from_a_stale_page_conflicts_instead_of_overwriting(alice: Person, permit: Permit) -> None:  # fmt: skip
    first_tab, second_tab = Permit.objects.get(pk=permit.pk), Permit.objects.get(pk=permit.pk)
    services.do_set_verification_lock(
        first_tab, locked=True, actor=OFFICER, expected_version=first_tab.version
    )
    with pytest.raises(registry.Conflict):
        services.do_set_verification_lock(
            second_tab, locked=True, actor=OFFICER, expected_version=second_tab.version
        )


def test_rate_limit_and_daily_quota_answer_429_with_retry_after(
    alice: Person, permit: Permit, school: RelyingParty
) -> None:
    tight = services.do_issue_api_key(school, actor=OFFICER, per_minute=2, per_day=1000).secret
    for _ in range(2):
        assert ask(tight, consent_code=code_for(alice, school, "school_enrollment")).status_code == 200  # fmt: skip

    limited = ask(tight, consent_code=code_for(alice, school, "school_enrollment"))

    problem(limited, 429, "rate-limited")
    assert 0 < int(limited["Retry-After"]) <= 60
    daily = services.do_issue_api_key(school, actor=OFFICER, per_minute=100, per_day=1).secret
    ask(daily, consent_code=code_for(alice, school, "school_enrollment"))
    problem(ask(daily, consent_code="ABCD-EFGH"), 429, "daily-quota-exceeded")


def test_malformed_requests_say_which_field_to_fix(school_key: str) -> None:
    body = problem(ask(school_key, consent_code="ABCD-EFG0"), 422, "consent-code-malformed")
    assert "0" in body["detail"]
    body = problem(
        ask(school_key, consent_code="ABCD-EFGH", purpose="lunch"), 422, "invalid-request"
    )
    assert body["errors"] and "purpose" in body["detail"] and "lunch" not in json.dumps(body)
    both = ask(school_key, consent_code="ABCD-EFGH", credential="JZ1.a.b")
    problem(both, 422, "invalid-request")
    raw = Client().post(URL, "{not json", "application/json", HTTP_AUTHORIZATION=f"Bearer {school_key}")  # fmt: skip
    problem(raw, 400, "malformed-body")
    far = ask(school_key, consent_code="ABCD-EFGH", on=today() + dt.timedelta(days=400))
    problem(far, 422, "date-out-of-range")


def test_code_used_by_a_concurrent_query_is_refused(
    alice: Person, permit: Permit, school: RelyingParty, school_key: str, monkeypatch: Any
) -> None:
    """Both queries read the code unused; only the first write may consume it."""
    code = code_for(alice, school, "school_enrollment")
    original = store.find_by_code
    seen: list[Any] = []

    def stale_read(*args: Any) -> Any:
        seen.append(seen[0] if seen else original(*args))
        return seen[-1]

    monkeypatch.setattr(store, "find_by_code", stale_read)
    assert ask(school_key, consent_code=code).status_code == 200

    problem(ask(school_key, consent_code=code), 403, "consent-code-used")
    assert Verification.objects.filter(outcome="yes").count() == 1


# -- the holder's side ------------------------------------------------------------------------


def test_consent_code_is_eight_unambiguous_characters_stored_only_as_a_keyed_hash(
    alice: Person, permit: Permit, school: RelyingParty
) -> None:
    issued = services.do_create_consent_code(alice, school, "school_enrollment")
    code = issued.code.replace("-", "")
    assert len(code) == 8 and not set(code) & set("01ILO")
    stored = ConsentCode.objects.get()
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert (stored.expires_at - stored.created_at) == dt.timedelta(minutes=10)


def test_holder_cannot_make_a_code_for_a_purpose_the_party_may_not_ask(
    alice: Person, permit: Permit, school: RelyingParty
) -> None:
    with pytest.raises(Refused) as refused:
        services.do_create_consent_code(alice, school, "bank_account")
    assert refused.value.field == "purpose"


def test_api_key_is_stored_only_as_its_hash(school: RelyingParty) -> None:
    issued = services.do_issue_api_key(school, actor=OFFICER)
    row = ApiKey.objects.get(pk=issued.key.pk)
    assert issued.secret.startswith(row.prefix + "_")
    assert issued.secret not in json.dumps(list(ApiKey.objects.values()), default=str)


def test_registering_a_party_checks_kind_and_purposes(db: Any) -> None:
    with pytest.raises(Refused) as refused:
        services.do_register_party("shenzhen", "某银行", "bank", ["lunch"], actor=OFFICER)
    assert refused.value.field == "purposes"
    with pytest.raises(Refused):
        services.do_register_party("atlantis", "某银行", "bank", ["bank_account"], actor=OFFICER)
