"""What every portal form shares: the language and today's date carried into validation,
the fields laid out for ``partials/form_fields.html``, and the messages. Every message says
what is wrong and how to fix it, beside the field, in the reader's language; a form with
any error stores nothing.

Dates are typed as text with a numeric keypad (GOV.UK's finding: ``type=number`` and
date pickers lose data). We parse ``2026-03-11``, ``2026/3/11``, ``2026.3.11``,
``2026年3月11日`` and ``20260311`` ourselves, because Django's zh-Hans
``DATE_INPUT_FORMATS`` holds ``"%Y年%n月%j日"``, which strptime cannot read
(ecosystem.md §1.3), so Django's own DateField rejects the Chinese form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from juzhu.portal.texts import say
from juzhu.registry.idnumbers import is_mobile

Today = Callable[[], dt.date]
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EARLIEST = dt.date(1950, 1, 1)
# A need-by date further ahead than this is almost surely a typo in the year.
LATEST_AHEAD_YEARS = 10


def msg(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def clean_mobile(raw: str, lang: str) -> str:
    """A mobile number typed by a person, or ``ValidationError`` saying how to write it."""
    phone = raw.strip()
    if not is_mobile(phone):
        raise ValidationError(msg(lang, "手机号应为11位数字，以1开头", "11 digits starting with 1"))
    return phone


def parse_day(raw: str, lang: str, today: dt.date, *, ahead: bool = False) -> dt.date:
    """A date typed by a person; ``ValidationError`` says what is wrong and the fix.
    A date that has happened, or with ``ahead`` one from today on (a date something is
    needed by)."""
    text = raw.strip()
    m = _DATE.match(text) or _COMPACT.match(text)
    if not m:
        raise ValidationError(
            msg(
                lang,
                "请按 年-月-日 填写日期，例如 2026-03-11",
                "Write the date as year-month-day, for example 2026-03-11",
            )
        )
    try:
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValidationError(
            msg(
                lang,
                f"{text} 不是真实存在的日期（例如2月没有30日），请核对月和日",
                f"{text} is not a real date (February has no 30th, for example); check the month and day",
            )
        ) from None
    if ahead:
        if day < today:
            raise ValidationError(
                msg(
                    lang,
                    f"这个日期已经过去（今天是{today.isoformat()}），请填写今天或以后的日期",
                    f"This date has passed (today is {today.isoformat()}); give today or a later date",
                )
            )
        if day.year > today.year + LATEST_AHEAD_YEARS:
            raise ValidationError(
                msg(lang, "年份太晚，请核对年份", "The year is too far ahead; check the year")
            )
        return day
    if day > today:
        raise ValidationError(
            msg(
                lang,
                f"这个日期在今天（{today.isoformat()}）之后，请填写已经发生的日期",
                f"This date is after today ({today.isoformat()}); give a date that has passed",
            )
        )
    if day < EARLIEST:
        raise ValidationError(
            msg(lang, "年份太早，请核对年份", "The year is too early; check the year")
        )
    return day


class PortalForm(forms.Form):
    """Carries the language and today's date into validation; marks fields for the
    templates (``kind``: radio, checkbox, text; ``hint``)."""

    template_name = "portal/partials/form_fields.html"
    hints: dict[str, str] = {}

    def __init__(
        self,
        *args: Any,
        lang: str = "zh",
        today: Today = dt.date.today,
        answers: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lang = lang
        self.today = today()
        # the answers of earlier pages, for checks across pages (a filing after the act)
        self.answers: Mapping[str, Any] = answers or {}
        for name, field in self.fields.items():
            field.error_messages["required"] = msg(
                lang,
                "请选择一项" if self.is_choice(field) else "请填写这一项",
                "Choose one" if self.is_choice(field) else "Fill this in",
            )
            if name in self.hints:
                field.help_text = say(self.hints[name], lang)

    @staticmethod
    def is_choice(field: forms.Field) -> bool:
        return isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)

    option_hints: dict[str, str] = {}
    # field → the radio that reveals it, and the values that do ("yes" unless listed)
    dependent: dict[str, str] = {}
    dependent_values: dict[str, tuple[str, ...]] = {}

    def rows(self) -> list[dict[str, Any]]:
        """Each field ready for ``partials/form_fields.html``: its kind, ids, hint, error
        and options, with ``aria-describedby`` pointing at the hint and the error."""
        out = []
        for bf in self:
            field = bf.field
            kind = (
                "date"
                if isinstance(field.widget, forms.DateInput)
                else "file"
                if isinstance(field.widget, forms.FileInput)
                else "checkbox"
                if isinstance(field.widget, forms.CheckboxSelectMultiple)
                else "radio"
                if isinstance(field.widget, forms.RadioSelect)
                else "textarea"
                if isinstance(field.widget, forms.Textarea)
                else "text"
            )
            value = bf.value()
            chosen = {
                str(v) for v in (value if isinstance(value, list) else [value]) if v is not None
            }
            options = [
                {
                    "value": v,
                    "label": text,
                    "id": f"{bf.auto_id}_{i}",
                    "checked": str(v) in chosen,
                    "hint": self.option_hints.get(str(v), ""),
                }
                for i, (v, text) in enumerate(getattr(field, "choices", []))
            ]
            errors = list(bf.errors)
            described = [f"{bf.auto_id}-hint"] if field.help_text else []
            described += [f"{bf.auto_id}-error"] if errors else []
            out.append(
                {
                    "name": bf.name,
                    "html_name": bf.html_name,
                    "id": bf.auto_id,
                    "kind": kind,
                    "label": field.label,
                    "hint": field.help_text,
                    "errors": errors,
                    "describedby": " ".join(described),
                    "value": ""
                    if value is None or kind not in ("text", "textarea", "date")
                    else value,
                    "attrs": field.widget.attrs,
                    "options": options,
                    "show_when": self.dependent.get(bf.name, ""),
                    "show_values": " ".join(self.dependent_values.get(bf.name, ())),
                }
            )
        return out

    def day(self, name: str, *, ahead: bool = False) -> dt.date | None:
        raw = (self.data.get(self.add_prefix(name)) or "").strip()
        return parse_day(raw, self.lang, self.today, ahead=ahead) if raw else None

    def choices(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(value, say(key, self.lang)) for value, key in pairs]

    def choice_field(self, name: str) -> forms.ChoiceField:
        """The field ``name``, declared as a ``ChoiceField`` (or a subclass) on the form."""
        return cast(forms.ChoiceField, self.fields[name])
