"""``juzhu keys check`` and ``juzhu keys rotate``: the keys of personal data
(``registry/keycheck.py``, ``registry/keyrotation.py``)."""

from __future__ import annotations

from typing import Annotated

import typer

from juzhu.cli.django_setup import setup_django

keys_app = typer.Typer(help="Check and rotate the keys of personal data.", no_args_is_help=True)


@keys_app.command("check")
def keys_check() -> None:
    """Exit 0 when this process's JUZHU_DATA_KEY and JUZHU_INDEX_KEY are the database's (its
    key-check values match); 2, naming the wrong key, when not."""
    setup_django()  # refuses with exit code 2 and the variable's name
    typer.echo("keys match the database's key-check values")


@keys_app.command("rotate")
def keys_rotate(
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="people re-encrypted per transaction")
    ] = 500,
) -> None:
    """Re-encrypt every ID and phone number under the current JUZHU_DATA_KEY (bound to its
    row) and recompute the blind indexes under the current JUZHU_INDEX_KEY, batch by batch.
    Keep the old keys in JUZHU_DATA_KEY_OLD / JUZHU_INDEX_KEY_OLD until it finishes.
    Interrupted, it resumes from its checkpoint when run again."""
    setup_django()
    from juzhu.registry.keyrotation import do_rotate_keys

    def progress(run: object) -> None:
        typer.echo(f"  {getattr(run, 'rows_done', 0)} people re-encrypted", err=True)

    report = do_rotate_keys(batch=batch, after_batch=progress)
    how = "resumed from its checkpoint; " if report.resumed else ""
    typer.echo(
        f"rotation finished: {how}{report.rows} people re-encrypted in this run, "
        f"{report.total} in all; the old keys can be removed"
    )
