"""Online re-application: one thing per page, uploads checked by content, check your
answers, a case number, save and resume, withdrawal."""

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
from fixtures.permits import OFFICER_17, cancelled_permit, make_permit
from fixtures.portal import login
from juzhu.portal.models import Draft, Upload
from juzhu.registry.models import Application, Permit, Person

pytestmark = frozen
PNG = real_files.PNG  # real files: uploads are parsed
PDF = real_files.PDF


@pytest.fixture()
def cancelled(alice: Person) -> Permit:
    return cancelled_permit(
        alice,
        reason="expired_not_renewed",
        on=dt.date(2025, 12, 1),
        actor=OFFICER_17,
    )


WORKING = {"employed": "yes", "social_insurance_months": "14", "social_insurance_continuous": "yes"}


def fill_pages(client: Client) -> Draft:
    r = client.post("/portal/me/apply/")
    draft = Draft.objects.get()
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/basis/"
    assert client.post(r["Location"], {"basis": "employment"}).status_code == 302
    r = client.post(f"/portal/me/apply/{draft.pk}/housing/", {"housing": "rented"})
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/address/"
    r = client.post(f"/portal/me/apply/{draft.pk}/address/", {"address": "福田区福华路88号3栋501"})
    # Shenzhen asks a job and social insurance of everyone (Art. 19): the facts page
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/facts/"
    r = client.post(f"/portal/me/apply/{draft.pk}/facts/", WORKING)
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/materials/"
    return draft


def upload(client: Client, draft: Draft, material: str, name: str, data: bytes) -> Any:
    return client.post(
        f"/portal/me/apply/{draft.pk}/materials/",
        {"action": "upload", "material": material, "file": SimpleUploadedFile(name, data)},
    )


def test_a_re_application_goes_in_with_a_case_number_and_the_time_limit(
    client: Client, alice: Person, cancelled: Permit, uploads: Path
) -> None:
    login(client, alice)
    draft = fill_pages(client)
    page = client.get(f"/portal/me/apply/{draft.pk}/materials/").content.decode()
    assert "房屋租赁合同" in page and "劳动合同" in page  # rented + employment
    assert upload(client, draft, "lease_contract", "lease.png", PNG).status_code == 302
    assert upload(client, draft, "labour_contract", "contract.pdf", PDF).status_code == 302
    stored = Upload.objects.get(material="lease_contract")
    assert (uploads / str(draft.pk) / str(stored.pk)).read_bytes() == PNG
    assert stored.content_type == "image/png" and stored.name == "lease.png"
    client.post(f"/portal/me/apply/{draft.pk}/materials/", {"action": "done"})
    check = client.get(f"/portal/me/apply/{draft.pk}/check/").content.decode()
    assert "福田区福华路88号3栋501" in check and "我承诺" in check

    r = client.post(f"/portal/me/apply/{draft.pk}/check/", {})
    assert r.status_code == 400 and "请勾选承诺" in r.content.decode()
    assert not Application.objects.exists()

    r = client.post(f"/portal/me/apply/{draft.pk}/check/", {"declaration": "yes"})
    app = Application.objects.get()
    assert r["Location"] == f"/portal/me/applications/{app.pk}/"
    assert (app.kind, app.status, app.basis, app.housing) == (
        "reapplication",
        "submitted",
        "employment",
        "rented",
    )
    assert app.station == "sz-futian-1" and app.facts["address"] == "福田区福华路88号3栋501"
    provided = set(app.materials.values_list("material", flat=True))
    assert provided == {"lease_contract", "labour_contract"}
    page = client.get(r["Location"]).content.decode()
    assert "申请已提交" in page and app.case_number in page
    assert "受理后15个工作日内办结" in page and "撤回申请" in page
    again = client.post(f"/portal/me/apply/{draft.pk}/check/", {"declaration": "yes"})
    assert again.status_code == 404 and Application.objects.count() == 1  # no duplicate


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "photo.jpg",
            b"MZ\x90\x00 this is a program, not a photo" * 10,
            "内容不是 JPG、PNG 或 PDF",
        ),
        ("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "超过5MB"),
        ("empty.png", b"", "是空的"),
    ],
)
def test_a_disguised_oversize_or_empty_file_is_refused_and_nothing_is_kept(
    client: Client, alice: Person, cancelled: Permit, uploads: Path, name: str, data: bytes,
    message: str,
) -> None:  # fmt: skip
    login(client, alice)
    draft = fill_pages(client)
    r = upload(client, draft, "lease_contract", name, data)
    html = r.content.decode()
    if name == "big.pdf":  # stopped while streaming in: 413, the limit named (T9)
        assert r.status_code == 413 and message in html
    else:
        assert r.status_code == 400
        assert message in html and 'id="file-lease_contract-error"' in html
    assert not Upload.objects.exists()
    assert not (uploads / str(draft.pk)).exists() or not any((uploads / str(draft.pk)).iterdir())


def test_at_most_three_files_per_material(
    client: Client, alice: Person, cancelled: Permit, uploads: Path
) -> None:
    login(client, alice)
    draft = fill_pages(client)
    for i in range(3):
        assert upload(client, draft, "lease_contract", f"{i}.png", PNG).status_code == 302
    r = upload(client, draft, "lease_contract", "4.png", PNG)
    assert r.status_code == 400 and "最多上传3个文件" in r.content.decode()
    assert Upload.objects.count() == 3


def test_script_in_the_address_is_refused_beside_the_field(
    client: Client, alice: Person, cancelled: Permit, uploads: Path
) -> None:
    login(client, alice)
    client.post("/portal/me/apply/")
    draft = Draft.objects.get()
    r = client.post(
        f"/portal/me/apply/{draft.pk}/address/", {"address": "<script>alert(1)</script>"}
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "地址里不能有" in html and 'id="id_address-error"' in html
    assert "<script>alert(1)</script>" not in html
    draft.refresh_from_db()
    assert "address" not in draft.data


def test_an_application_resumes_where_it_stopped_on_another_device(
    alice: Person, cancelled: Permit, uploads: Path
) -> None:
    phone = login(Client(), alice)
    r = phone.post("/portal/me/apply/")
    phone.post(r["Location"], {"basis": "employment"})
    laptop = login(Client(), alice)
    r = laptop.post("/portal/me/apply/")
    draft = Draft.objects.get()
    assert r["Location"] == f"/portal/me/apply/{draft.pk}/housing/"
    assert "继续填写申请" in laptop.get("/portal/me/apply/").content.decode()


def test_the_holder_can_withdraw_a_submitted_application(
    client: Client, alice: Person, cancelled: Permit, uploads: Path
) -> None:
    login(client, alice)
    draft = fill_pages(client)
    client.post(f"/portal/me/apply/{draft.pk}/materials/", {"action": "done"})
    client.post(f"/portal/me/apply/{draft.pk}/check/", {"declaration": "yes"})
    app = Application.objects.get()
    r = client.post(f"/portal/me/applications/{app.pk}/withdraw/")
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "withdrawn"
    page = client.get(f"/portal/me/applications/{app.pk}/").content.decode()
    assert "已撤回" in page and "撤回申请" in page  # the event in the history
    assert 'action="/portal/me/applications/' not in page  # no withdraw button any more


def test_a_live_permit_means_no_re_application(
    client: Client, alice: Person, uploads: Path
) -> None:
    make_permit(alice, on=dt.date.today() - dt.timedelta(days=30))
    login(client, alice)
    draft = fill_pages(client)
    client.post(f"/portal/me/apply/{draft.pk}/materials/", {"action": "done"})
    r = client.post(f"/portal/me/apply/{draft.pk}/check/", {"declaration": "yes"})
    assert r.status_code == 409 and "请办理签注而不是重新申领" in r.content.decode()
    assert not Application.objects.exists()


def test_nobody_else_can_open_a_draft_or_an_application(
    client: Client, alice: Person, cancelled: Permit, uploads: Path
) -> None:
    login(client, alice)
    draft = fill_pages(client)
    client.post(f"/portal/me/apply/{draft.pk}/materials/", {"action": "done"})
    client.post(f"/portal/me/apply/{draft.pk}/check/", {"declaration": "yes"})
    app = Application.objects.get()
    other = login(Client(), make_person(name="鲍勃"))
    assert other.get(f"/portal/me/apply/{draft.pk}/materials/").status_code == 404
    assert other.get(f"/portal/me/applications/{app.pk}/").status_code == 404
    assert other.post(f"/portal/me/applications/{app.pk}/withdraw/").status_code == 404
