"""What ``juzhu credential …`` and ``juzhu verification …`` do (``juzhu.cli`` wires the
options). Bad input: one line naming what and how to fix it, exit code 2. A failed check
(a credential not to be relied on, a broken seal): exit code 1."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from pathlib import Path
from typing import Any, NoReturn

import typer

from juzhu.domain.vocabulary import PermitStatus
from juzhu.verification import credentials


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _actor() -> Any:
    from juzhu.registry.services import Actor

    return Actor(f"operator:{getpass.getuser()}")


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"{path}: file not found; download the {what} first")
    except (ValueError, UnicodeDecodeError):
        _fail(f"{path}: not JSON; save the {what} exactly as the endpoint returned it")
    if not isinstance(data, dict):
        _fail(f"{path}: expected a JSON object (the {what})")
    return data


# -- juzhu credential verify ---------------------------------------------------------------


def run_credential_verify(
    token: str,
    *,
    keys_file: Path | None,
    status_file: Path | None,
    party: str | None,
    now: dt.datetime | None = None,
) -> None:
    """Check a credential offline: signature (public keys), validity window, audience
    (``--party``) and the status list. Without ``--keys`` the local service's keys and
    current status list are used (this needs the database); with ``--keys`` but no
    ``--status-list`` the status is not checked, and the output says so."""
    now = now or dt.datetime.now(dt.UTC)
    if keys_file is not None:
        from juzhu.verification.selectors import keys_from_set

        try:
            public = keys_from_set(_read_json(keys_file, "key set (/api/verification/keys)"))
        except (KeyError, TypeError, ValueError):
            _fail(f"{keys_file}: not a key set as /api/verification/keys returns it")
    else:
        from juzhu.cli.django_setup import setup_django

        setup_django()
        from juzhu.verification import keys

        public = keys.public_keys()
    try:
        claims = credentials.read_token(token, public)
    except credentials.CredentialError as exc:
        _fail(f"NOT VALID ({exc.code}): {exc}", 1)
    status = None
    doc: dict[str, Any] = {}
    if status_file is not None:
        doc = _read_json(status_file, "status list (/api/verification/status-lists/<city>)")
    elif keys_file is None:  # the service's own keys, so its own current list too
        from juzhu.verification import statuslists

        row = statuslists.current_status_list(claims.city)
        doc = statuslists.document(row) if row else {}
    if doc:
        try:
            status = credentials.read_status_list(doc, public)
        except credentials.CredentialError as exc:
            _fail(f"cannot check the status ({exc.code}): {exc}", 1)
    try:
        credentials.verify_offline(token, public, status, now=now, audience=party)
    except credentials.CredentialError as exc:
        _fail(f"NOT VALID ({exc.code}): {exc}", 1)
    typer.echo(
        f"VALID: a {claims.city} permit credential for relying party {claims.aud}, "
        f"holder pseudonym {claims.sub}, usable {claims.nbf} to {claims.exp}"
    )
    if status is None:
        typer.echo("warning: no status list to check against; the permit may have ended since")
    else:
        typer.echo(f"status list {status.city} v{status.version}: index {claims.sli} is clear")


# -- juzhu verification ----------------------------------------------------------------------


def _party(party_id: str) -> Any:
    from django.core.exceptions import ValidationError

    from juzhu.registry.models import RelyingParty

    try:
        return RelyingParty.objects.get(pk=party_id)
    except (RelyingParty.DoesNotExist, ValueError, ValidationError):
        _fail(f"PARTY: no relying party {party_id!r}; `juzhu verification parties` lists them")


def _key(prefix: str) -> Any:
    from juzhu.verification.models import ApiKey

    # the prefix ("jzk_abcd2345") or the whole key: only the public part is looked at
    public = "_".join(prefix.split("_")[:2])
    key = ApiKey.objects.filter(prefix=public).first()
    if key is None:
        _fail(f"KEY: no API key with prefix {public!r}; `juzhu verification parties` lists them")
    return key


def _permit(number: str) -> Any:
    from juzhu.registry.models import Permit

    permit = Permit.objects.filter(number=number).first()
    if permit is None:
        _fail(f"--permit: no permit numbered {number!r}; check the number on the permit")
    return permit


def _refused(exc: Exception) -> NoReturn:
    field = getattr(exc, "field", "")
    _fail(f"{field + ': ' if field else ''}{getattr(exc, 'en', str(exc))}")


def run_register_party(
    city: str, name: str, kind: str, purposes: list[str], contact: str = ""
) -> None:
    from juzhu.registry.services import Refused
    from juzhu.verification import services

    try:
        party = services.do_register_party(
            city, name, kind, purposes, actor=_actor(), contact=contact
        )
    except Refused as exc:
        _refused(exc)
    typer.echo(f"registered {party.name} ({party.kind}, {party.city}): {party.pk}")
    typer.echo(f"next: juzhu verification issue-key {party.pk}")


def run_parties() -> None:
    from juzhu.registry.models import RelyingParty
    from juzhu.verification.models import ApiKey

    for party in RelyingParty.objects.order_by("city", "name"):
        state = " (withdrawn)" if party.revoked_at else " (suspended)" if party.suspended_at else ""
        typer.echo(f"{party.pk}  {party.city}  {party.kind}  {party.name}{state}")
        typer.echo(f"    purposes: {', '.join(party.allowed_purposes)}")
        for key in ApiKey.objects.filter(party=party).order_by("created_at"):
            status = PermitStatus.REVOKED if key.revoked_at else (f"until {key.not_after:%Y-%m-%d %H:%M}" if key.not_after else "active")  # fmt: skip
            typer.echo(f"    key {key.prefix}  {status}  {key.per_minute}/min {key.per_day}/day {key.label}")  # fmt: skip


def run_issue_key(
    party_id: str, *, label: str, per_minute: int | None, per_day: int | None
) -> None:
    from juzhu.registry.services import Refused
    from juzhu.verification import services

    try:
        issued = services.do_issue_api_key(
            _party(party_id), actor=_actor(), label=label, per_minute=per_minute, per_day=per_day
        )
    except Refused as exc:
        _refused(exc)
    typer.echo(f"API key (shown once; only its hash is stored): {issued.secret}")


def run_rotate_key(prefix: str, *, grace_hours: int | None) -> None:
    from juzhu.registry.services import Refused
    from juzhu.verification import services

    old = _key(prefix)
    try:
        issued = services.do_rotate_api_key(old, actor=_actor(), grace_hours=grace_hours)
    except Refused as exc:
        _refused(exc)
    old.refresh_from_db()
    typer.echo(f"new API key (shown once): {issued.secret}")
    typer.echo(f"the old key {old.prefix} works until {old.not_after:%Y-%m-%d %H:%M %Z}")


def run_revoke_key(prefix: str) -> None:
    from juzhu.verification import services

    key = _key(prefix)
    services.do_revoke_api_key(key, actor=_actor())
    typer.echo(f"revoked {key.prefix}: refused from its next request")


def run_withdraw_party(party_id: str) -> None:
    from juzhu.verification import services

    party = _party(party_id)
    services.do_withdraw_party(party, actor=_actor())
    typer.echo(f"withdrew {party.name}; all its keys are revoked")


def run_suspend_party(party_id: str, reason: str, *, resume: bool) -> None:
    from juzhu.registry.services import Refused
    from juzhu.verification import services

    party = _party(party_id)
    try:
        if resume:
            services.do_resume_party(party, actor=_actor())
        else:
            services.do_suspend_party(party, actor=_actor(), reason=reason)
    except Refused as exc:
        _refused(exc)
    if resume:
        typer.echo(f"resumed {party.name}; its keys work again")
    else:
        typer.echo(f"suspended {party.name}; its keys are refused until it is resumed")


def run_consent_code(permit_number: str, party_id: str, purpose: str) -> None:
    from juzhu.registry.services import Refused
    from juzhu.verification import services

    permit = _permit(permit_number)
    try:
        issued = services.do_create_consent_code(permit.person, _party(party_id), purpose)
    except Refused as exc:
        _refused(exc)
    typer.echo(
        f"consent code {issued.code} for {issued.party_name}, purpose {issued.purpose}; "
        f"single use, until {issued.expires_at.astimezone(dt.UTC):%H:%M} UTC"
    )


def run_issue_credential(permit_number: str, party_id: str) -> None:
    from juzhu.registry.services import Refused
    from juzhu.verification import services

    try:
        token, claims = services.do_issue_credential(_permit(permit_number), _party(party_id))
    except Refused as exc:
        _refused(exc)
    typer.echo(token)
    typer.echo(f"usable {claims.nbf} to {claims.exp}; status index {claims.sli}", err=True)


def run_lock(permit_number: str, *, unlock: bool) -> None:
    from juzhu.registry.services import Conflict
    from juzhu.verification import services

    permit = _permit(permit_number)
    try:
        services.do_set_verification_lock(
            permit, locked=not unlock, actor=_actor(), expected_version=permit.version
        )
    except Conflict as exc:
        _fail(str(exc), 1)
    state = "unlocked" if unlock else "locked"
    typer.echo(f"verification {state} for permit {permit.number} (status lists: next refresh)")


def run_refresh(city: str | None) -> None:
    from juzhu.verification import statuslists

    rows = [statuslists.do_refresh_status_list(city)] if city else statuslists.do_refresh_all()
    for row in rows:
        typer.echo(f"{row.city}: status list v{row.version}, {row.size} entries, valid until {row.valid_until:%Y-%m-%d %H:%M %Z}")  # fmt: skip
    if not rows:
        typer.echo("no city has credentials yet: nothing to publish")


def run_seal() -> None:
    from juzhu.verification import seals

    done = seals.do_seal()
    rows = sum(s.count for s in done)
    typer.echo(f"sealed {rows} audit rows in {len(done)} block(s)")


def run_audit() -> None:
    from juzhu.verification import seals

    checked, problem = seals.verify_seals()
    if problem:
        _fail(f"BROKEN after {checked} good rows: {problem}", 1)
    typer.echo(f"ok: {checked} sealed audit rows match their seals")


def run_purge() -> None:
    from juzhu.verification import services

    counts = services.do_purge_expired()
    typer.echo(
        ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items()) + " removed"
    )


def run_new_signing_key() -> None:
    from juzhu.verification import keys

    typer.echo(f"JUZHU_VERIFY_SIGNING_KEY={keys.new_signing_key_b64()}")
    typer.echo(
        "keep it in the secrets manager; when replacing a key, list the old public key in "
        "JUZHU_VERIFY_RETIRED_PUBLIC_KEYS until its credentials expire",
        err=True,
    )
