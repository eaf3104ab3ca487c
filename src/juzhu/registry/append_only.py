"""SQL that makes the event table append-only (used by migration 0002 and by tests that
play an attacker editing the table behind the application's back)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PG = """
CREATE OR REPLACE FUNCTION registry_event_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'registry_event is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER registry_event_no_update BEFORE UPDATE OR DELETE ON registry_event
  FOR EACH ROW EXECUTE FUNCTION registry_event_append_only();
CREATE TRIGGER registry_event_no_truncate BEFORE TRUNCATE ON registry_event
  FOR EACH STATEMENT EXECUTE FUNCTION registry_event_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS registry_event_no_update ON registry_event;
DROP TRIGGER IF EXISTS registry_event_no_truncate ON registry_event;
DROP FUNCTION IF EXISTS registry_event_append_only();
"""
SQLITE = [
    "CREATE TRIGGER registry_event_no_update BEFORE UPDATE ON registry_event "
    "BEGIN SELECT RAISE(ABORT, 'registry_event is append-only: UPDATE refused'); END;",
    "CREATE TRIGGER registry_event_no_delete BEFORE DELETE ON registry_event "
    "BEGIN SELECT RAISE(ABORT, 'registry_event is append-only: DELETE refused'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS registry_event_no_update;",
    "DROP TRIGGER IF EXISTS registry_event_no_delete;",
]

# Every table of the history that must only grow: its events, the logs of who read what, who
# was refused and who signed in, the verification log and its seals, the onboarding trail of
# relying parties, the pinned policy texts. ``juzhu db roles`` grants
# the service's role INSERT and SELECT only on these; the triggers below stop the owner too
# (short of dropping them, which is DDL and shows in the owner's own logs).
AUDIT_TABLES = (
    "registry_event",
    "registry_accesslog",
    "backoffice_denial",
    "backoffice_signinattempt",
    "backoffice_adminchange",  # office and working-day edits, before and after
    "verification_verification",
    "verification_verificationseal",
    "verification_partyaction",  # what operators did to relying parties and their keys
    "verification_keydenial",  # verify queries refused before any party was known
    "registry_policytext",  # the policy texts decisions applied (``audit replay``)
)
GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION juzhu_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def pg_guard(table: str) -> str:
    """PostgreSQL: refuse UPDATE, DELETE (per row) and TRUNCATE (per statement) on ``table``."""
    return f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION juzhu_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION juzhu_append_only();
"""


def pg_unguard(table: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};"
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"
    )


def sqlite_guard(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;"
        for op in ("UPDATE", "DELETE")
    ]


def sqlite_unguard(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op};" for op in ("update", "delete")]


def guard_tables(schema_editor: Any, tables: Iterable[str], *, off: bool = False) -> None:
    """Put the append-only guard on ``tables`` (``off``: take it away), in the migration's
    database: triggers on PostgreSQL (the shared function must exist) and on SQLite."""
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute((pg_unguard if off else pg_guard)(table), params=None)
        elif vendor == "sqlite":
            for sql in (sqlite_unguard if off else sqlite_guard)(table):
                schema_editor.execute(sql)


def guard_operation(*tables: str) -> Any:
    """A migration's operation guarding ``tables`` (reversed: unguarding them)."""
    from django.db import migrations

    return migrations.RunPython(
        lambda apps, editor: guard_tables(editor, tables),
        lambda apps, editor: guard_tables(editor, tables, off=True),
    )
