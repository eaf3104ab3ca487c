"""Every application kind online: the 办理什么业务 page offers only the kinds that fit the
person's situation, each kind asks only its own questions and lists its own materials, and
each goes in through the registry's use case (the permit kinds naming the permit)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fixtures import files as real_files
from fixtures.clock import frozen
from fixtures.people import make_person
from fixtures.permits import make_permit, suspended_permit
from fixtures.portal import login
from juzhu.portal import apply
from juzhu.portal.models import Draft, Upload
from juzhu.registry import services
from juzhu.registry.models import Application, Permit, Person

pytestmark = frozen
PNG = real_files.PNG  # a real PNG: uploads are parsed


@pytest.fixture()
def suspended(alice: Person) -> Permit:
    return suspended_permit(alice)


@pytest.fixture()
def active(alice: Person) -> Permit:
    """Issued a month ago: live, and its endorsement not due for most of a year."""
    return make_permit(alice, on=dt.date.today() - dt.timedelta(days=30))


def choose(client: Client, kind: str) -> Draft:
    r = client.post("/portal/me/apply/", {"choosing": "1", "kind": kind})
    assert r.status_code == 302, r.content.decode()[:2000]
    return Draft.objects.get(kind=kind, application__isnull=True)


def submit(client: Client, draft: Draft) -> Application:
    assert client.post(f"/portal/me/apply/{draft.pk}/materials/", {"action": "done"})[
        "Location"
    ] == (f"/portal/me/apply/{draft.pk}/check/")
    r = client.post(f"/portal/me/apply/{draft.pk}/check/", {"declaration": "yes"})
    assert r.status_code == 302, r.content.decode()[:3000]
    app = Application.objects.get(pk=r["Location"].split("/")[-2])
    assert app.status == "submitted" and app.channel == "online"
    return app


def test_the_choice_offers_only_the_permit_kinds_to_a_holder_of_a_live_permit(
    client: Client, alice: Person, active: Permit, uploads: Path
) -> None:
    login(client, alice)
    page = client.get("/portal/me/apply/").content.decode()
    assert "你要办理什么业务？" in page
    for text in ("变更居住地址", "补领或换领居住证", "申请注销居住证"):
        assert text in page
    assert "重新申领居住证" not in page and "首次申领" not in page
    assert "居住证签注" not in page  # not due for most of a year
    assert "网上办理居住证业务" in client.get("/portal/me/").content.decode()


def test_a_suspended_permit_can_be_endorsed_and_a_first_timer_only_applies(
    client: Client, alice: Person, suspended: Permit, uploads: Path
) -> None:
    assert apply.kinds_for(alice)[0] == "endorsement"
    newcomer = make_person(name="新人")
    assert apply.kinds_for(newcomer) == ["first_issue"]
    login(client, newcomer)
    page = client.get("/portal/me/apply/").content.decode()
    assert "网上申领居住证" in page and 'name="kind" value="first_issue"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"choosing": "1"}, "请选择一项"),
        ({"choosing": "1", "kind": "reapplication"}, "请从列出的业务中选择一项"),
        ({"kind": "<script>"}, "请从列出的业务中选择一项"),
    ],
)
def test_a_kind_that_does_not_fit_is_refused_beside_the_field(
    client: Client, alice: Person, active: Permit, uploads: Path, data: dict[str, str], message: str
) -> None:
    login(client, alice)
    r = client.post("/portal/me/apply/", data)
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html and 'id="id_kind-error"' in html and "<script>" not in html
    assert not Draft.objects.exists()


def test_a_first_issue_goes_in_with_basis_and_housing(
    client: Client, uploads: Path, db: Any
) -> None:
    newcomer = make_person(name="新人")
    login(client, newcomer)
    draft = choose(client, "first_issue")
    client.post(f"/portal/me/apply/{draft.pk}/basis/", {"basis": "residence"})
    client.post(f"/portal/me/apply/{draft.pk}/housing/", {"housing": "owned"})
    client.post(f"/portal/me/apply/{draft.pk}/address/", {"address": "南山区科技园路1号2栋"})
    client.post(
        f"/portal/me/apply/{draft.pk}/facts/",
        {"employed": "yes", "social_insurance_months": "14", "social_insurance_continuous": "yes"},
    )
    page = client.get(f"/portal/me/apply/{draft.pk}/materials/").content.decode()
    assert "房屋所有权证" in page
    app = submit(client, draft)
    assert (app.kind, app.basis, app.housing, app.permit_id) == (
        "first_issue",
        "residence",
        "owned",
        None,
    )
    assert app.city == "shenzhen"
    assert "网上申领居住证" in client.get(f"/portal/me/applications/{app.pk}/").content.decode()


def test_an_endorsement_names_the_permit_and_shenzhen_asks_for_proof_again(
    client: Client, alice: Person, suspended: Permit, uploads: Path
) -> None:
    login(client, alice)
    r = client.post("/portal/me/apply/", {"choosing": "1", "kind": "endorsement"})
    draft = Draft.objects.get()
    # no questions but the facts Shenzhen re-checks at the endorsement (Art. 24): work and
    # social insurance; the permit's basis and home are not asked again
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/facts/"
    facts = client.get(r["Location"]).content.decode()
    assert "你的就业、社保和就读情况" in facts and "社保缴纳证明" in facts
    r = client.post(
        r["Location"],
        {"employed": "yes", "social_insurance_months": "24", "social_insurance_continuous": "yes"},
    )
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/materials/"
    page = client.get(r["Location"]).content.decode()
    # Shenzhen re-proves the conditions: the permit, proof of home (rented) and of work
    assert "原居住证" in page and "房屋租赁合同" in page and "社保缴纳证明" in page
    assert client.get(f"/portal/me/apply/{draft.pk}/basis/").status_code == 404
    check = client.get(f"/portal/me/apply/{draft.pk}/check/").content.decode()
    assert suspended.number in check and "居住证签注" in check
    app = submit(client, draft)
    assert (app.kind, app.permit_id, app.basis, app.housing) == (
        "endorsement",
        suspended.pk,
        "employment",
        "rented",
    )
    page = client.get(f"/portal/me/applications/{app.pk}/").content.decode()
    assert "居住证签注" in page and "新的签注日期" in page


def test_the_endorsement_checklist_follows_the_city_policy(alice: Person, uploads: Path) -> None:
    permit = make_permit(alice, city="guangzhou", district="tianhe", station="gz-tianhe-1")
    draft = Draft.objects.create(person=alice, kind="endorsement", data={"permit": str(permit.pk)})
    reproves = services.policy_of("guangzhou", dt.date.today()).get(
        "endorsement.reproves_eligibility"
    )
    ids = [i["id"] for i in apply.checklist(draft, "zh")]
    assert ids[:2] == ["id_card", "old_permit"]
    assert ("lease_contract" in ids) == bool(reproves)


def test_a_change_of_address_asks_the_new_home_and_its_proof_only(
    client: Client, alice: Person, active: Permit, uploads: Path
) -> None:
    login(client, alice)
    draft = choose(client, "change")
    r = client.get("/portal/me/apply/")  # resume offered on the choice page
    assert "继续填写申请" in r.content.decode()
    r = client.post("/portal/me/apply/", {"choosing": "1", "kind": "change"})
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/housing/"
    r = client.post(f"/portal/me/apply/{draft.pk}/housing/", {"housing": "owned"})
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/address/"
    r = client.post(f"/portal/me/apply/{draft.pk}/address/", {"address": "罗湖区人民南路2号"})
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/materials/"
    draft.refresh_from_db()
    items = apply.checklist(draft, "zh")
    assert [i["id"] for i in items] == ["property_certificate"]
    upload = client.post(
        f"/portal/me/apply/{draft.pk}/materials/",
        {
            "action": "upload",
            "material": "property_certificate",
            "file": SimpleUploadedFile("deed.png", PNG),
        },
    )
    assert upload.status_code == 302
    app = submit(client, draft)
    assert (app.kind, app.permit_id, app.housing, app.basis) == (
        "change",
        active.pk,
        "owned",
        "employment",
    )
    assert app.facts["address"] == "罗湖区人民南路2号"
    assert list(app.materials.values_list("material", flat=True)) == ["property_certificate"]


def test_a_replacement_asks_why_and_wants_id_card_and_photo(
    client: Client, alice: Person, active: Permit, uploads: Path
) -> None:
    login(client, alice)
    draft = choose(client, "replacement")
    r = client.post(f"/portal/me/apply/{draft.pk}/replace_reason/", {"replace_reason": "stolen"})
    assert r.status_code == 400 and 'id="id_replace_reason-error"' in r.content.decode()
    draft.refresh_from_db()
    assert "replace_reason" not in draft.data
    r = client.post(f"/portal/me/apply/{draft.pk}/replace_reason/", {"replace_reason": "lost"})
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/materials/"
    assert [i["id"] for i in apply.checklist(draft, "zh")] == ["id_card", "photo"]
    check = client.get(f"/portal/me/apply/{draft.pk}/check/").content.decode()
    assert "证件丢失了" in check
    app = submit(client, draft)
    assert (app.kind, app.permit_id, app.facts["replace_reason"]) == (
        "replacement",
        active.pk,
        "lost",
    )


def test_a_voluntary_cancellation_needs_the_consequences_confirmed(
    client: Client, alice: Person, active: Permit, uploads: Path
) -> None:
    login(client, alice)
    draft = choose(client, "voluntary_cancellation")
    r = client.post(f"/portal/me/apply/{draft.pk}/cancel_reason/", {})
    assert r.status_code == 400 and "请选择一项" in r.content.decode()
    r = client.post(f"/portal/me/apply/{draft.pk}/cancel_reason/", {"cancel_reason": "moved_away"})
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/cancel_confirm/"
    page = client.get(r["Location"]).content.decode()
    assert "注销后居住证立即失效" in page
    r = client.post(f"/portal/me/apply/{draft.pk}/cancel_confirm/", {})
    html = r.content.decode()
    assert r.status_code == 400 and "请勾选确认" in html and 'id="id_cancel_confirm-error"' in html
    draft.refresh_from_db()
    assert "cancel_confirm" not in draft.data
    r = client.post(f"/portal/me/apply/{draft.pk}/cancel_confirm/", {"cancel_confirm": "yes"})
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/materials/"
    assert [i["id"] for i in apply.checklist(draft, "zh")] == ["id_card"]
    app = submit(client, draft)
    assert app.kind == "voluntary_cancellation" and app.permit_id == active.pk
    assert app.facts["cancel_reason"] == "moved_away" and app.facts["consequences_understood"]
    page = client.get(f"/portal/me/applications/{app.pk}/").content.decode()
    assert "申请注销居住证" in page and "注销后居住证不能再使用" in page


def test_a_permit_kind_whose_permit_ended_meanwhile_is_refused_at_submission(
    client: Client, alice: Person, active: Permit, uploads: Path
) -> None:
    login(client, alice)
    draft = choose(client, "replacement")
    client.post(f"/portal/me/apply/{draft.pk}/replace_reason/", {"replace_reason": "damaged"})
    client.post(f"/portal/me/apply/{draft.pk}/materials/", {"action": "done"})
    draft.data = {**draft.data, "permit": str(make_permit(make_person()).pk)}  # not hers
    draft.save()
    r = client.post(f"/portal/me/apply/{draft.pk}/check/", {"declaration": "yes"})
    assert r.status_code == 409 and "需要你本人有效或中止的居住证" in r.content.decode()
    assert not Application.objects.exists() and not Upload.objects.exists()


# -- the eligibility facts, gathered once (issue 13 item 3) ----------------------------------


def _to_facts(client: Client, draft: Draft, basis: str = "employment") -> str:
    client.post(f"/portal/me/apply/{draft.pk}/basis/", {"basis": basis})
    client.post(f"/portal/me/apply/{draft.pk}/housing/", {"housing": "rented"})
    r = client.post(f"/portal/me/apply/{draft.pk}/address/", {"address": "福田区福华路1号"})
    return str(r["Location"])


def test_the_facts_page_asks_only_what_the_policy_needs_and_stores_it_on_the_application(
    client: Client, uploads: Path, db: Any
) -> None:
    person = make_person(name="新人")
    services.do_register_residence(
        person, city="shenzhen", district="futian", station="sz-futian-1",
        address="福田区福华路1号", housing="rented", on=dt.date(2025, 6, 1),
        actor=services.Actor("officer:clerk"),
    )  # fmt: skip
    login(client, person)
    draft = choose(client, "first_issue")
    url = _to_facts(client, draft)
    assert url.endswith("/facts/")
    page = client.get(url).content.decode()
    assert "在本市稳定就业" in page and "近24个月在本市缴纳社保的月数" in page
    assert "居住登记日期" not in page  # the registry knows it; never asked
    assert "在本市连续就读" not in page  # not this basis
    # a missing answer is refused beside its field; the earlier answers are kept
    r = client.post(url, {"employed": "yes"})
    assert r.status_code == 400
    assert "0到24之间的整数" in r.content.decode()
    draft.refresh_from_db()
    assert draft.data["address"] == "福田区福华路1号" and "facts" not in draft.data
    r = client.post(
        url,
        {"employed": "yes", "social_insurance_months": "9", "social_insurance_continuous": "no"},
    )
    assert r.status_code == 302
    check = client.get(f"/portal/me/apply/{draft.pk}/check/").content.decode()
    assert "近24个月在本市缴纳社保的月数：9" in check
    app = submit(client, draft)
    assert app.facts["employed"] is True and app.facts["social_insurance_months"] == 9
    assert app.facts["social_insurance_continuous"] is False
    assert app.facts["registered_since"] == "2025-06-01"  # from the registry
    verdict = services.verdict_of(app, dt.date(2026, 12, 2))
    assert verdict is not None and verdict.eligible is False  # 9 months short of 12 / 18
    assert [u["rule"] for u in verdict.unmet] == ["eligibility.social_insurance"]  # Art. 19(2)


def test_a_person_without_a_job_is_not_asked_about_social_insurance(
    client: Client, uploads: Path, db: Any
) -> None:
    login(client, make_person(name="新人"))
    draft = choose(client, "first_issue")
    url = _to_facts(client, draft)
    r = client.post(url, {"employed": "no"})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.data["facts"] == {"employed": False}


def test_a_city_whose_residence_route_needs_no_facts_asks_none(
    client: Client, uploads: Path, db: Any
) -> None:
    login(client, make_person(name="新人", city="hangzhou"))
    draft = choose(client, "first_issue")
    url = _to_facts(client, draft, basis="residence")
    assert url.endswith("/materials/")
