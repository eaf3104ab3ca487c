"""The common case in one statement (PostgreSQL): a valid key asks about today or a later
date with a valid, unused consent code of its own, for a purpose it may ask, and the holder
has not locked verification.

One data-modifying statement checks all of that, consumes the code, writes the receipt,
the audit row and the usage count, and returns the answer: one round trip instead of two.
Anything else — a refusal of any kind, a past date, a credential, SQLite — returns nothing
here and takes the general path (``verify.py``), which finds out exactly what is wrong,
says so, and records it. The yes/no rule in SQL is ``validity.valid_now_or_later``;
``test_verification_fastpath.py`` checks that the two agree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from juzhu.verification.store import prepared_cursor

SQL = """
WITH k AS (
  SELECT k.id AS key_id, k.party_id, rp.name AS party_name, rp.city AS party_city
  FROM verification_apikey k
  JOIN registry_relyingparty rp ON rp.id = k.party_id
  WHERE k.key_hash = %(key_hash)s
    AND k.revoked_at IS NULL AND (k.not_after IS NULL OR k.not_after > %(now)s)
    AND rp.revoked_at IS NULL
    AND rp.allowed_purposes @> to_jsonb(%(purpose)s::text)
    AND NOT EXISTS (
      SELECT 1 FROM verification_usagecounter u WHERE u.key_id = k.id AND u.day = %(day)s
      HAVING SUM(u.n_day) >= k.per_day
          OR SUM(CASE WHEN u.minute = %(minute)s THEN u.n_minute ELSE 0 END) >= k.per_minute)
), used AS (
  UPDATE verification_consentcode c SET used_at = %(now)s
  FROM k, registry_permit p
  WHERE c.party_id = k.party_id AND c.code_hash = %(code_hash)s
    AND c.purpose = %(purpose)s AND c.used_at IS NULL AND c.expires_at > %(now)s
    AND p.id = c.permit_id AND NOT p.verification_locked
  RETURNING k.key_id, k.party_id, k.party_name, k.party_city, p.id AS permit_id, p.person_id,
    p.city AS permit_city,
    (p.status = 'active' AND p.city = k.party_city AND p.issued_on <= %(on)s
     AND (p.expires_on IS NULL OR %(on)s <= p.expires_on)
     AND (p.next_due_on IS NULL OR %(on)s <= p.next_due_on)) AS valid
), receipt AS (
  INSERT INTO registry_accesslog (city, person_id, viewer_kind, viewer_id, viewer_name,
                                  purpose, record_type, record_id, at)
  SELECT permit_city, person_id, 'relying_party', party_id::text, party_name, %(purpose)s,
         'verification', %(reference)s, %(now)s
  FROM used
), audit AS (
  INSERT INTO verification_verification (reference, at, city, party_id, key_id, method,
                                         purpose, on_date, outcome, problem, permit_id, person_id)
  SELECT %(reference)s, %(now)s, permit_city, party_id, key_id, 'consent_code', %(purpose)s,
         %(on)s, CASE WHEN valid THEN 'yes' ELSE 'no' END, '', permit_id, person_id
  FROM used
), usage AS (
  INSERT INTO verification_usagecounter (key_id, day, slot, n_day, minute, n_minute)
  SELECT key_id, %(day)s, %(slot)s, 1, %(minute)s, 1 FROM used
  ON CONFLICT (key_id, day, slot) DO UPDATE SET
    n_day = verification_usagecounter.n_day + 1,
    n_minute = CASE WHEN verification_usagecounter.minute = excluded.minute
                    THEN verification_usagecounter.n_minute + 1 ELSE 1 END,
    minute = excluded.minute
)
SELECT valid, party_city FROM used
"""


@dataclass(frozen=True)
class Hit:
    valid: bool
    city: str


def verify_by_code(
    *,
    key_hash: str,
    code_hash: str,
    purpose: str,
    on: dt.date,
    now: dt.datetime,
    minute: dt.datetime,
    day: dt.datetime,
    slot: int,
    reference: uuid.UUID,
) -> Hit | None:
    """The answer if everything is in order (and then all of it is written), else None
    (and nothing is written)."""
    params = {
        "key_hash": key_hash,
        "code_hash": code_hash,
        "purpose": purpose,
        "on": on,
        "now": now,
        "minute": minute,
        "day": day,
        "slot": slot,
        "reference": reference,
    }
    with prepared_cursor() as cursor:
        cursor.execute(SQL, params)
        row = cursor.fetchone()
    return None if row is None else Hit(bool(row[0]), row[1])
