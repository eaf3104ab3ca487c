"""Separation of duties in the database: the service's role owns nothing.

``juzhu migrate`` runs as the owner of the schema (``DATABASE_OWNER_URL``); the service, its
workers and its jobs connect as ``juzhu_app`` (``DATABASE_URL``), which ``juzhu db roles``
creates with exactly what the service needs:

- SELECT, INSERT, UPDATE, DELETE on the ordinary tables;
- SELECT and INSERT only on the history (``append_only.AUDIT_TABLES``): no UPDATE, DELETE or
  TRUNCATE, so "permission denied" comes before the append-only trigger is even asked;
- USAGE and SELECT on the sequences (ids of new rows); SELECT only on ``django_migrations``;
- the same by default on what the owner creates later (``ALTER DEFAULT PRIVILEGES``); run
  ``juzhu db roles`` again after a migration that adds a history table;
- the web budgets (statement, lock, idle in transaction) as the role's settings in the
  database, for connections that cannot send them (through PgBouncer).

Owning nothing, the role cannot ``ALTER TABLE … DISABLE TRIGGER``, drop a trigger or replace
its function; not being a superuser, it cannot ``SET session_replication_role``.
"""

from __future__ import annotations

import re

from django.db import connection

from juzhu.registry import partitions
from juzhu.registry.append_only import AUDIT_TABLES

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(ValueError):
    pass


def statements(
    role: str, owner: str, database: str, password: str | None, history: tuple[str, ...] = ()
) -> list[tuple[str, list[str]]]:
    """The SQL (with parameters) that creates or refreshes ``role``; idempotent."""
    if not ROLE_NAME.match(role):
        raise RoleError(
            f"role name {role!r} refused: use lower-case letters, digits and _ (e.g. juzhu_app)"
        )
    if role == owner:
        raise RoleError(f"the service's role must not be the owner {owner!r}: name another role")
    q = connection.ops.quote_name
    r, o = q(role), q(owner)
    out: list[tuple[str, list[str]]] = [
        (
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
            f"NOBYPASSRLS NOINHERIT; END IF; END $$",
            [],
        ),
        (
            f"ALTER ROLE {r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
            "NOBYPASSRLS NOINHERIT",
            [],
        ),
    ]
    if password:
        out.append((f"ALTER ROLE {r} PASSWORD %s", [password]))
    out += [
        (f"GRANT CONNECT, TEMPORARY ON DATABASE {q(database)} TO {r}", []),
        (f"GRANT USAGE ON SCHEMA public TO {r}", []),
        (f"REVOKE CREATE ON SCHEMA public FROM {r}", []),
        (f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {r}", []),
        (f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}", []),
        (f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}", []),
        (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
            [],
        ),
        (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {r}",
            [],
        ),
    ]
    for table in AUDIT_TABLES + history:
        out.append(
            (f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {table} FROM {r}", [])
        )
    # which migrations ran is the owner's to say: the service only reads it
    out.append((f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {r}", []))
    # The web budgets as the role's own settings in this database (issue 15): behind
    # PgBouncer (JUZHU_PGBOUNCER=1) a connection cannot carry them as startup ``options``.
    # A direct connection's ``options`` (settings._timeouts, the batch commands' longer
    # budgets) still win over these.
    for name, value in ROLE_BUDGETS.items():
        out.append((f"ALTER ROLE {r} IN DATABASE {q(database)} SET {name} = {value}", []))
    return out


# The service's web budgets (settings.DB_*'s defaults, in ms; security.md §4).
ROLE_BUDGETS = {
    "statement_timeout": 3000,
    "lock_timeout": 2000,
    "idle_in_transaction_session_timeout": 30000,
}


def do_create_app_role(role: str, password: str | None = None) -> list[str]:
    """Create or refresh the service's role on the connected PostgreSQL database (run as
    the schema's owner); returns the history tables it may only append to."""
    if connection.vendor != "postgresql":
        raise RoleError(
            f"database roles are a PostgreSQL matter; this database is {connection.vendor} "
            "(the embedded SQLite file has no roles: nothing to do)"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        # the months of the partitioned history tables are tables too (ADR 11)
        history = tuple(p for t in AUDIT_TABLES for p in partitions.partitions(cursor, t))
        history += tuple(t for t in partitions.EXTRA_HISTORY if partitions.exists(cursor, t))
        for sql, params in statements(role, owner, database, password, history):
            cursor.execute(sql, params or None)
    return list(AUDIT_TABLES)
