"""T26 subject access request (security.md §6; PIPL Art. 45).

Proves: "download my data" gives the holder, as JSON and as a readable page, all their
fields (ID and phone numbers, addresses — the ones sealed in events opened too),
documents, every read of their data and every relying party's question; nothing about
anyone else (another holder, the officer who read the record); the download itself is
logged; and a refusal says why.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import TODAY, frozen, today
from fixtures.officers import officer
from fixtures.people import make_id, make_person
from fixtures.permits import OFFICER, make_permit
from fixtures.portal import login
from juzhu.registry import pii, retention, services
from juzhu.registry.models import AccessLog, Draft, Person, Upload
from juzhu.registry.selectors import Viewer, access_permit
from juzhu.registry.services.registration import do_change_address
from juzhu.verification import services as verification

pytestmark = [pytest.mark.django_db, frozen]

OLD = "深圳市福田区莲花街道彩田路88号3栋1201"
NEW = "深圳市福田区华富街道新洲路9号2栋701"
OTHER = "深圳市南山区粤海街道科技园1号"


def _life(
    person: Person, first: str, then: str | None, school: Any, key: str, clerk: str = "王警官"
) -> Any:
    reg = services.do_register_residence(
        person, city="shenzhen", district="futian", station="sz-futian-1",
        address=first, housing="rented", on=today() - dt.timedelta(days=400), actor=OFFICER,
    )  # fmt: skip
    if then:
        do_change_address(
            reg, address=then, housing="rented", on=today() - dt.timedelta(days=100),
            actor=OFFICER, expected_version=reg.version,
            evidence=["lease_contract", "lease_filing_certificate"],
        )  # fmt: skip
    permit = make_permit(person, on=today() - dt.timedelta(days=60))
    access_permit(Viewer.of_officer(officer("clerk", name=clerk)), permit.pk, "office_case")
    code = verification.do_create_consent_code(person, school, "school_enrollment").code
    verification.do_verify(api_key=key, purpose="school_enrollment", consent_code=code)
    draft = Draft.objects.create(person=person, kind="first_issue", data={})
    Upload.objects.create(
        draft=draft, material="id_card", name=f"{person.name}.jpg", content_type="image/jpeg",
        size=3, sha256="0" * 64,
    )  # fmt: skip
    return permit


def test_the_export_holds_everything_about_the_holder_and_nobody_else(
    client: Client, alice: Person, school: Any, school_key: str
) -> None:
    permit = _life(alice, OLD, NEW, school, school_key)
    mallory = make_person(
        name="马洛里", id_number=make_id(dt.date(1985, 1, 1)), phone="13900001111"
    )
    other_permit = _life(mallory, OTHER, None, school, school_key, clerk="李警官")
    reads_before = AccessLog.objects.filter(person=alice).count()

    login(client, alice)
    response = client.get("/portal/me/data/my-data.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    text = json.dumps(data, ensure_ascii=False)

    id_number = pii.decrypt(bytes(alice.id_number_enc), purpose="id_number", row=alice)
    assert data["person"]["id_number"] == id_number and data["person"]["phone"] == "13812345678"
    assert data["person"]["name"] == "艾丽斯"
    assert [r["address"] for r in data["registrations"]] == [NEW]
    assert OLD in text  # the old address, sealed in the move's event, opened for its owner
    assert [p["number"] for p in data["permits"]] == [permit.number]
    assert data["permits"][0]["history"], "each record's history"
    assert [u["name"] for d in data["drafts"] for u in d["uploads"]] == ["艾丽斯.jpg"]
    assert len(data["access_log"]) == reads_before
    assert {r["who"]["kind"] for r in data["access_log"]} == {"officer", "relying_party"}
    assert [v["outcome"] for v in data["verifications"]] == ["yes"]
    assert data["consent_codes"][0]["party"] == school.name

    mallory_id = pii.decrypt(bytes(mallory.id_number_enc), purpose="id_number", row=mallory)
    for secret in ("马洛里", mallory_id, mallory.id_number_masked, "13900001111", OTHER,
                   other_permit.number, str(mallory.pk), "王警官"):  # fmt: skip
        assert secret not in text, secret

    logged = AccessLog.objects.filter(person=alice, purpose="subject_access").get()
    assert (logged.viewer_kind, logged.fields) == ("holder", "all:json")


def test_the_readable_version_and_its_log(
    client: Client, alice: Person, school: Any, school_key: str
) -> None:
    _life(alice, OLD, NEW, school, school_key)
    login(client, alice)
    assert client.get("/portal/me/data/").status_code == 200
    page = client.get("/portal/me/data/my-data.html")
    assert page.status_code == 200
    html = page.content.decode()
    assert NEW in html and OLD in html and "艾丽斯" in html and "王警官" not in html
    assert AccessLog.objects.filter(
        person=alice, purpose="subject_access", fields="all:html"
    ).exists()
    checks = client.get("/portal/me/checks/").content.decode()
    assert "你下载了自己的数据" in checks or "you downloaded your own data" in checks


def test_a_refused_export_says_why(client: Client, alice: Person) -> None:
    retention.do_purge_person(alice, TODAY)
    alice.refresh_from_db()
    login(client, alice)
    response = client.get("/portal/me/data/my-data.json")
    assert response.status_code == 410
    assert "已按保存期限删除" in response.content.decode()
    assert not AccessLog.objects.filter(person=alice, purpose="subject_access").exists()
