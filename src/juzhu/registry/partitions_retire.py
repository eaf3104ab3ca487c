"""Retiring old months of the partitioned tables (PostgreSQL; ADR 11): ``detach_before``
archives each month whose retention has ended (CSV.gz and a manifest with its digest, id
range and the seals covering it), records it (``RetiredPartition``), then detaches and drops
it as a whole; a month it keeps, it says why. Making and converting the partitions is
``partitions``."""

# Table and partition names in this module's SQL come only from ``SPECS`` and the catalog
# (identifiers cannot be bound parameters); every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from juzhu.domain.months import add_months
from juzhu.registry.partitions import HOOKS, SPECS, Spec, month_of, months, name, tz


def retention_cutoff(spec: Spec, today: dt.date) -> dt.date:
    """The first day still kept: the longest ``spec.retention`` of every jurisdiction (a
    month holds every city's rows) before ``today``."""
    from juzhu.registry.retention import MIN_AUDIT_DAYS, period_before
    from juzhu.rules.engine import MissingParameter, Policy
    from juzhu.rules.loader import load_policies

    assert spec.retention
    policies = load_policies()
    cutoff = today - dt.timedelta(days=MIN_AUDIT_DAYS)
    for policy_id in policies.ids():
        try:
            period = Policy.of(policy_id, today, policies).get(spec.retention)
        except MissingParameter:
            continue
        cutoff = min(cutoff, period_before(today, period))
    return cutoff


@dataclass
class Retired:
    table: str
    month: dt.date
    rows: int
    first_id: int | None
    last_id: int | None
    archive: str
    sha256: str


def _archive(cursor: Any, part: str, path: Path) -> tuple[str, int]:
    """COPY the partition (id order, CSV with a header) into ``path`` (gzip): (sha256 of
    the uncompressed CSV, rows)."""
    digest, lines = hashlib.sha256(), 0
    with gzip.open(path, "wb") as out:
        raw = cursor.cursor  # psycopg's own cursor: COPY streams
        with raw.copy(
            f"COPY (SELECT * FROM {part} ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)"
        ) as copy:
            for chunk in copy:
                data = bytes(chunk)
                digest.update(data)
                out.write(data)
                lines += data.count(b"\n")
    return digest.hexdigest(), lines


def _refusal(cursor: Any, spec: Spec, month: dt.date, part: str, today: dt.date) -> str | None:
    if spec.retention is None:
        return (
            f"{spec.table} {month:%Y-%m}: events are never dropped. They are the chains of "
            "records that still exist (a record's chain starts at its first event); personal "
            "details in them are erased by `juzhu purge` destroying their key (ADR 10, 11)"
        )
    cutoff = retention_cutoff(spec, today)
    if add_months(month, 1) > cutoff:
        return (
            f"{spec.table} {month:%Y-%m}: within retention ({spec.retention}: rows on or after "
            f"{cutoff} are kept on {today}); not dropped"
        )
    if spec.busy:
        cursor.execute(f"SELECT count(*) FROM {part} WHERE {spec.busy[0]}")
        if busy := cursor.fetchone()[0]:
            return f"{spec.table} {month:%Y-%m}: {busy} {spec.busy[1]}; not dropped"
    if hooks := HOOKS.get(spec.table):
        cursor.execute(f"SELECT max(id) FROM {part}")
        if why := hooks.refusal(cursor.fetchone()[0]):
            return f"{spec.table} {month:%Y-%m}: {why}; not dropped"
    return None


def detach_before(
    before: dt.date,
    *,
    archive: Path | None,
    today: dt.date | None = None,
    tables: tuple[str, ...] | None = None,
) -> tuple[list[Retired], list[str]]:
    """Archive (into ``archive``, if given) and drop every monthly partition before the
    month ``before`` whose rows are all beyond retention: (what was dropped, the refusals).
    Run as the tables' owner: only the owner may detach or drop a partition."""
    from juzhu.registry.models import RetiredPartition

    today = today or dt.datetime.now(tz()).date()
    done: list[Retired] = []
    refused: list[str] = []
    with connection.cursor() as cursor:
        for spec in SPECS.values():
            if tables and spec.table not in tables:
                continue
            for month in months(cursor, spec.table):
                if month >= month_of(before):
                    continue
                part = name(spec.table, month)
                with transaction.atomic():
                    if why := _refusal(cursor, spec, month, part, today):
                        refused.append(why)
                        continue
                    cursor.execute(f"SELECT count(*), min(id), max(id) FROM {part}")
                    rows, first_id, last_id = cursor.fetchone()
                    where, digest = "", ""
                    if archive is not None:
                        archive.mkdir(parents=True, exist_ok=True)
                        path = archive / f"{part}.csv.gz"
                        digest, _ = _archive(cursor, part, path)
                        where = str(path)
                    resume = _resume(spec, last_id)
                    RetiredPartition.objects.create(
                        table=spec.table, month=month, rows=rows, first_id=first_id,
                        last_id=last_id, archive=where, sha256=digest, **resume,
                    )  # fmt: skip
                    if archive is not None:
                        _manifest(
                            archive / f"{part}.json",
                            spec,
                            month,
                            rows,
                            first_id,
                            last_id,
                            digest,
                            resume,
                        )
                    cursor.execute(f"ALTER TABLE {spec.table} DETACH PARTITION {part}")
                    cursor.execute(f"DROP TABLE {part}")
                    done.append(Retired(spec.table, month, rows, first_id, last_id, where, digest))
    return done, refused


def _resume(spec: Spec, last_id: int | None) -> dict[str, Any]:
    hooks = HOOKS.get(spec.table)
    return hooks.resume(last_id) if hooks and last_id is not None else {}


def _manifest(
    path: Path,
    spec: Spec,
    month: dt.date,
    rows: int,
    first_id: Any,
    last_id: Any,
    digest: str,
    resume: dict[str, Any],
) -> None:
    hooks = HOOKS.get(spec.table)
    seals = hooks.covering(first_id, last_id) if hooks and first_id is not None else []
    path.write_text(
        json.dumps(
            {
                "table": spec.table, "month": f"{month:%Y-%m}", "rows": rows,
                "first_id": first_id, "last_id": last_id, "csv_sha256": digest,
                "seals": seals, **resume,
            },
            indent=2,
        )
    )  # fmt: skip
