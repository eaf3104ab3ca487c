"""T2 verifier minimal disclosure and mass assignment (security.md §6).

Proves: the verify answer holds exactly the allow-listed keys, and the published schema
forbids any other (``additionalProperties: false``; never ``id_number`` or ``address``);
a signed-in holder's write that sets a state or jurisdiction field gets 400 and leaves the
record exactly as it was (its version and chain head unchanged).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import frozen
from fixtures.permits import OFFICER
from fixtures.portal import login
from fixtures.verification import ask, assert_no_personal_data, code_for
from juzhu.registry import services
from juzhu.registry.models import Permit, Person, ResidenceRegistration

pytestmark = [pytest.mark.django_db, frozen]

ALLOWED = {"valid", "answer", "reference", "purpose", "on", "city", "checked_at"}
HELD_EXTRA = {"question", "held_for_months", "period_start", "reasons"}
NEVER = {"id_number", "address", "name", "phone", "permit_number", "person", "permit_id"}
ADDRESS = "深圳市福田区莲花街道彩田路88号3栋1201"


def test_the_verify_answer_holds_only_the_allow_listed_keys(
    alice: Person, permit: Permit, school: Any, school_key: str
) -> None:
    services.do_register_residence(
        alice, city="shenzhen", district="futian", station="sz-futian-1",
        address=ADDRESS, housing="rented", on=permit.issued_on, actor=OFFICER,
    )  # fmt: skip
    response = ask(school_key, consent_code=code_for(alice, school, "school_enrollment"))
    assert response.status_code == 200
    assert set(response.json()) == ALLOWED
    assert ADDRESS not in response.content.decode()
    assert_no_personal_data(response, alice, permit)
    held = ask(
        school_key, consent_code=code_for(alice, school, "school_enrollment"), held_for_months=1
    )
    assert set(held.json()) == ALLOWED | HELD_EXTRA


def test_the_published_answer_schemas_forbid_any_other_key(client: Client) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("VerifyAnswer", "HeldAnswer", "HeldReason"):
        schema = schemas[name]
        assert schema.get("additionalProperties") is False, name
        assert not set(schema["properties"]) & NEVER, name
    assert set(schemas["VerifyAnswer"]["properties"]) == ALLOWED
    assert set(schemas["HeldAnswer"]["properties"]) == ALLOWED | HELD_EXTRA


def _state(model: Any, pk: Any) -> tuple[Any, ...]:
    return tuple(
        model.objects.filter(pk=pk)
        .values_list("status", "city", "version", "last_event_seq", "last_event_hash")
        .get()
    )


def test_a_holder_cannot_set_status_or_jurisdiction(
    client: Client, alice: Person, permit: Permit
) -> None:
    reg = services.do_register_residence(
        alice, city="shenzhen", district="futian", station="sz-futian-1",
        address=ADDRESS, housing="rented", on=permit.issued_on, actor=OFFICER,
    )  # fmt: skip
    login(client, alice)
    before = (_state(Permit, permit.pk), _state(ResidenceRegistration, reg.pk))
    attempts = [
        client.post(
            "/portal/me/registration/",
            {
                "action": "change",
                "address": "北京市某处1号",
                "status": "approved",
                "jurisdiction": "beijing",
            },
        ),  # fmt: skip
        client.patch(
            f"/portal/me/permits/{permit.pk}/",
            json.dumps({"status": "approved", "jurisdiction": "beijing"}),
            content_type="application/json",
        ),
        client.post(
            f"/portal/me/permits/{permit.pk}/answer/", {"answer": "好的", "city": "beijing"}
        ),
        client.post(
            "/portal/me/consent/lock/", {"version": permit.version, "verification_locked": "0"}
        ),
    ]
    for response in attempts:
        assert response.status_code == 400, response.content
        text = response.content.decode()
        assert "不能修改" in text and "You cannot set" in text
    assert (_state(Permit, permit.pk), _state(ResidenceRegistration, reg.pk)) == before
    assert ResidenceRegistration.objects.get(pk=reg.pk).address == ADDRESS
