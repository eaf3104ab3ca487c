"""The plan as text (``juzhu plan --format text``): the reasons behind the dates, the answer to
each need-by date, a remedy already filed and a cancellation without legal ground are all
printed; a plan without those keys (the contract before they were added) prints as before."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from situations import CHENGDU_ADDRESS_CHANGE

from juzhu.planner import make_plan, parse_situation
from juzhu.planner.render import render_text
from juzhu.rules.loader import load_policies

SITUATION = {**CHENGDU_ADDRESS_CHANGE, "needs": ["school_enrollment"]}


def plan(lang: str) -> dict[str, Any]:
    policies = load_policies()
    return make_plan(parse_situation(SITUATION, policies.ids()), lang=lang, policies=policies)


def with_new_keys(p: dict[str, Any]) -> dict[str, Any]:
    """The plan with every key the contract gained, filled by hand (so this test does not
    depend on when the planner gives them)."""
    p = copy.deepcopy(p)
    rec = next(o for o in p["options"] if o["path"] == p["recommended"])
    rec["earliest_date"] = "2026-08-17"
    rec["earliest_reason"] = {
        "zh": "社保还差2个月（需连续12个月）",
        "en": "2 more months of social insurance (12 in a row needed)",
        "rule": "eligibility.social_insurance_months",
    }
    rec["deadline"] = "2026-09-30"
    rec["deadline_reason"] = {
        "zh": "注销后90日内补办",
        "en": "within 90 days of the cancellation",
        "rule": "x",
    }
    other = next(o for o in p["options"] if o is not rec)
    other["deadline_reason"] = {"zh": "知道注销之日起60日", "en": "60 days from learning of it"}
    impact = next(i for i in p["impacts"] if i["service"] == "school_enrollment")
    impact.update(
        by="2027-09-01",
        restored_on="2026-09-15",
        in_time=True,
        when_text="按建议办理，最早2026年9月中旬恢复，赶得上2027年9月1日的需要"
        if p["lang"] == "zh"
        else "Back by mid-September 2026 as suggested, in time for 1 September 2027",
    )
    p["pending"] = {
        "path": "reconsideration",
        "filed_on": "2026-06-10",
        "accept_by": "2026-06-15",
        "decision_due": "2026-08-14",
        "extended_due": "2026-09-13",
        "text": "复议期间不要错过重新申领" if p["lang"] == "zh" else "Meanwhile, re-apply anyway",
    }
    p["diagnosis"]["legal_basis"] = {
        "lawful": False,
        "text": "成都的规定没有这个注销理由"
        if p["lang"] == "zh"
        else "Chengdu gives no such ground",
        "citation": {"title": "成都市居住证实施办法", "article": "第二十条"},
    }
    p["timeline"]["expected_ready_by"] = "2026-09-15"
    p["timeline"]["start"] = "2026-08-17"
    p["timeline"]["working_days"] = 20
    return p


def test_the_text_plan_shows_why_each_date_what_is_pending_and_the_legal_basis() -> None:
    text = render_text(with_new_keys(plan("zh")))
    lines = text.splitlines()
    earliest = lines.index("  最早: 2026年8月17日")
    assert lines[earliest + 1] == "      社保还差2个月（需连续12个月）"
    deadline = lines.index("  截止: 2026年9月30日")
    assert lines[deadline + 1] == "      注销后90日内补办"
    assert "      截止: 知道注销之日起60日" in lines  # another option's reason, under it
    # the need-by answer under its service
    school = next(i for i, line in enumerate(lines) if line.startswith("  · 随迁子女入学"))
    assert lines[school + 1] == "      按建议办理，最早2026年9月中旬恢复，赶得上2027年9月1日的需要"
    # the remedy already filed, as its own block after the diagnosis
    assert "【你已经提出的救济】申请行政复议" in lines
    assert lines.index("【你已经提出的救济】申请行政复议") < lines.index(
        next(line for line in lines if line.startswith("【建议你这样做】"))
    )
    for line in (
        "  提交日期: 2026年6月10日",
        "  最晚决定是否受理: 2026年6月15日",
        "  应作出决定: 2026年8月14日",
        "  如延长，最晚: 2026年9月13日",
        "  这期间: 复议期间不要错过重新申领",
    ):
        assert line in lines, line
    # no ground in the city's law, in the diagnosis
    diagnosis = lines.index("【你的情况】")
    assert lines[diagnosis + 2] == "  ! 这次注销在本市规定里找不到依据，可以依法提出异议"
    assert lines[diagnosis + 3] == "  成都的规定没有这个注销理由"
    assert lines[diagnosis + 4] == "  对照的规定: 成都市居住证实施办法 第二十条"
    # working days count from the day the application can go in
    assert "  预计2026年9月15日前办好（从2026年8月17日递交起约20个工作日）" in lines


def test_a_legal_basis_the_diagnosis_already_states_is_not_repeated() -> None:
    p = with_new_keys(plan("zh"))
    p["diagnosis"]["legal_basis"]["text"] = p["diagnosis"]["text"]
    text = render_text(p)
    assert text.count(p["diagnosis"]["text"]) == 1
    assert "  ! 这次注销在本市规定里找不到依据，可以依法提出异议" in text.splitlines()


def test_the_english_text_plan_uses_the_english_reasons() -> None:
    text = render_text(with_new_keys(plan("en")))
    assert "      2 more months of social insurance (12 in a row needed)" in text
    assert "== What you have already filed: administrative reconsideration ==" in text
    assert "  meanwhile: Meanwhile, re-apply anyway" in text
    assert "      Back by mid-September 2026 as suggested, in time for 1 September 2027" in text
    assert "  ! This cancellation has no ground in the city's rules; you can contest it" in text
    assert "社保" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_plan_without_the_new_keys_prints_as_before(lang: str) -> None:
    p = plan(lang)
    for o in p["options"]:
        o.pop("earliest_reason", None)
        o.pop("deadline_reason", None)
    for i in p["impacts"]:
        for key in ("by", "restored_on", "in_time", "when_text"):
            i.pop(key, None)
    p.pop("pending", None)
    p["diagnosis"].pop("legal_basis", None)
    p["timeline"].pop("start", None)
    text = render_text(p)
    assert ("居住证补救计划" if lang == "zh" else "remedy plan") in text
    assert "救济】" not in text and "already filed" not in text


def test_without_the_planners_sentence_the_need_by_date_and_in_time_are_printed() -> None:
    p = with_new_keys(plan("zh"))
    for i in p["impacts"]:
        i["when_text"] = None
    p["impacts"][0]["in_time"] = False
    assert "      你需要在2027年9月1日前办好：赶不上" in render_text(p).splitlines()


def test_a_start_on_the_day_of_the_plan_keeps_the_short_wording() -> None:
    p = with_new_keys(plan("zh"))
    p["timeline"]["start"] = p["situation"]["as_of"]
    assert "  预计2026年9月15日前办好（约20个工作日）" in render_text(p).splitlines()
