"""Shape a plan (the planner contract) for people: dates in words, channels named, the
checklist's "A 或 B" as a choice, impacts split into the ones that matter and the rest,
the sources of every option listed once. The page, the PDF and "my permit" share it.

The keys added to the contract later (the options' ``*_reason``, the impacts' need-by
answer, ``pending``, the diagnosis' ``legal_basis``) are read with ``.get``: a plan
without them shows as before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from juzhu.domain.vocabulary import label
from juzhu.planner.plan import fmt_date
from juzhu.portal.texts import say


def day(value: str | dt.date | None, lang: str) -> str:
    if not value:
        return ""
    d = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    return fmt_date(d, lang)


def _sources(trace: list[dict[str, Any]]) -> list[dict[str, str]]:
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for step in trace:
        c = step.get("citation") or {}
        key = (c.get("title", ""), c.get("article", ""))
        if key[0] and key not in seen:
            seen[key] = {
                "title": c["title"],
                "article": c.get("article", ""),
                "url": c.get("url", ""),
                "status": c.get("status", ""),
            }
    return list(seen.values())


def reason_text(reason: Any, lang: str) -> str:
    """The words of an ``earliest_reason`` / ``deadline_reason`` ({zh, en, rule}) or ""."""
    if not isinstance(reason, dict):
        return ""
    return str(reason.get("en" if lang == "en" else "zh") or "")


def _option(o: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        **o,
        "earliest_text": day(o.get("earliest_date"), lang),
        "deadline_text": day(o.get("deadline"), lang),
        "earliest_reason_text": reason_text(o.get("earliest_reason"), lang),
        "deadline_reason_text": reason_text(o.get("deadline_reason"), lang),
        "steps": [_step(s, lang) for s in o.get("steps", [])],
        "sources": _sources(o.get("trace", [])),
    }


def _step(step: dict[str, str], lang: str) -> dict[str, str]:
    channel = step.get("channel", "none")
    return {**step, "channel_label": say(f"channel_{channel}", lang) if channel != "none" else ""}


def _check_item(item: dict[str, Any], lang: str) -> dict[str, Any]:
    alternatives = [item["id"], *item.get("alternatives", [])]
    return {
        **item,
        "choices": [label(a, lang) for a in alternatives] if len(alternatives) > 1 else [],
    }


def _impact(i: dict[str, Any], lang: str) -> dict[str, Any]:
    """An impact with its dates in words; ``when_text`` is the planner's sentence on the
    need-by date, or (when it gave none, for a service the person needs) the day the
    service comes back."""
    when = i.get("when_text") or ""
    if not when and i.get("restored_on") and i.get("needed") and i.get("affected"):
        when = say("restored_from", lang, date=day(i["restored_on"], lang))
    return {
        **i,
        "since_text": say("since", lang, date=day(i["since"], lang)) if i.get("since") else "",
        "need_by_text": say("need_by", lang, date=day(i["by"], lang)) if i.get("by") else "",
        "in_time": i.get("in_time"),
        "when_text": when,
    }


def _pending(pending: Any, lang: str) -> dict[str, Any] | None:
    """A remedy already filed: what, when, when it must be decided, what to do meanwhile."""
    if not isinstance(pending, dict) or not pending.get("path"):
        return None
    return {
        **pending,
        "label": label(str(pending["path"]), lang),
        "dates": [
            {"term": say(f"pending_{key}", lang), "text": day(pending[key], lang), "key": key}
            for key in ("filed_on", "accept_by", "decision_due", "extended_due")
            if pending.get(key)
        ],
        "text": pending.get("text") or "",
    }


def _legal_basis(diagnosis: dict[str, Any]) -> dict[str, Any] | None:
    basis = diagnosis.get("legal_basis")
    if not isinstance(basis, dict) or not (basis.get("text") or basis.get("lawful") is False):
        return None
    c = basis.get("citation") or {}
    source = " ".join(x for x in (c.get("title", ""), c.get("article", "")) if x)
    # the diagnosis may already be this very sentence: then only the headline and source
    text = "" if basis["text"] == diagnosis.get("text") else basis["text"]
    return {**basis, "text": text, "unlawful": basis.get("lawful") is False, "source": source}


def _ready_text(plan: dict[str, Any], lang: str) -> str:
    timeline = plan["timeline"]
    if not timeline.get("expected_ready_by"):
        return ""
    n = timeline.get("working_days")
    values = {"date": day(timeline["expected_ready_by"], lang), "n": "—" if n is None else n}
    if n == 0:
        return say("ready_same_day", lang, date=values["date"])
    start = timeline.get("start")
    if start and start > plan["situation"]["as_of"]:
        # the working days count from the day the application can go in, not from today
        return say("ready_by_from_text", lang, start=day(start, lang), **values)
    return say("ready_by_text", lang, **values)


def present_plan(plan: dict[str, Any]) -> dict[str, Any]:
    lang = plan["lang"]
    options = [_option(o, lang) for o in plan["options"]]
    recommended = next(o for o in options if o["path"] == plan["recommended"])
    impacts = [_impact(i, lang) for i in plan["impacts"]]
    return {
        "lang": lang,
        "as_of": plan["situation"]["as_of"],
        "as_of_text": day(plan["situation"]["as_of"], lang),
        "diagnosis": plan["diagnosis"],
        "legal_basis": _legal_basis(plan["diagnosis"]),
        "pending": _pending(plan.get("pending"), lang),
        "recommended": recommended,
        "others": [o for o in options if o["path"] != plan["recommended"]],
        "steps": [_step(s, lang) for s in plan["steps"]],
        "ready_text": _ready_text(plan, lang),
        "checklist": [_check_item(i, lang) for i in plan["checklist"]],
        "impacts_key": [i for i in impacts if i["needed"] or i["affected"]],
        "impacts_rest": [i for i in impacts if not (i["needed"] or i["affected"])],
        "warnings": plan["warnings"],
        "missing": plan.get("missing_facts", []),
        "policy": plan["policy"],
        "calendar_complete": plan["calendar"]["complete"],
        "contest": [
            o
            for o in options
            if o["path"] in ("reconsideration", "litigation") and o["available"] and o["deadline"]
        ],
    }
