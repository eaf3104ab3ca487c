from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from juzhu.backoffice.letters import zh_date
from juzhu.backoffice.words import WORDS
from juzhu.domain.vocabulary import LABELS, label

register = template.Library()


@register.filter
def zhdate(value: dt.date | str | None) -> str:
    return zh_date(value)


@register.filter
def vocab(value: Any) -> str:
    """The Chinese label of a vocabulary id (status, kind, reason, material...)."""
    text = str(value)
    if text in WORDS:
        return WORDS[text]
    return label(text, "zh") if text in LABELS else text


@register.filter
def jsonish(value: Any) -> str:
    """A policy value as a reader sees it: a number or word as is, a mapping as k: v."""
    if isinstance(value, dict):
        return "；".join(f"{k}: {v}" for k, v in value.items())
    return "—" if value is None else str(value)


@register.filter
def fact_value(value: Any) -> str:
    """A stored fact: 是/否 for yes/no, the number or date as is."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return "未提供" if value is None else str(value)
