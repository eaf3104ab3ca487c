"""The second question a relying party may ask: "held continuously for at least N months up
to D" (``held_for_months``), answered under the city's continuity rule, with the reasons
for a no; which purposes may ask it; and that the question is recorded in the audit row and
the holder's receipt."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fixtures.clock import TODAY, frozen
from fixtures.permits import make_permit
from fixtures.verification import OFFICER, ask, assert_no_personal_data, code_for, problem
from juzhu.registry import services as registry
from juzhu.registry.models import AccessLog, Permit, Person, RelyingParty
from juzhu.registry.services import SYSTEM
from juzhu.verification import dispatch, questions, services
from juzhu.verification.models import Verification
from juzhu.verification.selectors import receipts_for_holder

pytestmark = frozen  # today is 2026-12-02 (Asia/Shanghai)


def _party(city: str, purposes: list[str], kind: str = "school") -> tuple[RelyingParty, str]:
    party = services.do_register_party(city, f"{city} party", kind, purposes, actor=OFFICER)
    return party, services.do_issue_api_key(party, actor=OFFICER).secret


def _lapse(permit: Permit, suspended: dt.date, endorsed: dt.date) -> Permit:
    """Not endorsed by the anniversary: suspended on ``suspended``, endorsed late on
    ``endorsed``."""
    registry.do_suspend_permit(permit, on=suspended, actor=SYSTEM, expected_version=permit.version)
    permit.refresh_from_db()
    registry.do_endorse_permit(permit, on=endorsed, actor=OFFICER, expected_version=permit.version)
    permit.refresh_from_db()
    return permit


def _endorse(permit: Permit, on: dt.date) -> Permit:
    registry.do_endorse_permit(permit, on=on, actor=OFFICER, expected_version=permit.version)
    permit.refresh_from_db()
    return permit


def _held(person: Person, party: RelyingParty, key: str, months: int, **body: Any) -> Any:
    code = code_for(person, party, "school_enrollment")
    return ask(key, consent_code=code, held_for_months=months, **body)


def _lapsed_permit(person: Person, city: str) -> Permit:
    """Issued 2025-01-10, not endorsed by 2026-01-10, suspended 2026-01-11, endorsed late on
    2026-01-31 (20 days later): in force today."""
    permit = make_permit(person, on=dt.date(2025, 1, 10), city=city)
    return _lapse(permit, dt.date(2026, 1, 11), dt.date(2026, 1, 31))


@pytest.mark.django_db
def test_a_continuous_holder_gets_yes_and_the_answer_names_the_question(alice: Person) -> None:
    school, key = _party("shenzhen", ["school_enrollment"])
    permit = _endorse(make_permit(alice, on=dt.date(2025, 6, 1)), dt.date(2026, 5, 20))

    response = _held(alice, school, key, 18)

    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["valid"], answer["answer"], answer["question"]) == (True, "yes", "held_for_months")  # fmt: skip
    assert (answer["held_for_months"], answer["on"], answer["period_start"]) == (
        18, TODAY.isoformat(), "2025-06-02"
    )  # fmt: skip
    assert answer["reasons"] == []
    assert_no_personal_data(response, alice, permit)
    audit = Verification.objects.get(reference=answer["reference"])
    assert (audit.outcome, audit.held_for_months, audit.permit_id) == ("yes", 18, permit.pk)
    receipt = receipts_for_holder(alice)[0]
    assert (receipt.reference, receipt.outcome, receipt.held_for_months) == (answer["reference"], "yes", 18)  # fmt: skip


@pytest.mark.django_db
def test_a_permit_issued_inside_the_period_gets_no_with_its_issue_date(alice: Person) -> None:
    school, key = _party("shenzhen", ["school_enrollment"])
    make_permit(alice, on=dt.date(2026, 3, 15))

    answer = _held(alice, school, key, 12).json()

    assert (answer["answer"], answer["period_start"]) == ("no", "2025-12-02")
    assert [(r["code"], r["start"], r["end"]) for r in answer["reasons"]] == [
        ("held-from", "2026-03-15", None)
    ]
    assert "issued on 2026-03-15" in answer["reasons"][0]["detail"]
    assert "2026-03-15" in answer["reasons"][0]["detail_zh"]
    # the same permit was held for the 8 months since its issue
    assert _held(alice, school, key, 8).json()["answer"] == "yes"


@pytest.mark.django_db
def test_a_late_endorsement_restarts_continuity_in_shenzhen(alice: Person) -> None:
    """深圳经济特区居住证条例 Art. 25, read as restart: residence counts again from the late
    endorsement."""
    school, key = _party("shenzhen", ["school_enrollment"])
    _lapsed_permit(alice, "shenzhen")

    answer = _held(alice, school, key, 12).json()

    assert answer["answer"] == "no"
    assert [(r["code"], r["start"]) for r in answer["reasons"]] == [("held-from", "2026-01-31")]
    assert "late endorsement on 2026-01-31" in answer["reasons"][0]["detail"]
    assert "restart" in answer["reasons"][0]["detail"]
    assert _held(alice, school, key, 10).json()["answer"] == "yes"  # since 2026-01-31


@pytest.mark.django_db
def test_a_late_endorsement_leaves_a_gap_under_the_national_pause_rule() -> None:
    """Hangzhou follows the national reading (pause): the years before are kept, the 20 days
    suspended are not counted — a gap inside the period."""
    from fixtures.people import make_person

    person = make_person(city="hangzhou")
    school, key = _party("hangzhou", ["school_enrollment"])
    _lapsed_permit(person, "hangzhou")

    answer = _held(person, school, key, 12).json()

    assert answer["answer"] == "no"
    assert [(r["code"], r["start"], r["end"]) for r in answer["reasons"]] == [
        ("gap", "2026-01-11", "2026-01-31")
    ]
    assert "a gap from 2026-01-11 to 2026-01-31" in answer["reasons"][0]["detail"]
    # a period after the gap was held without a break
    assert _held(person, school, key, 10).json()["answer"] == "yes"


@pytest.mark.django_db
def test_a_late_endorsement_within_30_days_keeps_continuity_in_guangzhou() -> None:
    """广东省流动人口服务管理条例 Art. 14: renewed within 30 days, residence continues."""
    from fixtures.people import make_person

    person = make_person(city="guangzhou")
    school, key = _party("guangzhou", ["school_enrollment"])
    _lapsed_permit(person, "guangzhou")

    answer = _held(person, school, key, 20).json()

    assert (answer["answer"], answer["reasons"]) == ("yes", [])


@pytest.mark.django_db
def test_a_suspended_permit_is_not_held_up_to_today(alice: Person) -> None:
    school, key = _party("shenzhen", ["school_enrollment"])
    permit = make_permit(alice, on=dt.date(2025, 11, 1))
    registry.do_suspend_permit(permit, on=dt.date(2026, 11, 2), actor=SYSTEM, expected_version=permit.version)  # fmt: skip

    answer = _held(alice, school, key, 6).json()

    assert answer["answer"] == "no"
    assert [(r["code"], r["start"]) for r in answer["reasons"]] == [("not-valid-on-date", TODAY.isoformat())]  # fmt: skip
    # asked about a past day before the suspension, the 6 months up to it were held
    assert _held(alice, school, key, 6, on="2026-10-31").json()["answer"] == "yes"


@pytest.mark.django_db
def test_a_purpose_that_may_not_ask_is_refused_and_the_refusal_recorded(alice: Person) -> None:
    bank, key = _party("shenzhen", ["bank_account"], kind="bank")
    make_permit(alice, on=dt.date(2026, 6, 1))
    code = code_for(alice, bank, "bank_account")

    response = ask(key, purpose="bank_account", consent_code=code, held_for_months=6)

    body = problem(response, 403, "question-not-allowed")
    assert "bank_account" in body["detail"] and "held_for_months" in body["detail"]
    audit = Verification.objects.get(reference=body["reference"])
    assert (audit.outcome, audit.problem, audit.held_for_months) == ("refused", "question-not-allowed", 6)  # fmt: skip
    # the code was not used up: the bank may still ask its own question with it
    answer = ask(key, purpose="bank_account", consent_code=code).json()
    assert (answer["answer"], "question" in answer) == ("yes", False)


def test_which_purposes_may_ask_how_long() -> None:
    held = {p for p in questions.QUESTIONS_BY_PURPOSE if "held_for_months" in questions.allowed_questions(p)}  # fmt: skip
    assert held == {"school_enrollment", "public_rental_housing", "points_hukou"}
    assert questions.allowed_questions("bank_account") == {"valid_on"}
    assert questions.allowed_questions("school_enrollment") == {"valid_on", "held_for_months"}


@pytest.mark.django_db
@pytest.mark.parametrize("months", [0, 121, "twelve", 1.5])
def test_a_bad_number_of_months_is_refused_naming_the_field(alice: Person, months: Any) -> None:
    school, key = _party("shenzhen", ["school_enrollment"])
    make_permit(alice, on=dt.date(2025, 6, 1))

    response = _held(alice, school, key, months)

    assert response.status_code == 422, response.content
    assert "held_for_months" in response.content.decode()
    assert not AccessLog.objects.filter(viewer_kind="relying_party").exists()


@pytest.mark.parametrize(
    "extra",
    [{"held_for_months": 12}, {"held_for_months": None}, {"held_for_months": 12, "on": None}],
)
def test_the_fast_paths_never_take_a_held_for_months_question(extra: dict[str, Any]) -> None:
    """``common_case`` is what the WSGI dispatch and the event loop both ask; the one
    statement answers only "valid on D"."""
    import json

    plain = {"purpose": "school_enrollment", "consent_code": "7KQ4-XM2P"}
    assert dispatch.common_case(json.dumps(plain).encode()) is not None
    assert dispatch.common_case(json.dumps({**plain, **extra}).encode()) is None


@pytest.mark.django_db
def test_a_credential_may_ask_it_too(alice: Person) -> None:
    school, key = _party("shenzhen", ["school_enrollment"])
    permit = make_permit(alice, on=dt.date(2026, 3, 15))
    token = services.do_issue_credential(permit, school)[0]

    answer = ask(key, credential=token, held_for_months=6).json()

    assert (answer["answer"], answer["question"], answer["period_start"]) == ("yes", "held_for_months", "2026-06-02")  # fmt: skip
    audit = Verification.objects.get(reference=answer["reference"])
    assert (audit.method, audit.held_for_months) == ("credential", 6)


@pytest.mark.django_db
def test_the_question_is_sealed_with_its_row_and_old_rows_seal_as_before(alice: Person) -> None:
    from juzhu.verification import seals

    school, key = _party("shenzhen", ["school_enrollment"])
    make_permit(alice, on=dt.date(2026, 3, 15))
    valid_on = ask(key, consent_code=code_for(alice, school, "school_enrollment")).json()
    held = _held(alice, school, key, 6).json()
    rows = {str(r[1]): r for r in Verification.objects.order_by("id").values_list(*seals.FIELDS)}
    plain, asked = rows[valid_on["reference"]], rows[held["reference"]]
    # a "valid on D" row hashes exactly as before the column existed
    assert seals._line(plain) == seals._line(plain[:-1])
    assert seals._line(asked).endswith("\t6")
    sealed = seals.do_seal(now=timezone.now() + dt.timedelta(hours=1))
    assert sealed and seals.verify_seals() == (2, None)


@pytest.mark.django_db
def test_an_imported_permit_without_history_gets_no_saying_so(tmp_path: Any) -> None:
    """A legacy record is a summary: valid today, but its endorsements and lapses are not in
    the registry, so "held for N months" cannot be shown."""
    import csv

    from fixtures.people import make_id
    from juzhu.registry.legacy_import import COLUMNS, import_permits
    from juzhu.registry.models import Permit as PermitModel

    values = {
        "id_number": make_id(), "name": "张伟", "phone": "13912345678", "city": "shenzhen",
        "district": "futian", "station": "sz-futian-1", "permit_number": "SZ2020000001",
        "status": "active", "issued_on": "2020-03-01", "last_endorsed_on": "2026-02-10",
        "basis": "employment", "housing": "rented", "registered_since": "2019-06-01",
        "employed": "true", "social_insurance_months": "24",
        "social_insurance_continuous": "true", "enrolled": "false",
    }  # fmt: skip
    path = tmp_path / "permits.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(COLUMNS)
        out.writerow([values.get(c, "") for c in COLUMNS])
    import_permits(path, today=TODAY)
    permit = PermitModel.objects.get(number="SZ2020000001")
    school, key = _party("shenzhen", ["school_enrollment"])

    valid = ask(key, consent_code=code_for(permit.person, school, "school_enrollment")).json()
    held = _held(permit.person, school, key, 12).json()

    assert valid["answer"] == "yes"
    assert held["answer"] == "no"
    assert [r["code"] for r in held["reasons"]] == ["no-history"]
    assert "imported" in held["reasons"][0]["detail"]
