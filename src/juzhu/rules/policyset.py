"""The validated policy data in memory: each jurisdiction's dated, cited values, and the
lookup of the value in force on a date (its own version that day, else its parent's).

``rules/loader.py`` builds a ``PolicySet`` from the files; ``rules/reader.py`` reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class UnknownPolicy(LookupError):
    def __init__(self, policy_id: str, known: Iterable[str]) -> None:
        self.policy_id = policy_id
        self.known = sorted(known)
        super().__init__(f"unknown policy id {policy_id!r}; known: {', '.join(self.known)}")


@dataclass(frozen=True)
class Citation:
    title: str
    article: str
    url: str
    status: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {
            "title": self.title,
            "article": self.article,
            "url": self.url,
            "status": self.status,
        }


@dataclass(frozen=True)
class DatedValue:
    start: dt.date
    end: dt.date | None
    value: Any
    citation: Citation
    note: str
    jurisdiction: str

    def in_force(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


@dataclass
class Jurisdiction:
    id: str
    parent: str | None
    level: str
    name: dict[str, str]
    parameters: dict[str, list[DatedValue]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Resolved:
    key: str
    value: Any
    citation: Citation
    start: dt.date
    end: dt.date | None
    jurisdiction: str
    note: str


class PolicySet:
    """Every jurisdiction, validated. ``resolve(id, on)`` gives the policy in force that day."""

    def __init__(self, jurisdictions: dict[str, Jurisdiction], digest: str) -> None:
        self.jurisdictions = jurisdictions
        self.digest = digest
        self.versions_cache: dict[tuple[str, dt.date], str] = {}
        # juzhu.rules.engine.Policy instances per (jurisdiction, day) (Policy.of)
        self.policy_cache: dict[tuple[str, dt.date], Any] = {}

    def __contains__(self, policy_id: object) -> bool:
        return policy_id in self.jurisdictions

    def ids(self) -> list[str]:
        return sorted(self.jurisdictions)

    def chain(self, policy_id: str) -> list[Jurisdiction]:
        if policy_id not in self.jurisdictions:
            raise UnknownPolicy(policy_id, self.jurisdictions)
        out: list[Jurisdiction] = []
        cursor: str | None = policy_id
        while cursor is not None:
            j = self.jurisdictions[cursor]
            out.append(j)
            cursor = j.parent
        return out

    def lookup(self, policy_id: str, key: str, on: dt.date) -> Resolved | None:
        for j in self.chain(policy_id):
            for v in j.parameters.get(key, ()):
                if v.in_force(on):
                    return Resolved(
                        key, v.value, v.citation, v.start, v.end, v.jurisdiction, v.note
                    )
        return None

    def versions(self, policy_id: str, key: str) -> Iterator[DatedValue]:
        for j in self.chain(policy_id):
            yield from j.parameters.get(key, ())
