"""Django for the commands that use the registry; the command modules and
``juzhu.cli.verification_runs`` share it (as ``juzhu.cli.setup_django``)."""

from __future__ import annotations


def setup_django(*, owner: bool = False) -> None:
    """Configure Django for commands that use the registry (not needed by plan/policy).

    ``owner``: the command changes the schema or its grants (``juzhu migrate``, ``juzhu db
    roles``), so it connects as the schema's owner, ``DATABASE_OWNER_URL``, when that is set;
    the service and every other command use ``DATABASE_URL`` (the role that owns nothing).

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
