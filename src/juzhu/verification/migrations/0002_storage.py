"""Storage rules of the verification tables.

- The audit table and its seals are append-only: triggers refuse UPDATE, DELETE and
  TRUNCATE (the application never needs them; a repair is a new row). PostgreSQL: plpgsql
  trigger functions. SQLite: RAISE(ABORT) triggers.
- PostgreSQL: consent codes and usage counters leave a quarter of each page free
  (fillfactor 75), so that using a code or bumping a counter is a HOT update: the new row
  version stays on its page and no index is touched.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLES = ("verification_verification", "verification_verificationseal")

PG = """
CREATE OR REPLACE FUNCTION verification_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {t}_no_update BEFORE UPDATE OR DELETE ON {t}
  FOR EACH ROW EXECUTE FUNCTION verification_append_only();
CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
  FOR EACH STATEMENT EXECUTE FUNCTION verification_append_only();
"""
    for t in TABLES
)
PG += """
ALTER TABLE verification_consentcode SET (fillfactor = 75);
ALTER TABLE verification_usagecounter SET (fillfactor = 75);
"""
PG_REVERSE = "".join(
    f"DROP TRIGGER IF EXISTS {t}_no_update ON {t}; DROP TRIGGER IF EXISTS {t}_no_truncate ON {t};"
    for t in TABLES
) + "DROP FUNCTION IF EXISTS verification_append_only();"
PG_REVERSE += """
ALTER TABLE verification_consentcode RESET (fillfactor);
ALTER TABLE verification_usagecounter RESET (fillfactor);
"""
SQLITE = [
    f"CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{t} is append-only: {op} refused'); END;"
    for t in TABLES
    for op in ("UPDATE", "DELETE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {t}_no_{op.lower()};" for t in TABLES for op in ("UPDATE", "DELETE")
]


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("verification", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
