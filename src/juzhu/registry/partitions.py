"""Monthly partitions for the tables that grow for ever (PostgreSQL; ADR 11).

The events, the access log, the verification log and the outbox are partitioned by month
on their time column (``SPECS``). ``convert`` turns a plain table into a partitioned one
with its rows kept (migration 0022: on a new database the tables are empty, on an existing
one the rows move month by month); ``ensure`` creates the coming months ahead of time and
a default partition, so an insert never fails; ``detach_before`` (``partitions_retire``)
archives and drops the months whose retention has ended, as a whole. SQLite has no partitions: nothing here runs
there and the tables stay as they are.

PostgreSQL requires every unique index of a partitioned table to include the partition
key. So the primary key becomes (id, time) while Django keeps ``id`` as the model's pk, and
the unique indexes that do not include the time become plain indexes, each for a reason
(``SPECS``): an event's (record, seq) is unique because every append moves the record's
chain head under its optimistic lock in the same transaction (``services/commit.py``,
``sweep_sql.py``); an event's dedupe key is kept unique in ``registry_eventkey`` by a
trigger; a verification reference is a random UUID the service draws; an outbox row's
(event, channel, recipient) is kept in ``notifications_noticekey`` by a trigger that skips a
repeated notice, as ``ON CONFLICT DO NOTHING`` did (``outbox.do_enqueue_notice``).
"""

# Table, partition, index and column names in this module's SQL come only from ``SPECS`` and
# the catalog (identifiers cannot be bound parameters); every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from juzhu.domain.months import add_months
from juzhu.registry import append_only

AHEAD = 3  # months created ahead of today by default (the migration, ``juzhu db partitions``)
SENTINEL_ID = "id"


@dataclass(frozen=True)
class Spec:
    table: str
    column: str  # the partition key: a timestamp
    # the unique indexes that do not include the time, by their columns: each becomes a
    # plain index (why each still holds: the module's docstring, ADR 11)
    unique_kept_by: dict[tuple[str, ...], str]
    # the policy period beyond which a month may be dropped; None: never dropped
    retention: str | None
    # rows that must not be in a month being dropped (a WHERE clause), and why
    busy: tuple[str, str] | None = None


SPECS: dict[str, Spec] = {
    spec.table: spec
    for spec in (
        Spec(
            "registry_event",
            "occurred_at",
            {
                ("record_type", "record_id", "seq"): "the chain head's optimistic lock",
                ("record_type", "record_id", "dedupe_key"): "registry_eventkey (a trigger)",
            },
            None,
        ),
        Spec("registry_accesslog", "at", {}, "retention.audit_logs"),
        Spec(
            "verification_verification",
            "at",
            {("reference",): "a random UUID drawn by the service"},
            "retention.audit_logs",
        ),
        Spec(
            "notifications_notification",
            "created_at",
            {("event_id", "channel", "recipient"): "notifications_noticekey (a trigger)"},
            "retention.personal_data",
            ("status IN ('pending', 'sending')", "notices still to be delivered"),
        ),
    )
}

# The dedupe keys of events, unique across every month (the event table cannot say so once
# partitioned): a row per event that has a key, written by a trigger in the event's insert.
EVENT_KEYS = """
CREATE TABLE IF NOT EXISTS registry_eventkey (
  record_type varchar(16) NOT NULL,
  record_id uuid NOT NULL,
  dedupe_key varchar(64) NOT NULL,
  CONSTRAINT one_event_per_dedupe_key_all_months PRIMARY KEY (record_type, record_id, dedupe_key)
);
CREATE OR REPLACE FUNCTION registry_event_key() RETURNS trigger AS $$
BEGIN
  INSERT INTO registry_eventkey VALUES (NEW.record_type, NEW.record_id, NEW.dedupe_key);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS registry_event_key ON registry_event;
CREATE TRIGGER registry_event_key AFTER INSERT ON registry_event
  FOR EACH ROW WHEN (NEW.dedupe_key IS NOT NULL) EXECUTE FUNCTION registry_event_key();
"""
# The (event, channel, recipient) of outbox rows, unique across every month: a row trigger
# records it and skips (returns NULL for) a notice already there, the partitioned table's
# stand-in for the ON CONFLICT DO NOTHING of ``do_enqueue_notice`` (concurrent inserts of
# one key wait for each other on the key's index, as they did on the table's).
NOTICE_KEYS = """
CREATE TABLE IF NOT EXISTS notifications_noticekey (
  event_id bigint NOT NULL,
  channel varchar(8) NOT NULL,
  recipient varchar(64) NOT NULL,
  CONSTRAINT one_notice_per_recipient_all_months PRIMARY KEY (event_id, channel, recipient)
);
CREATE OR REPLACE FUNCTION notifications_notice_key() RETURNS trigger AS $$
BEGIN
  INSERT INTO notifications_noticekey VALUES (NEW.event_id, NEW.channel, NEW.recipient)
    ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS notifications_notice_key ON notifications_notification;
CREATE TRIGGER notifications_notice_key BEFORE INSERT ON notifications_notification
  FOR EACH ROW WHEN (NEW.event_id IS NOT NULL) EXECUTE FUNCTION notifications_notice_key();
"""
# table -> (its key table, the SQL making it and its trigger, the key's columns, the column
# whose value says a row has a key)
KEY_TABLES = {
    "registry_event": (
        "registry_eventkey",
        EVENT_KEYS,
        "record_type, record_id, dedupe_key",
        "dedupe_key",
    ),
    "notifications_notification": (
        "notifications_noticekey",
        NOTICE_KEYS,
        "event_id, channel, recipient",
        "event_id",
    ),
}
EXTRA_HISTORY = (
    "registry_eventkey",
    "notifications_noticekey",
    "registry_retiredpartition",
)  # append-only too, and no UPDATE/DELETE for the service


class PartitionError(ValueError):
    pass


@dataclass(frozen=True)
class Hooks:
    """What a table's own app adds to dropping one of its months (the verification log's
    seals: ``verification/seals.py``, registered by its app; the registry does not import
    the surfaces)."""

    # given the month's last id: why it must be kept, or None
    refusal: Callable[[int | None], str | None]
    # given the last dropped id: RetiredPartition's resume_* fields
    resume: Callable[[int], dict[str, Any]]
    # given the month's id range: what the manifest lists (the seals covering it)
    covering: Callable[[int, int], list[dict[str, Any]]]


HOOKS: dict[str, Hooks] = {}


def tz() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_of(value: dt.date) -> dt.date:
    return value.replace(day=1)


def bound(month: dt.date) -> dt.datetime:
    """The first instant of ``month`` in the service's time zone (a month is a local one)."""
    return dt.datetime(month.year, month.month, 1, tzinfo=tz())


def name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_name(table: str) -> str:
    return f"{table}_default"


def exists(cursor: Any, table: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
    return bool(cursor.fetchone()[0])


def is_partitioned(cursor: Any, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row and row[0] == "p")


def partitions(cursor: Any, table: str) -> list[str]:
    """The partitions of ``table``, by name (the default last)."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [table],
    )
    names = [r[0] for r in cursor.fetchall()]
    return sorted(names, key=lambda n: n.endswith("_default"))


def months(cursor: Any, table: str) -> list[dt.date]:
    prefix = f"{table}_p"
    return [
        dt.date(int(n[-6:-2]), int(n[-2:]), 1)
        for n in partitions(cursor, table)
        if n.startswith(prefix) and n[len(prefix) :].isdigit()
    ]


# -- keeping partitions like their parent -------------------------------------------------


def _acl(cursor: Any, table: str) -> list[tuple[str, str]]:
    """(grantee, privilege) granted on ``table`` to roles other than its owner."""
    cursor.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END, "
        "a.privilege_type FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
        "LEFT JOIN pg_roles r ON r.oid = a.grantee "
        "WHERE c.oid = to_regclass(%s) AND a.grantee <> c.relowner",
        [table],
    )
    return list(cursor.fetchall())


def _copy_acl(cursor: Any, source: list[tuple[str, str]], table: str) -> None:
    for grantee in {g for g, _ in _acl(cursor, table)}:
        cursor.execute(f"REVOKE ALL ON {table} FROM {grantee}")
    for grantee, privilege in source:
        cursor.execute(f"GRANT {privilege} ON {table} TO {grantee}")


def sync(cursor: Any, table: str) -> None:
    """Give every partition of ``table`` its parent's grants (a partition is a table of its
    own: the default privileges would give the service UPDATE and DELETE on it) and, for a
    history table, the TRUNCATE guard (statement triggers are not cloned onto partitions;
    the row triggers are)."""
    acl = _acl(cursor, table)
    guarded = table in append_only.AUDIT_TABLES
    for part in partitions(cursor, table):
        _copy_acl(cursor, acl, part)
        if guarded:
            cursor.execute(f"DROP TRIGGER IF EXISTS {part}_no_truncate ON {part}")
            cursor.execute(
                f"CREATE TRIGGER {part}_no_truncate BEFORE TRUNCATE ON {part} "
                "FOR EACH STATEMENT EXECUTE FUNCTION juzhu_append_only()"
            )


def _create_month(cursor: Any, spec: Spec, month: dt.date) -> str:
    part = name(spec.table, month)
    start, end = bound(month), bound(add_months(month, 1))
    cursor.execute(
        f"SELECT count(*) FROM {default_name(spec.table)} "
        f"WHERE {spec.column} >= %s AND {spec.column} < %s",
        [start, end],
    )
    stray = cursor.fetchone()[0]
    if stray:
        raise PartitionError(
            f"{spec.table}: the default partition holds {stray} rows of {month:%Y-%m}, so that "
            f"month's partition cannot be created. Move them with `juzhu db partitions "
            f"--convert` on a copy, or create the months ahead (`--ahead`) before they come"
        )
    cursor.execute(
        f"CREATE TABLE {part} PARTITION OF {spec.table} FOR VALUES FROM (%s) TO (%s)",
        [start, end],
    )
    return part


def ensure(
    ahead: int = AHEAD, *, today: dt.date | None = None, since: dt.date | None = None
) -> list[str]:
    """Create the partitions of every table from ``since`` (default: this month) to
    ``ahead`` months after this one, and the default partition; returns the new ones."""
    if connection.vendor != "postgresql":
        return []
    today = today or dt.datetime.now(tz()).date()
    first, last = month_of(since or today), add_months(month_of(today), ahead)
    created: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for spec in SPECS.values():
            if not is_partitioned(cursor, spec.table):
                raise PartitionError(
                    f"{spec.table} is not partitioned: run `juzhu migrate` first (migration "
                    "registry 0022 converts it, rows kept)"
                )
            have = set(months(cursor, spec.table))
            month = first
            while month <= last:
                if month not in have:
                    created.append(_create_month(cursor, spec, month))
                month = add_months(month, 1)
            sync(cursor, spec.table)
    return created


# -- converting a plain table ------------------------------------------------------------


def _indexes(cursor: Any, table: str) -> list[tuple[str, str, bool, bool, list[str]]]:
    """(name, definition, primary, unique, columns) of ``table``'s indexes."""
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisprimary, i.indisunique, "
        "ARRAY(SELECT a.attname FROM unnest(i.indkey) k JOIN pg_attribute a "
        "ON a.attrelid = i.indrelid AND a.attnum = k) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = to_regclass(%s) ORDER BY c.relname",
        [table],
    )
    return [(n, d, p, u, list(cols)) for n, d, p, u, cols in cursor.fetchall()]


def _constraints(cursor: Any, table: str, kind: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(%s) AND contype = %s",
        [table, kind],
    )
    return list(cursor.fetchall())


def convert(cursor: Any, spec: Spec, *, ahead: int = AHEAD, today: dt.date | None = None) -> int:
    """Turn the plain table ``spec.table`` into one partitioned by month, rows kept (moved
    month by month, in id order); indexes, foreign keys, grants and guards re-created.
    Returns the rows moved. Runs in the caller's transaction (a migration's)."""
    table, col = spec.table, spec.column
    if is_partitioned(cursor, table):
        return 0
    old = f"{table}__unpartitioned"
    cursor.execute(
        "SELECT conname, conrelid::regclass::text FROM pg_constraint "
        "WHERE confrelid = to_regclass(%s) AND contype = 'f'",
        [table],
    )
    if referencing := cursor.fetchall():
        raise PartitionError(
            f"{table} is referenced by foreign keys {referencing}: a partitioned table "
            "can only be referenced with its partition key; drop them (db_constraint=False)"
        )
    indexes, fks, acl = (
        _indexes(cursor, table),
        _constraints(cursor, table, "f"),
        _acl(cursor, table),
    )
    kept = {frozenset(k) for k in spec.unique_kept_by}
    for index, _, primary, unique, cols in indexes:
        if unique and not primary and col not in cols and frozenset(cols) not in kept:
            raise PartitionError(
                f"{table}: unique index {index} on {cols} does not include {col}; say in "
                "partitions.SPECS what keeps it unique once the table is partitioned"
            )
    cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
    for fk, _ in fks:
        cursor.execute(f"ALTER TABLE {old} DROP CONSTRAINT {fk}")
    for index, _, primary, unique, _cols in indexes:
        if primary or unique:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conindid = to_regclass(%s)", [index]
            )
            if row := cursor.fetchone():
                cursor.execute(f"ALTER TABLE {old} DROP CONSTRAINT {row[0]}")
                continue
        cursor.execute(f"DROP INDEX {index}")
    # PostgreSQL 15 has no identity column on a partitioned table: the ids come from a
    # sequence of the table's own, carrying on from the identity's last value
    seq = f"{table}_id_seq"
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [old])
    old_seq = cursor.fetchone()[0]
    cursor.execute(f"SELECT last_value, is_called FROM {old_seq}")
    last_value, is_called = cursor.fetchone()
    seq_acl = _acl(cursor, old_seq)
    cursor.execute(
        "SELECT attidentity FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'id'",
        [old],
    )
    if cursor.fetchone()[0]:
        cursor.execute(f"ALTER TABLE {old} ALTER COLUMN id DROP IDENTITY")
    else:  # a serial column (tables made before identity columns)
        cursor.execute(f"ALTER TABLE {old} ALTER COLUMN id DROP DEFAULT")
        cursor.execute(f"DROP SEQUENCE {old_seq}")
    cursor.execute(f"CREATE SEQUENCE {seq} AS bigint")
    cursor.execute("SELECT setval(%s, %s, %s)", [seq, last_value, is_called])
    for grantee, privilege in seq_acl:
        cursor.execute(f"GRANT {privilege} ON SEQUENCE {seq} TO {grantee}")
    cursor.execute(
        f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        f"INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({col})"
    )
    cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{seq}')")
    cursor.execute(f"ALTER SEQUENCE {seq} OWNED BY {table}.id")
    cursor.execute(f"CREATE TABLE {default_name(table)} PARTITION OF {table} DEFAULT")
    cursor.execute(f"SELECT min({col}), max({col}) FROM {old}")
    low, high = cursor.fetchone()
    today = today or dt.datetime.now(tz()).date()
    first = month_of(low.astimezone(tz()).date()) if low else month_of(today)
    last = max(
        add_months(month_of(today), ahead),
        month_of(high.astimezone(tz()).date()) if high else first,
    )
    moved, month = 0, first
    while month <= last:
        _create_month(cursor, spec, month)
        cursor.execute(
            f"INSERT INTO {table} SELECT * FROM {old} WHERE {col} >= %s AND {col} < %s ORDER BY id",
            [bound(month), bound(add_months(month, 1))],
        )
        moved += cursor.rowcount
        month = add_months(month, 1)
    cursor.execute(f"SELECT count(*) FROM {old}")
    if (total := cursor.fetchone()[0]) != moved:
        raise PartitionError(f"{table}: moved {moved} of {total} rows; nothing changed")
    cursor.execute(f"DROP TABLE {old}")
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {col})")
    for _index, definition, primary, unique, cols in indexes:
        if primary:
            continue
        sql = definition  # read before the rename: ON the partitioned table
        if unique and col not in cols:
            sql = sql.replace("CREATE UNIQUE INDEX", "CREATE INDEX", 1)
        cursor.execute(sql)
    for fk, definition in fks:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {fk} {definition}")
    _copy_acl(cursor, acl, table)
    if table in append_only.AUDIT_TABLES:
        cursor.execute(append_only.pg_guard(table))
    if keys := KEY_TABLES.get(table):
        key_table, sql, columns, present = keys
        cursor.execute(sql)
        cursor.execute(append_only.pg_unguard(key_table))
        cursor.execute(append_only.pg_guard(key_table))
        cursor.execute(
            f"INSERT INTO {key_table} SELECT DISTINCT {columns} FROM {table} "
            f"WHERE {present} IS NOT NULL ON CONFLICT DO NOTHING"
        )
        _copy_acl(cursor, acl, key_table)
    sync(cursor, table)
    return moved


def convert_all(schema_editor: Any, *, today: dt.date | None = None) -> dict[str, int]:
    """Migration 0022's step: every table of ``SPECS`` partitioned (PostgreSQL; a no-op on
    SQLite). Returns the rows moved per table."""
    if schema_editor.connection.vendor != "postgresql":
        return {}
    with schema_editor.connection.cursor() as cursor:
        return {spec.table: convert(cursor, spec, today=today) for spec in SPECS.values()}


# -- dropping the months beyond retention -------------------------------------------------
