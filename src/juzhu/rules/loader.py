"""Load, validate and resolve the dated, cited policy data under ``src/juzhu/policies``.

Each jurisdiction is a directory ``<id>/`` of YAML files (format: docs/howto/adding-a-city.md).
A value is looked up on a date: the jurisdiction's own version in force that day, else its
parent's (national → province → city). Validation collects *every* problem with the file,
the key path and the fix, so a policy editor sees them all at once.

The jobs are split: ``rules/reader.py`` reads and checks one jurisdiction's files,
``rules/policyset.py`` holds the result and looks values up; this module checks the tree
across jurisdictions (parents, loops, the national baseline), and loads and caches the set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path

from juzhu.rules.policyset import (
    Citation,
    DatedValue,
    Jurisdiction,
    PolicySet,
    Resolved,
    UnknownPolicy,
)
from juzhu.rules.reader import Problem, read_jurisdiction
from juzhu.rules.schema import PARAMETERS

# The loader's names, and the types it hands out: callers import them from here.
__all__ = [
    "NATIONAL_COVERAGE_FROM",
    "POLICY_ROOT",
    "Citation",
    "DatedValue",
    "Jurisdiction",
    "PolicyError",
    "PolicySet",
    "Problem",
    "Resolved",
    "UnknownPolicy",
    "check_policies",
    "load_policies",
]

POLICY_ROOT = Path(__file__).resolve().parent.parent / "policies"
# The national regulation (国务院令第663号) is in force from this date; national data must
# give every parameter a value from here on without gaps.
NATIONAL_COVERAGE_FROM = dt.date(2016, 1, 1)


class PolicyError(Exception):
    """The policy data is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the policy data:\n{lines}")


def _check_tree(
    jurisdictions: dict[str, Jurisdiction], problems: list[Problem], root: Path
) -> None:
    def file_of(j: Jurisdiction) -> str:
        return str(j.files[0].relative_to(root.parent))

    for j in jurisdictions.values():
        if j.parent is None:
            if j.level != "national":
                problems.append(
                    Problem(file_of(j), "parent", "missing: every non-national policy has a parent")
                )
            continue
        if j.parent not in jurisdictions:
            problems.append(
                Problem(
                    file_of(j),
                    "parent",
                    f"unknown parent {j.parent!r}; known: {', '.join(sorted(jurisdictions))}",
                )
            )
            continue
        seen = {j.id}
        cursor: str | None = j.parent
        while cursor is not None and cursor in jurisdictions:
            if cursor in seen:
                problems.append(
                    Problem(file_of(j), "parent", f"inheritance loops back to {cursor!r}")
                )
                break
            seen.add(cursor)
            cursor = jurisdictions[cursor].parent
    for j in jurisdictions.values():
        if j.level != "national":
            continue
        for key in PARAMETERS:
            versions = j.parameters.get(key, [])
            if not versions:
                problems.append(
                    Problem(
                        file_of(j),
                        f"parameters.{key}",
                        "missing: the national baseline must set every parameter",
                    )
                )
                continue
            day = NATIONAL_COVERAGE_FROM
            for v in versions:
                if v.start > day:
                    problems.append(
                        Problem(
                            file_of(j),
                            f"parameters.{key}",
                            f"no value in force from {day} to {v.start - dt.timedelta(days=1)}",
                        )
                    )
                if v.end is None:
                    break
                day = max(day, v.end + dt.timedelta(days=1))
            else:
                problems.append(
                    Problem(
                        file_of(j),
                        f"parameters.{key}",
                        f"no value in force from {day}; leave the last version open-ended",
                    )
                )


def _digest(files: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def check_policies(root: Path | None = None) -> tuple[PolicySet | None, list[Problem]]:
    """Read every jurisdiction under ``root``; return the set (if valid) and all problems."""
    root = root or POLICY_ROOT
    problems: list[Problem] = []
    jurisdictions: dict[str, Jurisdiction] = {}
    if not root.is_dir():
        return None, [Problem(str(root), "(directory)", "not found")]
    for directory in sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
    ):
        j = read_jurisdiction(directory, root, problems)
        if j is not None:
            jurisdictions[j.id] = j
    _check_tree(jurisdictions, problems, root)
    if problems:
        return None, problems
    files = [f for j in jurisdictions.values() for f in j.files]
    return PolicySet(jurisdictions, _digest(files)), []


_CACHE: dict[Path, PolicySet] = {}


def load_policies(root: Path | None = None) -> PolicySet:
    """The validated policy set (cached per root); raises PolicyError listing every problem."""
    if root is None and POLICY_ROOT in _CACHE:  # the common case (resolved once, at import)
        return _CACHE[POLICY_ROOT]
    root = (root or POLICY_ROOT).resolve()
    if root not in _CACHE:
        policies, problems = check_policies(root)
        if policies is None:
            raise PolicyError(problems)
        _CACHE[root] = policies
    return _CACHE[root]
