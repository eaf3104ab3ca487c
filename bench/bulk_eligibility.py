"""Bulk eligibility for 1,000,000 people: juzhu's engine against its floor and OpenFisca.

Each contender starts from the facts as numpy arrays and ends with one boolean per person;
setup is inside its timing (policy lookup and rule compilation for the engine, the
TaxBenefitSystem, parameters and simulation for OpenFisca). Best of 3 repetitions.

* engine: ``BulkRule.compile(Policy.of(city, day)).evaluate(People(...))``, timed without
  and with a cold ``load_policies()`` (reading and validating every YAML file);
* floor: the same rule as plain numpy expressions with the parameters hard-coded;
* openfisca: the same rule as an OpenFisca country package defined below.

Run: ``.venv/bin/python bench/bulk_eligibility.py [--n 1000000] [--json]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import MONTH
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

from juzhu.rules import loader
from juzhu.rules.bulk import BulkRule, People
from juzhu.rules.engine import Policy

ON = dt.date(2026, 11, 26)
PERIOD = "2026-11"
REPEAT = 3
FACTS = (
    "residence_months",
    "employed",
    "social_insurance_months",
    "social_insurance_continuous",
    "housing",
    "enrolled",
)

# -- the floor: each city's rule written by hand, parameters hard-coded --------------------
# (checked against the policy data before timing, so a policy change fails loudly here)
HARD_CODED = {
    "shenzhen": {
        "residence_months": 12,
        "si_rule": "continuous_or_total",
        "si_months": 12,
        "si_total_months": 18,
        "both_routes": True,
    },
    "chengdu": {
        "residence_months": 6,
        "si_rule": "continuous",
        "si_months": 6,
        "si_total_months": 6,
        "both_routes": False,
    },
}


def floor_shenzhen(f: dict[str, np.ndarray]) -> np.ndarray:
    si = f["social_insurance_months"]
    si_ok = (f["social_insurance_continuous"] & (si >= 12)) | (si >= 18)
    return (f["residence_months"] >= 12) & f["employed"] & si_ok & (f["housing"] >= 0)


def floor_chengdu(f: dict[str, np.ndarray]) -> np.ndarray:
    job = f["employed"] & f["social_insurance_continuous"] & (f["social_insurance_months"] >= 6)
    return (f["residence_months"] >= 6) & (job | (f["housing"] >= 0) | f["enrolled"])


FLOORS: dict[str, Callable[[dict[str, np.ndarray]], np.ndarray]] = {
    "shenzhen": floor_shenzhen,
    "chengdu": floor_chengdu,
}


# -- the engine ------------------------------------------------------------------------------
def engine(city: str, f: dict[str, np.ndarray], cold_load: bool) -> np.ndarray:
    if cold_load:
        loader._CACHE.clear()  # force a fresh read and validation of the policy files
    policies = loader.load_policies()
    rule = BulkRule.compile(Policy.of(city, ON, policies))
    return rule.evaluate(People(**f))


# -- openfisca: a minimal country package -----------------------------------------------------
Person = build_entity(key="person", plural="persons", label="A person", is_person=True)


def _fact(name: str, kind: type, default: Any) -> type[Variable]:
    attrs = {
        "value_type": kind,
        "entity": Person,
        "definition_period": MONTH,
        "label": name,
        "default_value": default,
    }
    return type(name, (Variable,), attrs)


class eligible(Variable):  # noqa: N801 (OpenFisca names variables by class name)
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "May hold a residence permit (居住证暂行条例 Art. 2, city rules)"

    def formula(person, period, parameters):  # noqa: N805
        p = parameters(period).eligibility
        si = person("social_insurance_months", period)
        residence_ok = person("residence_months", period) >= p.residence_months
        if p.si_rule == 0:  # none
            employment_ok = person("employed", period)
        else:
            si_ok = person("social_insurance_continuous", period) & (si >= p.si_months)
            if p.si_rule == 2:  # continuous_or_total
                si_ok = si_ok | (si >= p.si_total_months)
            employment_ok = person("employed", period) & si_ok
        housing_ok = person("housing", period) >= 0  # every housing type is stable
        if p.both_routes:
            return residence_ok & employment_ok & housing_ok
        return residence_ok & (employment_ok | housing_ok | person("enrolled", period))


FACT_VARIABLES = [
    _fact("residence_months", int, 0),
    _fact("employed", bool, False),
    _fact("social_insurance_months", int, 0),
    _fact("social_insurance_continuous", bool, False),
    _fact("housing", int, -1),
    _fact("enrolled", bool, False),
]
SI_RULE_CODES = {"none": 0, "continuous": 1, "continuous_or_total": 2}


def openfisca(values: dict[str, Any], f: dict[str, np.ndarray]) -> np.ndarray:
    system = TaxBenefitSystem([Person])
    system.add_variables(*FACT_VARIABLES, eligible)
    dated = {k: {"values": {"2016-01-01": v}} for k, v in values.items()}
    system.parameters = ParameterNode("", data={"eligibility": dated})
    sim = SimulationBuilder().build_default_simulation(system, len(f["employed"]))
    for name in FACTS:
        sim.set_input(name, PERIOD, f[name])
    return np.asarray(sim.calculate("eligible", PERIOD))


# -- the run -----------------------------------------------------------------------------------
def people(n: int, seed: int = 2026) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "residence_months": rng.integers(0, 61, n),
        "employed": rng.random(n) < 0.7,
        "social_insurance_months": rng.integers(0, 25, n),
        "social_insurance_continuous": rng.random(n) < 0.6,
        "housing": rng.integers(-1, 5, n),
        "enrolled": rng.random(n) < 0.1,
    }


def best(fn: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    times, result = [], None
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return min(times), result


def check_hard_coded(city: str) -> dict[str, Any]:
    rule = BulkRule.compile(Policy.of(city, ON, loader.load_policies()))
    compiled = {k: getattr(rule, k) for k in HARD_CODED[city]}
    assert compiled == HARD_CODED[city], f"{city}: policy {compiled} != floor {HARD_CODED[city]}"
    assert bool(rule.stable_housing[:-1].all()), "floor assumes every housing type is stable"
    return {
        "residence_months": rule.residence_months,
        "si_rule": SI_RULE_CODES[rule.si_rule],
        "si_months": rule.si_months,
        "si_total_months": rule.si_total_months,
        "both_routes": int(rule.both_routes),
    }


def run_city(city: str, f: dict[str, np.ndarray]) -> dict[str, Any]:
    values = check_hard_coded(city)
    n = len(f["employed"])
    contenders = {
        "engine": lambda: engine(city, f, cold_load=False),
        "engine_cold_load": lambda: engine(city, f, cold_load=True),
        "numpy_floor": lambda: FLOORS[city](f),
        "openfisca": lambda: openfisca(values, f),
    }
    seconds, results = {}, {}
    for name, fn in contenders.items():
        seconds[name], results[name] = best(fn)
    reference = results["numpy_floor"]
    mismatches = {name: int(np.count_nonzero(r != reference)) for name, r in results.items()}
    out = {
        "city": city,
        "n": n,
        "eligible": int(reference.sum()),
        "mismatches": mismatches,
        "seconds": seconds,
        "people_per_s": {k: n / s for k, s in seconds.items()},
        "engine_vs_numpy": seconds["numpy_floor"] / seconds["engine"],
        "engine_vs_openfisca": seconds["openfisca"] / seconds["engine"],
        "engine_cold_vs_numpy": seconds["numpy_floor"] / seconds["engine_cold_load"],
        "engine_cold_vs_openfisca": seconds["openfisca"] / seconds["engine_cold_load"],
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="summary as JSON on the last line")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    f = people(args.n)
    report = [run_city(city, f) for city in ("shenzhen", "chengdu")]
    print(f"bulk eligibility, {args.n:,} people, best of {REPEAT}, setup included")
    for r in report:
        print(f"\n{r['city']} ({r['eligible']:,} eligible)")
        for name, s in r["seconds"].items():
            print(
                f"  {name:<18} {s * 1e3:9.1f} ms  {r['people_per_s'][name]:>14,.0f} people/s"
                f"  mismatches {r['mismatches'][name]}"
            )
        ok_np, ok_of = r["engine_vs_numpy"] >= 0.7, r["engine_vs_openfisca"] >= 2
        print(
            f"  engine/numpy      {r['engine_vs_numpy']:.2f}  (target >= 0.7: "
            f"{'PASS' if ok_np else 'FAIL'}; with policy load {r['engine_cold_vs_numpy']:.3f})"
        )
        print(
            f"  engine/openfisca  {r['engine_vs_openfisca']:.1f}  (target >= 2: "
            f"{'PASS' if ok_of else 'FAIL'}; with policy load {r['engine_cold_vs_openfisca']:.1f})"
        )
    total = sum(sum(r["mismatches"].values()) for r in report)
    if args.json:
        print(json.dumps({"benchmark": "bulk_eligibility", "n": args.n, "cities": report}))
    assert total == 0, f"{total} results differ from the numpy floor"


if __name__ == "__main__":
    main()
