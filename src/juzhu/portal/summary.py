"""The person's answers as a summary list (check your answers), each with a change link."""

from __future__ import annotations

from typing import Any

from juzhu.domain.vocabulary import label
from juzhu.portal.forms import PAGE_TITLES
from juzhu.portal.present import day
from juzhu.portal.questions import FILED_PATHS, PAGES, structurally_relevant
from juzhu.portal.templating import url as reverse_cached
from juzhu.portal.texts import say

CHOICE_KEYS = {"yes": "yes", "no": "no", "unsure": "unsure"}


def _value(key: str, value: Any, lang: str) -> str:
    if value in (None, "", []):
        return say("not_given", lang)
    if key == "city":
        from juzhu.rules.loader import load_policies

        return str(load_policies().jurisdictions[value].name["en" if lang == "en" else "zh"])
    if key in (
        "cancelled_on",
        "notified_on",
        "issued_on",
        "last_endorsed_on",
        "registered_since",
        "filed_on",
    ):
        return day(value, lang)
    if key == "filed_path":
        return say(f"filed_{value}", lang)
    if key == "status":
        return say(f"status_{value}", lang)
    if isinstance(value, list):
        return ("、" if lang == "zh" else ", ").join(label(v, lang) for v in value)
    if key in ("disputes", "informed") and value in ("yes", "no"):
        return say(f"{key}_{value}", lang)
    if value in CHOICE_KEYS:
        return say(CHOICE_KEYS[value], lang)
    return label(str(value), lang)


FIELDS = {
    "city": ("city",),
    "status": ("status",),
    "reason": ("reason",),
    "act_dates": ("cancelled_on", "notified_on"),
    "disputes": ("disputes",),
    "informed": ("informed",),
    "filed": ("filed_path", "filed_on"),
    "permit_dates": ("issued_on", "last_endorsed_on"),
    "residence": ("registered_since", "housing"),
    "work": ("employed", "si_months", "si_continuous", "enrolled"),
    "needs": ("needs",),
}
FIELD_LABELS = {
    "cancelled_on": "cancelled_on",
    "notified_on": "notified_on",
    "issued_on": "issued_on",
    "last_endorsed_on": "last_endorsed_on",
    "registered_since": "registered_since",
    "housing": "housing",
    "employed": "employed",
    "si_months": "si_months",
    "si_continuous": "si_continuous",
    "enrolled": "enrolled",
    "filed_path": "q_filed",
    "filed_on": "filed_on",
}


def _needs(answers: dict[str, Any], lang: str) -> str:
    """The needs, each with the day it is needed by when one was given."""
    needs = answers.get("needs") or []
    if not needs:
        return say("not_given", lang)
    by = answers.get("needs_by") or {}
    parts = []
    for service in needs:
        name = label(service, lang)
        if by.get(service):
            when = say("by_date", lang, date=day(by[service], lang))
            name += f"（{when}）" if lang == "zh" else f" ({when})"
        parts.append(name)
    return ("、" if lang == "zh" else ", ").join(parts)


def answer_rows(answers: dict[str, Any], asked: list[str], lang: str) -> list[dict[str, str]]:
    rows = []
    for page in PAGES:
        if page not in asked or not structurally_relevant(page, answers):
            continue
        url = reverse_cached("portal:question", page)
        for key in FIELDS[page]:
            if key in ("si_months", "si_continuous") and answers.get("employed") != "yes":
                continue
            if key == "filed_on" and answers.get("filed_path") not in FILED_PATHS:
                continue
            question = say(FIELD_LABELS.get(key, PAGE_TITLES[page]), lang)
            value = answers.get(key)
            if key == "needs":
                text = _needs(answers, lang)
            elif key == "si_months" and value is not None:
                text = str(value)
            else:
                text = _value(key, value, lang)
            rows.append({"question": question, "answer": text, "url": url})
    return rows
