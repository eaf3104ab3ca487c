"""Journey: a person whose permit was cancelled uses the planner on a phone, without help
and without logging in, learns why, what it breaks, what to do by when, and keeps a PDF."""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

import pytest
from a11y import audit, set_mode
from playwright.sync_api import expect

from fixtures.clock import TODAY, frozen

pytestmark = frozen
NEED_BY = TODAY + dt.timedelta(days=280)


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _continue(page: Any, next_heading: str) -> None:
    page.get_by_role("button", name="继续").click()
    expect(page.locator("h1")).to_contain_text(next_heading)


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_planner_for_a_cancelled_permit_gives_dates_a_checklist_and_a_pdf(
    page: Any, live_server: Any, mode: str
) -> None:
    elder = mode == "elder"
    set_mode(page, live_server.url, elder)
    today = dt.date.today()
    page.goto("/portal/")
    audit(page, "home", elder=elder)
    page.get_by_role("link", name="补救规划（不用登录）").click()
    expect(page.locator("h1")).to_have_text("居住证补救规划")
    audit(page, "planner-start", elder=elder)
    page.get_by_role("link", name="开始").click()

    expect(page.locator("h1")).to_have_text("你的居住证是哪个城市办的？")
    audit(page, "q-city", elder=elder)
    page.get_by_label("深圳市").check()
    _continue(page, "你的居住证现在是什么状态？")
    audit(page, "q-status", elder=elder)
    page.get_by_label("已注销").check()
    _continue(page, "注销原因")
    audit(page, "q-reason", elder=elder)
    page.get_by_label("有效期届满未续签").check()
    _continue(page, "哪天被注销")
    audit(page, "q-act-dates", elder=elder)
    page.get_by_label("注销日期").fill((today - dt.timedelta(days=40)).isoformat())
    page.get_by_label("你是哪天知道被注销的？").fill((today - dt.timedelta(days=10)).isoformat())
    _continue(page, "你认为注销有误吗？")
    audit(page, "q-disputes", elder=elder)
    page.get_by_label("否，注销原因属实").check()
    _continue(page, "行政复议")
    audit(page, "q-informed", elder=elder)
    page.get_by_label("没写 / 没收到通知").check()
    _continue(page, "你在本市住在哪里？")
    audit(page, "q-residence", elder=elder)
    page.get_by_label("在现住址办理居住登记的日期").fill("2020-09-01")
    page.get_by_label("租赁住房").check()
    _continue(page, "你在本市工作或上学吗？")
    page.locator("fieldset", has_text="你在本市工作吗").get_by_label("是").check()
    expect(page.get_by_label("近24个月里，在本市缴了几个月社保？")).to_be_visible()
    audit(page, "q-work", elder=elder)
    page.get_by_label("近24个月里，在本市缴了几个月社保？").fill("20")
    page.locator("fieldset", has_text="连续缴到现在").get_by_label("是").check()
    page.locator("fieldset", has_text="上学").get_by_label("否").check()
    _continue(page, "你最近要办下面哪些事？")
    audit(page, "q-needs", elder=elder)
    need_by = page.get_by_label("哪天前要办好？（可不填）（随迁子女入学）")
    expect(need_by).to_be_hidden()  # shown beside a service once it is ticked
    page.get_by_label("随迁子女入学", exact=True).check()
    expect(need_by).to_be_visible()
    need_by.fill(NEED_BY.isoformat())
    audit(page, "q-needs-by", elder=elder)
    _continue(page, "你的补救计划")

    main = page.locator("main")
    expect(main).to_contain_text("没有签注续期")  # why, in plain words
    expect(main.locator(".recommended h2")).to_contain_text("重新申领居住证")
    expect(main.locator(".impacts").first).to_contain_text("随迁子女入学")  # what it breaks
    expect(main.locator(".impacts").first).to_contain_text("受影响")
    expect(main.locator(".impacts").first).to_contain_text(f"你需要在{_zh(NEED_BY)}前办好")
    expect(main.locator(".checklist")).to_contain_text("房屋租赁合同")  # by housing
    expect(main.locator(".checklist")).to_contain_text("以下任选其一")  # A 或 B
    expect(main.locator(".checklist")).to_contain_text("营业执照")
    expect(main).to_contain_text("申请行政复议")  # the other options, with deadlines
    expect(main).to_contain_text("加急")  # the scam warning
    audit(page, "plan", elder=elder)

    with page.expect_download() as download:
        page.get_by_role("link", name="下载PDF").click()
    path = download.value.path()
    assert path.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "你的补救计划" in text and "重新申领居住证" in text
    assert "第 1 页" in text  # page numbers for paper
    assert "房屋租赁合同" in text
    assert f"你需要在{_zh(NEED_BY)}前办好" in "".join(text.split())


@pytest.mark.parametrize("mode", ["normal", "elder"])
def test_planner_for_a_contested_cancellation_already_before_the_reconsideration_body(
    page: Any, live_server: Any, mode: str
) -> None:
    """She contests the cancellation and applied for reconsideration five days ago: the plan
    says when the body must accept and decide, and what to do meanwhile."""
    elder = mode == "elder"
    set_mode(page, live_server.url, elder)
    today = dt.date.today()
    filed_on = today - dt.timedelta(days=5)
    page.goto("/portal/planner/q/city/")
    page.get_by_label("深圳市").check()
    _continue(page, "你的居住证现在是什么状态？")
    page.get_by_label("已注销").check()
    _continue(page, "注销原因")
    page.get_by_label("有效期届满未续签").check()
    _continue(page, "哪天被注销")
    page.get_by_label("注销日期").fill((today - dt.timedelta(days=40)).isoformat())
    page.get_by_label("你是哪天知道被注销的？").fill((today - dt.timedelta(days=10)).isoformat())
    _continue(page, "你认为注销有误吗？")
    page.get_by_label("是，我认为注销错了").check()
    _continue(page, "行政复议")
    page.get_by_label("写了").check()
    _continue(page, "你已经申请行政复议、起诉或申诉了吗？")
    filed = page.get_by_label("你是哪天提交的？")
    expect(filed).to_be_hidden()  # asked only once something was filed
    audit(page, "q-filed", elder=elder)
    page.get_by_label("已申请行政复议").check()
    expect(filed).to_be_visible()
    filed.fill(filed_on.isoformat())
    audit(page, "q-filed-date", elder=elder)
    page.get_by_role("button", name="继续").click()
    heading, previous = page.locator("h1"), "你已经申请行政复议、起诉或申诉了吗？"
    for _ in range(2):  # residence and work, when the plan still needs them
        expect(heading).not_to_have_text(previous)
        previous = heading.inner_text()
        if "住在哪里" in previous:
            page.get_by_label("在现住址办理居住登记的日期").fill("2020-09-01")
            page.get_by_label("租赁住房").check()
        elif "工作或上学" in previous:
            page.locator("fieldset", has_text="你在本市工作吗").get_by_label("否").check()
            page.locator("fieldset", has_text="上学").get_by_label("否").check()
        else:
            break
        page.get_by_role("button", name="继续").click()
    expect(page.locator("h1")).to_have_text("你最近要办下面哪些事？")
    _continue(page, "你的补救计划")

    pending = page.locator("main .pending")
    expect(pending.locator("h2")).to_have_text("你已经提出的救济：申请行政复议")
    expect(pending).to_contain_text(f"提交日期{_zh(filed_on)}")
    expect(pending).to_contain_text("应作出决定")
    expect(pending).to_contain_text("这期间怎么办")
    audit(page, "plan-pending", elder=elder)
