"""The consent page: alice makes a one-time code for one relying party and one purpose, sees
it once with its expiry and what the party will and will not learn, and can lock every check
of her permit. The school then asks the verification API with that code (the same helpers as
``tests/fixtures/verification.py``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import frozen
from fixtures.people import make_id, make_person
from fixtures.permits import make_permit
from fixtures.portal import login
from fixtures.verification import ask, problem
from juzhu.registry.events import verify_chains
from juzhu.registry.models import Event, Permit, Person, RelyingParty
from juzhu.verification import keys
from juzhu.verification.models import ConsentCode

pytestmark = frozen
URL = "/portal/me/consent/"
LOCK = "/portal/me/consent/lock/"
CODE = re.compile(r'class="consent-code"><span aria-hidden="true">([2-9A-Z]{4}-[2-9A-Z]{4})<')


def text(response: Any) -> str:
    return unescape(response.content.decode())


def error_beside(response: Any, field: str) -> str:
    """The message in the ``<p class="error">`` of ``field`` (what the person reads there)."""
    found = re.search(rf'<p class="error" id="id_{field}-error">([^<]*)</p>', text(response))
    assert found, f"no error beside {field}"
    return found[1]


def make_code(client: Client, party: RelyingParty, purpose: str) -> tuple[Any, str]:
    response = client.post(URL, {"party": str(party.pk), "purpose": purpose})
    found = CODE.search(response.content.decode())
    return response, found[1] if found else ""


def lock(client: Client, permit: Permit, locked: bool, version: int | None = None) -> Any:
    return client.post(
        LOCK,
        {
            "permit": str(permit.pk),
            "locked": "1" if locked else "0",
            "version": str(permit.version if version is None else version),
        },
    )


@pytest.fixture()
def logged_in(client: Client, alice: Person) -> Client:
    return login(client, alice)


# -- the code -------------------------------------------------------------------------------


def test_the_code_is_made_for_the_chosen_party_and_purpose_and_shown_only_once(
    logged_in: Client, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    first = logged_in.get(URL)
    assert first.status_code == 200 and "给哪个单位查验？" in text(first)
    assert school.name in text(first) and 'type="radio"' in text(first)
    second = logged_in.get(URL, {"party": str(school.pk)})
    assert second.status_code == 200 and "随迁子女入学" in text(second)
    assert "生成核验码" in text(second)

    response, code = make_code(logged_in, school, "school_enrollment")

    assert response.status_code == 200 and code, text(response)
    assert "no-store" in response["Cache-Control"]
    stored = ConsentCode.objects.get()
    assert (stored.party_id, stored.purpose, stored.permit_id) == (
        school.pk,
        "school_enrollment",
        permit.pk,
    )
    assert stored.code_hash == keys.code_hash(keys.normalise_code(code))
    assert code.replace("-", "") not in json.dumps(
        list(ConsentCode.objects.values()), default=str
    )  # only the keyed hash is kept
    assert stored.expires_at - stored.created_at == dt.timedelta(minutes=10)
    page = text(response)
    assert re.search(r"\d{2}:\d{2}（10分钟内有效，只能用一次）", page)
    assert "只有“是”或“否”：你的居住证在所问的那一天，对“随迁子女入学”是否有效" in page
    assert "你的身份证号、姓名、住址" in page
    assert code not in text(logged_in.get(URL))  # shown once: not on the next visit
    assert ask(school_key, consent_code=code).json()["valid"] is True


def test_only_the_chosen_partys_purposes_are_offered(
    logged_in: Client, permit: Permit, school: RelyingParty
) -> None:
    page = text(logged_in.get(URL, {"party": str(school.pk)}))
    assert 'value="school_enrollment"' in page and "随迁子女入学" in page
    assert 'value="bank_account"' not in page
    assert '<label for="id_purpose_0">' in page


def test_a_party_of_another_city_is_refused_beside_the_party_and_nothing_is_stored(
    logged_in: Client, permit: Permit, school: RelyingParty
) -> None:
    elsewhere = RelyingParty.objects.create(
        city="guangzhou", name="天河区第一小学", kind="school",
        allowed_purposes=["school_enrollment"],
    )  # fmt: skip

    response, code = make_code(logged_in, elsewhere, "school_enrollment")

    assert response.status_code == 400 and not code
    assert error_beside(response, "party").startswith("这个单位不是深圳市登记的核验单位")
    assert ConsentCode.objects.count() == 0
    assert "天河区第一小学" not in text(logged_in.get(URL))  # never offered
    step = logged_in.get(URL, {"party": str(elsewhere.pk)})
    assert step.status_code == 400 and "不是深圳市登记的核验单位" in error_beside(step, "party")
    garbage = logged_in.get(URL, {"party": "<script>"})
    assert garbage.status_code == 400 and "<script>" not in garbage.content.decode()


def test_a_purpose_the_party_may_not_ask_is_refused_beside_the_purpose_and_nothing_is_stored(
    logged_in: Client, permit: Permit, school: RelyingParty
) -> None:
    response, code = make_code(logged_in, school, "bank_account")

    assert response.status_code == 400 and not code
    message = error_beside(response, "purpose")
    assert "福田区实验小学没有登记这个用途" in message and "随迁子女入学" in message
    assert ConsentCode.objects.count() == 0


def test_choosing_nothing_says_choose_one(
    logged_in: Client, permit: Permit, school: RelyingParty
) -> None:
    assert error_beside(logged_in.get(URL, {"party": ""}), "party") == "请选择一项"
    response = logged_in.post(URL, {"party": str(school.pk)})
    assert response.status_code == 400 and error_beside(response, "purpose") == "请选择一项"
    assert ConsentCode.objects.count() == 0


def test_the_page_speaks_english_when_chosen(
    logged_in: Client, permit: Permit, school: RelyingParty
) -> None:
    logged_in.cookies["django_language"] = "en"
    response, code = make_code(logged_in, school, "school_enrollment")
    page = text(response)
    assert code and "Your code" in page and "(10 minutes, one use)" in page
    assert "valid for “children's school enrolment”" in page


# -- the lock -------------------------------------------------------------------------------


def test_lock_and_unlock_change_the_permit_and_a_locked_permit_is_not_verified(
    logged_in: Client, alice: Person, permit: Permit, school: RelyingParty, school_key: str
) -> None:
    _, code = make_code(logged_in, school, "school_enrollment")

    locked = lock(logged_in, permit, True)

    assert locked.status_code == 302 and locked["Location"] == URL
    permit.refresh_from_db()
    assert permit.verification_locked is True
    page = text(logged_in.get(URL))
    assert "现在已锁定" in page and "解锁核验" in page
    assert "解锁后才能生成核验码" in page and 'name="party"' not in page  # no form offered
    problem(ask(school_key, consent_code=code), 403, "verification-locked")
    refused, again = make_code(logged_in, school, "school_enrollment")
    assert refused.status_code == 409 and not again
    assert ConsentCode.objects.count() == 1  # no new code while locked

    unlocked = lock(logged_in, permit, False)

    assert unlocked.status_code == 302
    permit.refresh_from_db()
    assert permit.verification_locked is False
    assert "现在未锁定" in text(logged_in.get(URL))
    assert ask(school_key, consent_code=code).json()["valid"] is True
    names = list(
        Event.objects.filter(record_id=permit.pk).order_by("seq").values_list("name", "actor")
    )
    assert names[-2:] == [
        ("VerificationLocked", f"holder:{alice.pk}"),
        ("VerificationUnlocked", f"holder:{alice.pk}"),
    ]
    assert verify_chains()[1] is None


def test_locking_from_a_stale_page_conflicts_instead_of_overwriting(
    logged_in: Client, permit: Permit
) -> None:
    response = lock(logged_in, permit, True, version=permit.version + 1)

    assert response.status_code == 409
    assert "你的居住证在你打开本页后有了变化" in text(response)
    permit.refresh_from_db()
    assert permit.verification_locked is False


def test_lock_without_the_csrf_token_is_refused(alice: Person, permit: Permit) -> None:
    client = login(Client(enforce_csrf_checks=True), alice)
    assert lock(client, permit, True).status_code == 403
    permit.refresh_from_db()
    assert permit.verification_locked is False


# -- whose page -----------------------------------------------------------------------------


def test_another_persons_session_cannot_see_or_make_codes_or_lock_for_alice(
    client: Client, alice: Person, permit: Permit, school: RelyingParty
) -> None:
    mallory = make_person(name="马洛里", id_number=make_id(dt.date(1990, 5, 5)))
    theirs = make_permit(mallory, on=dt.date.today() - dt.timedelta(days=30))
    login(client, mallory)

    page = text(client.get(URL))
    assert permit.number not in page and str(permit.pk) not in page
    assert str(theirs.pk) in page  # the lock speaks for mallory's own permit
    assert lock(client, permit, True).status_code == 404
    _, code = make_code(client, school, "school_enrollment")

    permit.refresh_from_db()
    assert permit.verification_locked is False
    assert code and ConsentCode.objects.get().permit_id == theirs.pk  # bound to her own


def test_without_a_permit_no_code_can_be_made(client: Client, school: RelyingParty) -> None:
    login(client, make_person(name="无证人"))
    assert "我们没有查到你名下的居住证" in text(client.get(URL))
    assert not make_code(client, school, "school_enrollment")[1]
    assert ConsentCode.objects.count() == 0


def test_logged_out_visitors_are_sent_to_log_in(
    client: Client, permit: Permit, school: RelyingParty
) -> None:
    assert client.get(URL)["Location"] == f"/portal/login/?next={URL}"
    response, _ = make_code(client, school, "school_enrollment")
    assert response.status_code == 302 and ConsentCode.objects.count() == 0
    assert lock(client, permit, True).status_code == 302
    permit.refresh_from_db()
    assert permit.verification_locked is False


def test_my_permit_links_to_the_consent_page(logged_in: Client, permit: Permit) -> None:
    assert URL in text(logged_in.get("/portal/me/"))
    assert URL in text(logged_in.get(f"/portal/me/permits/{permit.pk}/"))
