"""SQL that makes the event table append-only (used by migration 0002 and by tests that
play an attacker editing the table behind the application's back)."""

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
