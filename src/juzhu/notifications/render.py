"""Turn a notice (template name, language, context) into the words a person reads.

Rendering happens when a notice is delivered, not when it is queued, so a text fixed in
``texts.py`` reaches every notice still waiting. A missing template or context key raises
``TemplateError`` naming the notice, the language, the key and the fix: a notice never
goes out with a blank or a raw ``{placeholder}`` in it.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from juzhu.domain.vocabulary import LABELS, CancellationReason, label
from juzhu.notifications.texts import OPTIONAL, OUTCOMES, PARAMS, TEXTS, VARIANTS

LANGS = ("zh", "en")
PARTS = ("title", "body", "sms")


class TemplateError(ValueError):
    """A notice cannot be rendered; retrying will not help (the worker fails it at once)."""


@dataclass(frozen=True)
class Rendered:
    """A notice in one language. ``sms_params`` are the values the SMS text uses, for a
    gateway that fills a registered template itself (``template_id`` names it)."""

    template: str  # the notice name, or its variant (permit_cancelled.voluntary)
    lang: str
    title: str
    body: str
    sms: str
    template_id: str
    sms_params: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # values of "secret" params (a login code)

    def public(self, text: str) -> str:
        """``text`` with every secret value replaced, for journals and logs."""
        for value in self.secrets:
            text = text.replace(value, "******")
        return text


def normalise_lang(lang: str) -> str:
    """zh, zh-hans, zh-CN → zh; en, en-GB → en. Anything else gets Chinese, the language
    every notice has first (PRODUCT.md: Chinese first, English second)."""
    lowered = (lang or "zh").lower()
    return "en" if lowered.startswith("en") else "zh"


def fmt_date(day: dt.date, lang: str) -> str:
    """2026年12月21日 / 21 December 2026 (no leading zeros: easier to read aloud)."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"


def _date(value: Any, lang: str) -> str:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return fmt_date(day, lang)


def _text(value: Any, lang: str) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError("is empty")
    return text


def _reason(value: Any, lang: str) -> str:
    known = {r.value for r in CancellationReason}
    if value not in known:
        raise ValueError(f"is not a cancellation reason (use one of {', '.join(sorted(known))})")
    return label(str(value), lang)


def _materials(value: Any, lang: str) -> str:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("must be a non-empty list of material ids")
    unknown = [m for m in value if m not in LABELS]
    if unknown:
        raise ValueError(f"has unknown material ids {unknown}; add them to domain/vocabulary.py")
    return ("、" if lang == "zh" else ", ").join(label(str(m), lang) for m in value)


def _lines(value: Any, lang: str) -> str:
    if not isinstance(value, list | tuple) or not value:
        raise ValueError("must be a non-empty list of texts")
    # A refusal reason may be a vocabulary id or an officer's sentence.
    return ("；" if lang == "zh" else "; ").join(label(str(v), lang) for v in value)


def _outcome(value: Any, lang: str) -> str:
    if value not in OUTCOMES:
        raise ValueError(f"is not an appeal outcome (use one of {', '.join(OUTCOMES)})")
    zh, en = OUTCOMES[value]
    return zh if lang == "zh" else en


KINDS: Mapping[str, Callable[[Any, str], str]] = {
    "date": _date,
    "text": _text,
    "secret": _text,
    "reason": _reason,
    "materials": _materials,
    "lines": _lines,
    "outcome": _outcome,
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def variant_of(template: str, context: Mapping[str, Any]) -> str:
    if template in VARIANTS:
        key, choices = VARIANTS[template]
        return choices.get(str(context.get(key, "")), template)
    return template


def sms_template_id(variant: str, lang: str, overrides: Mapping[str, str] | None = None) -> str:
    """The id of the SMS template registered with the gateway. Chinese carriers send only
    pre-approved templates; the operator maps our names to the ids the carrier issued
    (``settings.SMS_TEMPLATE_IDS``, e.g. {"permit_cancelled.zh": "SMS_271540123"})."""
    own = f"{variant}.{lang}"
    return (overrides or {}).get(own, f"juzhu.{own}")


def render(
    template: str,
    lang: str,
    context: Mapping[str, Any],
    *,
    template_ids: Mapping[str, str] | None = None,
) -> Rendered:
    """Render ``template`` in ``lang`` (normalised) with ``context``; raise ``TemplateError``
    with the fix if the template is unknown or a context value is missing or bad."""
    lang = normalise_lang(lang)
    if template not in PARAMS:
        raise TemplateError(
            f"no notice template {template!r}: add its texts and params to "
            f"juzhu/notifications/texts.py (known: {', '.join(sorted(PARAMS))})"
        )
    values: dict[str, str] = {}
    optional = OPTIONAL.get(template, {})
    dated = bool(optional) and all(key in context for key in optional)
    wanted = {**PARAMS[template], **(optional if dated else {})}
    for key, kind in wanted.items():
        if key not in context:
            given = ", ".join(sorted(context)) or "none"
            raise TemplateError(
                f"notice {template!r} ({lang}) needs context key {key!r} ({kind}); the code "
                f"that queued it passed: {given}. Pass {key!r} in notice_context."
            )
        try:
            values[key] = KINDS[kind](context[key], lang)
        except (ValueError, TypeError) as exc:
            raise TemplateError(
                f"notice {template!r} ({lang}): context key {key!r}={context[key]!r} {exc}"
            ) from None
    variant = variant_of(template, context)
    if dated and variant == template:  # a voluntary cancellation has no remedy paragraph
        variant = f"{template}.dated"
    texts = TEXTS.get(variant, {}).get(lang)
    if texts is None or any(part not in texts for part in PARTS):
        raise TemplateError(
            f"notice {variant!r} has no complete {lang} text (title, body, sms): add it to "
            "juzhu/notifications/texts.py"
        )
    out = {}
    for part in PARTS:
        try:
            out[part] = texts[part].format(**values)
        except (KeyError, IndexError) as exc:
            raise TemplateError(
                f"notice {variant!r} ({lang}) {part} uses {{{exc.args[0]}}}, which is not "
                f"among its params {sorted(values)}: declare it in PARAMS"
            ) from None
    used = placeholders(texts["sms"])
    return Rendered(
        template=variant,
        lang=lang,
        title=out["title"],
        body=out["body"],
        sms=out["sms"],
        template_id=sms_template_id(variant, lang, template_ids),
        sms_params={k: v for k, v in values.items() if k in used},
        secrets=tuple(values[k] for k, kind in wanted.items() if kind == "secret"),
    )


def registered_sms_templates(template_ids: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every SMS text by its template id: what an operator files with the carrier, and what
    the fake gateway fills in (a real gateway holds its own copy)."""
    return {
        sms_template_id(variant, lang, template_ids): texts["sms"]
        for variant, by_lang in TEXTS.items()
        for lang, texts in by_lang.items()
    }
