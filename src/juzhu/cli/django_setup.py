"""Django for the commands that use the registry; the command modules and
``juzhu.cli.verification_runs`` share it (as ``juzhu.cli.setup_django``)."""

from __future__ import annotations

# A batch command's database budgets (ms): a night's sweep or an import runs statements far
# longer than a web request's 3 s, and may wait behind an officer's row lock a while.
# The environment still wins (JUZHU_DB_STATEMENT_TIMEOUT, JUZHU_DB_LOCK_TIMEOUT,
# JUZHU_DB_IDLE_IN_TRANSACTION_TIMEOUT).
BATCH_STATEMENT_TIMEOUT_MS = "1800000"  # 30 minutes
BATCH_LOCK_TIMEOUT_MS = "60000"
BATCH_IDLE_IN_TRANSACTION_MS = "600000"  # a worker may wait on a gateway inside a claim


BATCH_BUDGETS = {
    "JUZHU_DB_STATEMENT_TIMEOUT": BATCH_STATEMENT_TIMEOUT_MS,
    "JUZHU_DB_LOCK_TIMEOUT": BATCH_LOCK_TIMEOUT_MS,
    "JUZHU_DB_IDLE_IN_TRANSACTION_TIMEOUT": BATCH_IDLE_IN_TRANSACTION_MS,
}


def batch_budgets() -> None:
    """A batch's database budgets in this process's environment, before Django reads it
    (the environment's own values win): the commands, and the benchmarks that load a
    million rows in-process."""
    import os

    for name, value in BATCH_BUDGETS.items():
        os.environ.setdefault(name, value)


def setup_django(*, owner: bool = False, batch: bool = True) -> None:
    """Configure Django for commands that use the registry (not needed by plan/policy).

    ``owner``: the command changes the schema or its grants (``juzhu migrate``, ``juzhu db
    roles``), so it connects as the schema's owner, ``DATABASE_OWNER_URL``, when that is set;
    the service and every other command use ``DATABASE_URL`` (the role that owns nothing).
    ``batch``: the command's own work (longer database timeouts); ``juzhu serve`` passes
    False so the web budgets hold.

    Refuses to go on, with one line naming the variable and exit code 2, when a key is
    missing or malformed (production: ``juzhu.config.keys``) or is not the key the database
    was written with (``registry.keycheck``): no command or worker runs with other keys."""
    import contextlib
    import os

    import django
    import typer
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    if owner and os.environ.get("DATABASE_OWNER_URL"):
        os.environ["DATABASE_URL"] = os.environ["DATABASE_OWNER_URL"]
    if batch:
        batch_budgets()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
    try:
        django.setup()
        from juzhu.registry import keycheck

        # the database unreachable now: checked again before the first write (pii)
        with contextlib.suppress(DatabaseError):
            keycheck.ensure_keys()
    except ImproperlyConfigured as exc:
        typer.echo(f"juzhu: {exc}", err=True)
        raise typer.Exit(2) from None
