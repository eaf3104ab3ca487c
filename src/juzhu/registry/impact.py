"""Registry-wide policy impact: if a new policy version takes effect on a date, who gains or
loses eligibility, and whose required materials change (PRODUCT.md, Bulk).

Every live permit (``active``, ``suspended``) and open application (``submitted``,
``needs_supplement``, ``accepted``) of the city is judged twice on the facts the registry
holds, under ``Policy.of(city, on, current)`` and ``Policy.of(city, on, new)``, with the
vectorised rule (``juzhu.rules.bulk``). The registry is read in bulk, one query per record
type: on PostgreSQL a binary ``COPY (SELECT ...) TO STDOUT`` whose fixed-width rows numpy
parses in place; elsewhere a ``values_list`` iterator (``impact_read.py``).

Unknown facts (a permit without ``registered_since``, an application whose ``facts`` lack a
key) are never guessed: the rule is monotone in every fact, so a record is judged with its
unknowns set the worst and the best way; when both agree the outcome is certain, otherwise
the record counts as *undetermined* and is neither a gain nor a loss.

For a permit the question is "would the holder qualify on these facts on that day" (what a
re-application would meet). For an open application, the in-flight rule applies
(docs/architecture.md): a case keeps the version it was submitted under unless the newer one
is more favourable, so a loss there is reported but flagged as protected.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from juzhu.registry.impact_read import (
    BASES,
    BEST_MONTHS,
    HOUSINGS,
    NO_BASIS,
    BoolArray,
    Records,
    read_registry,
    record_details,
)
from juzhu.rules.bulk import NO_HOUSING, BulkRule
from juzhu.rules.engine import MissingParameter, Policy
from juzhu.rules.loader import Citation, PolicySet, UnknownPolicy, load_policies
from juzhu.rules.schema import PARAMETERS

Material = frozenset[str]  # one line of the checklist: its alternatives ("A or B")


class ImpactError(Exception):
    """The impact cannot be computed as asked; the message says what to fix, ``field``
    which input (``city`` or ``on``)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


# -- comparing two versions ---------------------------------------------------------------


def required_materials(policy: Policy, basis: str | None, housing: str | None) -> set[Material]:
    """What an applicant of this basis and housing brings: ``materials.common``, the proof of
    home (``by_housing``) and of basis (``by_basis``); where both residence and employment
    are required (Shenzhen), the employment proof too, as in ``planner/checklist.py``."""
    by_basis = policy.get("materials.by_basis")
    items = list(policy.get("materials.common"))
    items += policy.get("materials.by_housing").get(housing, []) if housing else []
    items += by_basis.get(basis, []) if basis else []
    if policy.get("eligibility.routes") == "residence_and_employment" and basis != "employment":
        items += by_basis.get("employment", [])
    return {frozenset(i["any_of"]) if isinstance(i, dict) else frozenset([i]) for i in items}


def _material_text(items: Iterable[Material]) -> str:
    return "; ".join(sorted("|".join(sorted(alternatives)) for alternatives in items))


@dataclass(frozen=True)
class MaterialsChange:
    basis: str | None
    housing: str | None
    added: frozenset[Material]
    removed: frozenset[Material]


@dataclass(frozen=True)
class ParameterChange:
    key: str
    old: Any
    new: Any
    old_citation: Citation | None
    new_citation: Citation | None


def parameter_changes(old: Policy, new: Policy) -> list[ParameterChange]:
    """Every parameter whose value in force on the day differs between the two versions."""
    out = []
    for key in PARAMETERS:
        was = old.policies.lookup(old.id, key, old.on)
        now = new.policies.lookup(new.id, key, new.on)
        old_value, new_value = (was.value if was else None), (now.value if now else None)
        if old_value != new_value or (was is None) != (now is None):
            cites = (was.citation if was else None), (now.citation if now else None)
            out.append(ParameterChange(key, old_value, new_value, *cites))
    return out


@dataclass(frozen=True)
class Outcome:
    """One record type judged under both versions; the masks are per record."""

    records: Records
    before: BoolArray  # eligible under the current version (when determined)
    after: BoolArray
    determined: BoolArray  # both verdicts certain despite unknown facts
    materials: BoolArray  # the required materials differ

    @property
    def gains(self) -> BoolArray:
        result: BoolArray = self.determined & ~self.before & self.after
        return result

    @property
    def losses(self) -> BoolArray:
        result: BoolArray = self.determined & self.before & ~self.after
        return result

    @property
    def affected(self) -> BoolArray:
        result: BoolArray = self.gains | self.losses | self.materials
        return result

    def counts(self, where: BoolArray | None = None) -> dict[str, int]:
        def n(mask: BoolArray) -> int:
            return int(np.count_nonzero(mask if where is None else mask & where))

        everyone = np.ones(len(self.records), dtype=bool)
        return {
            "records": n(everyone),
            "gains": n(self.gains),
            "losses": n(self.losses),
            "materials": n(self.materials),
            "undetermined": n(~self.determined),
        }


def _judge(
    records: Records, on: dt.date, old: BulkRule, new: BulkRule, table: BoolArray
) -> Outcome:
    worst = records.people(on, best=False)
    best = worst if records.complete else records.people(on, best=True)
    before, after = old.evaluate(worst), new.evaluate(worst)
    determined = np.ones(len(records), dtype=bool)
    if best is not worst:
        determined = (before == old.evaluate(best)) & (after == new.evaluate(best))
    # NO_BASIS / NO_HOUSING (-1) index the trailing "unknown" row and column of the table.
    return Outcome(records, before, after, determined, table[records.basis, records.housing])


@dataclass(frozen=True)
class ImpactReport:
    city: str
    on: dt.date
    old_version: str
    new_version: str
    parameters: list[ParameterChange]
    materials: dict[tuple[int, int], MaterialsChange]  # by (basis, housing) code
    permits: Outcome
    applications: Outcome
    old_rule: BulkRule
    new_rule: BulkRule

    def totals(self) -> dict[str, dict[str, int]]:
        return {"permits": self.permits.counts(), "applications": self.applications.counts()}

    def breakdown(self, by: str) -> dict[str, dict[str, int]]:
        """Counts over both record types per basis or per housing (``by``)."""
        names = BASES if by == "basis" else HOUSINGS
        out: dict[str, dict[str, int]] = {}
        for code, name in [*enumerate(names), (-1, "(unknown)")]:
            rows = [o.counts(getattr(o.records, by) == code) for o in self.outcomes]
            summed = {k: sum(r[k] for r in rows) for k in rows[0]}
            if summed["records"] or code >= 0:
                out[name] = summed
        return out

    @property
    def outcomes(self) -> tuple[Outcome, Outcome]:
        return (self.permits, self.applications)


def policy_impact(
    city: str, new_policies: PolicySet, on: dt.date, current: PolicySet | None = None
) -> ImpactReport:
    """Judge every live permit and open application of ``city`` under the policy in force on
    ``on`` in ``current`` (default: the installed policies) and in ``new_policies``."""
    current = load_policies() if current is None else current
    try:
        old, new = Policy.of(city, on, current), Policy.of(city, on, new_policies)
        old_rule, new_rule = BulkRule.compile(old), BulkRule.compile(new)
        old_version, new_version = old.full_version(), new.full_version()
        changes: dict[tuple[int, int], MaterialsChange] = {}
        table = np.zeros((len(BASES) + 1, len(HOUSINGS) + 1), dtype=bool)
        for b, basis in enumerate([*BASES, None]):
            for h, housing in enumerate([*HOUSINGS, None]):
                was = required_materials(old, basis, housing)
                now = required_materials(new, basis, housing)
                if was != now:
                    table[b, h] = True
                    code = (b if basis else NO_BASIS, h if housing else NO_HOUSING)
                    changes[code] = MaterialsChange(
                        basis, housing, frozenset(now - was), frozenset(was - now)
                    )
    except UnknownPolicy as exc:
        raise ImpactError(str(exc), "city") from exc
    except MissingParameter as exc:
        raise ImpactError(f"{exc}; pick a date the policies cover (from 2016-01-01)", "on") from exc
    permits, applications = read_registry(city)
    return ImpactReport(
        city,
        on,
        old_version,
        new_version,
        parameter_changes(old, new),
        changes,
        _judge(permits, on, old_rule, new_rule, table),
        _judge(applications, on, old_rule, new_rule, table),
        old_rule,
        new_rule,
    )


# -- the affected records: CSV ------------------------------------------------------------

CSV_COLUMNS = [
    "record_type",
    "record_id",
    "number",
    "station",
    "id_number_masked",
    "change",
    "eligible_before",
    "eligible_after",
    "because",
    "materials_added",
    "materials_removed",
    "note",
]


def affected_rows(report: ImpactReport) -> Iterator[dict[str, str]]:
    """One row per affected record: permits, then applications, each by number. Only the
    record ids and the masked ID number identify anyone."""
    texts = {
        code: (_material_text(m.added), _material_text(m.removed))
        for code, m in report.materials.items()
    }
    for outcome in report.outcomes:
        where = outcome.affected
        records = outcome.records.take(where)
        ids = [uuid.UUID(bytes=b.tobytes()) for b in records.ids]
        details = record_details(records.kind, ids) if ids else {}
        columns = zip(
            ids,
            *(
                mask[where].tolist()
                for mask in (
                    outcome.gains,
                    outcome.losses,
                    outcome.materials,
                    outcome.before,
                    outcome.after,
                    outcome.determined,
                )
            ),
            records.basis.tolist(),
            records.housing.tolist(),
            _because(report, records),
            strict=True,
        )
        rows = []
        for pk, gains, losses, materials, before, after, known, b, h, why in columns:
            number, station, masked = details.get(pk, ("", "", ""))
            flags = (("gains", gains), ("loses", losses), ("materials", materials))
            added, removed = texts.get((b, h), ("", ""))
            rows.append(
                {
                    "record_type": records.kind,
                    "record_id": str(pk),
                    "number": number,
                    "station": station,
                    "id_number_masked": masked,
                    "change": "+".join(name for name, flag in flags if flag),
                    "eligible_before": _yes_no(before, known),
                    "eligible_after": _yes_no(after, known),
                    "because": why if gains or losses else "",
                    "materials_added": added,
                    "materials_removed": removed,
                    "note": _note(records.kind, gains, losses, known, pk in details),
                }
            )
        yield from sorted(rows, key=lambda r: r["number"])


def _yes_no(value: bool, known: bool) -> str:
    return ("yes" if value else "no") if known else "unknown"


def _because(report: ImpactReport, records: Records) -> list[str]:
    """Which of the two tests changed its verdict: the residence clock, or the route
    (employment and social insurance, home, study)."""
    people = records.people(report.on, best=False)
    old, new = report.old_rule, report.new_rule
    months = people.residence_months
    clock = (months >= old.residence_months) != (months >= new.residence_months)
    routes = replace(people, residence_months=np.full(len(months), BEST_MONTHS))
    route = old.evaluate(routes) != new.evaluate(routes)
    keys = {c.key for c in report.parameters}
    route_keys = [k for k in ("eligibility.social_insurance", "eligibility.routes") if k in keys]
    clock_text = f"eligibility.residence_months {old.residence_months}→{new.residence_months}"
    route_text = ", ".join(route_keys) or "eligibility.routes"
    return [
        "; ".join(t for t, on in ((clock_text, clock[i]), (route_text, route[i])) if on)
        for i in range(len(records))
    ]


def _note(kind: str, gains: bool, losses: bool, known: bool, found: bool) -> str:
    notes = []
    if kind == "application" and losses:
        notes.append("in flight: keeps the version it was submitted under (more favourable)")
    if kind == "application" and gains:
        notes.append("in flight: the more favourable new version applies")
    if not known:
        notes.append("eligibility undetermined: facts missing")
    if not found:
        notes.append("no longer in the registry")
    return "; ".join(notes)


def write_csv(report: ImpactReport, path: Path) -> int:
    """Write the affected records to ``path`` all at once (a temporary file renamed into
    place, so a failure leaves no half-written file); returns the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, CSV_COLUMNS)
            writer.writeheader()
            count = 0
            for row in affected_rows(report):
                writer.writerow(row)
                count += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


# -- the command --------------------------------------------------------------------------
