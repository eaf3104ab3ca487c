"""Django for the commands that use the registry; the command modules and
``juzhu.cli.verification_runs`` share it (as ``juzhu.cli.setup_django``)."""

from __future__ import annotations


def setup_django() -> None:
    """Configure Django for commands that use the registry (not needed by plan/policy)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juzhu.config.settings")
    django.setup()
