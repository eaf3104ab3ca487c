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
