"""Portal forms, kept by page family: what they all share (``PortalForm``, ``parse_day``,
``msg``: every message says what is wrong and how to fix it, beside the field) in
``form_base.py``; the planner questionnaire in ``planner_forms.py``; online applications
and appeals in ``apply_forms.py``; the login forms here. The shared names and the
questionnaire's ``PAGE_FORMS`` and ``PAGE_TITLES`` are importable from here too.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from juzhu.portal.form_base import PortalForm, Today, msg, parse_day
from juzhu.portal.planner_forms import PAGE_FORMS, PAGE_TITLES
from juzhu.portal.texts import say
from juzhu.registry.idnumbers import InvalidIdNumber, parse_id_number

__all__ = [
    "PAGE_FORMS",
    "PAGE_TITLES",
    "CodeForm",
    "IdNumberForm",
    "PortalForm",
    "Today",
    "msg",
    "parse_day",
]

# -- login ---------------------------------------------------------------------------------


class IdNumberForm(PortalForm):
    id_number = forms.CharField(
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    hints = {"id_number": "id_number_hint"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].label = say("id_number", self.lang)

    def clean_id_number(self) -> str:
        try:
            return parse_id_number(self.cleaned_data["id_number"], today=self.today).value
        except InvalidIdNumber as exc:
            raise ValidationError(exc.en if self.lang == "en" else exc.zh) from None


class CodeForm(PortalForm):
    code = forms.CharField(
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
    )
    hints = {"code": "code_hint"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = say("code", self.lang)

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not (code.isdigit() and len(code) == 6):
            raise ValidationError(msg(self.lang, "验证码是6位数字", "The code is 6 digits"))
        return code
