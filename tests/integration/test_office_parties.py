"""Relying parties in the back office: an admin officer of the city onboards a party, issues
a key (shown once), revokes it, suspends, resumes and withdraws the party, each act through
``juzhu.verification.services`` and recorded as a ``PartyAction``; and the API then answers
as the acts say. An admin of another city neither sees nor touches the party."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fixtures.clock import frozen
from fixtures.officers import officer, signed_in
from fixtures.verification import ask, code_for, problem
from juzhu.backoffice.models import Denial
from juzhu.registry.models import Officer, Permit, Person, RelyingParty
from juzhu.verification.models import ApiKey, PartyAction

pytestmark = [pytest.mark.django_db, frozen]

KEY = re.compile(r'<p class="mono" id="new-key">(jzk_[^<]+)</p>')


@pytest.fixture()
def admin() -> Client:
    return signed_in(officer("admin", district="", station="", name="admin-sz"))


def _onboard(client: Client, **overrides: Any) -> Any:
    data = {
        "name": "福田区实验小学",
        "kind": "school",
        "purposes": ["school_enrollment"],
        "contact": "招生办 王老师 0755-8888 0000",
        **overrides,
    }
    return client.post(reverse("backoffice:party_new"), data)


def _party(client: Client) -> RelyingParty:
    response = _onboard(client)
    assert response.status_code == 302, response.content.decode()
    party = RelyingParty.objects.get(name="福田区实验小学")
    assert response["Location"] == reverse("backoffice:party", kwargs={"party_id": party.pk})
    return party


def _issue(client: Client, party: RelyingParty, **overrides: Any) -> str:
    data = {"label": "招生办", "per_minute": 60, "per_day": 1000, **overrides}
    response = client.post(reverse("backoffice:party_key_issue", kwargs={"party_id": party.pk}), data)  # fmt: skip
    assert response.status_code == 200, response.content.decode()
    assert response["Cache-Control"] == "no-store"
    found = KEY.search(response.content.decode())
    assert found, "the new key is shown"
    return found[1]


def _actions(party: RelyingParty) -> list[tuple[str, str]]:
    return list(
        PartyAction.objects.filter(party=party).order_by("id").values_list("action", "actor")
    )


def test_an_admin_onboards_a_party_of_their_city_and_it_is_recorded(admin: Client) -> None:
    assert admin.get(reverse("backoffice:parties")).status_code == 200

    party = _party(admin)

    assert (party.city, party.kind, party.allowed_purposes) == ("shenzhen", "school", ["school_enrollment"])  # fmt: skip
    assert party.contact == "招生办 王老师 0755-8888 0000"
    page = admin.get(reverse("backoffice:party", kwargs={"party_id": party.pk})).content.decode()
    assert "福田区实验小学" in page and "held_for_months" in page  # the school may ask how long
    admin_id = Officer.objects.get(user__username="admin-sz").user_id
    assert _actions(party) == [("registered", f"officer:{admin_id}")]
    assert "福田区实验小学" in admin.get(reverse("backoffice:parties")).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"purposes": []}, "请至少选择一个核验用途"),
        ({"purposes": ["lunch"]}, "lunch"),
        ({"name": ""}, "这个字段是必填项"),
        ({"kind": "casino"}, "casino"),
        ({"contact": ""}, "这个字段是必填项"),
    ],
    ids=["no-purpose", "unknown-purpose", "no-name", "unknown-kind", "no-contact"],
)
def test_bad_input_is_refused_saying_what_to_fix(
    admin: Client, overrides: dict[str, Any], message: str
) -> None:
    response = _onboard(admin, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RelyingParty.objects.exists() and not PartyAction.objects.exists()


def test_a_key_is_shown_once_works_and_once_revoked_is_refused(
    admin: Client, alice: Person, alice_permit: Permit
) -> None:
    party = _party(admin)
    secret = _issue(admin, party)
    key = ApiKey.objects.get(party=party)
    assert secret.startswith(key.prefix) and key.key_hash != secret
    assert (key.per_minute, key.per_day, key.label) == (60, 1000, "招生办")
    detail = admin.get(reverse("backoffice:party", kwargs={"party_id": party.pk})).content.decode()
    assert secret not in detail and key.prefix in detail  # never shown again

    code = code_for(alice, party, "school_enrollment")
    assert ask(secret, consent_code=code).status_code == 200

    url = reverse("backoffice:party_key_revoke", kwargs={"party_id": party.pk, "prefix": key.prefix})  # fmt: skip
    assert admin.post(url).status_code == 302
    problem(ask(secret, consent_code=code_for(alice, party, "school_enrollment")), 401, "api-key-revoked")  # fmt: skip
    assert [a for a, _ in _actions(party)] == ["registered", "key_issued", "key_revoked"]
    assert PartyAction.objects.get(action="key_revoked").key_prefix == key.prefix


def test_a_suspended_party_is_refused_until_resumed(
    admin: Client, alice: Person, alice_permit: Permit
) -> None:
    party = _party(admin)
    secret = _issue(admin, party)
    url = {n: reverse(f"backoffice:party_{n}", kwargs={"party_id": party.pk}) for n in ("suspend", "resume")}  # fmt: skip

    no_reason = admin.post(url["suspend"], {"reason": ""})
    assert no_reason.status_code == 400 and "这个字段是必填项" in no_reason.content.decode()
    assert admin.post(url["suspend"], {"reason": "合作协议到期"}).status_code == 302
    body = problem(ask(secret, consent_code="7KQ4XM2P"), 403, "party-suspended")
    assert "resumed" in body["detail"]
    assert "暂停" in admin.get(reverse("backoffice:party", kwargs={"party_id": party.pk})).content.decode()  # fmt: skip

    assert admin.post(url["resume"]).status_code == 302
    assert ask(secret, consent_code=code_for(alice, party, "school_enrollment")).status_code == 200
    assert [
        (a.action, a.note)
        for a in PartyAction.objects.filter(action__in=["suspended", "resumed"]).order_by("id")
    ] == [  # fmt: skip
        ("suspended", "合作协议到期"),
        ("resumed", ""),
    ]


def test_a_withdrawn_party_loses_every_key(admin: Client, alice: Person) -> None:
    party = _party(admin)
    first, second = _issue(admin, party), _issue(admin, party, label="第二把")
    url = reverse("backoffice:party_withdraw", kwargs={"party_id": party.pk})

    unconfirmed = admin.post(url, {})
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.content.decode()
    assert admin.post(url, {"confirm": "on"}).status_code == 302

    party.refresh_from_db()
    assert party.revoked_at is not None
    assert not ApiKey.objects.filter(party=party, revoked_at__isnull=True).exists()
    for secret in (first, second):
        problem(ask(secret, consent_code="7KQ4XM2P"), 401, "api-key-revoked")
    assert _actions(party)[-1][0] == "withdrawn"


def test_an_admin_of_another_city_neither_sees_nor_touches_the_party(admin: Client) -> None:
    party = _party(admin)
    _issue(admin, party)
    key = ApiKey.objects.get(party=party)
    other = signed_in(officer("admin", city="guangzhou", district="", station="", name="admin-gz"))
    before = (_actions(party), Denial.objects.count())

    assert "福田区实验小学" not in other.get(reverse("backoffice:parties")).content.decode()
    kw = {"party_id": party.pk}
    attempts = [
        ("get", reverse("backoffice:party", kwargs=kw), {}),
        ("post", reverse("backoffice:party_key_issue", kwargs=kw), {"per_minute": 1, "per_day": 1}),
        ("post", reverse("backoffice:party_key_revoke", kwargs={**kw, "prefix": key.prefix}), {}),
        ("post", reverse("backoffice:party_suspend", kwargs=kw), {"reason": "x"}),
        ("post", reverse("backoffice:party_resume", kwargs=kw), {}),
        ("post", reverse("backoffice:party_withdraw", kwargs=kw), {"confirm": "on"}),
    ]
    for method, url, data in attempts:
        response = getattr(other, method)(url, data)
        assert response.status_code == 404, (url, response.status_code)

    party.refresh_from_db()
    key.refresh_from_db()
    assert (party.revoked_at, party.suspended_at, key.revoked_at) == (None, None, None)
    assert ApiKey.objects.filter(party=party).count() == 1
    assert _actions(party) == before[0]
    assert Denial.objects.count() == before[1] + len(attempts)
    assert set(Denial.objects.values_list("why", flat=True)) == {"scope"}


@pytest.mark.parametrize("role", ["clerk", "reviewer", "supervisor", "auditor"])
def test_only_admins_manage_parties(role: str) -> None:
    client = signed_in(officer(role, name=f"{role}-parties"))
    assert client.get(reverse("backoffice:parties")).status_code == 403
    assert _onboard(client).status_code == 403
    assert not RelyingParty.objects.exists()
