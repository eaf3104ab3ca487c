"""Vectorised eligibility for many people at once (policy impact, benchmarks).

The same rules as ``engine.evaluate_eligibility``, compiled once from a policy into numpy
expressions over columns of facts. Unknown facts are not supported here: bulk input comes
from the registry, where every column is known. ``tests/unit/test_bulk.py`` checks that both
paths agree person by person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from juzhu.domain.vocabulary import Housing
from juzhu.rules.engine import STABLE_HOUSING, Policy

HOUSING_CODES: dict[str, int] = {h.value: i for i, h in enumerate(Housing)}
NO_HOUSING = -1

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.integer[Any]]


@dataclass(frozen=True)
class People:
    """Columns of facts, one row per person."""

    residence_months: IntArray
    employed: BoolArray
    social_insurance_months: IntArray
    social_insurance_continuous: BoolArray
    housing: IntArray  # HOUSING_CODES, or NO_HOUSING
    enrolled: BoolArray

    def __len__(self) -> int:
        return len(self.residence_months)


@dataclass(frozen=True)
class BulkRule:
    """A policy's eligibility rule, compiled for columns."""

    residence_months: int
    si_rule: str
    si_months: int
    si_total_months: int
    both_routes: bool
    stable_housing: BoolArray  # indexed by housing code

    @classmethod
    def compile(cls, policy: Policy) -> BulkRule:
        si = policy.get("eligibility.social_insurance")
        stable = np.array([h.value in STABLE_HOUSING for h in Housing] + [False])
        return cls(
            residence_months=int(policy.get("eligibility.residence_months")),
            si_rule=si["rule"],
            si_months=int(si.get("months", 0)),
            si_total_months=int(si.get("total_months", si.get("months", 0))),
            both_routes=policy.get("eligibility.routes") == "residence_and_employment",
            stable_housing=stable,
        )

    def evaluate(self, people: People) -> BoolArray:
        residence_ok = people.residence_months >= self.residence_months
        if self.si_rule == "none":
            employment_ok = people.employed
        else:
            si_ok = people.social_insurance_continuous & (
                people.social_insurance_months >= self.si_months
            )
            if self.si_rule == "continuous_or_total":
                si_ok |= people.social_insurance_months >= self.si_total_months
            employment_ok = people.employed & si_ok
        if self.stable_housing[:-1].all():
            housing_ok = people.housing >= 0  # every known housing type is stable
        else:
            # NO_HOUSING (-1) indexes the trailing False of stable_housing.
            housing_ok = self.stable_housing[people.housing]
        if self.both_routes:
            route_ok = employment_ok & housing_ok
        else:
            route_ok = employment_ok | housing_ok | people.enrolled
        result: BoolArray = residence_ok & route_ok
        return result


def evaluate_bulk(policy: Policy, people: People) -> BoolArray:
    return BulkRule.compile(policy).evaluate(people)
