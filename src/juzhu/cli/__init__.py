"""The ``juzhu`` command (typer + rich).

One module per group of commands: ``plans`` (plan, example), ``policy``, ``server`` (serve),
``data`` (migrate, demo, import, audit), ``jobs`` (sweep, office-deem, notify), ``letters``
(letter verify, letter key), ``keys`` (keys check, keys rotate), ``officer``
and ``verification`` (credential, verification). Each group's Typer (``policy_app`` …) lives
with its commands; the top-level commands are plain functions, registered here in the order
``juzhu --help`` lists them.
"""

from __future__ import annotations

import typer

from juzhu.cli.data import audit_app, demo, import_permits, migrate
from juzhu.cli.db import db_app
from juzhu.cli.django_setup import setup_django
from juzhu.cli.jobs import notify_app, office_deem, purge, sweep
from juzhu.cli.keys import keys_app
from juzhu.cli.letters import letter_app
from juzhu.cli.officer import officer_app
from juzhu.cli.plans import example, plan
from juzhu.cli.policy import policy_app
from juzhu.cli.server import serve
from juzhu.cli.verification import credential_app, verification_app

__all__ = ["app", "main", "setup_django"]

app = typer.Typer(
    help="juzhu — China's residence-permit (居住证) system.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(plan)
app.command()(example)
app.command()(migrate)
app.command()(serve)
app.command()(demo)
app.command()(sweep)
app.command("office-deem")(office_deem)
app.command()(purge)
app.command("import")(import_permits)
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")
app.add_typer(letter_app, name="letter")
app.add_typer(notify_app, name="notify")
app.add_typer(officer_app, name="officer")
app.add_typer(credential_app, name="credential")
app.add_typer(verification_app, name="verification")
app.add_typer(keys_app, name="keys")


def main() -> None:  # pragma: no cover
    app()
