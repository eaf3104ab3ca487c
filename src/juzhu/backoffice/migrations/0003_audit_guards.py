"""The denial log and the sign-in log are append-only (triggers refuse UPDATE, DELETE and
TRUNCATE, as on the event table): the auditor's record of refused reads and of sign-ins."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from juzhu.registry import append_only

TABLES = ("backoffice_denial", "backoffice_signinattempt")


def guard(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(append_only.pg_guard(table), params=None)
        elif schema_editor.connection.vendor == "sqlite":
            for sql in append_only.sqlite_guard(table):
                schema_editor.execute(sql)


def unguard(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(append_only.pg_unguard(table), params=None)
        elif schema_editor.connection.vendor == "sqlite":
            for sql in append_only.sqlite_unguard(table):
                schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0002_letter_moved_to_registry"),
        ("registry", "0017_audit_guards_and_keyed_chain"),  # the shared trigger function
    ]
    operations = [migrations.RunPython(guard, unguard)]
