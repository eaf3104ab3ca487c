"""Django for the commands that use the registry; the command modules and
``juzhu.cli.verification_runs`` share it (as ``juzhu.cli.setup_django``)."""

from __future__ import annotations


def setup_django(*, owner: bool = False) -> None:
    """Configure Django for commands that use the registry (not needed by plan/policy).

    ``owner``: the command changes the schema or its grants (``juzhu migrate``, ``juzhu db
    roles``), so it connects as the schema's owner, ``DATABASE_OWNER_URL``, when that is set;
    the service and every other command use ``DATABASE_URL`` (the role that owns nothing)."""
    import os

    import django

    if owner and os.environ.get("DATABASE_OWNER_URL"):
        os.environ["DATABASE_URL"] = os.environ["DATABASE_OWNER_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
    django.setup()
