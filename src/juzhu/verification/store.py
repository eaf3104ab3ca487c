"""The SQL of the verify hot path: one read and one write per query.

Why raw SQL here and the ORM elsewhere: a verification is the most frequent request of the
whole service (a school's enrolment week, a bank's account openings), and its budget is a
few milliseconds on a two-core machine. The ORM version took seven round trips and two
commits; this one takes two round trips and one commit:

1. **read** (no lock): the API key by its hash, its party, the key's usage this minute and
   today, and — by the party and the code's HMAC, or by the city and the credential's status
   index — the consent code and the permit, in one statement.
2. **write** (one transaction): consume the code (``UPDATE … WHERE used_at IS NULL``: the
   single-use guarantee under concurrency), insert the holder's receipt (``AccessLog``), the
   audit row (``Verification``) and bump a usage slot. On PostgreSQL this is one statement
   with data-modifying CTEs, so the receipt and audit rows exist if and only if the code was
   consumed; on SQLite, the same steps inside one IMMEDIATE transaction.

Values are bound as parameters and adapted the way the ORM does (``connection.ops``), so the
SQL is the same on both databases except for the write. On PostgreSQL both statements run
as server-side prepared statements (psycopg ``prepare=True`` on the connection Django
holds): planning them took longer than running them. Behind a pooler in transaction mode
use PgBouncer ≥ 1.21 (protocol-level prepared statements) or a session pool.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)

from juzhu.registry.audit_health import record_failure, record_success
from juzhu.registry.models import Event

SLOTS = 64  # usage rows per key and day (models.UsageCounter)

_SELECT = """
SELECT k.id, k.party_id, k.revoked_at, k.not_after, k.per_minute, k.per_day,
       rp.name, rp.city, rp.allowed_purposes, rp.revoked_at,
       (SELECT COALESCE(SUM(CASE WHEN u.minute = %s THEN u.n_minute ELSE 0 END), 0)
          FROM verification_usagecounter u WHERE u.key_id = k.id AND u.day = %s),
       (SELECT COALESCE(SUM(u.n_day), 0)
          FROM verification_usagecounter u WHERE u.key_id = k.id AND u.day = %s),
       {code_columns},
       p.id, p.person_id, p.city, p.status, p.issued_on, p.expires_on, p.next_due_on,
       p.verification_locked, rp.suspended_at, {revoked_column}
FROM verification_apikey k
JOIN registry_relyingparty rp ON rp.id = k.party_id
{joins}
WHERE k.key_hash = %s
"""
_BY_CODE = _SELECT.format(
    code_columns="c.id, c.purpose, c.expires_at, c.used_at",
    revoked_column="c.revoked_at",
    joins="""LEFT JOIN verification_consentcode c ON c.party_id = k.party_id AND c.code_hash = %s
LEFT JOIN registry_permit p ON p.id = c.permit_id""",
)
# A credential's entry takes the code's columns: its id (to consume: one question per
# credential) and when it was used. A retired entry (a newer credential was made for the
# party) finds no permit.
_BY_INDEX = _SELECT.format(
    code_columns="s.id, NULL, NULL, s.used_at",
    revoked_column="NULL",
    joins="""LEFT JOIN verification_statusentry s
  ON s.city = %s AND s.idx = %s AND NOT s.retired
LEFT JOIN registry_permit p ON p.id = s.permit_id""",
)


@dataclass(frozen=True)
class Found:
    """What the read returned: the key and party always; the code and permit if found."""

    key_id: uuid.UUID
    party_id: uuid.UUID
    key_revoked_at: dt.datetime | None
    key_not_after: dt.datetime | None
    per_minute: int
    per_day: int
    party_name: str
    party_city: str
    allowed_purposes: list[str]
    party_revoked_at: dt.datetime | None
    used_minute: int
    used_day: int
    code_id: int | None
    code_purpose: str | None
    code_expires_at: dt.datetime | None
    code_used_at: dt.datetime | None
    permit_id: uuid.UUID | None
    person_id: uuid.UUID | None
    permit_city: str | None
    status: str | None
    issued_on: dt.date | None
    expires_on: dt.date | None
    next_due_on: dt.date | None
    locked: bool
    party_suspended_at: dt.datetime | None = None
    code_revoked_at: dt.datetime | None = None


def _param(value: Any) -> Any:
    """Adapt a value for a raw query the way the ORM would on this database."""
    if isinstance(value, uuid.UUID):
        return value if connection.vendor == "postgresql" else value.hex
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def _key_uuid(value: Any) -> uuid.UUID:
    """A column that is never null (the key's and its party's ids)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # SQLite keeps UTC without an offset (USE_TZ)
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _found(row: tuple[Any, ...] | None) -> Found | None:
    if row is None:
        return None
    purposes = row[8]
    if isinstance(purposes, str):
        purposes = json.loads(purposes)
    return Found(
        key_id=_key_uuid(row[0]),
        party_id=_key_uuid(row[1]),
        key_revoked_at=_aware(row[2]),
        key_not_after=_aware(row[3]),
        per_minute=int(row[4]),
        per_day=int(row[5]),
        party_name=row[6],
        party_city=row[7],
        allowed_purposes=list(purposes or []),
        party_revoked_at=_aware(row[9]),
        used_minute=int(row[10]),
        used_day=int(row[11]),
        code_id=row[12],
        code_purpose=row[13],
        code_expires_at=_aware(row[14]),
        code_used_at=_aware(row[15]),
        permit_id=_uuid(row[16]),
        person_id=_uuid(row[17]),
        permit_city=row[18],
        status=row[19],
        issued_on=_date(row[20]),
        expires_on=_date(row[21]),
        next_due_on=_date(row[22]),
        locked=bool(row[23]),
        party_suspended_at=_aware(row[24]),
        code_revoked_at=_aware(row[25]),
    )


class _Prepared:
    """A psycopg cursor with server-side binding that prepares each statement once per
    connection (Django's own cursors bind client-side and never prepare)."""

    def __init__(self, raw: Any) -> None:
        import psycopg

        # behind PgBouncer in transaction mode a statement prepared on one server connection
        # is unknown to the next: bind server-side, but never prepare
        self._prepare = not getattr(settings, "PGBOUNCER", False)
        if self._prepare and raw.prepare_threshold is None:
            # Django leaves psycopg's preparation off; its client-side cursors never prepare,
            # so switching it on changes nothing for them.
            raw.prepare_threshold = 5
        self._cursor = psycopg.Cursor(raw)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> None:
        self._cursor.execute(sql, params, prepare=self._prepare)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone()


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the proxy looks it up again
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield cursor
        return
    db.ensure_connection()
    with db.wrap_database_errors:  # errors become django.db errors, as usual
        prepared = _Prepared(db.connection)
        try:
            yield prepared
        finally:
            prepared._cursor.close()


def find_by_code(
    key_hash: str, code_hash: str, minute: dt.datetime, day: dt.datetime
) -> Found | None:
    with prepared_cursor() as cursor:
        cursor.execute(_BY_CODE, [_param(minute), _param(day), _param(day), code_hash, key_hash])
        return _found(cursor.fetchone())


def find_by_index(
    key_hash: str, city: str, idx: int, minute: dt.datetime, day: dt.datetime
) -> Found | None:
    with prepared_cursor() as cursor:
        cursor.execute(_BY_INDEX, [_param(minute), _param(day), _param(day), city, idx, key_hash])
        return _found(cursor.fetchone())


def remember_nonce(key_id: uuid.UUID, nonce: str, now: dt.datetime) -> bool:
    """Record a request's nonce for its key; False if the key sent it before (a replay)."""
    import hashlib

    from juzhu.verification.models import RequestNonce

    digest = hashlib.sha256(nonce.encode()).hexdigest()
    try:
        with transaction.atomic():
            RequestNonce.objects.create(key_id=key_id, nonce_hash=digest, at=now)
    except IntegrityError:
        return False
    return True


def permit_history(permit_id: uuid.UUID, on: dt.date) -> list[tuple[str, dt.date, str]]:
    """The permit's events up to ``on`` (only for questions about past dates)."""
    rows = Event.objects.filter(
        record_type="permit", record_id=permit_id, on_date__lte=on
    ).order_by("seq")
    return list(rows.values_list("name", "on_date", "body"))


@dataclass(frozen=True)
class Record:
    """One verification to write. ``consume`` is the consent code to use up (or None);
    ``receipt`` writes the holder's AccessLog row (a holder is known); ``count`` bumps the
    key's usage."""

    found: Found
    reference: uuid.UUID
    at: dt.datetime
    method: str
    purpose: str
    on: dt.date
    outcome: str
    problem: str
    minute: dt.datetime
    day: dt.datetime
    slot: int
    consume: int | None = None
    receipt: bool = False
    count: bool = True
    held_for_months: int | None = None  # the question: None for "valid on D"
    consume_credential: bool = False  # ``consume`` is a StatusEntry id, not a code's

    def consume_sql(self) -> tuple[str, list[Any]]:
        """The conditional UPDATE that uses up the code or credential (``consume``)."""
        if self.consume_credential:
            return (
                "UPDATE verification_statusentry SET used_at = %s "
                "WHERE id = %s AND used_at IS NULL AND NOT retired",
                [_param(self.at), self.consume],
            )
        return (
            "UPDATE verification_consentcode SET used_at = %s "
            "WHERE id = %s AND used_at IS NULL AND expires_at > %s",
            [_param(self.at), self.consume, _param(self.at)],
        )


_RECEIPT_COLUMNS = (
    "registry_accesslog (city, person_id, viewer_kind, viewer_id, viewer_name, purpose, "
    "record_type, record_id, at, fields)"
)
# fields: a relying party learns the yes/no only (selectors.READ_FIELDS["verification"])
_RECEIPT_VALUES = "%s, %s, 'relying_party', %s, %s, %s, 'verification', %s, %s, 'validity'"
_AUDIT_COLUMNS = (
    "verification_verification (reference, at, city, party_id, key_id, method, purpose, "
    "on_date, outcome, problem, permit_id, person_id, held_for_months)"
)
_AUDIT_VALUES = "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s"
_USAGE = (
    "INSERT INTO verification_usagecounter (key_id, day, slot, n_day, minute, n_minute) "
    "VALUES (%s, %s, %s, 1, %s, 1) "
    "ON CONFLICT (key_id, day, slot) DO UPDATE SET "
    "n_day = verification_usagecounter.n_day + 1, "
    "n_minute = CASE WHEN verification_usagecounter.minute = excluded.minute "
    "THEN verification_usagecounter.n_minute + 1 ELSE 1 END, "
    "minute = excluded.minute"
)


def _receipt_params(r: Record) -> list[Any]:
    f = r.found
    return [
        _param(f.permit_city or f.party_city),
        _param(f.person_id),
        str(f.party_id),
        f.party_name,
        r.purpose,
        _param(r.reference),
        _param(r.at),
    ]


def _audit_params(r: Record) -> list[Any]:
    f = r.found
    return [
        _param(r.reference),
        _param(r.at),
        f.permit_city or f.party_city,
        _param(f.party_id),
        _param(f.key_id),
        r.method,
        r.purpose,
        _param(r.on),
        r.outcome,
        r.problem,
        _param(f.permit_id),
        _param(f.person_id),
        r.held_for_months,
    ]


def _usage_params(r: Record) -> list[Any]:
    return [_param(r.found.key_id), _param(r.day), r.slot, _param(r.minute)]


def write(r: Record) -> bool:
    """Write the verification; False if the code to consume was used up meanwhile (then
    nothing but the usage count was written)."""
    try:
        written = _write_postgresql(r) if connection.vendor == "postgresql" else _write_portable(r)
    except DatabaseError as exc:
        # The audit row and the holder's receipt could not be written: no answer goes out
        # (fail closed, audit_health: 503 and a CRITICAL alert).
        raise record_failure("verification log", exc) from exc
    record_success()
    return written


def _write_postgresql(r: Record) -> bool:
    params: list[Any] = []
    if r.consume is not None:
        update, update_params = r.consume_sql()
        ctes = [f"used AS ({update} RETURNING id)"]
        params += update_params
    else:
        ctes = ["used AS (SELECT 1 AS id)"]
    if r.receipt:
        ctes.append(
            f"receipt AS (INSERT INTO {_RECEIPT_COLUMNS} SELECT {_RECEIPT_VALUES} FROM used)"  # noqa: S608 (module constants)
        )
        params += _receipt_params(r)
    ctes.append(f"audit AS (INSERT INTO {_AUDIT_COLUMNS} SELECT {_AUDIT_VALUES} FROM used)")  # noqa: S608 (module constants)
    params += _audit_params(r)
    if r.count:
        ctes.append(f"usage AS ({_USAGE})")
        params += _usage_params(r)
    sql = "WITH " + ",\n".join(ctes) + "\nSELECT COUNT(*) FROM used"
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bool(row and row[0])


def _write_portable(r: Record) -> bool:
    with transaction.atomic(), connection.cursor() as cursor:
        if r.count:
            cursor.execute(_USAGE, _usage_params(r))
        if r.consume is not None:
            cursor.execute(*r.consume_sql())
            if cursor.rowcount != 1:
                return False
        if r.receipt:
            cursor.execute(
                f"INSERT INTO {_RECEIPT_COLUMNS} VALUES ({_RECEIPT_VALUES})",  # noqa: S608 (module constants)
                _receipt_params(r),
            )
        cursor.execute(
            f"INSERT INTO {_AUDIT_COLUMNS} VALUES ({_AUDIT_VALUES})",  # noqa: S608 (module constants)
            _audit_params(r),
        )
    return True
