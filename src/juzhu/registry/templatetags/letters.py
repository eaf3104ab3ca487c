"""Filters the letters' templates use (``registry/templates/letters/``)."""

from __future__ import annotations

import datetime as dt

from django import template

from juzhu.registry.letters import zh_date

register = template.Library()


@register.filter
def zhdate(value: dt.date | str | None) -> str:
    return zh_date(value)
