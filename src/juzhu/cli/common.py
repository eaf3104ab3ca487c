"""What the commands share: the output format and language options, and bad input."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import typer


class Format(StrEnum):
    text = "text"
    json = "json"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


def fail(message: str) -> None:
    """One line on stderr naming the field and the fix; exit code 2 (bad input)."""
    typer.echo(message, err=True)
    raise typer.Exit(2)


def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date; write it as 2026-12-21")
        raise
