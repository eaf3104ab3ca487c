"""The recurring jobs: ``juzhu sweep`` and ``juzhu office-deem`` (nightly) and
``juzhu notify run`` (the notices outbox), ``juzhu purge`` (nightly retention)."""

from __future__ import annotations

from typing import Annotated

import typer

from juzhu.cli.common import fail, parse_date
from juzhu.cli.django_setup import setup_django

notify_app = typer.Typer(help="Deliver queued notices (the outbox).", no_args_is_help=True)


def sweep(
    on: Annotated[
        str, typer.Option("--on", help="the date the sweep runs for (default: today)")
    ] = "",
    city: Annotated[str, typer.Option("--city", help="one city only (default: all)")] = "",
) -> None:
    """Nightly sweep: reminders, suspensions, cancellations after grace, expiries. Idempotent
    and restartable."""
    setup_django()
    from django.utils import timezone

    from juzhu.cli.jobs_runs import run_sweep_cli

    # the registry's day (Asia/Shanghai), even on a server clock in UTC
    today = timezone.localdate()
    if on:
        day = parse_date(on, "--on")
        from juzhu.registry.sweep import SweepError, check_sweep_date

        try:
            check_sweep_date(day, today, city or None)
        except SweepError as exc:
            fail(str(exc))
    run_sweep_cli(on=day if on else today, city=city or None)


def office_deem(
    on: Annotated[
        str, typer.Option("--on", help="the date the job runs for (default: today)")
    ] = "",
    city: Annotated[str, typer.Option("--city", help="one city only (default: all)")] = "",
) -> None:
    """Nightly: accept applications nobody answered within the notice limit, from the day
    they were received (行政许可法 Art. 32). Idempotent; one transaction per application."""
    setup_django()
    from django.utils import timezone

    from juzhu.cli.jobs_runs import run_deemed_cli

    run_deemed_cli(on=parse_date(on, "--on") if on else timezone.localdate(), city=city or None)


def purge(
    on: Annotated[
        str, typer.Option("--on", help="the day the purge runs for (default: today)")
    ] = "",
    city: Annotated[str, typer.Option("--city", help="one city only (default: all)")] = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="count who would be erased; change nothing")
    ] = False,
) -> None:
    """Nightly: erase the details of people out of retention (periods in the policy data,
    retention.*; PIPL Art. 19, 47) and destroy their event keys; delete the portal's login
    attempts past retention.login_attempts. Audit logs are never deleted.
    Idempotent."""
    setup_django()
    from django.utils import timezone

    from juzhu.cli.jobs_runs import run_purge_cli

    day = parse_date(on, "--on") if on else timezone.localdate()
    if day > timezone.localdate():
        typer.echo(
            f"--on: {day} is in the future; a purge runs for today or an earlier day", err=True
        )
        raise typer.Exit(2)
    run_purge_cli(on=day, city=city or None, dry_run=dry_run)


@notify_app.command("run")
def notify_run(
    once: Annotated[bool, typer.Option("--once", help="deliver what is due, then stop")] = False,
    worker_id: Annotated[str, typer.Option("--worker-id")] = "",
    batch: Annotated[int, typer.Option("--batch")] = 100,
    poll: Annotated[
        float,
        typer.Option(
            "--poll",
            min=0.1,
            help="seconds between looks at an empty outbox (login codes wait at most this)",
        ),
    ] = 1.0,
) -> None:
    """Deliver queued notices: claims rows (SKIP LOCKED), retries with backoff, exactly once."""
    setup_django()
    from juzhu.cli.jobs_runs import run_worker_cli

    run_worker_cli(once=once, worker_id=worker_id or None, batch=batch, poll=poll)
