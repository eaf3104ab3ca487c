"""What ``juzhu policy impact`` prints (``cli/policy.py`` wires the options); the impact
itself is computed by ``registry/impact.py``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from juzhu.registry.impact import ImpactError, _material_text, policy_impact, write_csv
from juzhu.rules.loader import Citation


def run_impact_cli(city: str, version: Path, on: dt.date, csv_path: Path | None) -> None:
    """``juzhu policy impact CITY --version DIR --on DATE [--csv FILE]``."""

    from juzhu.rules.loader import check_policies

    def fail(message: str) -> None:
        typer.echo(message, err=True)
        raise typer.Exit(2)

    if not version.is_dir():
        fail(f"--version: {version} is not a directory; give a copy of src/juzhu/policies")
    new_policies, problems = check_policies(version)
    if new_policies is None:
        for p in problems:
            typer.echo(f"  - {p}", err=True)
        fail(
            f"--version: the policy tree in {version} has {len(problems)} problem(s), listed "
            f"above; fix them (`juzhu policy check --root {version}`) and run again"
        )
    assert new_policies is not None
    try:
        report = policy_impact(city, new_policies, on)
    except ImpactError as exc:
        fail(f"{'CITY' if exc.field == 'city' else '--on'}: {exc}")
    console = Console(width=140)
    console.print(
        f"[bold]{city}[/bold] on {on}: current {report.old_version} → new {report.new_version}"
    )
    params = Table(title="parameters that differ", show_lines=True)
    for column in ("parameter", "current", "new", "cited (current → new)"):
        params.add_column(column, overflow="fold")
    for c in report.parameters:
        cites = " → ".join(_cite(x) for x in (c.old_citation, c.new_citation))
        params.add_row(c.key, _short(c.old), _short(c.new), cites)
    if report.parameters:
        console.print(params)
    else:
        console.print("no parameter differs on that day: nothing changes")
    totals = report.totals()
    console.print(_counts_table("summary", {**totals, "total": _sum(totals.values())}))
    for by in ("basis", "housing"):
        console.print(_counts_table(f"by {by} (permits + applications)", report.breakdown(by)))
    if report.materials:
        table = Table(title="materials that change (by basis and housing)")
        for column in ("basis", "housing", "added", "removed"):
            table.add_column(column, overflow="fold")
        for m in report.materials.values():
            if m.basis and m.housing:  # an unknown basis or housing is only in the CSV
                table.add_row(
                    m.basis, m.housing, _material_text(m.added), _material_text(m.removed)
                )
        console.print(table)
    if report.applications.losses.any():
        console.print(
            "open applications that lose keep the version they were submitted under "
            "(in-flight rule, docs/architecture.md)"
        )
    if csv_path is not None:
        try:
            rows = write_csv(report, csv_path)
        except OSError as exc:
            fail(f"--csv: cannot write {csv_path} ({exc.strerror}); choose a writable path")
        console.print(f"wrote {rows} affected record(s) to {csv_path}")


def _counts_table(title: str, rows: dict[str, dict[str, int]]) -> Any:

    table = Table(title=title)
    table.add_column("")
    for column in ("records", "gain", "lose", "materials change", "undetermined"):
        table.add_column(column, justify="right")
    for name, counts in rows.items():
        table.add_row(name, *(f"{counts[k]:,}" for k in counts))
    return table


def _sum(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    rows = list(counts)
    return {k: sum(r[k] for r in rows) for k in rows[0]}


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _cite(c: Citation | None) -> str:
    return "(none)" if c is None else f"{c.title} {c.article} [{c.status}]"
