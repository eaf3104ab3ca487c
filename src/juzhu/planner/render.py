"""The plan as text for a person: plain words, Chinese by default, dates as 2026年12月21日.

Keys added to the contract later (``*_reason``, the impacts' need-by answer, ``pending``,
``diagnosis.legal_basis``, ``timeline.start``) are read with ``.get`` and skipped when absent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from juzhu.domain.vocabulary import label
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
        "ready_from": "预计{date}前办好（从{start}递交起约{n}个工作日）",
        "ready_same_day": "预计{date}当天办好",
        "pending": "你已经提出的救济",
        "filed_on": "提交日期",
        "accept_by": "最晚决定是否受理",
        "decision_due": "应作出决定",
        "extended_due": "如延长，最晚",
        "meanwhile": "这期间",
        "unlawful": "这次注销在本市规定里找不到依据，可以依法提出异议",
        "source": "对照的规定",
        "need_by": "你需要在{date}前办好",
        "in_time": "赶得上",
        "not_in_time": "赶不上",
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
        "ready_from": "expected ready by {date} (about {n} working days from handing it in on {start})",
        "ready_same_day": "expected ready on {date}, the same day",
        "pending": "What you have already filed",
        "filed_on": "filed on",
        "accept_by": "acceptance decided by",
        "decision_due": "decision due by",
        "extended_due": "if extended, by",
        "meanwhile": "meanwhile",
        "unlawful": "This cancellation has no ground in the city's rules; you can contest it",
        "source": "rules checked",
        "need_by": "you need it by {date}",
        "in_time": "in time",
        "not_in_time": "not in time",
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


def _why(reason: Any, lang: str) -> str:
    """The words of an option's ``earliest_reason`` / ``deadline_reason``, or ""."""
    if not isinstance(reason, dict):
        return ""
    return str(reason.get(lang) or "")


def _legal_basis(plan: dict[str, Any], h: dict[str, str]) -> list[str]:
    basis = plan["diagnosis"].get("legal_basis")
    if not isinstance(basis, dict) or not (basis.get("text") or basis.get("lawful") is False):
        return []
    lines = [f"  ! {h['unlawful']}"] if basis.get("lawful") is False else []
    if basis.get("text") and basis["text"] != plan["diagnosis"]["text"]:
        lines.append(f"  {basis['text']}")  # unless the diagnosis already says it
    c = basis.get("citation") or {}
    source = " ".join(x for x in (c.get("title", ""), c.get("article", "")) if x)
    if source:
        lines.append(f"  {h['source']}: {source}")
    return lines


def _pending(plan: dict[str, Any], h: dict[str, str], lang: str) -> list[str]:
    pending = plan.get("pending")
    if not isinstance(pending, dict) or not pending.get("path"):
        return []
    name = label(str(pending["path"]), lang)
    lines = [f"【{h['pending']}】{name}" if lang == "zh" else f"== {h['pending']}: {name} =="]
    for key in ("filed_on", "accept_by", "decision_due", "extended_due"):
        if pending.get(key):
            lines.append(f"  {h[key]}: {_d(pending[key], lang)}")
    if pending.get("text"):
        lines.append(f"  {h['meanwhile']}: {pending['text']}")
    return [*lines, ""]


def _need_by(i: dict[str, Any], h: dict[str, str], lang: str) -> str:
    """The answer to an impact's need-by date: the planner's sentence (which names the date
    and says whether it is in time), or else the date and in time or not."""
    if i.get("when_text"):
        return str(i["when_text"])
    if not i.get("by"):
        return ""
    text = h["need_by"].format(date=_d(i["by"], lang))
    if i.get("in_time") is not None:
        mark = h["in_time"] if i["in_time"] else h["not_in_time"]
        text += f"：{mark}" if lang == "zh" else f": {mark}"
    return text


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
    out.extend(_legal_basis(plan, h))
    add("")
    out.extend(_pending(plan, h, lang))
    rec = next(o for o in plan["options"] if o["path"] == plan["recommended"])
    add(
        f"【{h['recommended']}】{rec['label']}"
        if lang == "zh"
        else f"== {h['recommended']}: {rec['label']} =="
    )
    pad = " " * 6  # a reason sits under its date, like an option's unmet conditions
    if rec["earliest_date"]:
        add(f"  {h['earliest']}: {_d(rec['earliest_date'], lang)}")
        if why := _why(rec.get("earliest_reason"), lang):
            add(f"{pad}{why}")
    if rec["deadline"]:
        add(f"  {h['deadline']}: {_d(rec['deadline'], lang)}")
        if why := _why(rec.get("deadline_reason"), lang):
            add(f"{pad}{why}")
    for i, step in enumerate(plan["steps"], 1):
        add(f"  {i}. {step['text']}")
    timeline = plan["timeline"]
    if timeline["expected_ready_by"]:
        start = timeline.get("start")
        # the working days count from the day the application can go in
        later = bool(start) and start > plan["situation"]["as_of"]
        key = (
            "ready_same_day"
            if timeline["working_days"] == 0
            else ("ready_from" if later else "ready")
        )
        add(
            "  "
            + h[key].format(
                date=_d(timeline["expected_ready_by"], lang),
                n=timeline["working_days"],
                start=_d(start, lang),
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
        if o is not rec:
            for key, reason in (("earliest", "earliest_reason"), ("deadline", "deadline_reason")):
                if why := _why(o.get(reason), lang):
                    add(f"      {h[key]}: {why}")
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
            if when := _need_by(i, h, lang):
                add(f"      {when}")
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
