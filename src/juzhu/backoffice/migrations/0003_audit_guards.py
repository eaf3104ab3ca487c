"""The denial log and the sign-in log are append-only (triggers refuse UPDATE, DELETE and
TRUNCATE, as on the event table): the auditor's record of refused reads and of sign-ins."""

from django.db import migrations

from juzhu.registry import append_only

TABLES = ("backoffice_denial", "backoffice_signinattempt")


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0002_letter_moved_to_registry"),
        ("registry", "0017_audit_guards_and_keyed_chain"),  # the shared trigger function
    ]
    operations = [append_only.guard_operation(*TABLES)]
