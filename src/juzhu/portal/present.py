"""Shape a plan (the planner contract) for people: dates in words, channels named, the
checklist's "A 或 B" as a choice, impacts split into the ones that matter and the rest,
the sources of every option listed once. The page, the PDF and "my permit" share it.
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


def _option(o: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        **o,
        "earliest_text": day(o.get("earliest_date"), lang),
        "deadline_text": day(o.get("deadline"), lang),
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


def present_plan(plan: dict[str, Any]) -> dict[str, Any]:
    lang = plan["lang"]
    options = [_option(o, lang) for o in plan["options"]]
    recommended = next(o for o in options if o["path"] == plan["recommended"])
    impacts = [
        {
            **i,
            "since_text": say("since", lang, date=day(i["since"], lang)) if i.get("since") else "",
        }
        for i in plan["impacts"]
    ]
    timeline = plan["timeline"]
    ready = ""
    if timeline.get("expected_ready_by"):
        ready = say(
            "ready_by_text",
            lang,
            date=day(timeline["expected_ready_by"], lang),
            n=timeline.get("working_days") or "—",
        )
    return {
        "lang": lang,
        "as_of": plan["situation"]["as_of"],
        "as_of_text": day(plan["situation"]["as_of"], lang),
        "diagnosis": plan["diagnosis"],
        "recommended": recommended,
        "others": [o for o in options if o["path"] != plan["recommended"]],
        "steps": [_step(s, lang) for s in plan["steps"]],
        "ready_text": ready,
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
