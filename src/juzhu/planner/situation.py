"""Parse and check a planner situation (the JSON of ``juzhu plan FILE.json``).

Every problem becomes a ``SituationError`` naming the field and the fix, in Chinese and
English. Missing facts are allowed (the plan says which would change it); wrong ones are not.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from juzhu.domain.vocabulary import (
    CancellationReason,
    Housing,
    LinkedService,
    PermitStatus,
    RemedyPath,
)

# The remedies a person may already have filed (input ``appeal.path``).
FILED_PATHS = (RemedyPath.RECONSIDERATION, RemedyPath.LITIGATION, RemedyPath.APPEAL)


class SituationError(ValueError):
    def __init__(self, field_path: str, zh: str, en: str) -> None:
        self.field = field_path
        self.zh = zh
        self.en = en
        super().__init__(f"{field_path}: {en}")

    def message(self, lang: str = "zh") -> str:
        return f"{self.field}: {self.zh if lang == 'zh' else self.en}"


@dataclass(frozen=True)
class Permit:
    status: PermitStatus | None = None
    cancellation_reason: CancellationReason | None = None
    cancelled_on: dt.date | None = None
    notified_on: dt.date | None = None
    informed_of_remedy_rights: bool | None = None
    issued_on: dt.date | None = None
    last_endorsed_on: dt.date | None = None


@dataclass(frozen=True)
class Filed:
    """A remedy already filed: the plan follows it instead of offering it again."""

    path: RemedyPath
    filed_on: dt.date


@dataclass(frozen=True)
class Situation:
    city: str
    as_of: dt.date
    permit: Permit = field(default_factory=Permit)
    registered_since: dt.date | None = None
    housing: Housing | None = None
    employed: bool | None = None
    social_insurance_months: int | None = None
    social_insurance_continuous: bool | None = None
    enrolled: bool | None = None
    disputes_cancellation: bool | None = None
    needs: tuple[LinkedService, ...] = ()
    needs_by: dict[LinkedService, dt.date] = field(default_factory=dict)
    lives_in_city: bool | None = None
    appeal: Filed | None = None


SHAPE: dict[str, set[str] | None] = {
    "city": None,
    "as_of": None,
    "disputes_cancellation": None,
    "needs": None,
    "appeal": {"path", "filed_on"},
    "permit": {
        "status",
        "cancellation_reason",
        "cancelled_on",
        "notified_on",
        "informed_of_remedy_rights",
        "issued_on",
        "last_endorsed_on",
    },
    "residence": {"registered_since", "housing", "lives_in_city"},
    "employment": {"employed", "social_insurance_months", "social_insurance_continuous"},
    "study": {"enrolled"},
}


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


def _check_keys(data: dict[str, Any], allowed: Iterable[str], prefix: str) -> None:
    allowed = list(allowed)
    for key in data:
        if key not in allowed:
            hint = _suggest(key, allowed)
            raise SituationError(
                f"{prefix}{key}",
                f"未知字段；可用字段：{', '.join(allowed)}" + (f"（{hint}）" if hint else ""),
                f"unknown field; allowed: {', '.join(allowed)}" + (f" ({hint})" if hint else ""),
            )


def _date(raw: dict[str, Any], key: str, prefix: str) -> dt.date | None:
    value = raw.get(key)
    if value is None:
        return None
    path = f"{prefix}{key}"
    if not isinstance(value, str):
        raise SituationError(
            path,
            f'日期要写成 "2026-12-21" 这样的文字，现在是 {value!r}',
            f'write the date as text like "2026-12-21", got {value!r}',
        )
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise SituationError(
            path,
            f"{value!r} 不是真实存在的日期；请按 年-月-日 写，如 2026-12-21",
            f"{value!r} is not a real date; write year-month-day, e.g. 2026-12-21",
        ) from None


def _bool(raw: dict[str, Any], key: str, prefix: str) -> bool | None:
    value = raw.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise SituationError(
        f"{prefix}{key}",
        f"只能填 true 或 false，现在是 {value!r}",
        f"must be true or false, got {value!r}",
    )


def _choice(raw: dict[str, Any], key: str, prefix: str, enum: Any) -> Any:
    value = raw.get(key)
    if value is None:
        return None
    ids = [m.value for m in enum]
    if value not in ids:
        hint = _suggest(str(value), ids)
        raise SituationError(
            f"{prefix}{key}",
            f"未知取值 {value!r}；可选：{', '.join(ids)}" + (f"（{hint}）" if hint else ""),
            f"unknown value {value!r}; use one of {', '.join(ids)}"
            + (f" ({hint})" if hint else ""),
        )
    return enum(value)


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SituationError(name, "应是一个对象 {...}", "must be an object {...}")
    allowed = SHAPE[name]
    assert allowed is not None
    _check_keys(value, sorted(allowed), f"{name}.")
    return value


def parse_situation(
    data: Any, known_cities: Iterable[str], today: Callable[[], dt.date] = dt.date.today
) -> Situation:
    """Check a decoded situation and return it; raise ``SituationError`` on the first problem."""
    if not isinstance(data, dict):
        raise SituationError(
            "(file)", "整个文件应是一个 JSON 对象 {...}", "the file must hold one JSON object {...}"
        )
    _check_keys(data, SHAPE, "")
    cities = sorted(known_cities)
    city = data.get("city")
    if not isinstance(city, str) or not city:
        raise SituationError(
            "city",
            f"缺少城市；可选：{', '.join(cities)}",
            f"missing; use one of {', '.join(cities)}",
        )
    if city not in cities:
        hint = _suggest(city, cities)
        raise SituationError(
            "city",
            f"不认识的城市 {city!r}；可选：{', '.join(cities)}",
            f"unknown city {city!r}; use one of {', '.join(cities)}"
            + (f" ({hint})" if hint else ""),
        )
    as_of = _date(data, "as_of", "") or today()

    p = _section(data, "permit")
    permit = Permit(
        status=_choice(p, "status", "permit.", PermitStatus),
        cancellation_reason=_choice(p, "cancellation_reason", "permit.", CancellationReason),
        cancelled_on=_date(p, "cancelled_on", "permit."),
        notified_on=_date(p, "notified_on", "permit."),
        informed_of_remedy_rights=_bool(p, "informed_of_remedy_rights", "permit."),
        issued_on=_date(p, "issued_on", "permit."),
        last_endorsed_on=_date(p, "last_endorsed_on", "permit."),
    )
    r = _section(data, "residence")
    e = _section(data, "employment")
    s = _section(data, "study")
    months = e.get("social_insurance_months")
    if months is not None and (
        isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 24
    ):
        raise SituationError(
            "employment.social_insurance_months",
            f"应是 0 到 24 之间的整数（近24个月在本市缴社保的月数），现在是 {months!r}",
            f"must be a whole number from 0 to 24 (months paid here in the last 24), got {months!r}",
        )
    needs_raw = data.get("needs") or []
    if not isinstance(needs_raw, list):
        raise SituationError(
            "needs",
            '应是列表，如 ["school_enrollment"]',
            'must be a list, e.g. ["school_enrollment"]',
        )
    needs, needs_by = _needs(needs_raw)
    situation = Situation(
        city=city,
        as_of=as_of,
        permit=permit,
        registered_since=_date(r, "registered_since", "residence."),
        housing=_choice(r, "housing", "residence.", Housing),
        employed=_bool(e, "employed", "employment."),
        social_insurance_months=months,
        social_insurance_continuous=_bool(e, "social_insurance_continuous", "employment."),
        enrolled=_bool(s, "enrolled", "study."),
        disputes_cancellation=_bool(data, "disputes_cancellation", ""),
        needs=tuple(dict.fromkeys(needs)),
        needs_by=needs_by,
        lives_in_city=_bool(r, "lives_in_city", "residence."),
        appeal=_appeal(_section(data, "appeal") if data.get("appeal") is not None else None),
    )
    _check_consistency(situation)
    return situation


def _needs(raw: list[Any]) -> tuple[list[LinkedService], dict[LinkedService, dt.date]]:
    """``needs``: plain service ids, or ``{"service": id, "by": date}`` for a need-by date."""
    needs: list[LinkedService] = []
    by: dict[LinkedService, dt.date] = {}
    for i, item in enumerate(raw):
        where = f"needs[{i}]"
        if isinstance(item, dict):
            _check_keys(item, ["service", "by"], f"{where}.")
            if item.get("service") is None:
                raise SituationError(
                    f"{where}.service",
                    '缺少事项，如 {"service": "school_enrollment", "by": "2027-09-01"}',
                    'missing; e.g. {"service": "school_enrollment", "by": "2027-09-01"}',
                )
            service = _choice(item, "service", f"{where}.", LinkedService)
            day = _date(item, "by", f"{where}.")
            if day is not None:
                by[service] = min(day, by.get(service, day))
        else:
            service = _choice({where: item}, where, "", LinkedService)
        needs.append(service)
    return needs, by


def _appeal(raw: dict[str, Any] | None) -> Filed | None:
    if raw is None:
        return None
    path = _choice(raw, "path", "appeal.", RemedyPath)
    if path not in FILED_PATHS:
        choices = ", ".join(p.value for p in FILED_PATHS)
        raise SituationError(
            "appeal.path",
            f"已经提出的救济只能是 {choices} 之一" + (f"，现在是 {path.value!r}" if path else ""),
            f"must be one of {choices}" + (f", got {path.value!r}" if path else ""),
        )
    filed_on = _date(raw, "filed_on", "appeal.")
    if filed_on is None:
        raise SituationError(
            "appeal.filed_on",
            '缺少提出日期，如 "2026-12-01"',
            'missing the date it was filed, e.g. "2026-12-01"',
        )
    return Filed(path, filed_on)


def _check_consistency(s: Situation) -> None:
    p = s.permit
    dated = {
        "permit.issued_on": p.issued_on,
        "permit.last_endorsed_on": p.last_endorsed_on,
        "permit.cancelled_on": p.cancelled_on,
        "permit.notified_on": p.notified_on,
        "residence.registered_since": s.registered_since,
        "appeal.filed_on": s.appeal.filed_on if s.appeal else None,
    }
    for path, day in dated.items():
        if day is not None and day > s.as_of:
            raise SituationError(
                path,
                f"日期 {day} 晚于 as_of（{s.as_of}）；请核对日期",
                f"{day} is after as_of ({s.as_of}); check the date",
            )
    order = [
        (
            "permit.last_endorsed_on",
            p.last_endorsed_on,
            "permit.issued_on",
            p.issued_on,
            "签注",
            "endorsed",
        ),
        (
            "permit.cancelled_on",
            p.cancelled_on,
            "permit.issued_on",
            p.issued_on,
            "注销",
            "cancelled",
        ),
        (
            "permit.notified_on",
            p.notified_on,
            "permit.cancelled_on",
            p.cancelled_on,
            "收到通知",
            "notified",
        ),
    ]
    for path, later, other_path, earlier, zh, en in order:
        if later is not None and earlier is not None and later < earlier:
            raise SituationError(
                path,
                f"{zh}日期 {later} 早于 {other_path}（{earlier}），不可能；请核对",
                f"{en} on {later}, before {other_path} ({earlier}): impossible; check both dates",
            )
    if s.appeal is not None:
        if p.status not in (None, PermitStatus.CANCELLED, PermitStatus.REVOKED):
            raise SituationError(
                "appeal",
                f"状态是 {p.status}，没有可以复议或起诉的注销、撤销决定；请删去 appeal 或改正状态",
                f"status is {p.status}: there is no cancellation or revocation to contest; "
                "remove appeal or correct the status",
            )
        if p.cancelled_on is not None and s.appeal.filed_on < p.cancelled_on:
            raise SituationError(
                "appeal.filed_on",
                f"提出日期 {s.appeal.filed_on} 早于注销日期（{p.cancelled_on}），不可能；请核对",
                f"filed on {s.appeal.filed_on}, before the cancellation ({p.cancelled_on}): "
                "impossible; check both dates",
            )
    if p.status in (PermitStatus.CANCELLED, PermitStatus.REVOKED) and p.cancellation_reason is None:
        return  # reason unknown: the plan says how to find it
    if p.cancellation_reason is not None and p.status not in (
        None,
        PermitStatus.CANCELLED,
        PermitStatus.REVOKED,
    ):
        raise SituationError(
            "permit.cancellation_reason",
            f"状态是 {p.status}，却填写了注销原因；请把 status 改为 cancelled 或删去原因",
            f"status is {p.status} but a cancellation reason is given; "
            "set status to cancelled or remove the reason",
        )
    if p.cancelled_on is not None and p.status not in (
        None,
        PermitStatus.CANCELLED,
        PermitStatus.REVOKED,
    ):
        raise SituationError(
            "permit.cancelled_on",
            f"状态是 {p.status}，却填写了注销日期；请把 status 改为 cancelled 或删去该日期",
            f"status is {p.status} but a cancellation date is given; "
            "set status to cancelled or remove the date",
        )


def load_situation_text(
    text: str, known_cities: Iterable[str], today: Callable[[], dt.date] = dt.date.today
) -> Situation:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SituationError(
            f"(line {exc.lineno}, column {exc.colno})",
            f"不是有效的 JSON（{exc.msg}）；请检查引号、逗号和括号",
            f"not valid JSON ({exc.msg}); check quotes, commas and brackets",
        ) from None
    return parse_situation(data, known_cities, today)
