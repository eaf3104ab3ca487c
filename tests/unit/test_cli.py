"""The command line as a person and a script use it: plans print, bad input gets one line
naming the field and the fix, with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from situations import CHENGDU_ADDRESS_CHANGE
from typer.testing import CliRunner

from juzhu.cli import app

runner = CliRunner()

GOOD = CHENGDU_ADDRESS_CHANGE


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "situation.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_plan_prints_a_chinese_plan_with_chinese_dates(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    assert "居住证补救计划" in result.output
    assert "2026年6月1日" in result.output
    assert "重新申领居住证" in result.output


def test_plan_json_follows_the_contract(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["plan", str(write(tmp_path, GOOD)), "--format", "json", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    for key in (
        "diagnosis",
        "impacts",
        "options",
        "recommended",
        "checklist",
        "timeline",
        "warnings",
        "policy",
        "calendar",
    ):
        assert key in plan
    assert {"reason", "text"} <= set(plan["diagnosis"])
    for option in plan["options"]:
        assert {"path", "available", "earliest_date", "deadline", "unmet", "steps", "trace"} <= set(
            option
        )
    assert {o["path"] for o in plan["options"]} == {
        "late_endorsement",
        "reapply",
        "appeal",
        "reconsideration",
        "litigation",
        "residence_registration",
        "none_needed",
    }
    assert plan["policy"]["id"] == "chengdu"
    assert isinstance(plan["calendar"]["complete"], bool)
    assert all(step["citation"]["title"] for o in plan["options"] for step in o["trace"])


def test_a_need_by_date_and_a_remedy_already_filed_print_in_the_text_plan(
    tmp_path: Path,
) -> None:
    data = {
        **GOOD,
        "disputes_cancellation": True,
        "needs": [{"service": "school_enrollment", "by": "2027-09-01"}, "bank_account"],
        "appeal": {"path": "reconsideration", "filed_on": "2026-06-10"},
    }
    path = write(tmp_path, data)
    plan = json.loads(runner.invoke(app, ["plan", str(path), "--format", "json"]).output)
    result = runner.invoke(app, ["plan", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "【你已经提出的救济】申请行政复议" in lines
    assert "  提交日期: 2026年6月10日" in lines
    assert f"  这期间: {plan['pending']['text']}" in lines
    school = next(i for i in plan["impacts"] if i["service"] == "school_enrollment")
    assert school["by"] == "2027-09-01"
    answer = school["when_text"] or "你需要在2027年9月1日前办好"
    assert any(line.startswith(f"      {answer}") for line in lines), answer


def test_example_prints_a_plan() -> None:
    result = runner.invoke(app, ["example"])
    assert result.exit_code == 0, result.output
    assert "居住证补救计划" in result.output


def bad(**changes: object) -> dict[str, object]:
    data = json.loads(json.dumps(GOOD))
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for p in parents:
            target = target[p]
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "field", "hint"),
    [
        ('{"city": "chengdu", ', "(line 1, column", "JSON"),
        ("[1, 2]", "(file)", "JSON"),
        (bad(city="atlantis"), "city", "chengdu"),
        (bad(city="shenzen"), "city", "shenzhen"),
        (bad(permit__status="dead"), "permit.status", "cancelled"),
        (bad(permit__cancellation_reason="lost_it"), "permit.cancellation_reason", "moved_away"),
        (bad(residence__housing="tent"), "residence.housing", "rented"),
        (bad(needs=["school"]), "needs", "school_enrollment"),
        (bad(permit__cancelled_on="2026-02-30"), "permit.cancelled_on", "2026-12-21"),
        (bad(permit__cancelled_on="2021-01-01"), "permit.cancelled_on", "permit.issued_on"),
        (bad(permit__notified_on="2026-05-01"), "permit.notified_on", "permit.cancelled_on"),
        (bad(permit__issued_on="2027-01-01"), "permit.issued_on", "as_of"),
        (bad(employment__social_insurance_months=30), "employment.social_insurance_months", "24"),
        (bad(employment__employed="yes"), "employment.employed", "true"),
        (
            bad(permit__cancelation_reason="moved_away"),
            "permit.cancelation_reason",
            "cancellation_reason",
        ),
        (bad(permit__status="active"), "permit.cancellation_reason", "status"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_bad_input_prints_one_line_naming_the_field_and_exits_2(
    tmp_path: Path, data: object, field: str, hint: str
) -> None:
    result = runner.invoke(app, ["plan", str(write(tmp_path, data)), "--lang", "en"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert field in lines[0] and hint in lines[0], lines[0]


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "not found" in result.stderr


def test_policy_show_prints_the_text_in_force_on_a_date() -> None:
    result = runner.invoke(
        app, ["policy", "show", "shanghai", "--on", "2016-06-01", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    params = {p["key"]: p for p in shown["parameters"]}
    assert params["endorsement.grace"]["value"] == {"days": 60, "day_type": "calendar"}
    assert all(p["citation"]["title"] and p["citation"]["status"] for p in shown["parameters"])


def test_policy_show_unknown_id_exits_2() -> None:
    result = runner.invoke(app, ["policy", "show", "atlantis"])
    assert result.exit_code == 2
    assert "unknown policy id" in result.stderr


def test_policy_check_passes_on_the_bundled_data() -> None:
    result = runner.invoke(app, ["policy", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok:")
