"""Shared pieces of the registry's write use cases: refusals, conflicts, actors, the policy and
the working-day calendar a decision uses."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TypeVar

from juzhu.domain.days import Period, WorkCalendar
from juzhu.registry.models import (
    Appeal,
    Application,
    Chained,
    Permit,
    ResidenceRegistration,
)
from juzhu.rules.engine import Policy

# The four records with a lifecycle (each chained, with a city, a person and a status).
R = TypeVar("R", ResidenceRegistration, Permit, Application, Appeal)
THIRD_PARTIES = {"landlord", "employer", "school", "hotel"}
CITY_PREFIX = {
    "beijing": "BJ",
    "shanghai": "SH",
    "shenzhen": "SZ",
    "guangzhou": "GZ",
    "hangzhou": "HZ",
    "chengdu": "CD",
}


class Refused(Exception):
    """A use case refused: ``zh`` / ``en`` say why and what to do."""

    def __init__(self, zh: str, en: str, field: str = "") -> None:
        self.zh, self.en, self.field = zh, en, field
        super().__init__(en)


class Conflict(Exception):
    """The record changed since it was read; reload and try again."""

    def __init__(self, record: Chained, expected: int) -> None:
        name = type(record).__name__.lower()
        super().__init__(
            f"this {name} was changed by someone else since you opened it "
            f"(you had version {expected}); reload it and try again"
        )
        self.zh = "该记录在你打开后已被他人修改，请刷新后重试"


@dataclass(frozen=True)
class Actor:
    """Who acts: ``officer:<user id>``, ``holder:<person id>``, ``system:sweep``..."""

    id: str

    def __str__(self) -> str:
        return self.id


SYSTEM = Actor("system")


def policy_of(city: str, on: dt.date) -> Policy:
    return Policy.of(city, on)


def policy_ref(policy: Policy) -> dict[str, str]:
    return {"id": policy.id, "version": policy.version}


@functools.cache
def _bundled_calendar() -> WorkCalendar:
    return WorkCalendar.load()  # chinese-calendar + the bundled override file (read once)


def work_calendar() -> WorkCalendar:
    """chinese-calendar + the bundled override file + the operator's override table."""
    from juzhu.registry.models import WorkingDayOverride

    table = dict(WorkingDayOverride.objects.values_list("day", "is_workday"))
    base = _bundled_calendar()
    return base.with_overrides(table) if table else base


def expected_ready(policy: Policy, on: dt.date) -> dt.date:
    period = policy.period("issuing.time_limit") or Period(15, "days")
    return work_calendar().period_end(on, period, side="estimate").date


def statutory_due(policy: Policy, accepted_on: dt.date) -> dt.date:
    limit = policy.period("issuing.time_limit")
    assert limit is not None
    return work_calendar().period_end(accepted_on, limit).date
