"""What ``juzhu demo`` and ``juzhu import`` print (``cli/data.py`` wires the options); the
loading and importing are the registry's."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import typer
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, QuerySet
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from rich.table import Table

from juzhu.domain.vocabulary import PermitStatus, label
from juzhu.registry.demo import OPEN, DemoRefused, Loaded, load_demo
from juzhu.registry.demo_city import SEED
from juzhu.registry.legacy_import import (
    ImportFileError,
    ImportInterrupted,
    import_permits,
    write_report,
)
from juzhu.registry.models import (
    Appeal,
    Application,
    Event,
    Notification,
    Permit,
    Person,
    ResidenceRegistration,
)


def run_demo_cli(people: int, if_empty: bool) -> None:
    """``juzhu demo [--people N] [--if-empty]``: exit 0 loaded (or skipped with --if-empty),
    1 when the registry is not empty, 2 on bad options."""

    console, err = Console(), Console(stderr=True)
    try:
        count = Person.objects.count()
    except DatabaseError:
        err.print("[bold red]demo not loaded:[/] the database has no juzhu tables yet; "
                  "run `juzhu migrate` first")  # fmt: skip
        raise typer.Exit(1) from None
    if if_empty and count:
        console.print(f"the registry already has {count:,} people: demo not loaded (--if-empty)")
        return
    try:
        with console.status(f"loading the demo city ({people:,} people)…"):
            loaded = load_demo(people)
    except DemoRefused as exc:
        err.print(f"[bold red]demo not loaded:[/] {exc}")
        raise typer.Exit(exc.exit_code) from None
    print_summary(console, loaded)


def _counts(rows: QuerySet[Any], *fields: str) -> list[tuple[tuple[str, ...], int]]:
    rows = rows.values_list(*fields).annotate(n=Count("pk")).order_by(*fields)
    return [(tuple(r[:-1]), r[-1]) for r in rows]


def print_summary(console: Any, loaded: Loaded) -> None:
    """Counts per status, who can log in, what to try and where; no ID or phone numbers."""

    site = settings.SITE_URL.rstrip("/")
    table = Table(title=f"demo city loaded in {loaded.seconds:.1f} s (seed {SEED})")
    for column in ("records", "status", "count"):
        table.add_column(column, justify="right" if column == "count" else "left")
    kinds = " · ".join(f"{k} {n:,}" for (k,), n in _counts(Person.objects.all(), "id_kind"))
    table.add_row("people", kinds, f"{Person.objects.count():,}")
    for (status,), n in _counts(ResidenceRegistration.objects.all(), "status"):
        table.add_row("registrations", status, f"{n:,}")
    for (city, status), n in _counts(Permit.objects.all(), "city", "status"):
        table.add_row(f"permits {city}", f"{status} {label(status)}", f"{n:,}")
    ended = Permit.objects.filter(status__in=[PermitStatus.CANCELLED, PermitStatus.REVOKED])
    for (status, reason), n in _counts(ended, "status", "cancellation_reason"):
        table.add_row(f"  {status}:", f"{reason} {label(reason)}", f"{n:,}")
    for (status,), n in _counts(Application.objects.all(), "status"):
        table.add_row("applications", status + (" (open)" if status in OPEN else ""), f"{n:,}")
    for (kind, status), n in _counts(Appeal.objects.all(), "kind", "status"):
        table.add_row("appeals", f"{kind} {status}", f"{n:,}")
    table.add_row("events", "hash-chained", f"{Event.objects.count():,}")
    table.add_row("notices", "outbox, delivered", f"{Notification.objects.count():,}")
    console.print(table)

    named = [o for o in loaded.officers if o.user.has_usable_password()]
    console.print(
        "[bold]officers[/] (development password below) sign in at "
        f"{site}/office/ and enrol an authenticator app (TOTP) on first sign-in, with a "
        "token from `juzhu officer enrol-token USER`:"
    )
    for o in named:
        scope = " ".join(x for x in (o.city, o.district, o.station) if x)
        console.print(f"  {o.user.get_username():8} {o.role:10} {scope}")
    others = len(loaded.officers) - len(named)
    console.print(f"  and {others} clerks and reviewers of the other stations (no login)")
    console.print("[bold]to try[/]:")
    for who, permit in loaded.showcase.items():
        person = permit.person
        console.print(f"  {who:16} {permit.number} {permit.status:9} {permit.station:13} {person.name}")  # fmt: skip
    console.print("[bold]passwords[/], shown once:")
    console.print(f"  officers' development password  {loaded.officer_password}")
    if loaded.admin_password:
        console.print(f"  /admin/: user admin (superuser) [bold]{loaded.admin_password}[/]")
        console.print(
            "  (the admin is off unless JUZHU_ADMIN=1; then admin signs in at /office/ with "
            "password + TOTP: `juzhu officer enrol-token admin`)"
        )
    else:
        console.print("  admin: the existing user was left as it was")
    console.print("[bold]open[/]")
    for what, path in (
        ("landing page", "/"),
        ("back office", "/office/"),
        ("Django admin", "/admin/"),
        ("health", "/healthz"),
    ):
        console.print(f"  {what:16} {site}{path}")
    console.print("check every event chain with: juzhu audit verify")


def run_import_cli(file: Path, report: Path | None, batch: int) -> None:
    """``juzhu import``: exit 0 when every row is stored (now or before), 1 when some rows
    were rejected (see the report), 2 when the file was refused (nothing stored), 3 when a
    batch failed in the database (earlier batches stored; run again to resume)."""

    console, err = Console(), Console(stderr=True)
    if batch < 1:
        err.print("--batch must be at least 1 (rows per transaction)")
        raise typer.Exit(2)
    if not file.is_file():
        err.print(f"{file}: no such file")
        raise typer.Exit(2)
    stopped: ImportInterrupted | None = None
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(f"importing {file.name}", total=file.stat().st_size)
        try:
            result = import_permits(file, batch=batch, progress=lambda n: bar.advance(task, n))
        except ImportFileError as exc:
            bar.stop()
            err.print(f"[bold red]{file}: nothing imported[/]\n{exc.en}\n{exc.zh}")
            raise typer.Exit(2) from None
        except ImportInterrupted as exc:
            result, stopped = exc.report, exc
    report_path = report or file.with_name(file.stem + ".errors.csv")
    if result.errors:
        write_report(result, report_path)

    summary = Table(title=f"import of {file.name}", show_header=False)
    rate = result.rows / result.seconds if result.seconds else 0.0
    for what, value in (
        ("rows read", result.rows),
        ("permits loaded now", result.loaded),
        ("already stored (skipped)", result.already_stored),
        ("  of which unchanged since stored (not checked again)", result.unchanged),
        ("rows changed since stored (checked, not applied)", result.changed),
        ("people created", result.people_created),
        ("rows rejected", result.rejected),
        ("batches committed", result.batches),
        ("time", f"{result.seconds:.1f} s ({rate:,.0f} rows/s)"),
    ):
        summary.add_row(what, f"{value:,}" if isinstance(value, int) else value)
    console.print(summary)
    if result.errors:
        kinds = Counter((e.column, e.reason) for e in result.errors)
        sample = (
            ""
            if result.error_count == len(result.errors)
            else f", of the first {len(result.errors):,} errors"
        )
        table = Table(title=f"errors by kind (first 15{sample})")
        for name in ("column", "reason", "rows"):
            table.add_column(name)
        for (column, reason), count in kinds.most_common(15):
            table.add_row(column or "(row)", reason, f"{count:,}")
        console.print(table)
        first = Table(title="first errors")
        first.add_column("line")
        first.add_column("column")
        first.add_column("value", no_wrap=True, min_width=18)  # a masked ID fits whole
        first.add_column("reason")
        first.add_column("fix")
        for e in result.errors[:10]:
            first.add_row(str(e.line), e.column, e.value, e.reason, e.fix)
        console.print(first)
        console.print(f"every error ({result.error_count:,}) is in {report_path}")
    if stopped is not None:
        err.print(f"[bold red]stopped:[/] {stopped}")
        raise typer.Exit(3)
    raise typer.Exit(1 if result.rejected else 0)
