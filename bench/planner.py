"""Remedy planner throughput and latency on 10,000 varied situations, against its floor.

The situations are generated from a seeded random source (every city, permit status and
cancellation reason, dates over 2016-2026), parsed once up front (timed separately), then
``make_plan`` runs once per situation on one pinned core after 200 warm-up plans.

The floor (``bench/planner_floor.py``) is the same decision done the simplest fast way: a
hand-written function that computes only the recommended path and the reconsideration
deadline, from parameters resolved before timing and a precomputed set of rest days (no
trace, no texts, no checklist).
The run also reports how often the floor and the planner agree.

Run: ``.venv/bin/python bench/planner.py [--n 10000] [--json] [--profile 2000]``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import random
import time
from typing import Any

import numpy as np

from juzhu.domain.vocabulary import CancellationReason, Housing, LinkedService, PermitStatus
from juzhu.planner.plan import default_calendar, make_plan
from juzhu.planner.situation import parse_situation
from juzhu.rules.loader import load_policies
from planner_floor import floor_plan, prepare, resolve

FIRST, LAST = dt.date(2016, 1, 1), dt.date(2026, 11, 26)
WARMUP, TARGET_P99_MS = 200, 1.0
STATUSES = [*PermitStatus, None]
REASONS = [*CancellationReason, None]  # includes "unknown"; None = not given
ONE = dt.timedelta(days=1)


# -- situations ----------------------------------------------------------------------------------
def _day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(lo.toordinal(), hi.toordinal()))


def _maybe(rng: random.Random, value: Any, p_missing: float = 0.1) -> Any:
    return None if rng.random() < p_missing else value


def situation(rng: random.Random, cities: list[str]) -> dict[str, Any]:
    as_of = _day(rng, dt.date(2016, 3, 1), LAST)
    status = rng.choice(STATUSES)
    permit: dict[str, Any] = {"status": status and status.value}
    issued = _maybe(rng, _day(rng, FIRST, as_of))
    if issued:
        permit["issued_on"] = issued.isoformat()
        if rng.random() < 0.6:  # endorsed at least once; often more than a year ago
            lo = max(issued, as_of - dt.timedelta(days=rng.choice([200, 450, 900])))
            permit["last_endorsed_on"] = _day(rng, lo, as_of).isoformat()
    if status in (PermitStatus.CANCELLED, PermitStatus.REVOKED):
        reason = rng.choice(REASONS)
        permit["cancellation_reason"] = reason and reason.value
        lo = max(issued or FIRST, as_of - dt.timedelta(days=rng.choice([30, 90, 400, 2000])))
        cancelled = _maybe(rng, _day(rng, lo, as_of))
        if cancelled:
            permit["cancelled_on"] = cancelled.isoformat()
            notified = _maybe(rng, _day(rng, cancelled, min(as_of, cancelled + 20 * ONE)), 0.3)
            permit["notified_on"] = notified and notified.isoformat()
        permit["informed_of_remedy_rights"] = rng.choice([True, False, None])
    registered = _maybe(rng, _day(rng, dt.date(2014, 1, 1), as_of))
    out: dict[str, Any] = {
        "city": rng.choice(cities),
        "as_of": as_of.isoformat(),
        "permit": permit,
        "residence": {
            "registered_since": registered and registered.isoformat(),
            "housing": _maybe(rng, rng.choice(list(Housing)).value),
        },
        "employment": {
            "employed": _maybe(rng, rng.random() < 0.7),
            "social_insurance_months": _maybe(rng, rng.randint(0, 24)),
            "social_insurance_continuous": _maybe(rng, rng.random() < 0.6),
        },
        "study": {"enrolled": _maybe(rng, rng.random() < 0.1)},
        "disputes_cancellation": rng.choice([True, False, None]),
        "needs": [
            _need(rng, n, as_of)
            for n in rng.sample(list(LinkedService), rng.choice([0, 0, 1, 2, 3]))
        ],
    }
    if rng.random() < 0.1:
        out["residence"]["lives_in_city"] = rng.random() < 0.5
    return out


def _need(rng: random.Random, service: LinkedService, as_of: dt.date) -> Any:
    """Half the needs carry a need-by date within the next year."""
    if rng.random() < 0.5:
        return service.value
    return {"service": service.value, "by": (as_of + rng.randint(1, 365) * ONE).isoformat()}


# -- the run -------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="summary as JSON on the last line")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile N plans and list the top 10 cumulative juzhu functions",
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    policies = load_policies()
    # cities: the leaves of the policy tree (Beijing and Shanghai are province-level cities)
    parents = {j.parent for j in policies.jurisdictions.values()}
    cities = [c for c in policies.ids() if c not in parents]
    rng = random.Random(2026)
    raw = [situation(rng, cities) for _ in range(args.n)]
    start = time.perf_counter_ns()
    situations = [parse_situation(d, policies.ids()) for d in raw]
    parse_ns = time.perf_counter_ns() - start
    cache: dict[Any, Any] = {}
    pre = [resolve(policies, s, cache) for s in situations]
    prepare(default_calendar())

    for s in situations[:WARMUP]:
        make_plan(s, policies=policies)
    latencies = np.empty(args.n, dtype=np.int64)
    answers = []  # (recommended, reconsideration deadline); whole plans are not kept alive
    clock = time.perf_counter_ns
    for i, s in enumerate(situations):
        t0 = clock()
        plan = make_plan(s, policies=policies)
        latencies[i] = clock() - t0
        recon = next(o for o in plan["options"] if o["path"] == "reconsideration")
        answers.append((plan["recommended"], recon["deadline"]))

    for s, (p, a) in zip(situations[:WARMUP], pre[:WARMUP], strict=True):
        floor_plan(s, p, a)
    start = clock()
    floors = [floor_plan(s, p, a) for s, (p, a) in zip(situations, pre, strict=True)]
    floor_ns = clock() - start

    pairs = list(zip(answers, floors, strict=True))
    agree_path = sum(ours[0] == floor[0] for ours, floor in pairs)
    agree_deadline = sum(ours[1] == (floor[1] and floor[1].isoformat()) for ours, floor in pairs)
    paths = np.array([path for path, _ in answers])
    ms = latencies / 1e6
    total_s = latencies.sum() / 1e9
    summary = {
        "benchmark": "planner",
        "n": args.n,
        "cities": cities,
        "parse_us_per_situation": parse_ns / args.n / 1e3,
        "plans_per_s": args.n / total_s,
        "p50_ms": float(np.percentile(ms, 50)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "floor_plans_per_s": args.n / (floor_ns / 1e9),
        "floor_us_per_plan": floor_ns / args.n / 1e3,
        "planner_over_floor": latencies.sum() / floor_ns,
        "recommended": {k: int((paths == k).sum()) for k in sorted(set(paths))},
        "p99_ms_by_path": {k: float(np.percentile(ms[paths == k], 99)) for k in sorted(set(paths))},
        "floor_agrees_path": agree_path,
        "floor_agrees_reconsideration_deadline": agree_deadline,
    }
    summary["p99_target_pass"] = summary["p99_ms"] <= TARGET_P99_MS
    print(
        f"planner, {args.n:,} situations over {', '.join(cities)}; one core; {WARMUP} warm-up plans"
    )
    print(
        f"  parse          {summary['parse_us_per_situation']:8.1f} µs/situation (not in plan timing)"
    )
    print(
        f"  make_plan      {summary['plans_per_s']:8.0f} plans/s   p50 {summary['p50_ms']:.3f} ms   "
        f"p90 {summary['p90_ms']:.3f} ms   p99 {summary['p99_ms']:.3f} ms   max {summary['max_ms']:.3f} ms"
    )
    print(
        f"  floor          {summary['floor_plans_per_s']:8.0f} plans/s   "
        f"{summary['floor_us_per_plan']:.2f} µs/plan"
    )
    print(f"  planner/floor  {summary['planner_over_floor']:.1f}x the floor's time")
    print(
        f"  floor agrees   path {agree_path}/{args.n}, reconsideration deadline {agree_deadline}/{args.n}"
    )
    print("  by recommended path (count, p99 ms):")
    for k, count in summary["recommended"].items():
        print(f"    {k:<24} {count:6d}  {summary['p99_ms_by_path'][k]:7.3f}")
    print(f"  p99 ≤ {TARGET_P99_MS:g} ms: {'PASS' if summary['p99_target_pass'] else 'FAIL'}")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for s in situations[: args.profile]:
            make_plan(s, policies=policies)
        profile.disable()
        print(f"\nprofile of {args.profile} plans, top 10 cumulative in src/juzhu:")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(r"src/juzhu", 10)
    if args.json:
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
