"""The planner without login: only the questions that can change the plan, the plan of the
planner contract as a page and a PDF, and bad input refused beside the field."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client

from juzhu.portal.flow import SESSION_KEY

TODAY = dt.date.today()
ANSWERS: dict[str, dict[str, Any]] = {
    "city": {"city": "shenzhen"},
    "status": {"status": "cancelled"},
    "reason": {"reason": "expired_not_renewed"},
    "act_dates": {
        "cancelled_on": (TODAY - dt.timedelta(days=40)).isoformat(),
        "notified_on": (TODAY - dt.timedelta(days=10)).isoformat(),
    },
    "disputes": {"disputes": "no"},
    "informed": {"informed": "yes"},
    "permit_dates": {"issued_on": "2024-03-01", "last_endorsed_on": ""},
    "residence": {"registered_since": "2020-09-01", "housing": "rented"},
    "work": {"employed": "yes", "si_months": "20", "si_continuous": "yes", "enrolled": "no"},
    "needs": {"needs": ["school_enrollment"]},
}


def walk(client: Client, **overrides: dict[str, Any]) -> list[str]:
    """Answer whatever the planner asks next until the plan; return the pages asked."""
    answers = {**ANSWERS, **overrides}
    asked = []
    url = "/portal/planner/q/city/"
    while "/q/" in url:
        page = url.rstrip("/").rsplit("/", 1)[-1]
        asked.append(page)
        r = client.post(url, answers[page])
        assert r.status_code == 302, (page, r.content.decode()[:2000])
        url = r["Location"]
    assert url == "/portal/planner/plan/"
    return asked


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
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    assert "attachment" in r["Content-Disposition"]
    if not shutil.which("pdftotext"):
        pytest.fail(
            "pdftotext (poppler-utils) missing: run scripts/ensure-e2e-deps.sh (make test does)"
        )
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True
    ).stdout.decode()
    assert "你的补救计划" in text and "重新申领居住证" in text and "第 1 页" in text
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
    before = client.session[SESSION_KEY]
    r = client.post("/portal/planner/q/act_dates/", {"cancelled_on": typed, "notified_on": ""})
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html
    assert 'id="id_cancelled_on-error"' in html and 'aria-invalid="true"' in html
    assert "<script>alert(1)</script>" not in html
    assert client.session[SESSION_KEY] == before


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
        assert client.session[SESSION_KEY]["answers"]["cancelled_on"] == "2025-10-09"


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
