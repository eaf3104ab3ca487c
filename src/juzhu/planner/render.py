"""The plan as text for a person: plain words, Chinese by default, dates as 2026年12月21日."""

from __future__ import annotations

import datetime as dt
from typing import Any

from juzhu.planner.plan import fmt_date

HEAD = {
    "zh": {
        "title": "居住证补救计划",
        "city": "城市",
        "as_of": "计算日期",
        "diagnosis": "你的情况",
        "recommended": "建议你这样做",
        "options": "所有办法",
        "impacts": "受影响的事项",
        "checklist": "需要准备的材料",
        "steps": "办理步骤",
        "timeline": "预计时间",
        "warnings": "请注意",
        "policy": "依据的政策版本",
        "available": "现在可以办",
        "later": "暂时不能办",
        "earliest": "最早",
        "deadline": "截止",
        "unmet": "还差",
        "ready": "预计{date}前办好（约{n}个工作日）",
        "affected": "受影响",
        "not_affected": "不受影响",
        "needed": "你需要",
        "none": "无",
        "from": "起",
        "unknown": "不确定",
        "calendar": "节假日安排未公布，日期为保守估计",
    },
    "en": {
        "title": "Residence permit remedy plan",
        "city": "City",
        "as_of": "As of",
        "diagnosis": "Your situation",
        "recommended": "What we suggest",
        "options": "All options",
        "impacts": "What is affected",
        "checklist": "Materials to prepare",
        "steps": "Steps",
        "timeline": "Expected time",
        "warnings": "Please note",
        "policy": "Policy version used",
        "available": "can do now",
        "later": "not now",
        "earliest": "earliest",
        "deadline": "deadline",
        "unmet": "missing",
        "ready": "expected ready by {date} (about {n} working days)",
        "affected": "affected",
        "not_affected": "not affected",
        "needed": "you need this",
        "none": "none",
        "from": "from",
        "unknown": "unclear",
        "calendar": "holiday calendar not published; dates are conservative",
    },
}


def _d(iso: str | None, lang: str) -> str:
    return fmt_date(dt.date.fromisoformat(iso) if iso else None, lang)


def render_text(plan: dict[str, Any]) -> str:
    lang = plan["lang"]
    h = HEAD[lang]
    out: list[str] = []
    add = out.append
    add(
        f"{h['title']} — {plan['policy']['name']}（{_d(plan['situation']['as_of'], lang)}）"
        if lang == "zh"
        else f"{h['title']} — {plan['policy']['name']} ({_d(plan['situation']['as_of'], lang)})"
    )
    add("")
    add(f"【{h['diagnosis']}】" if lang == "zh" else f"== {h['diagnosis']} ==")
    add(plan["diagnosis"]["text"])
    add("")
    rec = next(o for o in plan["options"] if o["path"] == plan["recommended"])
    add(
        f"【{h['recommended']}】{rec['label']}"
        if lang == "zh"
        else f"== {h['recommended']}: {rec['label']} =="
    )
    if rec["earliest_date"]:
        add(f"  {h['earliest']}: {_d(rec['earliest_date'], lang)}")
    if rec["deadline"]:
        add(f"  {h['deadline']}: {_d(rec['deadline'], lang)}")
    for i, step in enumerate(plan["steps"], 1):
        add(f"  {i}. {step['text']}")
    timeline = plan["timeline"]
    if timeline["expected_ready_by"]:
        add(
            "  "
            + h["ready"].format(
                date=_d(timeline["expected_ready_by"], lang), n=timeline["working_days"]
            )
        )
    add("")
    if plan["checklist"]:
        add(f"【{h['checklist']}】" if lang == "zh" else f"== {h['checklist']} ==")
        for item in plan["checklist"]:
            add(f"  □ {item['text']}")
        add("")
    add(f"【{h['options']}】" if lang == "zh" else f"== {h['options']} ==")
    for o in plan["options"]:
        state = h["available"] if o["available"] else h["later"]
        dates = []
        if o["earliest_date"]:
            dates.append(f"{h['earliest']} {_d(o['earliest_date'], lang)}")
        if o["deadline"]:
            dates.append(f"{h['deadline']} {_d(o['deadline'], lang)}")
        line = f"  · {o['label']}：{state}" if lang == "zh" else f"  - {o['label']}: {state}"
        if dates:
            line += (
                "（" + "，".join(dates) + "）" if lang == "zh" else " (" + ", ".join(dates) + ")"
            )
        add(line)
        for u in o["unmet"]:
            add(f"      {h['unmet']}: {u}")
    add("")
    shown = [i for i in plan["impacts"] if i["needed"] or i["affected"]]
    if shown:
        add(f"【{h['impacts']}】" if lang == "zh" else f"== {h['impacts']} ==")
        for i in shown:
            mark = (
                h["unknown"]
                if i["affected"] is None
                else (h["affected"] if i["affected"] else h["not_affected"])
            )
            need = (
                f"（{h['needed']}）"
                if lang == "zh" and i["needed"]
                else (f" ({h['needed']})" if i["needed"] else "")
            )
            add(f"  · {i['label']}{need}: {mark}. {i['text']}")
        add("")
    if plan["warnings"]:
        add(f"【{h['warnings']}】" if lang == "zh" else f"== {h['warnings']} ==")
        for w in plan["warnings"]:
            add(f"  ! {w['text']}")
        add("")
    cal = (
        ""
        if plan["calendar"]["complete"]
        else f"；{h['calendar']}"
        if lang == "zh"
        else f"; {h['calendar']}"
    )
    add(f"{h['policy']}: {plan['policy']['id']} {plan['policy']['version']}{cal}")
    return "\n".join(out)
