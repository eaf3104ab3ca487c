"""Storing checked rows of the legacy import (``legacy_import``), one transaction a batch.

On PostgreSQL a batch's people are COPYed into a temporary staging table and added by one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` (deduplicated by blind index); one query
then finds the people who were already stored, and one the permit numbers already stored;
the new permits (pointing at their stored person) and their first events are COPYed
straight into the registry's tables, with every index and constraint in place. On SQLite
a batch is staged (executemany) and three set-based statements add what is new. Nothing
stored before is updated or deleted, so a second import of the same file inserts nothing
and a failed batch leaves the registry as it was before that batch.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from typing import Any

from django.db import DatabaseError, connection, transaction

STAGING = "juzhu_import_staging"

# SQLite: the staging columns in the order check_chunk writes them. They carry no type: a
# type name would give them an affinity that may turn a hex id of digits only into a number.
STAGED = (
    ("line", "integer"), ("person_id", "uuid"), ("id_index", "text"), ("id_enc", "bytea"),
    ("id_masked", "text"), ("id_kind", "text"), ("birth_date", "date"),
    ("phone_enc", "bytea"), ("phone_index", "text"), ("phone_masked", "text"),
    ("permit_id", "uuid"), ("number", "text"), ("city", "text"), ("status", "text"),
    ("issued_on", "date"), ("last_endorsed_on", "date"), ("next_due_on", "date"),
    ("suspended_on", "date"), ("cancelled_on", "date"), ("cancellation_reason", "text"),
    ("expires_on", "date"), ("basis", "text"), ("housing", "text"),
    ("registered_since", "date"), ("employed", "boolean"),
    ("social_insurance_months", "smallint"), ("social_insurance_continuous", "boolean"),
    ("enrolled", "boolean"), ("policy_version", "text"), ("body", "text"), ("hash", "text"), ("digest", "text"),
    # last: the only cells that may be non-ASCII, so the rest of a row is encoded fast
    ("name", "text"), ("district", "text"), ("station", "text"),
)  # fmt: skip
FACTS = (
    "status", "issued_on", "last_endorsed_on", "next_due_on", "suspended_on", "cancelled_on",
    "cancellation_reason", "expires_on", "basis", "housing", "registered_since", "employed",
    "social_insurance_months", "social_insurance_continuous", "enrolled", "policy_version",
)  # fmt: skip
# PostgreSQL: a batch's people, staged (check_chunk writes a line of these per row)...
PEOPLE_STAGED = (
    ("line", "integer"), ("person_id", "uuid"), ("id_index", "text"), ("id_enc", "bytea"),
    ("id_masked", "text"), ("id_kind", "text"), ("birth_date", "date"),
    ("phone_enc", "bytea"), ("phone_index", "text"), ("phone_masked", "text"),
    ("city", "text"), ("name", "text"),
)  # fmt: skip
# ...and a line of each of these, COPYed straight into the registry's tables.
PERMIT_COLUMNS = (
    "person_id", "id", "number", "city", "district", "station", "version", "last_event_seq",
    "last_event_hash", "verification_locked", "updated_at", "import_digest", *FACTS,
)  # fmt: skip
EVENT_COLUMNS = (
    "city", "record_type", "record_id", "seq", "name", "on_date", "occurred_at", "actor",
    "dedupe_key", "body", "prev_hash", "hash",
)  # fmt: skip
# People go in blind-index order, so the two indexes on it take each batch as one sweep
# instead of random writes; where one person has several rows the first line still gives
# their name and home city. Permits and events go in file order (event ids follow the
# file). A permit's person is found by an index lookup per row (a scalar subquery), never
# by hashing the whole person table.
PEOPLE = f"""
INSERT INTO registry_person (id, city, id_kind, id_number_enc, id_number_index,
  id_number_masked, name, phone_enc, phone_index, phone_masked, email, lang, birth_date,
  created_at)
SELECT person_id, city, id_kind, id_enc, id_index, id_masked, name, phone_enc, phone_index,
  phone_masked, '', 'zh', birth_date, %s
FROM {STAGING} ORDER BY id_index, line
ON CONFLICT (id_number_index) DO NOTHING"""  # noqa: S608 (module constants only)
PEOPLE_PG = PEOPLE + " RETURNING replace(id::text, '-', '')"
# PostgreSQL: the people of a batch that its PEOPLE statement did not insert (stored before
# under another id, by a batch committed while this one waited on ON CONFLICT, or by an
# earlier row of the same batch): their permits point at the stored id. One index probe
# each, for these rows only (a scalar subquery cannot become a scan of the whole table).
STORED_AS = """
SELECT drawn, kept::text FROM (
  SELECT n.drawn,
    (SELECT p.id FROM registry_person p WHERE p.id_number_index = n.id_index) AS kept
  FROM unnest(string_to_array(%s, E'\\n'), string_to_array(%s, E'\\n')) AS n(drawn, id_index)
  OFFSET 0) x"""
# one index probe per number; the numbers as one text (as legacy_import.STORED_DIGESTS)
STORED_NUMBERS = """
SELECT number FROM (
  SELECT n.number, EXISTS (SELECT FROM registry_permit p WHERE p.number = n.number) AS stored
  FROM unnest(string_to_array(%s, E'\\n')) AS n(number) OFFSET 0) x
WHERE stored"""
# SQLite
PERMITS = f"""
INSERT INTO registry_permit (id, number, person_id, city, district, station, version,
  last_event_seq, last_event_hash, verification_locked, updated_at, import_digest,
  {", ".join(FACTS)})
SELECT s.permit_id, s.number,
  (SELECT p.id FROM registry_person p WHERE p.id_number_index = s.id_index),
  s.city, s.district, s.station, 1, 1, s.hash, %s, %s, s.digest,
  {", ".join("s." + f for f in FACTS)}
FROM {STAGING} s ORDER BY s.line
ON CONFLICT (number) DO NOTHING"""  # noqa: S608 (module constants only)
# Events only for the permits inserted now (a permit number already stored keeps its own
# chain): SQLite has one writer at a time, so the fresh permit ids are found by a join.
EVENTS_SQLITE = """
INSERT INTO registry_event (city, record_type, record_id, seq, name, on_date, occurred_at,
  actor, dedupe_key, body, prev_hash, hash)
SELECT s.city, 'permit', s.permit_id, 1, 'PermitImported', %s, %s, 'system:import', NULL,
  s.body, %s, s.hash FROM {STAGING} s JOIN registry_permit p ON p.id = s.permit_id
ORDER BY s.line""".replace("{STAGING}", STAGING)


class Loader:
    """Stages and stores batches on the current connection."""

    def __init__(self, now: dt.datetime, today: dt.date, genesis: str) -> None:
        self.pg = connection.vendor == "postgresql"
        ops = connection.ops
        self.now = ops.adapt_datetimefield_value(now)
        self.today = ops.adapt_datefield_value(today)
        self.genesis = genesis
        with connection.cursor() as cur:
            if self.pg:
                # a batch's staged people stay in this session's memory (the default 8 MB
                # of temporary buffers sent them to disk and back); set before the
                # session's first use of a temporary table, or PostgreSQL refuses it
                cur.execute("SET temp_buffers = '128MB'")
                columns = ", ".join(f"{n} {t}" for n, t in PEOPLE_STAGED)
            else:
                columns = ", ".join(n for n, _ in STAGED)
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ({columns})")

    def store(self, rows: list[Any]) -> tuple[int, int]:
        """One transaction: stage ``rows``, then add the people and permits that are new and
        the permits' first events. Returns (people created, permits created)."""
        with transaction.atomic(), connection.cursor() as cur:
            if self.pg:
                return self._store_pg(cur, rows)
            cur.execute(f"DELETE FROM {STAGING}")  # noqa: S608 (a module constant)
            marks = ", ".join(["%s"] * len(STAGED))
            cur.executemany(f"INSERT INTO {STAGING} VALUES ({marks})", rows)  # noqa: S608 (constant, placeholders)
            cur.execute(PEOPLE, [self.now])
            people = cur.rowcount
            cur.execute(PERMITS, [False, self.now])
            permits = cur.rowcount
            cur.execute(EVENTS_SQLITE, [self.today, self.now, self.genesis])
        return people, permits

    def _store_pg(self, cur: Any, rows: list[Any]) -> tuple[int, int]:
        """``rows``: (permit number, person line, permit line, event line), COPY text."""
        # JIT compilation costs more than it saves on these one-off statements, and the
        # sort of a batch's people fits in memory
        cur.execute("SET LOCAL jit = off; SET LOCAL work_mem = '128MB'")
        cur.execute(f"TRUNCATE {STAGING}")
        with cur.copy(f"COPY {STAGING} FROM STDIN") as copy:
            copy.write(b"\n".join([r[1] for r in rows]) + b"\n")
        cur.execute(PEOPLE_PG, [self.now])
        inserted = {drawn for (drawn,) in cur.fetchall()}
        people = len(inserted)
        others = [(f[1], f[2]) for f in (r[1].split(b"\t", 3) for r in rows)
                  if f[1].decode() not in inserted]  # fmt: skip
        moved: dict[bytes, bytes] = {}
        if others:
            drawn = "\n".join(d.decode() for d, _ in others)
            cur.execute(STORED_AS, [drawn, "\n".join(i.decode() for _, i in others)])
            moved = {d.encode(): k.replace("-", "").encode() for d, k in cur.fetchall() if k}
        cur.execute(STORED_NUMBERS, ["\n".join([r[0] for r in rows])])
        stored = {number for (number,) in cur.fetchall()}
        new = [r for r in rows if r[0] not in stored] if stored else rows
        if not new:
            return people, 0
        permits = [r[2] for r in new]
        if moved:  # the line starts with the 32 hex digits of the person's id
            permits = [moved.get(p[:32], p[:32]) + p[32:] for p in permits]
        for table, columns, lines in (
            ("registry_permit", PERMIT_COLUMNS, permits),
            ("registry_event", EVENT_COLUMNS, [r[3] for r in new]),
        ):
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(b"\n".join(lines) + b"\n")
        return people, len(new)

    def close(self) -> None:
        try:
            with connection.cursor() as cur:
                cur.execute(f"DROP TABLE IF EXISTS {STAGING}")
        except DatabaseError:
            pass  # a broken session ends soon, and its temporary tables with it


class Loaders:
    """Stores batches on this thread's connection, or with ``threads`` > 1 on that many
    connections at once (one thread each; PostgreSQL only). Concurrent batches cannot
    deadlock: people are inserted in blind-index order, and a permit number is in one batch
    only. A person being inserted by a batch in flight is waited for by ON CONFLICT, then
    found by the permit's lookup (each statement sees what committed before it).

    After a failure no further batch starts; ``failed`` holds (first line, cause).
    """

    def __init__(self, threads: int, *args: Any) -> None:
        self.args = args
        self.people = self.loaded = self.already_stored = self.batches = 0
        self.seconds = 0.0  # in the database, summed over the connections
        self.failed: tuple[int, BaseException] | None = None
        self.tasks: queue.Queue[tuple[int, list[Any]] | None] = queue.Queue(maxsize=1)
        self.results: queue.Queue[tuple[int, int, Any]] = queue.Queue()
        self.here = None if threads > 1 else Loader(*args)
        self.threads = [threading.Thread(target=self._serve, daemon=True) for _ in range(threads)]
        self.threads = self.threads if threads > 1 else []
        for thread in self.threads:
            thread.start()

    def store(self, rows: list[Any], first_line: int) -> bool:
        """Store (or queue) one batch; False once a batch has failed (nothing more starts)."""
        if self.failed is None:
            if self.here is not None:
                self._run(self.here, first_line, rows)
            else:
                self.tasks.put((first_line, rows))  # blocks while every connection is busy
        self._collect()
        return self.failed is None

    def finish(self) -> None:
        """Wait for the batches in flight and release the connections (idempotent)."""
        if self.here is not None:
            self.here.close()
            self.here = None
        if self.threads:
            for _ in self.threads:
                self.tasks.put(None)
            for thread in self.threads:
                thread.join()
            self.threads = []
        self._collect()

    def _serve(self) -> None:
        try:
            loader = Loader(*self.args)
            while (task := self.tasks.get()) is not None:
                if self.failed is None:  # after a failure, queued batches are dropped
                    self._run(loader, *task)
        except Exception as exc:  # no connection at all: every batch would fail the same way
            self.results.put((0, 0, exc))
            while self.tasks.get() is not None:
                pass  # keep the queue moving until finish() says stop
        finally:
            connection.close()  # this thread's own connection, and its staging table

    def _run(self, loader: Loader, first_line: int, rows: list[Any]) -> None:
        began = time.perf_counter()
        try:
            counts: Any = (*loader.store(rows), time.perf_counter() - began)
        except Exception as exc:  # the batch rolled back as a whole
            counts = exc
        self.results.put((first_line, len(rows), counts))

    def _collect(self) -> None:
        while not self.results.empty():
            first_line, size, counts = self.results.get()
            if isinstance(counts, BaseException):
                self.failed = self.failed or (first_line, counts)
                continue
            people, permits, seconds = counts
            self.people += people
            self.loaded += permits
            self.already_stored += size - permits
            self.seconds += seconds
            self.batches += 1
