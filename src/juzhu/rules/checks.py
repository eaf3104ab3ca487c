"""The checkers of policy values: each takes a value and returns the problems found in it
(an empty list when it is fine), each as ``(sub_path, message)`` so the loader can name the
exact key path and the fix.

The parameters, and which checker each uses, are in ``rules/schema.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from juzhu.domain.vocabulary import (
    Basis,
    CancellationReason,
    DayType,
    Housing,
    LinkedService,
    Material,
)

Problem = tuple[str, str]
Checker = Callable[[Any], list[Problem]]

PERIOD_UNITS = ("days", "months", "years")
# Which police organ signs the permit: a county or district bureau (the national default,
# 居住证暂行条例 Art. 10) or the city bureau itself (深圳 Art. 21; 上海 2013 Art. 14).
ISSUER_LEVELS = ("county", "city")


def _ids(enum: Any) -> set[str]:
    return {m.value for m in enum}


MATERIAL_IDS = _ids(Material)
REASON_IDS = _ids(CancellationReason) - {"unknown"}
SERVICE_IDS = _ids(LinkedService)
HOUSING_IDS = _ids(Housing)
BASIS_IDS = _ids(Basis)
DAY_TYPES = _ids(DayType)


def _type_name(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


def check_int(value: Any) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [("", f"must be a whole number, got {_type_name(value)} {value!r}")]
    if value < 0:
        return [("", f"must not be negative, got {value}")]
    return []


def check_bool(value: Any) -> list[Problem]:
    if not isinstance(value, bool):
        return [("", f"must be true or false, got {_type_name(value)} {value!r}")]
    return []


def check_number_or_null(value: Any) -> list[Problem]:
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [("", f"must be a number of yuan or null (unknown), got {value!r}")]
    return []


def check_str(value: Any) -> list[Problem]:
    if not isinstance(value, str) or not value.strip():
        return [("", f"must be a non-empty text, got {_type_name(value)} {value!r}")]
    return []


def check_text(value: Any) -> list[Problem]:
    """A text a person reads: ``{zh: ..., en: ...}``; zh is required."""
    if not isinstance(value, dict):
        return [("", f"must be a mapping with zh and en texts, got {_type_name(value)}")]
    problems: list[Problem] = []
    for lang in ("zh", "en"):
        if not isinstance(value.get(lang), str) or not value.get(lang):
            problems.append((f".{lang}", "must be a non-empty text"))
    for extra in set(value) - {"zh", "en"}:
        problems.append((f".{extra}", "unknown language; use zh and en"))
    return problems


def check_period(value: Any) -> list[Problem]:
    """``{days: 15, day_type: working}``, ``{months: 6}`` or ``{years: 2}``.

    ``day_type`` is required with ``days`` (every period says 自然日 or 工作日) and only
    ``calendar`` is meaningful with months and years.
    """
    if not isinstance(value, dict):
        return [
            (
                "",
                f"must be a period such as {{days: 15, day_type: calendar}}, got {_type_name(value)}",
            )
        ]
    units = [u for u in PERIOD_UNITS if u in value]
    problems: list[Problem] = []
    if len(units) != 1:
        return [("", "must have exactly one of days, months or years")]
    unit = units[0]
    problems += [(f".{unit}{p}", m) for p, m in check_int(value[unit])]
    for extra in set(value) - {unit, "day_type"}:
        problems.append(
            (f".{extra}", "unknown key in a period; use days/months/years and day_type")
        )
    if unit == "days":
        if "day_type" not in value:
            problems.append((".day_type", "missing: say calendar (自然日) or working (工作日)"))
        elif value["day_type"] not in DAY_TYPES:
            problems.append(
                (".day_type", f"unknown day type {value['day_type']!r}; use calendar or working")
            )
    elif value.get("day_type", "calendar") != "calendar":
        problems.append((".day_type", f"{unit} are always calendar {unit}"))
    return problems


def check_period_or_null(value: Any) -> list[Problem]:
    """A period, or null meaning "promptly" / no fixed limit (say which in ``note``)."""
    return [] if value is None else check_period(value)


def one_of(*choices: str) -> Checker:
    def check(value: Any) -> list[Problem]:
        if value not in choices:
            return [("", f"unknown value {value!r}; use one of {', '.join(choices)}")]
        return []

    return check


def list_of_ids(vocabulary: set[str], name: str) -> Checker:
    def check(value: Any) -> list[Problem]:
        if not isinstance(value, list):
            return [("", f"must be a list of {name} ids, got {_type_name(value)}")]
        return [
            (f"[{i}]", f"unknown {name} id {item!r}")
            for i, item in enumerate(value)
            if item not in vocabulary
        ]

    return check


def check_materials(value: Any) -> list[Problem]:
    """A list of items; an item is a material id or ``{any_of: [id, id, ...]}`` ("A or B")."""
    if not isinstance(value, list):
        return [
            ("", f"must be a list of material ids or {{any_of: [...]}}, got {_type_name(value)}")
        ]
    problems: list[Problem] = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            if item not in MATERIAL_IDS:
                problems.append((f"[{i}]", f"unknown material id {item!r}"))
        elif (
            isinstance(item, dict) and set(item) == {"any_of"} and isinstance(item["any_of"], list)
        ):
            if len(item["any_of"]) < 2:
                problems.append((f"[{i}].any_of", "needs at least two alternatives"))
            for j, alt in enumerate(item["any_of"]):
                if alt not in MATERIAL_IDS:
                    problems.append((f"[{i}].any_of[{j}]", f"unknown material id {alt!r}"))
        else:
            problems.append((f"[{i}]", "must be a material id or {any_of: [id, id]}"))
    return problems


def mapping_of(keys: set[str], name: str, inner: Checker) -> Checker:
    def check(value: Any) -> list[Problem]:
        if not isinstance(value, dict):
            return [("", f"must be a mapping keyed by {name} id, got {_type_name(value)}")]
        problems: list[Problem] = []
        for key, sub in value.items():
            if key not in keys:
                problems.append((f".{key}", f"unknown {name} id {key!r}"))
                continue
            problems += [(f".{key}{p}", m) for p, m in inner(sub)]
        return problems

    return check


def record(fields: dict[str, Checker], optional: frozenset[str] = frozenset()) -> Checker:
    def check(value: Any) -> list[Problem]:
        if not isinstance(value, dict):
            return [("", f"must be a mapping with {', '.join(fields)}, got {_type_name(value)}")]
        problems: list[Problem] = []
        for key, inner in fields.items():
            if key not in value:
                if key not in optional:
                    problems.append((f".{key}", "missing"))
                continue
            problems += [(f".{key}{p}", m) for p, m in inner(value[key])]
        for extra in set(value) - set(fields):
            problems.append((f".{extra}", f"unknown key; allowed: {', '.join(fields)}"))
        return problems

    return check


def check_grounds(value: Any) -> list[Problem]:
    """Reasons an officer may choose: ``{ground_id: {zh, en, law: {zh, en}}}``; ids are
    lower_snake_case and stable (decisions store them)."""
    if not isinstance(value, dict) or not value:
        return [("", f"must be a non-empty mapping keyed by ground id, got {_type_name(value)}")]
    problems: list[Problem] = []
    for key, sub in value.items():
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            problems.append((f".{key}", "a ground id must be lower_snake_case, e.g. too_short"))
            continue
        problems += [(f".{key}{p}", m) for p, m in GROUND(sub)]
    return problems


def check_cancellation_grounds(value: Any) -> list[Problem]:
    """``{reason_id: article}``: each ground the jurisdiction's own text gives, with the
    article (and item) that gives it. ``{}`` = the text gives none (the national regulation)."""
    if not isinstance(value, dict):
        return [
            (
                "",
                "must be a mapping of cancellation reason id to article, e.g. "
                f"{{hukou_settled: 第二十七条第（二）项}}, or {{}} for none; got {_type_name(value)}",
            )
        ]
    problems: list[Problem] = []
    for key, article in value.items():
        if key not in REASON_IDS:
            problems.append((f".{key}", f"unknown cancellation reason id {key!r}"))
        elif not isinstance(article, str) or not article.strip():
            problems.append(
                (f".{key}", "give the article (and item) of the text, e.g. 第十六条第（一）项")
            )
    return problems


def check_respondent(value: Any) -> list[Problem]:
    """``{zh, en, level}``: who made the act; ``level`` (county or city) says which police
    organ signs the permit here, and picks the reconsideration body (行政复议法 Art. 24)."""
    if not isinstance(value, dict):
        return [("", f"must be a mapping with zh, en and level, got {_type_name(value)}")]
    problems = check_text({k: v for k, v in value.items() if k != "level"})
    problems += [(".level", m) for _, m in one_of(*ISSUER_LEVELS)(value.get("level"))]
    return problems


def check_body(value: Any) -> list[Problem]:
    """Who hears reconsideration, by the level of the organ that acted: ``{county: {zh, en},
    city: {zh, en}}``."""
    if not isinstance(value, dict):
        return [("", f"must be a mapping keyed by {', '.join(ISSUER_LEVELS)}")]
    problems: list[Problem] = []
    for level in ISSUER_LEVELS:
        if level not in value:
            problems.append((f".{level}", "missing"))
        else:
            problems += [(f".{level}{p}", m) for p, m in check_text(value[level])]
    for extra in set(value) - set(ISSUER_LEVELS):
        problems.append((f".{extra}", f"unknown key; use {', '.join(ISSUER_LEVELS)}"))
    return problems


def check_material_ids(value: Any) -> list[Problem]:
    if not isinstance(value, list):
        return [("", f"must be a list of material ids, got {_type_name(value)}")]
    return [
        (f"[{i}]", f"unknown material id {m!r}")
        for i, m in enumerate(value)
        if m not in MATERIAL_IDS
    ]


def check_channel_list(value: Any) -> list[Problem]:
    if not isinstance(value, list):
        return [("", "must be a list of channels")]
    channel = record(
        {
            "name": check_text,
            "kind": one_of("app", "mini_program", "website", "hotline", "counter"),
            "url": lambda v: [] if isinstance(v, str) else [("", "must be a text")],
        },
        optional=frozenset({"url"}),
    )
    problems: list[Problem] = []
    for i, item in enumerate(value):
        problems += [(f"[{i}]{p}", m) for p, m in channel(item)]
    return problems


def check_reminder_offsets(value: Any) -> list[Problem]:
    if not isinstance(value, list) or not value:
        return [("", "must be a non-empty list of days before the date")]
    problems: list[Problem] = []
    for i, item in enumerate(value):
        problems += [(f"[{i}]{p}", m) for p, m in check_int(item)]
    return problems


# A refusal ground: ``{zh, en, law: {zh, en}}`` (``check_grounds``).
GROUND = record({"zh": check_str, "en": check_str, "law": check_text})
