"""Use cases of the registry, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from fixtures.people import make_id, make_person
from fixtures.permits import appeal_accepted, cancel, make_permit
from fixtures.tamper import triggers_disabled
from juzhu.notifications.models import Notification
from juzhu.registry import pii, services
from juzhu.registry.events import verify_chains
from juzhu.registry.models import AccessLog, Event, Permit, Person
from juzhu.registry.selectors import NotFound, Viewer, access_permit
from juzhu.registry.services import Actor, Conflict, Refused

pytestmark = pytest.mark.django_db
CLERK = Actor("officer:bob")


def test_id_numbers_are_encrypted_indexed_and_masked(alice: Person) -> None:
    raw = bytes(alice.id_number_enc)
    assert b"1992" not in raw
    number = pii.decrypt(raw, purpose="id_number", row=alice)
    assert len(number) == 18 and number.startswith("440304")
    assert alice.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert services.find_person(number) == alice
    assert alice.phone_masked == "138****5678"


def test_registering_the_same_id_number_twice_returns_the_same_person(alice: Person) -> None:
    number = pii.decrypt(bytes(alice.id_number_enc), purpose="id_number", row=alice)
    again = services.do_register_person(number.lower(), "别名", city="shenzhen")
    assert again.pk == alice.pk
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    ("number", "field_message"),
    [
        ("44030419900517001", "18"),
        ("440304199005170010", "check"),
        ("440304209905170014", "future"),
        ("440304199002300013", "birth date"),
    ],
)
def test_bad_id_numbers_are_refused_with_the_reason(number: str, field_message: str) -> None:
    with pytest.raises(Refused) as refused:
        services.do_register_person(number, "某人", city="shenzhen")
    assert refused.value.field == "id_number"
    assert Person.objects.count() == 0


def test_hong_kong_macao_taiwan_residence_permit_numbers_are_accepted() -> None:
    from juzhu.registry.idnumbers import make_id_number

    person = services.do_register_person(
        make_id_number("810000", dt.date(1988, 1, 2), 7), "陈大文", city="shenzhen"
    )
    assert person.id_kind == "hk"


def test_issuing_a_permit_writes_its_event_and_notices(alice: Person) -> None:
    permit = make_permit(alice)
    assert permit.status == "active" and permit.next_due_on == dt.date(2025, 3, 1)
    event = Event.objects.get(record_id=permit.pk)
    assert event.name == "PermitIssued" and event.seq == 1
    channels = set(Notification.objects.filter(event=event).values_list("channel", flat=True))
    assert channels == {"inbox", "sms"}


def test_a_stale_write_raises_a_conflict_and_changes_nothing(alice_permit: Permit) -> None:
    stale = Permit.objects.get(pk=alice_permit.pk)
    services.do_suspend_permit(
        alice_permit, on=dt.date(2025, 3, 2), actor=CLERK, expected_version=alice_permit.version - 0
    )
    with pytest.raises(Conflict):
        services.do_cancel_permit(
            stale,
            reason="hukou_settled",
            on=dt.date(2025, 3, 3),
            actor=CLERK,
            expected_version=stale.version,
        )
    fresh = Permit.objects.get(pk=alice_permit.pk)
    assert fresh.status == "suspended" and fresh.cancellation_reason == ""
    assert Event.objects.filter(record_id=alice_permit.pk).count() == 2


def test_a_cancelled_permit_cannot_be_endorsed(alice_permit: Permit) -> None:
    services.do_cancel_permit(
        alice_permit,
        reason="hukou_settled",
        on=dt.date(2024, 6, 1),
        actor=CLERK,
        expected_version=alice_permit.version,
    )
    with pytest.raises(Refused, match="re-apply"):
        services.do_endorse_permit(
            alice_permit, on=dt.date(2024, 6, 2), actor=CLERK, expected_version=alice_permit.version
        )


def test_cancellation_grounds_come_from_the_city_policy(alice_permit: Permit) -> None:
    with pytest.raises(Refused) as refused:
        services.do_cancel_permit(
            alice_permit,
            reason="unknown",
            on=dt.date(2024, 6, 1),
            actor=CLERK,
            expected_version=alice_permit.version,
        )
    assert refused.value.field == "reason"


def test_late_endorsement_in_shenzhen_restarts_the_anniversary(alice_permit: Permit) -> None:
    services.do_suspend_permit(
        alice_permit, on=dt.date(2025, 3, 2), actor=CLERK, expected_version=alice_permit.version
    )
    services.do_endorse_permit(
        alice_permit, on=dt.date(2025, 7, 10), actor=CLERK, expected_version=alice_permit.version
    )
    permit = Permit.objects.get(pk=alice_permit.pk)
    assert permit.status == "active" and permit.next_due_on == dt.date(2026, 7, 10)
    names = list(
        Event.objects.filter(record_id=permit.pk).order_by("seq").values_list("name", flat=True)
    )
    assert names == ["PermitIssued", "PermitSuspended", "PermitEndorsedLate"]


def test_the_application_flow_issues_a_permit_with_a_statutory_due_date(alice: Person) -> None:
    app = services.do_submit_application(
        alice,
        kind="first_issue",
        city="shenzhen",
        district="futian",
        station="sz-futian-1",
        on=dt.date(2026, 9, 28),
        actor=CLERK,
        basis="employment",
        housing="rented",
        facts={
            "employed": True,
            "social_insurance_months": 14,
            "social_insurance_continuous": True,
        },
        materials=["id_card"],
    )
    services.do_accept_application(
        app, on=dt.date(2026, 9, 28), actor=CLERK, expected_version=app.version
    )
    # 15 working days after 2026-09-28 across National Day 2026 (10-01..10-07 off, Sat 10-10 worked)
    assert app.due_on == dt.date(2026, 10, 23)
    permit = services.do_approve_application(
        app, on=dt.date(2026, 10, 9), actor=CLERK, expected_version=app.version
    )
    assert permit is not None and permit.status == "active" and permit.person_id == alice.pk
    assert permit.employed is True and permit.housing == "rented"


def test_one_time_notice_cannot_be_issued_twice_unless_basis_or_housing_changed(
    alice: Person,
) -> None:
    app = services.do_submit_application(
        alice,
        kind="first_issue",
        city="shenzhen",
        district="futian",
        station="sz-futian-1",
        on=dt.date(2026, 9, 1),
        actor=CLERK,
    )
    services.do_request_supplement(
        app,
        missing=["lease_filing_certificate"],
        on=dt.date(2026, 9, 1),
        actor=CLERK,
        expected_version=app.version,
    )
    services.do_supplement_application(
        app,
        provided=["lease_filing_certificate"],
        on=dt.date(2026, 9, 3),
        actor=Actor("holder"),
        expected_version=app.version,
    )
    with pytest.raises(Refused, match="one-time notice"):
        services.do_request_supplement(
            app,
            missing=["photo"],
            on=dt.date(2026, 9, 4),
            actor=CLERK,
            expected_version=app.version,
        )
    services.do_amend_application(
        app,
        on=dt.date(2026, 9, 5),
        actor=Actor("holder"),
        expected_version=app.version,
        housing="owned",
    )
    services.do_request_supplement(
        app,
        missing=["purchase_contract"],
        on=dt.date(2026, 9, 6),
        actor=CLERK,
        expected_version=app.version,
    )
    assert app.notices_issued == 2


def test_a_revoked_cancellation_on_appeal_reinstates_the_permit(alice_permit: Permit) -> None:
    appeal = appeal_accepted(
        cancel(alice_permit, on=dt.date(2024, 6, 1), actor=CLERK),
        filed_on=dt.date(2024, 6, 10),
        on=dt.date(2024, 6, 12),
        grounds="我从未在本市落户，户籍仍在湖南",
        actor=CLERK,
    )
    services.do_decide_appeal(
        appeal,
        outcome="revoked_act",
        on=dt.date(2024, 7, 20),
        actor=CLERK,
        expected_version=appeal.version,
    )
    permit = Permit.objects.get(pk=alice_permit.pk)
    assert permit.status == "active" and permit.cancellation_reason == ""
    assert Event.objects.filter(record_id=permit.pk, name="PermitReinstated").exists()


def test_third_party_deregistration_ends_a_guangzhou_permit(db: None) -> None:
    person = make_person(city="guangzhou")
    reg = services.do_register_residence(
        person,
        city="guangzhou",
        district="tianhe",
        station="gz-th-2",
        address="天河路1号",
        housing="rented",
        on=dt.date(2023, 1, 5),
        actor=CLERK,
    )
    permit = make_permit(
        person, city="guangzhou", district="tianhe", station="gz-th-2", on=dt.date(2023, 7, 5)
    )
    cancelled = services.do_deregister_residence(
        reg, by="landlord", on=dt.date(2024, 2, 1), actor=CLERK, expected_version=reg.version
    )
    assert [p.pk for p in cancelled] == [permit.pk]
    assert Permit.objects.get(pk=permit.pk).cancellation_reason == "registration_deregistered"


def test_every_chain_verifies_and_a_tampered_event_is_named(alice_permit: Permit) -> None:
    services.do_suspend_permit(
        alice_permit, on=dt.date(2025, 3, 2), actor=CLERK, expected_version=alice_permit.version
    )
    make_permit()
    checked, broken = verify_chains()
    assert broken is None and checked == 3
    victim = Event.objects.get(record_id=alice_permit.pk, seq=2)
    with triggers_disabled():
        Event.objects.filter(pk=victim.pk).update(
            body=victim.body.replace("PermitSuspended", "PermitEndorsed")
        )
    checked, broken = verify_chains()
    assert broken is not None and broken.event_id == victim.pk and "altered" in broken.problem


def test_a_removed_last_event_is_detected(alice_permit: Permit) -> None:
    services.do_suspend_permit(
        alice_permit, on=dt.date(2025, 3, 2), actor=CLERK, expected_version=alice_permit.version
    )
    victim = Event.objects.get(record_id=alice_permit.pk, seq=2)
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_notification WHERE event_id = %s", [victim.pk])
        cursor.execute("DELETE FROM registry_event WHERE id = %s", [victim.pk])
    _, broken = verify_chains()
    assert broken is not None and "removed" in broken.problem


def test_the_event_table_refuses_updates_and_deletes(alice_permit: Permit) -> None:
    event = Event.objects.get(record_id=alice_permit.pk)
    for attempt in (
        lambda: Event.objects.filter(pk=event.pk).update(actor="someone else"),
        lambda: connection.cursor().execute("DELETE FROM registry_event WHERE id = %s", [event.pk]),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert Event.objects.get(pk=event.pk).actor == "officer:test"


def test_officers_see_only_their_station_and_every_read_is_logged(
    alice_permit: Permit, bob, charlie
) -> None:
    viewer = Viewer.of_officer(bob)
    assert access_permit(viewer, alice_permit.pk).pk == alice_permit.pk
    assert (
        AccessLog.objects.filter(person=alice_permit.person, viewer_id=str(bob.user_id)).count()
        == 1
    )
    with pytest.raises(NotFound):
        access_permit(Viewer.of_officer(charlie), alice_permit.pk)
    with pytest.raises(NotFound):
        access_permit(viewer, "not-a-uuid")


def test_make_id_gives_valid_numbers() -> None:
    from juzhu.registry.idnumbers import parse_id_number

    assert parse_id_number(make_id()).kind == "mainland"
