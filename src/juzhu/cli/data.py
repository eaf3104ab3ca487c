"""The registry's data: ``juzhu migrate``, ``juzhu demo``, ``juzhu import`` and
``juzhu audit verify`` (the hash-chained event log) and ``juzhu audit replay`` (every stored
decision re-run with the policy text it applied)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from juzhu.cli.django_setup import setup_django

audit_app = typer.Typer(
    help="Check the hash-chained event log and replay the stored decisions.", no_args_is_help=True
)


def migrate() -> None:
    """Create or upgrade the database schema (SQLite by default, DATABASE_URL for PostgreSQL)."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


def demo(
    people: Annotated[int, typer.Option("--people", help="how many people to create")] = 5000,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing if the registry has data")
    ] = False,
) -> None:
    """Load a demo city: people, registrations, permits in every status, open applications,
    a cancelled permit under appeal, officers and relying parties."""
    setup_django()
    from juzhu.cli.data_runs import run_demo_cli

    run_demo_cli(people=people, if_empty=if_empty)


def import_permits(
    file: Annotated[
        Path, typer.Argument(help="legacy permits CSV (columns: docs/howto/legacy-import.md)")
    ],
    report: Annotated[
        Path | None, typer.Option("--report", help="write the bad-row report here (CSV)")
    ] = None,
    batch: Annotated[int, typer.Option("--batch")] = 50000,
) -> None:
    """Import legacy permit records: every bad row reported, good rows loaded, idempotent."""
    setup_django()
    from juzhu.cli.data_runs import run_import_cli

    run_import_cli(file=file, report=report, batch=batch)


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk every event chain; name the first broken link (exit 1) or report all intact."""
    setup_django()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from juzhu.registry.events import verify_chains
    from juzhu.registry.models import Event

    total = Event.objects.count()
    with Progress(
        TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), transient=True
    ) as bar:
        task = bar.add_task("events", total=total)
        checked, broken = verify_chains(progress=lambda n: bar.advance(task, n))
    if broken is not None:
        typer.echo(f"BROKEN after {checked} good events: {broken}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {checked} events in intact chains")


@audit_app.command("replay")
def audit_replay(
    since: Annotated[
        str, typer.Option("--since", help="only decisions made on or after this day (YYYY-MM-DD)")
    ] = "",
) -> None:
    """Re-run every stored decision with its pinned policy; exit 1 if any now differs."""
    setup_django()
    from juzhu.cli.common import parse_date
    from juzhu.registry.replay import replay

    report = replay(parse_date(since, "--since") if since else None)
    for d in report.differences:
        typer.echo(f"DIFFERS {d.name} {d.record_id} on {d.on} (event {d.event_id}):")
        for line in d.what:
            typer.echo(f"  {line}")
    typer.echo(
        f"{report.replayed} decisions replayed, {len(report.differences)} differ"
        + (f" ({report.skipped} without an engine verdict, not replayed)" if report.skipped else "")
    )
    if report.differences:
        raise typer.Exit(1)
