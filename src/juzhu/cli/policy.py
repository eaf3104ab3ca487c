"""``juzhu policy …``: check and read the dated, cited city policies, and preview the
impact of a new version on the registry."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from juzhu.cli.common import Format, fail, parse_date
from juzhu.cli.django_setup import setup_django

policy_app = typer.Typer(
    help="Check and read the dated, cited city policies.", no_args_is_help=True
)


@policy_app.command("check")
def policy_check(
    root: Annotated[
        Path | None, typer.Option("--root", help="policy directory (default: the bundled one)")
    ] = None,
) -> None:
    """Validate every policy file; list every problem with file, key path and fix."""
    from juzhu.rules.loader import check_policies

    policies, problems = check_policies(root)
    if problems:
        for p in problems:
            typer.echo(str(p), err=True)
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    assert policies is not None
    total = sum(len(v) for j in policies.jurisdictions.values() for v in j.parameters.values())
    typer.echo(
        f"ok: {len(policies.jurisdictions)} jurisdictions, {total} dated values, "
        f"all cited (digest {policies.digest})"
    )


def _plain(value: Any) -> str:
    """A value as a short readable cell: texts in Chinese, periods as "15个工作日"."""
    from juzhu.domain.days import Period
    from juzhu.rules.checks import check_period

    if value is None:
        return "—（无 / none）"
    if isinstance(value, dict) and set(value) <= {"zh", "en"}:
        return str(value.get("zh"))
    if isinstance(value, dict) and not check_period(value):
        return Period.from_mapping(value).describe("zh")
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


@policy_app.command("show")
def policy_show(
    policy_id: Annotated[str, typer.Argument(metavar="ID", help="e.g. shenzhen")],
    on: Annotated[str, typer.Option("--on", help="date, e.g. 2016-06-01 (default: today)")] = "",
    format: Annotated[Format, typer.Option("--format")] = Format.text,
    root: Annotated[Path | None, typer.Option("--root")] = None,
) -> None:
    """Show every parameter of a policy as in force on a date, with its source."""
    from juzhu.rules.engine import Policy
    from juzhu.rules.loader import PolicyError, UnknownPolicy, load_policies
    from juzhu.rules.schema import PARAMETERS

    day = parse_date(on, "--on") if on else dt.date.today()
    try:
        policies = load_policies(root)
        pol = Policy.of(policy_id, day, policies)
    except UnknownPolicy as exc:
        fail(f"ID: {exc}")
    except PolicyError as exc:
        fail(f"policy data invalid: run `juzhu policy check` ({len(exc.problems)} problems)")
    rows = []
    for key in PARAMETERS:
        r = pol.param(key)
        rows.append(
            {
                "key": key,
                "value": r.value,
                "from": r.start.isoformat(),
                "to": r.end.isoformat() if r.end else None,
                "set_by": r.jurisdiction,
                "citation": r.citation.as_dict(),
                "note": r.note,
            }
        )
    if format == Format.json:
        typer.echo(
            json.dumps(
                {
                    "id": policy_id,
                    "on": day.isoformat(),
                    "version": pol.version,
                    "parameters": rows,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table(
        title=f"{pol.name['zh']} {policy_id} — {day.isoformat()} (version {pol.version})",
        show_lines=True,
    )
    for col in ("parameter", "value", "in force", "set by", "source"):
        table.add_column(col, overflow="fold")
    for row in rows:
        c = row["citation"]
        table.add_row(
            row["key"],
            _plain(row["value"]),
            f"{row['from']} – {row['to'] or ''}",
            row["set_by"],
            f"{c['title']} {c['article']} [{c['status']}]",
        )
    Console(width=160).print(table)


@policy_app.command("impact")
def policy_impact(
    city: Annotated[str, typer.Argument(help="city policy id, e.g. shenzhen")],
    version: Annotated[Path, typer.Option("--version", help="directory of the new policy files")],
    on: Annotated[str, typer.Option("--on", help="the date the new version takes effect")],
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="write every affected record here")
    ] = None,
) -> None:
    """Who gains or loses eligibility, and whose materials change, if a new version takes effect."""
    setup_django()
    from juzhu.cli.policy_runs import run_impact_cli

    run_impact_cli(city=city, version=version, on=parse_date(on, "--on"), csv_path=csv_path)
