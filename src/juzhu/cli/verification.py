"""``juzhu credential verify`` (offline) and ``juzhu verification …``: relying parties,
keys, consent codes, credentials, status lists and audit seals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from juzhu.cli.django_setup import setup_django

credential_app = typer.Typer(help="Check e-permit credentials offline.", no_args_is_help=True)
verification_app = typer.Typer(
    help="Relying parties, API keys, consent codes, status lists, audit seals.",
    no_args_is_help=True,
)


@credential_app.command("verify")
def credential_verify(
    token: Annotated[str, typer.Argument(help="the token from the e-permit QR code (JZ1.…)")],
    keys: Annotated[
        Path | None,
        typer.Option("--keys", help="key set saved from /api/verification/keys (offline)"),
    ] = None,
    status_list: Annotated[
        Path | None,
        typer.Option(
            "--status-list", help="status list saved from /api/verification/status-lists/<city>"
        ),
    ] = None,
    party: Annotated[
        str, typer.Option("--party", help="your relying-party id: refuse tokens made for others")
    ] = "",
) -> None:
    """Check a credential: signature, validity window, audience, status list. Exit 1 if it
    must not be relied on. Without --keys/--status-list, uses this service's own."""
    from juzhu.cli.verification_runs import run_credential_verify

    run_credential_verify(token, keys_file=keys, status_file=status_list, party=party or None)


@verification_app.command("register-party")
def verification_register_party(
    city: Annotated[str, typer.Option("--city", help="policy id, e.g. shenzhen")],
    name: Annotated[str, typer.Option("--name")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="school, bank, housing_bureau, vehicle_administration, telecom, social_insurance",
        ),
    ],
    purpose: Annotated[
        list[str], typer.Option("--purpose", help="a linked-service id; repeat for several")
    ],
    contact: Annotated[
        str, typer.Option("--contact", help="who the registry talks to at the party")
    ] = "",
) -> None:
    """Register a relying party with the purposes it may verify for."""
    setup_django()
    from juzhu.cli.verification_runs import run_register_party

    run_register_party(city, name, kind, purpose, contact)


@verification_app.command("parties")
def verification_parties() -> None:
    """List relying parties, their purposes and their keys (by public prefix)."""
    setup_django()
    from juzhu.cli.verification_runs import run_parties

    run_parties()


@verification_app.command("issue-key")
def verification_issue_key(
    party: Annotated[str, typer.Argument(metavar="PARTY_ID")],
    label: Annotated[str, typer.Option("--label")] = "",
    per_minute: Annotated[int | None, typer.Option("--per-minute")] = None,
    per_day: Annotated[int | None, typer.Option("--per-day")] = None,
) -> None:
    """Issue an API key (printed once; only its hash is stored)."""
    setup_django()
    from juzhu.cli.verification_runs import run_issue_key

    run_issue_key(party, label=label, per_minute=per_minute, per_day=per_day)


@verification_app.command("rotate-key")
def verification_rotate_key(
    prefix: Annotated[str, typer.Argument(metavar="KEY_PREFIX", help="e.g. jzk_ab3kq7mz")],
    grace_hours: Annotated[
        int | None, typer.Option("--grace-hours", help="how long the old key keeps working")
    ] = None,
) -> None:
    """Replace a key; the old one works for a grace period."""
    setup_django()
    from juzhu.cli.verification_runs import run_rotate_key

    run_rotate_key(prefix, grace_hours=grace_hours)


@verification_app.command("revoke-key")
def verification_revoke_key(
    prefix: Annotated[str, typer.Argument(metavar="KEY_PREFIX")],
) -> None:
    """Revoke a key at once."""
    setup_django()
    from juzhu.cli.verification_runs import run_revoke_key

    run_revoke_key(prefix)


@verification_app.command("withdraw-party")
def verification_withdraw_party(party: Annotated[str, typer.Argument(metavar="PARTY_ID")]) -> None:
    """Withdraw a relying party's registration and revoke all its keys."""
    setup_django()
    from juzhu.cli.verification_runs import run_withdraw_party

    run_withdraw_party(party)


@verification_app.command("suspend-party")
def verification_suspend_party(
    party: Annotated[str, typer.Argument(metavar="PARTY_ID")],
    reason: Annotated[str, typer.Option("--reason", help="why (recorded)")] = "",
    resume: Annotated[bool, typer.Option("--resume", help="lift the suspension")] = False,
) -> None:
    """Suspend a relying party (all its keys refused until resumed), or resume it."""
    setup_django()
    from juzhu.cli.verification_runs import run_suspend_party

    run_suspend_party(party, reason, resume=resume)


@verification_app.command("consent-code")
def verification_consent_code(
    permit: Annotated[str, typer.Option("--permit", help="the permit number")],
    party: Annotated[str, typer.Option("--party", help="the relying party's id")],
    purpose: Annotated[str, typer.Option("--purpose", help="a linked-service id")],
) -> None:
    """Make a consent code on the holder's behalf (the portal will let holders do it)."""
    setup_django()
    from juzhu.cli.verification_runs import run_consent_code

    run_consent_code(permit, party, purpose)


@verification_app.command("credential")
def verification_credential(
    permit: Annotated[str, typer.Option("--permit", help="the permit number")],
    party: Annotated[str, typer.Option("--party", help="the relying party's id")],
) -> None:
    """Make an e-permit credential (the QR token) for showing to one relying party."""
    setup_django()
    from juzhu.cli.verification_runs import run_issue_credential

    run_issue_credential(permit, party)


@verification_app.command("lock")
def verification_lock(
    permit: Annotated[str, typer.Option("--permit", help="the permit number")],
    unlock: Annotated[bool, typer.Option("--unlock", help="unlock instead")] = False,
) -> None:
    """Lock (or unlock) verification of a permit on the holder's request."""
    setup_django()
    from juzhu.cli.verification_runs import run_lock

    run_lock(permit, unlock=unlock)


@verification_app.command("refresh")
def verification_refresh(
    city: Annotated[str, typer.Option("--city", help="one city only (default: all)")] = "",
) -> None:
    """Rebuild and sign the status lists from the permits' statuses (every few minutes)."""
    setup_django()
    from juzhu.cli.verification_runs import run_refresh

    run_refresh(city or None)


@verification_app.command("seal")
def verification_seal() -> None:
    """Hash the new audit rows into the seal chain (every few minutes)."""
    setup_django()
    from juzhu.cli.verification_runs import run_seal

    run_seal()


@verification_app.command("audit")
def verification_audit() -> None:
    """Recompute every seal; name the first that does not match (exit 1)."""
    setup_django()
    from juzhu.cli.verification_runs import run_audit

    run_audit()


@verification_app.command("purge")
def verification_purge() -> None:
    """Remove consent codes a day past expiry and old usage counters (nightly)."""
    setup_django()
    from juzhu.cli.verification_runs import run_purge

    run_purge()


@verification_app.command("new-signing-key")
def verification_new_signing_key() -> None:
    """Print a fresh Ed25519 signing key for JUZHU_VERIFY_SIGNING_KEY."""
    from juzhu.cli.verification_runs import run_new_signing_key

    run_new_signing_key()
