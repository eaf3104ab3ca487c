"""Residence registration (居住登记) as a workflow (issue 13 item 1): register with the proof
the policy lists for the housing, within the reporting period (late is recorded, not
refused); change the address when moving inside the city (the clock keeps counting where the
law says so); end it; the 居住登记凭证 PDF with a QR that a public page checks; a change of
address application changes the stored address; and the journey from arrival to a won
appeal."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import frozen
from fixtures.officers import make_office
from fixtures.people import make_id, make_person
from fixtures.portal import login
from juzhu.registry import services
from juzhu.registry.eligibility import registry_facts
from juzhu.registry.models import Event, ResidenceRegistration
from juzhu.registry.registration_certificate import token_for

pytestmark = [pytest.mark.django_db, frozen]
ON = dt.date(2026, 12, 2)
CLERK = services.Actor("officer:clerk")
RENTED_PROOF = ["lease_contract", "lease_filing_certificate"]  # Shenzhen: both


@pytest.fixture(autouse=True)
def futian(db: Any) -> None:
    make_office()


def register(person: Any, **kw: Any) -> ResidenceRegistration:
    args: dict[str, Any] = {
        "city": "shenzhen", "district": "futian", "station": "sz-futian-1",
        "address": "福田区福华路88号3栋501", "housing": "rented", "on": ON, "actor": CLERK,
        "evidence": RENTED_PROOF, **kw,
    }  # fmt: skip
    return services.do_register(person, **args)


def test_the_proof_the_policy_lists_for_the_housing_is_required() -> None:
    person = make_person()
    with pytest.raises(services.Refused, match="proof") as refused:
        register(person, evidence=[])
    assert "房屋租赁合同" in refused.value.zh
    assert not ResidenceRegistration.objects.exists()
    with pytest.raises(services.Refused):
        register(person, station="nowhere")  # not a station of the city's directory


def test_a_late_report_is_registered_and_its_lateness_recorded() -> None:
    reg = register(make_person(), arrived_on=dt.date(2026, 11, 20))
    body = json.loads(Event.objects.get(record_id=reg.pk).body)
    # Shenzhen: within 7 days of moving in (provisions Arts. 11-13), from 20 November
    assert body["inputs"]["late"] is True and body["inputs"]["report_by"] == "2026-11-27"
    assert body["trace"][0]["rule"] == "registration.deadline"
    on_time = register(make_person(), arrived_on=dt.date(2026, 11, 30))
    assert json.loads(Event.objects.get(record_id=on_time.pk).body)["inputs"]["late"] is False


def test_moving_inside_the_city_changes_the_address_and_keeps_the_clock() -> None:
    person = make_person()
    reg = register(person, on=dt.date(2025, 6, 1))
    with pytest.raises(services.Refused, match="change the address"):
        register(person)  # once per city
    moved = services.do_change_address(
        reg, address="南山区科技园路1号2栋", housing="owned", on=ON, actor=CLERK,
        expected_version=reg.version, evidence=["property_certificate"],
    )  # fmt: skip
    assert moved.pk == reg.pk and moved.address == "南山区科技园路1号2栋"
    assert registry_facts(person, "shenzhen", ON)["registered_since"] == "2025-06-01"
    event = Event.objects.filter(record_id=reg.pk).order_by("seq").last()
    assert event is not None and event.name == "ResidenceAddressChanged"


def test_the_holder_registers_downloads_the_certificate_and_the_qr_checks_it(
    client: Client,
) -> None:
    person = make_person(name="新来的人")
    login(client, person)
    page = client.get("/portal/me/registration/").content.decode()
    assert "办理居住登记" in page and "房屋租赁合同" in page
    bad = client.post(
        "/portal/me/registration/",
        {"action": "register", "station": "sz-futian-1", "address": "福田区福华路1号",
         "housing": "rented", "arrived_on": "2026-11-30"},
    )  # fmt: skip
    assert bad.status_code == 400 and "房屋租赁合同" in bad.content.decode()
    assert "福田区福华路1号" in bad.content.decode()  # what was typed is kept
    r = client.post(
        "/portal/me/registration/",
        {"action": "register", "station": "sz-futian-1", "address": "福田区福华路1号",
         "housing": "rented", "arrived_on": "2026-11-30", "evidence": RENTED_PROOF},
    )  # fmt: skip
    assert r.status_code == 302
    reg = ResidenceRegistration.objects.get(person=person)
    assert (reg.registered_on, reg.arrived_on, reg.station) == (
        ON,
        dt.date(2026, 11, 30),
        "sz-futian-1",
    )
    pdf = client.get(f"/portal/me/registration/{reg.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    public = Client().get(f"/portal/r/{token_for(reg)}/")
    text = public.content.decode()
    assert public.status_code == 200 and "这份居住登记有效" in text and "2026-12-02" in text
    assert person.id_number_masked not in text and "福华路" not in text  # no number, no address
    forged = Client().get(f"/portal/r/{token_for(reg)[:-2]}xx/")
    assert forged.status_code == 404
    # ending it: the certificate's page says so
    r = client.post("/portal/me/registration/", {"action": "end", "registration": str(reg.pk)})
    assert r.status_code == 302
    assert "已注销" in Client().get(f"/portal/r/{token_for(reg)}/").content.decode()


def test_someone_else_s_registration_is_not_theirs_to_change(client: Client) -> None:
    reg = register(make_person())
    login(client, make_person(name="别人"))
    r = client.post("/portal/me/registration/", {"action": "end", "registration": str(reg.pk)})
    assert r.status_code == 404
    assert client.get(f"/portal/me/registration/{reg.pk}/certificate.pdf").status_code == 404


def test_the_application_goes_where_the_person_lives_now() -> None:
    from fixtures.permits import make_permit
    from juzhu.portal.apply import city_of

    person = make_person()
    make_permit(person, city="shenzhen", district="futian", station="sz-futian-1")
    make_office(city="shenzhen", district="nanshan", station="sz-nanshan-3", name_zh="南山派出所")
    register(person, district="nanshan", station="sz-nanshan-3")
    assert city_of(person) == ("shenzhen", "nanshan", "sz-nanshan-3")


def test_an_approved_change_of_address_changes_the_stored_address() -> None:
    from fixtures.applications import make_application
    from fixtures.permits import make_permit

    person = make_person()
    reg = register(person)
    permit = make_permit(person)
    app = make_application(
        person, kind="change", status="approved", permit=permit, housing="owned",
        facts={"address": "罗湖区人民南路2号"}, materials=("property_certificate",),
    )  # fmt: skip
    assert app.status == "approved"
    reg.refresh_from_db()
    assert (reg.address, reg.housing) == ("罗湖区人民南路2号", "owned")
    assert reg.registered_on == ON  # the clock kept


def test_journey_arrival_to_a_won_appeal(client: Client, frozen_clock: Any) -> None:
    """A first-time arrival registers, waits six months, applies, is told of the intended
    refusal on an unmet condition, answers, is refused with a letter, appeals and wins."""
    from juzhu.registry.models import Application, Letter

    person = make_person(name="初来者")
    login(client, person)
    client.post(
        "/portal/me/registration/",
        {"action": "register", "station": "sz-futian-1", "address": "福田区福华路1号",
         "housing": "rented", "arrived_on": "2026-12-01", "evidence": RENTED_PROOF},
    )  # fmt: skip
    frozen_clock.shift(dt.timedelta(days=183))  # six months later: 2027-06-03
    on = dt.date(2027, 6, 3)
    app = services.do_submit_application(
        person, kind="first_issue", city="shenzhen", district="futian", station="sz-futian-1",
        on=on, actor=services.Actor(f"holder:{person.pk}"), basis="employment",
        housing="rented", facts={"employed": True, "social_insurance_months": 6,
                                 "social_insurance_continuous": True},
    )  # fmt: skip
    assert app.facts["registered_since"] == "2026-12-02"
    services.do_accept_application(app, on=on, actor=CLERK, expected_version=app.version)
    app.refresh_from_db()
    verdict = services.verdict_of(app, on)
    assert verdict is not None and verdict.eligible is False  # Shenzhen: 12 months
    services.do_intend_refusal(
        app, grounds=list(verdict.grounds), facts="居住登记自2026年12月2日起，不满12个月",
        on=on, actor=CLERK, expected_version=app.version,
    )  # fmt: skip
    app.refresh_from_db()
    client = login(Client(), person)  # six months on: a new session
    r = client.post(
        f"/portal/me/applications/{app.pk}/answer/",
        {"answer": "我2026年初就到深圳工作了，只是登记晚了，请考虑。"},
    )
    assert r.status_code == 302 and r["Location"] == f"/portal/me/applications/{app.pk}/"
    app.refresh_from_db()
    assert app.intent["answered_on"] == "2027-06-03"
    from juzhu.backoffice import decisions

    letter = decisions.refuse(
        app, grounds=list(verdict.grounds), facts="居住登记自2026年12月2日起，不满12个月",
        on=on, actor=services.Actor("officer:reviewer"), expected_version=app.version,
    )  # fmt: skip
    assert letter is not None and letter.kind == "refusal"
    app.refresh_from_db()
    assert app.status == "refused"
    page = client.get("/portal/me/letters/").content.decode()
    assert "不予签发居住证决定书" in page
    appeal = services.do_file_appeal(
        None, kind="reconsideration", grounds="登记晚于实际居住，应以实际居住计算",
        on=on + dt.timedelta(days=3), actor=services.Actor(f"holder:{person.pk}"),
        application=app,
    )  # fmt: skip
    services.do_accept_appeal(
        appeal, on=on + dt.timedelta(days=5), actor=CLERK, expected_version=appeal.version
    )
    appeal.refresh_from_db()
    services.do_decide_appeal(
        appeal, outcome="revoked_act", on=on + dt.timedelta(days=30), actor=CLERK,
        expected_version=appeal.version, reasons="应当重新作出决定",
    )  # fmt: skip
    app = Application.objects.get(pk=app.pk)
    assert app.status == "accepted"  # reopened: the office must decide again
    assert Letter.objects.filter(person=person).count() >= 1
    assert re.search(r"ApplicationReopened", " ".join(
        Event.objects.filter(record_id=app.pk).values_list("name", flat=True)
    ))  # fmt: skip


def test_the_counter_registers_changes_and_ends_at_the_clerk_s_station() -> None:
    from django.urls import reverse

    from fixtures.officers import officer, signed_in
    from fixtures.permits import make_permit

    person = make_person()
    Person = type(person)
    Person.objects.filter(pk=person.pk).update(assurance="self_declared")
    make_permit(person)  # a record in the station's scope: the person page opens
    clerk = signed_in(officer("clerk"))
    url = reverse("backoffice:person_registration", args=[person.pk])
    page = clerk.get(reverse("backoffice:person", args=[person.pk])).content.decode()
    assert "在本受理点办理居住登记" in page
    r = clerk.post(url, {"action": "register", "address": "福田区福华路1号", "housing": "rented"})
    assert r.status_code == 400 and "租赁" in r.content.decode()  # the proof, said at once
    r = clerk.post(
        url,
        {"action": "register", "address": "福田区福华路1号", "housing": "rented",
         "evidence": RENTED_PROOF},
    )  # fmt: skip
    assert r.status_code == 302
    reg = ResidenceRegistration.objects.get(person=person)
    assert (reg.station, reg.registered_on) == ("sz-futian-1", ON)
    person.refresh_from_db()
    assert person.assurance == "verified"  # the ID card seen at the counter
    r = clerk.post(url, {"action": "end", "registration": str(reg.pk)})
    assert r.status_code == 302
    reg.refresh_from_db()
    assert reg.status == "deregistered" and reg.deregistered_by == "station"
    # a reviewer (not the acceptance point) may not; another station's clerk cannot reach it
    reviewer = signed_in(officer("reviewer", name="rv-reg"))
    assert reviewer.post(url, {"action": "register"}).status_code == 403
    other = signed_in(officer("clerk", district="nanshan", station="sz-nanshan-3", name="c2"))
    assert other.post(url, {"action": "register"}).status_code == 404


def test_a_newcomer_is_registered_at_the_counter() -> None:
    from django.urls import reverse

    from fixtures.officers import officer, signed_in

    clerk = signed_in(officer("clerk", name="counter-clerk"))
    url = reverse("backoffice:counter_registration")
    assert "居住登记（窗口办理）" in clerk.get(url).content.decode()
    data = {
        "id_number": make_id(), "name": "新来的人", "phone": "13600009999",
        "address": "福田区福华路2号", "housing": "rented",
    }  # fmt: skip
    r = clerk.post(url, data)
    assert r.status_code == 400 and "租赁" in r.content.decode()
    assert not ResidenceRegistration.objects.exists()  # nothing half-way
    r = clerk.post(url, {**data, "evidence": RENTED_PROOF})
    assert r.status_code == 302
    reg = ResidenceRegistration.objects.get()
    assert (reg.person.name, reg.person.assurance, reg.station) == (
        "新来的人",
        "verified",
        "sz-futian-1",
    )
    reviewer = signed_in(officer("reviewer", name="counter-rv"))
    assert reviewer.post(url, data).status_code == 403
