"""The common case in one statement (PostgreSQL): a valid key of a party neither withdrawn
nor suspended asks "valid on D" (never ``held_for_months``: ``dispatch.common_case``) about
today or a later date with a valid, unused consent code of its own, for a purpose it may
ask, and the holder has not locked verification.

One data-modifying statement checks all of that, consumes the code, writes the receipt,
the audit row and the usage count, and returns the answer: one round trip instead of two.
The usage row it bumps is its connection's (``mod(pg_backend_pid(), SLOTS)``): two requests in
flight at once are on two connections, so they seldom wait on one row lock — which they
would hold until their commits were flushed.
Anything else — a refusal of any kind, a past date, a credential, SQLite — returns nothing
here and takes the general path (``verify.py``), which finds out exactly what is wrong,
says so, and records it. The yes/no rule in SQL is ``validity.valid_now_or_later``;
``test_verification_fastpath.py`` checks that the two agree.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError

from juzhu.registry.audit_health import record_failure
from juzhu.verification.store import SLOTS, prepared_cursor

SQL = """
WITH k AS (
  SELECT k.id AS key_id, k.party_id, rp.name AS party_name, rp.city AS party_city
  FROM verification_apikey k
  JOIN registry_relyingparty rp ON rp.id = k.party_id
  WHERE k.key_hash = %(key_hash)s::text
    AND k.revoked_at IS NULL AND (k.not_after IS NULL OR k.not_after > %(now)s::timestamptz)
    AND rp.revoked_at IS NULL AND rp.suspended_at IS NULL
    AND rp.allowed_purposes @> to_jsonb(%(purpose)s::text)
    AND NOT EXISTS (
      SELECT 1 FROM verification_usagecounter u WHERE u.key_id = k.id AND u.day = %(day)s::timestamptz
      HAVING SUM(u.n_day) >= k.per_day
          OR SUM(CASE WHEN u.minute = %(minute)s::timestamptz THEN u.n_minute ELSE 0 END) >= k.per_minute)
), used AS (
  UPDATE verification_consentcode c SET used_at = %(now)s::timestamptz
  FROM k, registry_permit p
  WHERE c.party_id = k.party_id AND c.code_hash = %(code_hash)s::text
    AND c.purpose = %(purpose)s::text AND c.used_at IS NULL AND c.expires_at > %(now)s::timestamptz
    AND p.id = c.permit_id AND NOT p.verification_locked
  RETURNING k.key_id, k.party_id, k.party_name, k.party_city, p.id AS permit_id, p.person_id,
    p.city AS permit_city,
    (p.status = 'active' AND p.city = k.party_city AND p.issued_on <= %(on)s::date
     AND (p.expires_on IS NULL OR %(on)s::date <= p.expires_on)
     AND (p.next_due_on IS NULL OR %(on)s::date <= p.next_due_on)) AS valid
), receipt AS (
  INSERT INTO registry_accesslog (city, person_id, viewer_kind, viewer_id, viewer_name,
                                  purpose, record_type, record_id, at, fields)
  SELECT permit_city, person_id, 'relying_party', party_id::text, party_name, %(purpose)s::text,
         'verification', %(reference)s::uuid, %(now)s::timestamptz, 'validity'
  FROM used
), audit AS (
  INSERT INTO verification_verification (reference, at, city, party_id, key_id, method,
                                         purpose, on_date, outcome, problem, permit_id, person_id)
  SELECT %(reference)s::uuid, %(now)s::timestamptz, permit_city, party_id, key_id, 'consent_code', %(purpose)s::text,
         %(on)s::date, CASE WHEN valid THEN 'yes' ELSE 'no' END, '', permit_id, person_id
  FROM used
), usage AS (
  INSERT INTO verification_usagecounter (key_id, day, slot, n_day, minute, n_minute)
  SELECT key_id, %(day)s::timestamptz, mod(pg_backend_pid(), {slots}), 1, %(minute)s::timestamptz, 1
  FROM used
  ON CONFLICT (key_id, day, slot) DO UPDATE SET
    n_day = verification_usagecounter.n_day + 1,
    n_minute = CASE WHEN verification_usagecounter.minute = excluded.minute
                    THEN verification_usagecounter.n_minute + 1 ELSE 1 END,
    minute = excluded.minute
)
SELECT valid, party_city FROM used
""".replace("{slots}", str(SLOTS))


def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """The statement with asyncpg's ``$n`` placeholders, and the parameter names in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return re.sub(r"%\((\w+)\)s", number, sql), tuple(names)


ASYNC_SQL, _ASYNC_ORDER = _numbered(SQL)


@dataclass(frozen=True)
class Query:
    """The statement's parameters (``verify.fast_query`` computes them)."""

    key_hash: str
    code_hash: str
    purpose: str
    on: dt.date
    now: dt.datetime
    minute: dt.datetime
    day: dt.datetime
    reference: uuid.UUID


@dataclass(frozen=True)
class Hit:
    valid: bool
    city: str


def verify_by_code(query: Query) -> Hit | None:
    """The answer if everything is in order (and then all of it is written), else None
    (and nothing is written)."""
    try:
        with prepared_cursor() as cursor:
            cursor.execute(SQL, vars(query))
            row = cursor.fetchone()
    except DatabaseError as exc:
        # the statement writes the audit row and the holder's receipt with the answer: no
        # answer without them (fail closed, registry.audit_health: 503, CRITICAL alert)
        raise record_failure("verification log", exc) from exc
    return None if row is None else Hit(bool(row[0]), row[1])


async def averify_by_code(pool: Any, query: Query) -> Hit | None:
    """The same statement on an asyncpg pool (``asgi.py``): the same answer and the same
    writes, in one round trip (autocommit: one statement, one transaction)."""
    row = await pool.fetchrow(ASYNC_SQL, *(getattr(query, name) for name in _ASYNC_ORDER))
    return None if row is None else Hit(bool(row[0]), row[1])
