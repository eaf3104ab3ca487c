"""What ``juzhu audit verify`` and ``juzhu audit anchor`` do and print (``cli/data.py`` wires
the options): the registry's keyed chains, the verification log's seals, the signed anchor."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from juzhu.registry import audit_key
from juzhu.registry.anchor import load_anchor, make_anchor, verify_anchor
from juzhu.registry.events import verify_chains
from juzhu.registry.models import Event
from juzhu.verification.seals import verify_seals


def run_anchor(out: Path) -> None:
    """Write the anchor atomically (a temporary file renamed), readable by its owner only."""
    anchor = make_anchor()
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(anchor, ensure_ascii=False, indent=0), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(out)
    logs = sum(entry["count"] for entry in anchor["logs"].values())
    typer.echo(
        f"anchored {len(anchor['chains'])} chain heads and {logs} log rows: root "
        f"{anchor['merkle_root']}, signed by audit key {anchor['key_id']} → {out}"
    )
    typer.echo("keep this file outside the database (write-once store or another machine)")


def run_verify(anchor_path: Path | None, public_keys: list[str]) -> None:
    problems: list[str] = []
    total = Event.objects.count()
    with Progress(
        TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), transient=True
    ) as bar:
        task = bar.add_task("events", total=total)
        checked, broken = verify_chains(progress=lambda n: bar.advance(task, n))
    if broken is not None:
        problems.append(f"BROKEN after {checked} good events: {broken}")
    sealed, seal_problem = verify_seals()
    if seal_problem:
        problems.append(f"BROKEN verification-log seal after {sealed} good rows: {seal_problem}")
    if anchor_path is not None:
        try:
            anchor = load_anchor(anchor_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            typer.echo(f"cannot read the anchor {anchor_path}: {exc}", err=True)
            raise typer.Exit(2) from None
        trusted = set(public_keys) or {audit_key.public_key()}
        found = verify_anchor(anchor, trusted)
        problems.extend(
            f"CHANGED since the anchor of {anchor['made_at']}: {p}" for p in found.problems
        )
    for line in problems:
        typer.echo(line, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(
        f"ok: {checked} events in intact keyed chains, {sealed} verification rows sealed intact"
        + (f", everything in the anchor {anchor_path} as it was" if anchor_path else "")
    )
