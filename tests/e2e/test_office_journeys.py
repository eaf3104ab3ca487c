"""Back-office journeys in Debian's chromium: a clerk accepts with a one-time notice, a
reviewer refuses with a decision letter, a reviewer cancels a permit with its letter. Each
letter is downloaded and read (pdftotext) for its reasons, legal basis, remedy rights and
deadlines; every page passes axe-core."""

from __future__ import annotations

from typing import Any

from a11y import audit
from office_people import make_office_officer, make_offices, office_sign_in
from playwright.sync_api import expect

from fixtures.clock import frozen

pytestmark = frozen


def test_an_officer_signs_in_with_password_and_code(office_page: Any, live_server: Any) -> None:
    make_offices()
    clerk = make_office_officer("clerk-bob", "clerk")
    office_sign_in(office_page, live_server.url, clerk)
    expect(office_page.locator("main")).to_contain_text("网上申请")
    audit(office_page, "office-home", elder=False)
    office_page.shots.take(office_page, "home")


def _online_application(missing_filing: bool = True, **facts: Any) -> Any:
    """An online first-issue application at 华强北派出所, the lease filing certificate
    missing."""
    import datetime as dt

    from django.utils import timezone

    from juzhu.registry import services
    from juzhu.registry.idnumbers import make_id_number
    from juzhu.registry.services import Actor

    person = services.do_register_person(
        make_id_number("440304", dt.date(1994, 3, 8), 7), "林小雨", city="shenzhen",
        phone="13912345678",
    )  # fmt: skip
    materials = ["id_card", "photo", "lease_contract", "labour_contract", "social_insurance_record"]
    if not missing_filing:
        materials.append("lease_filing_certificate")
    return services.do_submit_application(
        person, kind="first_issue", city="shenzhen", district="futian", station="sz-futian-1",
        on=timezone.localdate(), actor=Actor(f"holder:{person.pk}"), basis="employment",
        housing="rented", materials=materials,
        facts={"registered_since": "2024-01-01", "employed": True,
               "social_insurance_months": 26, "social_insurance_continuous": True, **facts},
    )  # fmt: skip


def pdf_text(page: Any, link: Any) -> str:
    """The text of the PDF behind ``link``, fetched with the officer's session (chromium
    shows a PDF in its viewer rather than downloading it), without the layout's line
    breaks and spaces (a Chinese phrase may wrap anywhere)."""
    import subprocess

    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.body(), capture_output=True, check=True
    )
    return "".join(text.stdout.decode().split())


def test_a_clerk_issues_one_complete_notice_then_accepts_with_a_receipt(
    office_page: Any, live_server: Any
) -> None:
    page = office_page
    make_offices()
    app = _online_application()
    clerk = make_office_officer("clerk-bob", "clerk")
    office_sign_in(page, live_server.url, clerk)
    page.get_by_role("link", name="网上申请").first.click()
    expect(page.locator("h1")).to_have_text("网上申请")
    expect(page.locator("table.queue")).to_contain_text("林小雨")
    expect(page.locator("table.queue")).to_contain_text("个工作日后到期")
    audit(page, "office-queue", elder=False)
    page.shots.take(page, "queue")
    page.get_by_role("link", name=app.case_number).click()
    expect(page.locator("h1")).to_contain_text(app.case_number)
    expect(page.locator("#acceptance-panel")).to_contain_text("租赁合同登记备案证明")
    audit(page, "office-case-submitted", elder=False)
    page.shots.take(page, "case")
    # the clerk checks the originals; the filing certificate is not among them
    page.get_by_role("button", name="出具一次性告知书（列出全部未核验材料）").click()
    expect(page.locator(".status")).to_have_text("待补正")
    expect(page.locator("main")).to_contain_text("一次性告知书")
    audit(page, "office-case-notice", elder=False)
    page.shots.take(page, "notice-issued")
    text = pdf_text(page, page.get_by_role("link", name="PDF").first)
    assert "一次性告知书" in text and app.case_number in text
    assert "租赁合同登记备案证明" in text and "第三十二条" in text
    assert "深圳市公安局福田分局" in text

    # the applicant brings the certificate to the window; the clerk records it and accepts
    page.get_by_label("租赁合同登记备案证明").check()
    page.get_by_role("button", name="记录补正，转回待受理").click()
    expect(page.locator(".status")).to_have_text("待受理")
    page.get_by_role("button", name="受理并出具受理回执").click()
    expect(page.locator(".status")).to_contain_text("已受理")
    page.shots.take(page, "accepted")
    text = pdf_text(page, page.get_by_role("link", name="PDF").last)
    assert "受理回执" in text and app.case_number in text
    app.refresh_from_db()
    assert app.status == "accepted" and app.due_on is not None
    assert f"{app.due_on.year}年{app.due_on.month}月{app.due_on.day}日" in text


def _accepted_application(**facts: Any) -> Any:
    from django.utils import timezone

    from juzhu.registry import services
    from juzhu.registry.services import Actor

    app = _online_application(missing_filing=False, **facts)
    services.do_accept_application(
        app, on=timezone.localdate(), actor=Actor("officer:clerk"), expected_version=app.version
    )
    app.refresh_from_db()
    return app


def test_a_reviewer_refuses_with_grounds_and_the_letter_states_remedies(
    office_page: Any, live_server: Any
) -> None:
    import datetime as dt

    page = office_page
    make_offices()
    # 13 months of social insurance with two breaks: short of 12 continuous or 18 in 24
    app = _accepted_application(social_insurance_months=13, social_insurance_continuous=False)
    reviewer = make_office_officer("reviewer-diana", "reviewer", station="")
    office_sign_in(page, live_server.url, reviewer)
    page.get_by_role("link", name="待审核").first.click()
    page.get_by_role("link", name=app.case_number).click()
    expect(page.locator(".status")).to_contain_text("已受理")
    audit(page, "office-review", elder=False)
    # the engine's unmet condition is pre-selected as the ground; without the facts found
    # the notice is refused, beside the field, and nothing is written
    expect(page.get_by_label("社会保险不满12个月", exact=False)).to_be_checked()
    page.get_by_role("button", name="告知拟不予签发（陈述申辩）").click()
    expect(page.locator("#facts-error")).to_be_visible()
    assert page.locator(".status").inner_text().startswith("已受理")
    page.shots.take(page, "refusal-needs-a-ground")
    page.get_by_label("社会保险不满12个月", exact=False).check()
    page.get_by_label("认定的事实（写入决定书）").fill(
        "社保系统查询：2025年10月起在深圳参保，至今13个月中断2次。"
    )
    # first the notice of the intended refusal (陈述申辩), then the applicant answers
    page.get_by_role("button", name="告知拟不予签发（陈述申辩）").click()
    expect(page.locator("#intent")).to_contain_text("已告知拟不予签发")
    audit(page, "office-intended", elder=False)
    app.refresh_from_db()
    from juzhu.registry import services
    from juzhu.registry.services import Actor

    services.do_answer_intent(
        app, answer="我一直在这家公司上班，中断是公司补缴造成的。",
        on=dt.date.fromisoformat(app.intent["notified_on"]),
        actor=Actor(f"holder:{app.person_id}"), expected_version=app.version,
    )  # fmt: skip
    page.reload()
    expect(page.locator("#intent")).to_contain_text("公司补缴")
    page.get_by_role("button", name="不予签发").click()
    expect(page.locator(".status")).to_have_text("不予签发")
    audit(page, "office-refused", elder=False)
    page.shots.take(page, "refused")
    text = pdf_text(page, page.get_by_role("link", name="PDF").first)
    assert "不予签发居住证决定书" in text and app.case_number in text
    assert "第十九条" in text and "社保系统查询" in text
    assert "深圳市福田区人民政府" in text and "行政复议" in text and "行政诉讼" in text
    assert "深圳市公安局福田分局" in text
    letter = app.person.letters.get(kind="refusal")
    for key in ("reconsideration_by", "litigation_by"):
        day = letter.context["remedy"][key]
        y, m, d = (int(x) for x in day.split("-"))
        assert f"{y}年{m}月{d}日" in text, key


def test_a_reviewer_cancels_a_permit_after_previewing_impacts_and_letter(
    office_page: Any, live_server: Any
) -> None:
    import datetime as dt

    from juzhu.registry import services
    from juzhu.registry.idnumbers import make_id_number
    from juzhu.registry.services import Actor

    page = office_page
    make_offices()
    person = services.do_register_person(
        make_id_number("440304", dt.date(1988, 7, 1), 3), "周建国", city="shenzhen"
    )
    permit = services.do_issue_permit(
        person, city="shenzhen", district="futian", station="sz-futian-1",
        on=dt.date(2023, 5, 10), actor=Actor("officer:t"),
        facts={"basis": "employment", "housing": "rented", "registered_since": "2022-01-01",
               "employed": True, "social_insurance_months": 30,
               "social_insurance_continuous": True},
    )  # fmt: skip
    reviewer = make_office_officer("reviewer-diana", "reviewer", station="")
    office_sign_in(page, live_server.url, reviewer)
    page.goto(f"{live_server.url}/office/permits/{permit.pk}/")
    expect(page.locator("h1")).to_contain_text(permit.number)
    audit(page, "office-permit", elder=False)
    page.get_by_label("已在本市落户").check()
    page.get_by_label("认定的事实和证据摘要", exact=False).fill(
        "户籍系统比对：持证人已于2026年10月迁入深圳市福田区户籍。"
    )
    # first the notice of the intended cancellation (陈述申辩), then the holder answers
    page.get_by_role("button", name="告知拟注销或撤销（陈述申辩）").click()
    expect(page.locator("#intent")).to_contain_text("已告知拟注销或撤销")
    audit(page, "office-permit-intended", elder=False)
    permit.refresh_from_db()
    services.do_answer_permit_intent(
        permit, answer="我确实已经落户，没有异议。", on=dt.date.fromisoformat(
            permit.intent["notified_on"]), actor=Actor(f"holder:{person.pk}"),
        expected_version=permit.version,
    )  # fmt: skip
    page.reload()
    expect(page.locator("#intent")).to_contain_text("没有异议")
    page.get_by_role("button", name="预览影响和决定书").click()
    expect(page.locator("h1")).to_contain_text("预览：注销居住证")
    expect(page.locator("#impacts")).to_be_visible()
    expect(page.locator("main")).to_contain_text("申请行政复议截止")
    audit(page, "office-cancel-preview", elder=False)
    page.shots.take(page, "preview")
    permit.refresh_from_db()
    assert permit.status == "active"  # a preview decides nothing
    page.get_by_role("button", name="确认注销并出具决定书").click()
    expect(page.locator(".status")).to_have_text("已注销")
    page.shots.take(page, "cancelled")
    text = pdf_text(page, page.get_by_role("link", name="PDF").first)
    assert "注销居住证决定书" in text and permit.number in text
    assert "已在本市落户" in text and "户籍系统比对" in text
    assert "深圳市福田区人民政府" in text and "深圳市公安局福田分局" in text
    assert "行政复议" in text and "行政诉讼" in text
    permit.refresh_from_db()
    assert permit.status == "cancelled" and permit.cancellation_reason == "hukou_settled"
