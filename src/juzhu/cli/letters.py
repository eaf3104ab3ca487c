"""``juzhu letter verify FILE.pdf`` and ``juzhu letter key``: check the office's electronic
seal on a letter (``registry/seal.py``), offline with the seal file and the office's public
key, or against the registry's record of the letter."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import typer

from juzhu.cli.django_setup import setup_django

letter_app = typer.Typer(help="Check the seal on a decision letter (PDF).", no_args_is_help=True)


@letter_app.command("verify")
def letter_verify(
    file: Annotated[Path, typer.Argument(help="the letter's PDF, as received")],
    seal: Annotated[
        Path | None,
        typer.Option("--seal", help="its seal file (default: FILE.seal beside it, if present)"),
    ] = None,
    public_key: Annotated[
        list[str] | None,
        typer.Option(
            "--public-key",
            help="a public key to trust (base64, as `juzhu letter key` prints); "
            "default: this office's own",
        ),
    ] = None,
) -> None:
    """Exit 0 when FILE is the letter the office sealed, byte for byte; 1 when it is not
    (altered, not sealed by a trusted key, or unknown); 2 when the input is unusable."""
    setup_django()
    from juzhu.registry import seal as seals
    from juzhu.registry.letters import seal_record
    from juzhu.registry.models import Letter

    if not file.is_file():
        typer.echo(f"{file}: no such file; give the path of the letter's PDF", err=True)
        raise typer.Exit(2)
    pdf = file.read_bytes()
    seal_path = seal or file.with_name(file.name + ".seal")
    if seal_path.is_file():
        try:
            found = seals.Seal.from_json(seal_path.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError) as exc:
            typer.echo(f"{seal_path}: not a juzhu seal file ({exc})", err=True)
            raise typer.Exit(2) from None
        source = f"seal file {seal_path.name}"
    elif seal is not None:
        typer.echo(f"{seal}: no such file; give the letter's .seal file", err=True)
        raise typer.Exit(2)
    else:
        digest = hashlib.sha256(pdf).hexdigest()
        letter = Letter.objects.filter(pdf_sha256=digest).first()
        if letter is None:
            typer.echo(
                f"NOT VERIFIED: no letter with these bytes (SHA-256 {digest[:16]}…) was issued "
                "here, and no seal file was given (--seal FILE.pdf.seal)"
            )
            raise typer.Exit(1)
        found, source = seal_record(letter), "the registry's record"
    trusted = set(public_key or [seals.public_key()])
    why = seals.check(found, pdf, trusted)
    if why is not None:
        typer.echo(f"NOT VERIFIED ({source}): {why}")
        raise typer.Exit(1)
    letter = Letter.objects.filter(number=found.letter).first()
    about = f", {letter.title}, issued {letter.issued_on}" if letter else ""
    typer.echo(f"VERIFIED: letter {found.letter}{about}; sealed with key {found.key_id} ({source})")


@letter_app.command("key")
def letter_key() -> None:
    """Print the office's public sealing key (to publish, and to give to --public-key)."""
    setup_django()
    from juzhu.registry import seal as seals

    public = seals.public_key()
    typer.echo(f"key id {seals.key_id(public)}\npublic key {public}")
