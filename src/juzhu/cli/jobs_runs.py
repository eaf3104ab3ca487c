"""What ``juzhu sweep``, ``juzhu office-deem`` and ``juzhu notify run`` print: progress bars,
tables and one-line errors (``cli/jobs.py`` wires the options). The work itself is the
registry's, the back office's and the notifications worker's."""

from __future__ import annotations

import datetime as dt
import signal
from typing import Any

import typer
from django.utils import timezone
from rich import progress as rp
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from juzhu.backoffice.deemed import run_deemed
from juzhu.notifications.routing import Router
from juzhu.notifications.worker import (
    Report,
    backoff,
    default_worker_id,
    lease,
    max_attempts,
    run_worker,
)
from juzhu.registry.models import Notification
from juzhu.registry.sweep import CATEGORIES, SweepError, sweep


def run_sweep_cli(on: dt.date, city: str | None) -> None:
    """``juzhu sweep``: a rich progress bar per (city, rule), then a summary table."""

    columns = (rp.TextColumn("{task.description:<32}"), rp.BarColumn(), rp.MofNCompleteColumn())
    with rp.Progress(*columns, rp.TimeElapsedColumn(), console=Console(stderr=True)) as bar:
        tasks: dict[str, rp.TaskID] = {}

        def show(task: str, advance: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], advance=advance, total=None if total < 0 else total)

        try:
            report = sweep(on, city, progress=show)
        except SweepError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
    table = Table(title=f"sweep {on.isoformat()} — {report.seconds:.1f}s, {report.chunks} chunks")
    table.add_column("city")
    for category in CATEGORIES:
        table.add_column(category.replace("_", " "), justify="right")
    for name, per in sorted(report.counts.items()):
        table.add_row(name, *(f"{per[c]:,}" for c in CATEGORIES))
    Console().print(table)
    typer.echo(f"notices queued: {report.notices:,}")
    # The decision letters of tonight's suspensions and cancellations: after the sweep's
    # transactions, in batches of their own (and whatever an earlier run left).
    from juzhu.registry.letters_sweep import issue_missing, missing

    pending = missing(city).count()
    if pending:
        with rp.Progress(*columns, console=Console(stderr=True)) as bar:
            task = bar.add_task("decision letters", total=pending)
            issued = issue_missing(city=city, progress=lambda n: bar.advance(task, n))
        typer.echo(f"decision letters issued: {issued:,}")
    for name, why in sorted(report.skipped_cities.items()):
        typer.echo(f"skipped city {name!r}: {why}", err=True)
    if report.skipped_cities:
        raise typer.Exit(1)


def run_deemed_cli(on: dt.date, city: str | None) -> None:

    result = run_deemed(on, city)
    typer.echo(
        f"{on.isoformat()}: {len(result.accepted)} deemed accepted, "
        f"{len(result.skipped)} skipped (changed meanwhile; retried next run), "
        f"{result.checked} checked"
    )
    for number in result.accepted:
        typer.echo(f"  accepted {number}")


def run_purge_cli(on: dt.date, city: str | None, dry_run: bool) -> None:
    from juzhu.portal.auth import forget_attempts
    from juzhu.registry.retention import RetentionPolicyError, login_attempts_cutoff, purge

    try:
        report = purge(on, city=city, dry_run=dry_run)
        through = login_attempts_cutoff(on)
    except RetentionPolicyError as exc:
        typer.echo(f"purge refused: {exc}", err=True)
        raise typer.Exit(2) from None
    verb = "would erase" if dry_run else "erased"
    typer.echo(
        f"{on.isoformat()}: {report.checked} people checked, {len(report.purged)} {verb} "
        f"(details and event keys), {report.scans_removed} scan files removed"
    )
    if city is None:  # login attempts belong to no city: the run for every city deletes them
        gone = forget_attempts(through, dry_run=dry_run)
        verb = "would be deleted" if dry_run else "deleted"
        typer.echo(f"{gone} portal login attempts up to {through.isoformat()} {verb}")


def run_worker_cli(once: bool, worker_id: str | None, batch: int, poll: float = 2.0) -> None:
    """The ``juzhu notify run`` command: rich output, Ctrl-C / SIGTERM finish the row in
    hand and stop (a row cut off mid-send is safe anyway: its lease runs out)."""

    console = Console()
    stopping: list[bool] = []

    def ask_stop(signum: int, frame: Any) -> None:
        if stopping:  # a second Ctrl-C leaves at once
            raise KeyboardInterrupt
        stopping.append(True)
        console.print("[yellow]stopping after the current batch…[/]")

    if batch < 1:
        typer.echo(f"--batch: must be at least 1 (got {batch})", err=True)
        raise typer.Exit(2)
    wid = (worker_id or default_worker_id())[:64]
    try:
        lease(), max_attempts(), backoff(1)  # refuse bad JUZHU_NOTIFY_* values up front
        router = Router.from_settings()
    except Exception as exc:  # ImproperlyConfigured: name the setting and the fix
        typer.echo(f"notify: {exc}", err=True)
        raise typer.Exit(2) from None

    def show(report: Report) -> None:
        stamp = timezone.localtime().strftime("%H:%M:%S")
        console.print(
            f"{stamp} claimed {report.claimed}: [green]sent {report.sent}[/]"
            f" · retry later {report.retried} · throttled {report.throttled}"
            f" · [red]failed {report.failed}[/]"
            + (f" · lease lost {report.lease_lost}" if report.lease_lost else "")
            + (f" · gave up (crashed) {report.gave_up_crashed}" if report.gave_up_crashed else "")
        )
        for line in report.errors[:5]:
            console.print(Text(f"  {line}", style="red"))

    mode = "once" if once else "until stopped"
    console.print(f"notify worker [bold]{escape(wid)}[/] ({mode})")
    previous = {sig: signal.signal(sig, ask_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        total = run_worker(
            once=once,
            worker_id=wid,
            batch=batch,
            router=router,
            poll_seconds=poll,
            stop=lambda: bool(stopping),
            on_batch=show,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    names = ("claimed", "sent", "retried", "throttled", "failed", "lease_lost")
    table = Table(title="notify run")
    for name in names:
        table.add_column(name.replace("_", " "), justify="right")
    table.add_row(*(str(getattr(total, n)) for n in names))
    console.print(table)
    console.print("total: " + ", ".join(f"{n} {getattr(total, n)}" for n in names))
    waiting = Notification.objects.filter(status__in=("pending", "sending")).count()
    console.print(f"still queued (not yet due or held by other workers): {waiting}")
