"""The portal's own words, Chinese first and English second (translators edit these files).

Plain words for a person on a phone: short sentences, the question as the heading, the one
thing to do next. The planner's, the notices' and the vocabulary's texts live with them
(``planner/texts.py``, ``notifications/texts.py``, ``domain/vocabulary.py``).

The words are kept by page family: the frame and the home page here; the planner's
questionnaire and plan in ``texts_planner.py``; online applications in ``texts_apply.py``;
login, my permit, the e-permit, consent and appeals in ``texts_account.py``. Every page
reads them through ``UI``, ``ui`` and ``say`` here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from django.utils.html import escape
from django.utils.safestring import mark_safe

from juzhu.portal.texts_account import APPEALS, CONSENT, EPERMIT, LOGIN, MY_PERMIT
from juzhu.portal.texts_apply import APPLY
from juzhu.portal.texts_letters import LETTERS
from juzhu.portal.texts_mydata import MY_DATA
from juzhu.portal.texts_planner import PLAN, QUESTIONS
from juzhu.portal.texts_registration import REGISTRATION

# The frame of every page, and the portal home.
FRAME: dict[str, tuple[str, str]] = {
    "site": ("居住证服务", "Residence permit services"),
    "skip": ("跳到正文", "Skip to content"),
    "home": ("首页", "Home"),
    "elder_on": ("长辈版", "Large text"),
    "elder_off": ("标准版", "Standard text"),
    "lang_switch": ("English", "中文"),
    "lang_switch_label": ("Switch to English", "切换到中文"),
    "not_official": (
        "开源软件演示，非政府官方网站；请以当地公安机关的答复为准。",
        "Open-source demo, not an official government site; the police office's answer prevails.",
    ),
    "scam_short": (
        "只通过公安机关、政务服务中心和官方App办理；居住证申领和签注不收费。",
        "Only use police stations, service centres and official apps; applying and endorsing are free.",
    ),
    "back": ("返回上一步", "Back"),
    "continue": ("继续", "Continue"),
    "errors_title": ("请改正以下问题", "There is a problem"),
    "optional": ("（可不填）", "(optional)"),
    "date_hint": ("按 年-月-日 填写，例如 2026-03-11", "Year-month-day, for example 2026-03-11"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "unsure": ("不确定 / 不记得", "Not sure / don't remember"),
    # punctuation between the parts of a line (full-width in Chinese)
    "colon": ("：", ": "),
    "semicolon": ("；", "; "),
    "lp": ("（", " ("),
    "rp": ("）", ")"),
    "full_stop": ("。", ". "),
    # portal home
    "home_title": ("居住证服务", "Residence permit services"),
    "home_lead": (
        "居住证被注销或中止了？先花两分钟回答几个问题，看看该怎么补救、什么时候之前要办。",
        "Was your residence permit cancelled or suspended? Answer a few questions to see what to do, and by when.",
    ),
    "home_planner": ("补救规划（不用登录）", "Remedy planner (no login)"),
    "home_login": ("登录查看我的居住证", "Log in to see my permit"),
    "home_login_hint": (
        "用身份证号和短信验证码登录，查看状态、办理记录和通知。",
        "Log in with your ID number and an SMS code to see your status, history and notices.",
    ),
}


def _merge(*families: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """One table of every page family's words; a key set in two families is a mistake."""
    merged: dict[str, tuple[str, str]] = {}
    for family in families:
        twice = merged.keys() & family.keys()
        if twice:
            raise ValueError(f"portal texts set twice: {', '.join(sorted(twice))}")
        merged.update(family)
    return merged


UI: Mapping[str, tuple[str, str]] = _merge(
    FRAME,
    QUESTIONS,
    PLAN,
    LOGIN,
    MY_PERMIT,
    APPLY,
    EPERMIT,
    CONSENT,
    APPEALS,
    LETTERS,
    REGISTRATION,
    MY_DATA,
)


def ui(lang: str) -> Mapping[str, str]:
    """Every UI string in ``lang`` (zh or en), for a template's ``T``: built once per
    language (every portal page asks for it) and read-only."""
    return _ui("en" if lang == "en" else "zh")


@functools.cache
def _ui(lang: str) -> Mapping[str, str]:
    i = 1 if lang == "en" else 0
    return MappingProxyType({key: pair[i] for key, pair in UI.items()})


class Words(Mapping[str, str]):
    """One language's words for the templates: ``T.site`` is an attribute (Jinja2 finds it
    at the first try, where a mapping would cost it an AttributeError per word) and
    ``T["site"]`` an item. Read-only."""

    def __init__(self, words: Mapping[str, str]) -> None:
        self.__dict__.update(words)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("the portal's words are read-only")

    def __getitem__(self, key: str) -> str:
        return self.__dict__[key]  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __len__(self) -> int:
        return len(self.__dict__)


def ui_html(lang: str) -> Words:
    """``ui`` for a page's template: each string escaped once, here, and marked safe, so the
    template prints it as is instead of escaping the same words on every page (the same
    output: autoescape calls the same ``escape``). Only for printing: a template that
    filtered these words would filter the escaped text (none does; ``or`` is fine)."""
    return _ui_html("en" if lang == "en" else "zh")


@functools.cache
def _ui_html(lang: str) -> Words:
    return Words({key: mark_safe(escape(text)) for key, text in _ui(lang).items()})  # noqa: S308 (escaped on this line)


def say(key: str, lang: str, **values: object) -> str:
    text = UI[key][1 if lang == "en" else 0]
    return text.format(**values) if values else text
