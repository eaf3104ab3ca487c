"""The ``juzhu`` command (typer + rich)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="juzhu — China's residence-permit (居住证) system.",
    no_args_is_help=True,
    add_completion=False,
)
policy_app = typer.Typer(
    help="Check and read the dated, cited city policies.", no_args_is_help=True
)
app.add_typer(policy_app, name="policy")
audit_app = typer.Typer(help="Check the hash-chained event log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def setup_django() -> None:
    """Configure Django for commands that use the registry (not needed by plan/policy)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
    django.setup()


EXAMPLES = Path(__file__).resolve().parent / "examples"


class Format(StrEnum):
    text = "text"
    json = "json"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


def fail(message: str) -> None:
    """One line on stderr naming the field and the fix; exit code 2 (bad input)."""
    typer.echo(message, err=True)
    raise typer.Exit(2)


@app.command()
def plan(
    file: Annotated[Path, typer.Argument(help="situation JSON (docs/planner.md); - for stdin")],
    format: Annotated[
        Format, typer.Option("--format", help="text for a person, json for programs")
    ] = Format.text,
    lang: Annotated[Lang, typer.Option("--lang", help="zh (default) or en")] = Lang.zh,
) -> None:
    """Print the remedy plan for a situation."""
    from juzhu.planner import make_plan
    from juzhu.planner.render import render_text
    from juzhu.planner.situation import SituationError, load_situation_text
    from juzhu.rules.loader import load_policies

    if str(file) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            fail(f"{file}: 文件不存在 / file not found; check the path")
        except UnicodeDecodeError:
            fail(f"{file}: 不是 UTF-8 文本 / not UTF-8 text; save the file as UTF-8")
    policies = load_policies()
    try:
        situation = load_situation_text(text, policies.ids())
    except SituationError as exc:
        fail(f"{file}: {exc.message(lang.value)}")
    result = make_plan(situation, lang=lang.value, policies=policies)
    if format == Format.json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(render_text(result))


@app.command()
def example(
    lang: Annotated[Lang, typer.Option("--lang")] = Lang.zh,
) -> None:
    """Print the plan for the bundled example situation (a rider in Shenzhen)."""
    plan(EXAMPLES / "shenzhen_cancelled.json", Format.text, lang)


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date; write it as 2026-12-21")
        raise


@policy_app.command("check")
def policy_check(
    root: Annotated[
        Path | None, typer.Option("--root", help="policy directory (default: the bundled one)")
    ] = None,
) -> None:
    """Validate every policy file; list every problem with file, key path and fix."""
    from juzhu.rules.loader import check_policies

    policies, problems = check_policies(root)
    if problems:
        for p in problems:
            typer.echo(str(p), err=True)
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    assert policies is not None
    total = sum(len(v) for j in policies.jurisdictions.values() for v in j.parameters.values())
    typer.echo(
        f"ok: {len(policies.jurisdictions)} jurisdictions, {total} dated values, "
        f"all cited (digest {policies.digest})"
    )


def _plain(value: Any) -> str:
    """A value as a short readable cell: texts in Chinese, periods as "15个工作日"."""
    from juzhu.domain.days import Period
    from juzhu.rules.schema import check_period

    if value is None:
        return "—（无 / none）"
    if isinstance(value, dict) and set(value) <= {"zh", "en"}:
        return str(value.get("zh"))
    if isinstance(value, dict) and not check_period(value):
        return Period.from_mapping(value).describe("zh")
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


@policy_app.command("show")
def policy_show(
    policy_id: Annotated[str, typer.Argument(metavar="ID", help="e.g. shenzhen")],
    on: Annotated[str, typer.Option("--on", help="date, e.g. 2016-06-01 (default: today)")] = "",
    format: Annotated[Format, typer.Option("--format")] = Format.text,
    root: Annotated[Path | None, typer.Option("--root")] = None,
) -> None:
    """Show every parameter of a policy as in force on a date, with its source."""
    from juzhu.rules.engine import Policy
    from juzhu.rules.loader import PolicyError, UnknownPolicy, load_policies
    from juzhu.rules.schema import PARAMETERS

    day = _date(on, "--on") if on else dt.date.today()
    try:
        policies = load_policies(root)
        pol = Policy.of(policy_id, day, policies)
    except UnknownPolicy as exc:
        fail(f"ID: {exc}")
    except PolicyError as exc:
        fail(f"policy data invalid: run `juzhu policy check` ({len(exc.problems)} problems)")
    rows = []
    for key in PARAMETERS:
        r = pol.param(key)
        rows.append(
            {
                "key": key,
                "value": r.value,
                "from": r.start.isoformat(),
                "to": r.end.isoformat() if r.end else None,
                "set_by": r.jurisdiction,
                "citation": r.citation.as_dict(),
                "note": r.note,
            }
        )
    if format == Format.json:
        typer.echo(
            json.dumps(
                {
                    "id": policy_id,
                    "on": day.isoformat(),
                    "version": pol.version,
                    "parameters": rows,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table(
        title=f"{pol.name['zh']} {policy_id} — {day.isoformat()} (version {pol.version})",
        show_lines=True,
    )
    for col in ("parameter", "value", "in force", "set by", "source"):
        table.add_column(col, overflow="fold")
    for row in rows:
        c = row["citation"]
        table.add_row(
            row["key"],
            _plain(row["value"]),
            f"{row['from']} – {row['to'] or ''}",
            row["set_by"],
            f"{c['title']} {c['article']} [{c['status']}]",
        )
    Console(width=160).print(table)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (SQLite by default, DATABASE_URL for PostgreSQL)."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", help="processes: one per core (each has its own event loop)")
    ] = 2,
    threads: Annotated[
        int,
        typer.Option("--threads", help="threads per process for Django's pages and API calls"),
    ] = 4,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="log every request to stdout (off when a reverse proxy in front keeps the "
            "access log)",
        ),
    ] = True,
) -> None:
    """Serve the web service with uvicorn (the production way; see README): the common
    verification on the event loop, everything else by Django in a thread pool."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
    os.environ["JUZHU_THREADS"] = str(threads)
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "juzhu.config.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--lifespan",
        "on",
        *([] if access_log else ["--no-access-log"]),
    ]
    typer.echo(f"juzhu serving on http://{host}:{port}/ (Ctrl-C to stop)")
    os.execv(args[0], args)


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


notify_app = typer.Typer(help="Deliver queued notices (the outbox).", no_args_is_help=True)
app.add_typer(notify_app, name="notify")


@app.command()
def demo(
    people: Annotated[int, typer.Option("--people", help="how many people to create")] = 5000,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing if the registry has data")
    ] = False,
) -> None:
    """Load a demo city: people, registrations, permits in every status, open applications,
    a cancelled permit under appeal, officers and relying parties."""
    setup_django()
    from juzhu.registry.demo import run_demo_cli

    run_demo_cli(people=people, if_empty=if_empty)


@app.command()
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

    from juzhu.registry.sweep import run_sweep_cli

    # the registry's day (Asia/Shanghai), even on a server clock in UTC
    run_sweep_cli(on=_date(on, "--on") if on else timezone.localdate(), city=city or None)


@app.command("office-deem")
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

    from juzhu.backoffice.deemed import run_deemed_cli

    run_deemed_cli(on=_date(on, "--on") if on else timezone.localdate(), city=city or None)


officer_app = typer.Typer(help="back-office accounts (officers)", no_args_is_help=True)
app.add_typer(officer_app, name="officer")


@officer_app.command("add")
def officer_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[
        str, typer.Option("--role", help="clerk, reviewer, supervisor, auditor or admin")
    ],
    city: Annotated[str, typer.Option("--city", help="policy id, e.g. shenzhen")],
    district: Annotated[str, typer.Option("--district", help="empty = the whole city")] = "",
    station: Annotated[str, typer.Option("--station", help="empty = the whole district")] = "",
    name: Annotated[str, typer.Option("--name", help="the name shown to colleagues")] = "",
) -> None:
    """Add an officer; prints their password once. They enrol TOTP at first sign-in."""
    setup_django()
    from juzhu.backoffice.commands import run_add

    run_add(username, role, city, district, station, name)


@officer_app.command("reset-otp")
def officer_reset_otp(username: Annotated[str, typer.Argument()]) -> None:
    """Remove an officer's authenticator (lost phone): they enrol again at next sign-in."""
    setup_django()
    from juzhu.backoffice.commands import run_reset_otp

    run_reset_otp(username)


@officer_app.command("disable")
def officer_disable(username: Annotated[str, typer.Argument()]) -> None:
    """Disable an officer's account; their past actions keep their name in the log."""
    setup_django()
    from juzhu.backoffice.commands import run_disable

    run_disable(username)


@notify_app.command("run")
def notify_run(
    once: Annotated[bool, typer.Option("--once", help="deliver what is due, then stop")] = False,
    worker_id: Annotated[str, typer.Option("--worker-id")] = "",
    batch: Annotated[int, typer.Option("--batch")] = 100,
) -> None:
    """Deliver queued notices: claims rows (SKIP LOCKED), retries with backoff, exactly once."""
    setup_django()
    from juzhu.notifications.worker import run_worker_cli

    run_worker_cli(once=once, worker_id=worker_id or None, batch=batch)


@app.command("import")
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
    from juzhu.registry.legacy_import import run_import_cli

    run_import_cli(file=file, report=report, batch=batch)


@policy_app.command("impact")
def policy_impact(
    city: Annotated[str, typer.Argument(help="city policy id, e.g. shenzhen")],
    version: Annotated[Path, typer.Option("--version", help="directory of the new policy files")],
    on: Annotated[str, typer.Option("--on", help="the date the new version takes effect")],
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="write every affected record here")
    ] = None,
) -> None:
    """Who gains or loses eligibility, and whose materials change, if a new version takes effect."""
    setup_django()
    from juzhu.registry.impact import run_impact_cli

    run_impact_cli(city=city, version=version, on=_date(on, "--on"), csv_path=csv_path)


credential_app = typer.Typer(help="Check e-permit credentials offline.", no_args_is_help=True)
app.add_typer(credential_app, name="credential")
verification_app = typer.Typer(
    help="Relying parties, API keys, consent codes, status lists, audit seals.",
    no_args_is_help=True,
)
app.add_typer(verification_app, name="verification")


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
    from juzhu.verification.commands import run_credential_verify

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
) -> None:
    """Register a relying party with the purposes it may verify for."""
    setup_django()
    from juzhu.verification.commands import run_register_party

    run_register_party(city, name, kind, purpose)


@verification_app.command("parties")
def verification_parties() -> None:
    """List relying parties, their purposes and their keys (by public prefix)."""
    setup_django()
    from juzhu.verification.commands import run_parties

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
    from juzhu.verification.commands import run_issue_key

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
    from juzhu.verification.commands import run_rotate_key

    run_rotate_key(prefix, grace_hours=grace_hours)


@verification_app.command("revoke-key")
def verification_revoke_key(
    prefix: Annotated[str, typer.Argument(metavar="KEY_PREFIX")],
) -> None:
    """Revoke a key at once."""
    setup_django()
    from juzhu.verification.commands import run_revoke_key

    run_revoke_key(prefix)


@verification_app.command("withdraw-party")
def verification_withdraw_party(party: Annotated[str, typer.Argument(metavar="PARTY_ID")]) -> None:
    """Withdraw a relying party's registration and revoke all its keys."""
    setup_django()
    from juzhu.verification.commands import run_withdraw_party

    run_withdraw_party(party)


@verification_app.command("consent-code")
def verification_consent_code(
    permit: Annotated[str, typer.Option("--permit", help="the permit number")],
    party: Annotated[str, typer.Option("--party", help="the relying party's id")],
    purpose: Annotated[str, typer.Option("--purpose", help="a linked-service id")],
) -> None:
    """Make a consent code on the holder's behalf (the portal will let holders do it)."""
    setup_django()
    from juzhu.verification.commands import run_consent_code

    run_consent_code(permit, party, purpose)


@verification_app.command("credential")
def verification_credential(
    permit: Annotated[str, typer.Option("--permit", help="the permit number")],
    party: Annotated[str, typer.Option("--party", help="the relying party's id")],
) -> None:
    """Make an e-permit credential (the QR token) for showing to one relying party."""
    setup_django()
    from juzhu.verification.commands import run_issue_credential

    run_issue_credential(permit, party)


@verification_app.command("lock")
def verification_lock(
    permit: Annotated[str, typer.Option("--permit", help="the permit number")],
    unlock: Annotated[bool, typer.Option("--unlock", help="unlock instead")] = False,
) -> None:
    """Lock (or unlock) verification of a permit on the holder's request."""
    setup_django()
    from juzhu.verification.commands import run_lock

    run_lock(permit, unlock=unlock)


@verification_app.command("refresh")
def verification_refresh(
    city: Annotated[str, typer.Option("--city", help="one city only (default: all)")] = "",
) -> None:
    """Rebuild and sign the status lists from the permits' statuses (every few minutes)."""
    setup_django()
    from juzhu.verification.commands import run_refresh

    run_refresh(city or None)


@verification_app.command("seal")
def verification_seal() -> None:
    """Hash the new audit rows into the seal chain (every few minutes)."""
    setup_django()
    from juzhu.verification.commands import run_seal

    run_seal()


@verification_app.command("audit")
def verification_audit() -> None:
    """Recompute every seal; name the first that does not match (exit 1)."""
    setup_django()
    from juzhu.verification.commands import run_audit

    run_audit()


@verification_app.command("purge")
def verification_purge() -> None:
    """Remove consent codes a day past expiry and old usage counters (nightly)."""
    setup_django()
    from juzhu.verification.commands import run_purge

    run_purge()


@verification_app.command("new-signing-key")
def verification_new_signing_key() -> None:
    """Print a fresh Ed25519 signing key for JUZHU_VERIFY_SIGNING_KEY."""
    from juzhu.verification.commands import run_new_signing_key

    run_new_signing_key()


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
