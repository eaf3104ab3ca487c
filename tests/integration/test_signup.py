"""First-time holders (issue 13 item 2): sign up online with ID number, name and a phone
proven by SMS, at the self-declared assurance level; a number already on record gets the
login code on its own phone and is not changed; the counter (or an accepted application)
verifies; a verified holder changes the phone with a code sent to the old number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fixtures.applications import make_application
from fixtures.clock import frozen
from fixtures.outbox import sent_sms
from fixtures.people import make_id, make_person
from juzhu.portal import auth
from juzhu.registry import pii
from juzhu.registry.models import Person
from juzhu.registry.services import Actor, Refused, do_change_phone

pytestmark = [pytest.mark.django_db, frozen]


@pytest.fixture()
def outbox(settings: Any, tmp_path: Path) -> Path:
    settings.NOTIFY_FILE_DIR = tmp_path
    return tmp_path


def codes_to(outbox: Path, masked: str) -> list[str]:
    return [m["params"]["code"] for m in sent_sms(outbox) if m["to"] == masked]


def sign_up(client: Client, number: str, phone: str, name: str = "初来者") -> Any:
    return client.post(
        "/portal/signup/",
        {"id_number": number, "name": name, "phone": phone, "city": "shenzhen"},
    )


def test_a_newcomer_signs_up_proves_the_phone_and_is_self_declared(
    client: Client, outbox: Path
) -> None:
    page = client.get("/portal/signup/").content.decode()
    assert 'value="shenzhen"' in page and "深圳" in page  # cities by their names
    number = make_id()
    r = sign_up(client, number, "13900001234")
    assert r.status_code == 302 and r["Location"] == "/portal/login/code/"
    person = Person.objects.get()
    assert person.assurance == "pending" and person.phone_masked == "139****1234"
    [code] = codes_to(outbox, "139****1234")
    r = client.post("/portal/login/code/", {"code": code})
    assert r.status_code == 302 and r["Location"] == "/portal/me/registration/"
    person.refresh_from_db()
    assert person.assurance == "self_declared"
    assert "本人申报" in client.get("/portal/me/").content.decode()


def test_a_number_on_record_gets_the_code_on_its_own_phone_and_is_not_changed(
    client: Client, outbox: Path
) -> None:
    alice = make_person(name="艾丽斯", phone="13812345678")
    number = pii.decrypt(bytes(alice.id_number_enc), purpose="id_number")
    r = sign_up(client, number, "13900009999", name="冒名者")
    assert r.status_code == 302 and r["Location"] == "/portal/login/code/"  # the same reply
    alice.refresh_from_db()
    assert (alice.name, alice.phone_masked, alice.assurance) == (
        "艾丽斯",
        "138****5678",
        "verified",
    )
    assert codes_to(outbox, "139****9999") == []  # nothing to the typed phone
    assert len(codes_to(outbox, "138****5678")) == 1


def test_an_unproven_sign_up_may_be_replaced(client: Client, outbox: Path) -> None:
    number = make_id()
    sign_up(client, number, "13900001111")
    sign_up(Client(), number, "13900002222", name="本人")
    person = Person.objects.get()
    assert (person.name, person.phone_masked, person.assurance) == (
        "本人",
        "139****2222",
        "pending",
    )


def test_an_accepted_application_verifies_a_self_declared_identity() -> None:
    person = make_person()
    Person.objects.filter(pk=person.pk).update(assurance="self_declared")
    person.refresh_from_db()
    make_application(person, status="accepted")
    person.refresh_from_db()
    assert person.assurance == "verified"


def test_the_phone_changes_with_a_code_to_the_old_number(client: Client, outbox: Path) -> None:
    from fixtures.portal import login

    alice = make_person(name="艾丽斯", phone="13812345678")
    login(client, alice)
    r = client.post("/portal/me/phone/", {"phone": "13700001111"})
    assert r.status_code == 200 and "验证码已发到你现在登记的手机" in r.content.decode()
    [code] = codes_to(outbox, "138****5678")  # the old number
    r = client.post("/portal/me/phone/", {"code": code})
    assert r.status_code == 302
    alice.refresh_from_db()
    assert alice.phone_masked == "137****1111"
    assert pii.decrypt(bytes(alice.phone_enc), purpose="phone") == "13700001111"


def test_a_self_declared_account_changes_its_phone_at_the_counter_only(
    client: Client, outbox: Path
) -> None:
    from fixtures.portal import login

    person = make_person(phone="13812345678")
    Person.objects.filter(pk=person.pk).update(assurance="self_declared")
    person.refresh_from_db()
    login(client, person)
    r = client.post("/portal/me/phone/", {"phone": "13700001111"})
    assert r.status_code == 400 and "受理点" in r.content.decode()
    with pytest.raises(Refused):
        do_change_phone(person, "13700001111", actor=Actor(f"holder:{person.pk}"))
    do_change_phone(person, "13700001111", actor=Actor("officer:7"))
    assert person.phone_masked == "137****1111"


def test_a_sign_up_refused_for_its_client_or_its_step_up_stores_nothing(outbox: Path) -> None:
    flood = Client(REMOTE_ADDR="203.0.113.90")
    for i in range(10):  # the client's codes for the minute
        assert sign_up(flood, make_id(), f"1390000{i:04d}").status_code == 302
    before = Person.objects.count()
    r = sign_up(flood, make_id(), "13900009999")
    assert r.status_code == 429 and Person.objects.count() == before  # nothing half-way
    number = make_id()
    for i in range(3):  # a number's free codes for the hour, from three addresses
        sign_up(Client(REMOTE_ADDR=f"192.0.2.{i}"), number, "13911112222")
    r = sign_up(Client(REMOTE_ADDR="192.0.2.9"), number, "13933334444")
    assert r.status_code == 400 and "图片中的字符" in r.content.decode()
    assert Person.objects.get(id_number_index=auth.id_key(number)).phone_masked == "139****2222"
