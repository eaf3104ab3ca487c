"""The planner without login: only the questions that can change the plan, the plan of the
planner contract as a page and a PDF, and bad input refused beside the field."""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

import pytest
from django.test import Client

from fixtures.clock import TODAY, frozen
from fixtures.planner import ANSWERS, walk
from fixtures.portal import pdf_text as portal_pdf_text
from juzhu.planner.plan import fmt_date
from juzhu.portal.flow import COOKIE, decode, plan_for
from juzhu.portal.questions import situation_data

pytestmark = frozen


def pdf_text(client: Client) -> str:
    """The PDF's text with line breaks and spaces removed (pdftotext wraps long lines)."""
    r = client.get("/portal/planner/plan.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    return flat(portal_pdf_text(r.content))


def flat(text: str) -> str:
    return "".join(text.split())


def the_plan(client: Client, lang: str = "zh") -> dict[str, Any]:
    """The plan the portal shows for the answers in the planner's cookie (the contract)."""
    answers, asked = answers_of(client)
    return plan_for(situation_data(answers, asked, TODAY), lang)


def answers_of(client: Client) -> tuple[dict[str, Any], list[str]]:
    """The answers the visitor's planner cookie carries (decrypted as the portal does)."""
    cookie = client.cookies.get(COOKIE)
    return decode(cookie.value if cookie else None)


def state_of(client: Client) -> dict[str, Any]:
    answers, asked = answers_of(client)
    return {"answers": answers, "asked": asked}


def test_a_cancelled_permit_in_shenzhen_asks_residence_and_work(client: Client, db: Any) -> None:
    assert walk(client) == [
        "city", "status", "reason", "act_dates", "disputes", "informed", "residence", "work",
        "needs",
    ]  # fmt: skip


def test_a_stable_home_in_beijing_makes_the_work_question_unnecessary(
    client: Client, db: Any
) -> None:
    asked = walk(client, city={"city": "beijing"})
    assert "residence" in asked and "work" not in asked


def test_a_deceased_holders_family_is_asked_nothing_about_residence_or_work(
    client: Client, db: Any
) -> None:
    asked = walk(client, reason={"reason": "holder_deceased"})
    assert asked == ["city", "status", "reason", "act_dates", "disputes", "needs"]
    page = client.get("/portal/planner/plan/").content.decode()
    assert "无需补救" in page and "家属无需为居住证再办理任何手续" in page


def test_a_suspended_permit_asks_for_its_dates_not_for_a_cancellation(
    client: Client, db: Any
) -> None:
    asked = walk(client, status={"status": "suspended"})
    assert "permit_dates" in asked
    assert not {"reason", "act_dates", "disputes", "informed"} & set(asked)
    page = client.get("/portal/planner/plan/").content.decode()
    assert "使用功能已中止" in page


def test_the_plan_page_has_every_part_of_the_contract(client: Client, db: Any) -> None:
    walk(client)
    page = client.get("/portal/planner/plan/").content.decode()
    for part in (
        "你的情况",  # diagnosis
        "被注销",
        "建议你这样做：重新申领居住证",  # recommended option
        "最早可办",
        "预计办好",
        "办理步骤",  # steps with channels
        "到窗口",
        "网上办",
        "需要准备的材料",  # checklist, "A 或 B" as a choice
        "以下任选其一",
        "受影响的事项",  # impacts
        "随迁子女入学",
        "所有办法",  # ranked options with dates
        "申请行政复议",
        "请注意",  # warnings
        "代办包过",
        "你的回答",  # check your answers, with change links
        'href="/portal/planner/q/residence/"',
        "下载PDF",
    ):
        assert part in page, part


def test_the_pdf_is_a_printable_plan_in_chinese(client: Client, db: Any) -> None:
    walk(client)
    r = client.get("/portal/planner/plan.pdf")
    assert r["Content-Type"] == "application/pdf" and "attachment" in r["Content-Disposition"]
    text = pdf_text(client)
    assert "你的补救计划" in text and "重新申领居住证" in text and "第1页" in text
    fonts = subprocess.run(["pdffonts", "-"], input=r.content, capture_output=True).stdout
    assert b"Noto" in fonts  # a CJK font is embedded, not tofu


def test_english_plan_comes_from_the_same_answers(client: Client, db: Any) -> None:
    walk(client)
    client.post("/portal/lang/", {"lang": "en", "next": "/portal/planner/plan/"})
    page = client.get("/portal/planner/plan/").content.decode()
    assert "Your remedy plan" in page and "re-apply for a permit" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-02-30", "不是真实存在的日期"),
        ((TODAY + dt.timedelta(days=3)).isoformat(), "在今天"),
        ("<script>alert(1)</script>", "请按 年-月-日 填写日期"),
        ("1890-01-01", "年份太早"),
    ],
)
def test_a_bad_date_is_refused_beside_its_field_and_nothing_is_stored(
    client: Client, db: Any, typed: str, message: str
) -> None:
    for page in ("city", "status", "reason"):
        client.post(f"/portal/planner/q/{page}/", ANSWERS[page])
    before = answers_of(client)
    r = client.post("/portal/planner/q/act_dates/", {"cancelled_on": typed, "notified_on": ""})
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html
    assert 'id="id_cancelled_on-error"' in html and 'aria-invalid="true"' in html
    assert "<script>alert(1)</script>" not in html
    assert answers_of(client) == before


def test_learning_of_it_before_it_happened_is_refused(client: Client, db: Any) -> None:
    r = client.post(
        "/portal/planner/q/act_dates/",
        {"cancelled_on": "2026-03-11", "notified_on": "2026-03-01"},
    )
    assert r.status_code == 400 and "知道注销的日期不能早于注销日期" in r.content.decode()


def test_chinese_date_forms_are_accepted(client: Client, db: Any) -> None:
    """Django's zh-Hans DATE_INPUT_FORMATS cannot read 2025年10月9日 (ecosystem.md)."""
    for typed in ("2025年10月9日", "2025/10/9", "2025.10.09", "20251009"):
        r = client.post("/portal/planner/q/act_dates/", {"cancelled_on": typed, "notified_on": ""})
        assert r.status_code == 302, typed
        assert state_of(client)["answers"]["cancelled_on"] == "2025-10-09"


def test_months_of_social_insurance_must_be_0_to_24(client: Client, db: Any) -> None:
    r = client.post(
        "/portal/planner/q/work/",
        {"employed": "yes", "si_months": "30", "si_continuous": "yes", "enrolled": "no"},
    )
    assert r.status_code == 400 and "0到24之间的整数" in r.content.decode()


def test_changing_the_status_drops_answers_that_no_longer_apply(client: Client, db: Any) -> None:
    walk(client)
    client.post("/portal/planner/q/status/", {"status": "active"})
    r = client.get("/portal/planner/plan/")
    if r.status_code == 302:  # the new status asks for the permit's dates first
        assert r["Location"] == "/portal/planner/q/permit_dates/"
        client.post(r["Location"], {"issued_on": "2024-03-01", "last_endorsed_on": ""})
    page = client.get("/portal/planner/plan/").content.decode()
    assert "有效期届满未续签" not in page


# -- need-by dates and remedies already filed ------------------------------------------------

NEED_BY = TODAY + dt.timedelta(days=300)
FILED_ON = TODAY - dt.timedelta(days=5)
DISPUTED = {"disputes": {"disputes": "yes"}}


def test_a_need_by_date_reaches_the_planner_and_is_answered_beside_the_service(
    client: Client, db: Any
) -> None:
    walk(
        client,
        needs={"needs": ["school_enrollment"], "by_school_enrollment": NEED_BY.isoformat()},
    )
    answers = state_of(client)["answers"]
    assert answers["needs_by"] == {"school_enrollment": NEED_BY.isoformat()}
    data = situation_data(answers, state_of(client)["asked"], TODAY)
    assert data["needs"] == [{"service": "school_enrollment", "by": NEED_BY.isoformat()}]

    impact = next(i for i in the_plan(client)["impacts"] if i["service"] == "school_enrollment")
    assert impact["by"] == NEED_BY.isoformat() and impact["in_time"] in (True, False)
    page = client.get("/portal/planner/plan/").content.decode()
    assert f"你需要在{fmt_date(NEED_BY, 'zh')}前办好" in page
    assert ("✓ 赶得上" if impact["in_time"] else "✕ 赶不上") in page
    if impact["when_text"]:
        assert impact["when_text"] in page
    # check your answers repeats the date beside the service
    assert f"随迁子女入学（{fmt_date(NEED_BY, 'zh')}前要办好）" in page

    text = pdf_text(client)
    assert flat(f"你需要在{fmt_date(NEED_BY, 'zh')}前办好") in text
    assert ("赶得上" if impact["in_time"] else "赶不上") in text
    if impact["when_text"]:
        assert flat(impact["when_text"]) in text


def test_a_need_without_a_date_is_sent_as_a_plain_id(client: Client, db: Any) -> None:
    walk(client, needs={"needs": ["school_enrollment", "bank_account"]})
    state = state_of(client)
    data = situation_data(state["answers"], state["asked"], TODAY)
    assert data["needs"] == ["school_enrollment", "bank_account"]
    page = client.get("/portal/planner/plan/").content.decode()
    assert "前办好" not in page.split('id="h-answers"')[0]


def test_the_needs_page_offers_a_date_input_beside_each_service(client: Client, db: Any) -> None:
    html = client.get("/portal/planner/q/needs/").content.decode()
    assert 'type="date" id="id_by_school_enrollment" name="by_school_enrollment"' in html
    assert 'data-show-if-checked="id_needs_0"' in html
    assert '<label for="id_by_school_enrollment">哪天前要办好？（可不填）' in html


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        (
            {"needs": ["school_enrollment"], "by_school_enrollment": "2020-09-01"},
            "这个日期已经过去",
        ),
        ({"needs": ["school_enrollment"], "by_school_enrollment": "2027-02-30"}, "不是真实存在"),
        ({"needs": [], "by_school_enrollment": NEED_BY.isoformat()}, "没有勾选“随迁子女入学”"),
        ({"needs": ["school_enrollment"], "by_school_enrollment": "3027-09-01"}, "年份太晚"),
    ],
)
def test_a_bad_need_by_date_is_refused_beside_its_service_and_nothing_is_stored(
    client: Client, db: Any, posted: dict[str, Any], message: str
) -> None:
    for page in ("city", "status"):
        client.post(f"/portal/planner/q/{page}/", ANSWERS[page])
    before = answers_of(client)
    r = client.post("/portal/planner/q/needs/", posted)
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html
    assert 'id="id_by_school_enrollment-error"' in html
    assert 'href="#id_by_school_enrollment"' in html  # the error summary links to the date
    assert answers_of(client) == before


def test_a_remedy_already_filed_is_asked_only_when_the_cancellation_is_disputed(
    client: Client, db: Any
) -> None:
    assert "filed" not in walk(client)  # "the reason is true": nothing filed to ask about
    client.post("/portal/planner/restart/")
    asked = walk(client, **DISPUTED)
    assert asked.index("filed") == asked.index("informed") + 1
    client.post("/portal/planner/restart/")
    assert "filed" not in walk(client, status={"status": "suspended"})


def test_a_filed_reconsideration_shows_as_pending_with_what_to_do_meanwhile(
    client: Client, db: Any
) -> None:
    walk(
        client,
        **DISPUTED,
        filed={"filed_path": "reconsideration", "filed_on": FILED_ON.isoformat()},
    )
    state = state_of(client)
    data = situation_data(state["answers"], state["asked"], TODAY)
    assert data["appeal"] == {"path": "reconsideration", "filed_on": FILED_ON.isoformat()}

    pending = the_plan(client)["pending"]
    assert pending["path"] == "reconsideration" and pending["filed_on"] == FILED_ON.isoformat()
    page = client.get("/portal/planner/plan/").content.decode()
    block = page.split('class="pending"')[1].split("</section>")[0]
    assert "你已经提出的救济：申请行政复议" in block
    assert "提交日期" in block and fmt_date(FILED_ON, "zh") in block
    if pending.get("decision_due"):
        assert fmt_date(dt.date.fromisoformat(pending["decision_due"]), "zh") in block
    assert pending["text"] and pending["text"] in block
    assert "你已经申请行政复议、起诉或申诉了吗？" in page and "已申请行政复议" in page  # answers

    text = pdf_text(client)
    assert "你已经提出的救济" in text and flat(pending["text"]) in text
    assert fmt_date(FILED_ON, "zh") in text


def test_the_english_plan_shows_the_pending_remedy_and_the_need_by_answer(
    client: Client, db: Any
) -> None:
    walk(
        client,
        **DISPUTED,
        filed={"filed_path": "litigation", "filed_on": FILED_ON.isoformat()},
        needs={"needs": ["school_enrollment"], "by_school_enrollment": NEED_BY.isoformat()},
    )
    client.post("/portal/lang/", {"lang": "en", "next": "/portal/planner/plan/"})
    plan = the_plan(client, "en")
    page = client.get("/portal/planner/plan/").content.decode()
    assert "What you have already filed: administrative lawsuit" in page
    assert plan["pending"]["text"] in page.replace("&#x27;", "'")
    assert f"You need it by {fmt_date(NEED_BY, 'en')}" in page


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"filed_path": "reconsideration", "filed_on": ""}, "请填写提交的日期"),
        (
            {"filed_path": "appeal", "filed_on": (TODAY - dt.timedelta(days=30)).isoformat()},
            "提交日期不能早于你知道被注销的日期",
        ),
        (
            {"filed_path": "litigation", "filed_on": (TODAY + dt.timedelta(days=1)).isoformat()},
            "在今天",
        ),
    ],
)
def test_a_bad_filing_date_is_refused_and_nothing_is_stored(
    client: Client, db: Any, posted: dict[str, str], message: str
) -> None:
    for page in ("city", "status", "reason", "act_dates"):
        client.post(f"/portal/planner/q/{page}/", ANSWERS[page])
    client.post("/portal/planner/q/disputes/", {"disputes": "yes"})
    before = answers_of(client)
    r = client.post("/portal/planner/q/filed/", posted)
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html and 'id="id_filed_on-error"' in html
    assert answers_of(client) == before


def test_nothing_filed_ignores_a_date_left_in_the_hidden_field(client: Client, db: Any) -> None:
    for page in ("city", "status", "reason", "act_dates"):
        client.post(f"/portal/planner/q/{page}/", ANSWERS[page])
    client.post("/portal/planner/q/disputes/", {"disputes": "yes"})
    r = client.post("/portal/planner/q/filed/", {"filed_path": "no", "filed_on": "not a date"})
    assert r.status_code == 302
    answers = state_of(client)["answers"]
    assert answers["filed_path"] == "no" and answers["filed_on"] is None
    state = state_of(client)
    assert "appeal" not in situation_data(state["answers"], state["asked"], TODAY)


def test_a_cancellation_without_ground_in_the_citys_law_is_said_so_in_the_diagnosis(
    client: Client, db: Any
) -> None:
    """Beijing's measures give no ground for cancelling a permit that was not endorsed."""
    walk(client, city={"city": "beijing"})
    basis = the_plan(client)["diagnosis"]["legal_basis"]
    assert basis["lawful"] is False and basis["text"]
    page = client.get("/portal/planner/plan/").content.decode()
    diagnosis = page.split('class="diagnosis"')[1].split("</section>")[0]
    assert "这次注销在本市规定里找不到依据，可以依法提出异议" in diagnosis
    assert basis["text"] in diagnosis
    assert basis["citation"]["title"] in diagnosis

    text = pdf_text(client)
    assert "这次注销在本市规定里找不到依据" in text and flat(basis["text"]) in text


def test_the_answers_travel_in_one_sealed_cookie_that_no_one_can_read_or_alter(
    client: Client, db: Any, frozen_clock: Any
) -> None:
    """The answers are the visitor's, in one encrypted, authenticated cookie (HttpOnly, the
    portal's path only): nothing in it is readable, an altered or day-old cookie starts a new
    questionnaire, and "start again" removes it."""
    walk(client)
    cookie = client.cookies[COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/portal/" and cookie["samesite"] == "Lax"
    assert "shenzhen" not in cookie.value and "2020-09-01" not in cookie.value
    assert answers_of(client)[0]["city"] == "shenzhen"
    assert client.get("/portal/planner/plan/").status_code == 200

    sealed = cookie.value
    client.cookies[COOKIE] = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    r = client.get("/portal/planner/plan/")
    assert r.status_code == 302 and r["Location"] == "/portal/planner/q/city/"

    client.cookies[COOKIE] = sealed
    frozen_clock.shift(dt.timedelta(hours=25))
    r = client.get("/portal/planner/plan/")
    assert r.status_code == 302 and r["Location"] == "/portal/planner/q/city/"

    frozen_clock.shift(dt.timedelta(hours=-25))
    assert client.post("/portal/planner/restart/").status_code == 302
    assert client.cookies[COOKIE].value == "" and answers_of(client) == ({}, [])
