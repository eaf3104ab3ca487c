"""The registry's data: ``juzhu migrate``, ``juzhu demo``, ``juzhu import`` and
``juzhu audit verify`` / ``juzhu audit anchor`` (the keyed event chains, the logs and their
signed anchor outside the database) and ``juzhu audit replay`` (every stored
decision re-run with the policy text it applied)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from juzhu.cli.django_setup import setup_django

audit_app = typer.Typer(
    help="Check the keyed history, anchor it outside the database, replay the decisions.",
    no_args_is_help=True,
)


def migrate() -> None:
    """Create or upgrade the database schema (SQLite by default, DATABASE_URL for PostgreSQL;
    DATABASE_OWNER_URL, when set, is the schema owner's and is used instead)."""
    setup_django(owner=True)
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
def audit_verify(
    anchor: Annotated[
        Path | None,
        typer.Option(
            "--anchor", help="also compare with this anchor (`juzhu audit anchor`), kept outside"
        ),
    ] = None,
    public_key: Annotated[
        list[str] | None,
        typer.Option(
            "--public-key",
            help="a trusted audit public key (base64; repeat; default: JUZHU_AUDIT_KEY's)",
        ),
    ] = None,
) -> None:
    """Walk every keyed event chain and the verification log's seals; with --anchor, also
    check nothing it covers was removed, added or changed since. Exit 1 on any finding."""
    setup_django()
    from juzhu.cli.audit_runs import run_verify

    run_verify(anchor, public_key or [])


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[Path, typer.Option("--out", help="write the signed anchor here (JSON)")],
) -> None:
    """Write a signed digest of every chain head and log (a Merkle root plus the heads), to
    keep outside the database: a write-once store, a timestamping service, another machine."""
    setup_django()
    from juzhu.cli.audit_runs import run_anchor

    run_anchor(out)


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
