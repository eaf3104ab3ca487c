"""What travels between the legacy import's main process and its row-checking workers
(``legacy_import_rows``): the ``Context`` built once, the ``Chunk`` of the file to check,
and the ``Checked`` rows and ``RowError``s that come back; with the cities' policy
``Terms`` on a ``Timeline``. Plain dataclasses, picklable, no Django.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

COLUMNS = (
    "id_number", "name", "phone", "city", "district", "station", "permit_number", "status",
    "issued_on", "last_endorsed_on", "next_due_on", "suspended_on", "cancelled_on",
    "cancellation_reason", "expires_on", "basis", "housing", "registered_since", "employed",
    "social_insurance_months", "social_insurance_continuous", "enrolled",
)  # fmt: skip


@dataclass(frozen=True)
class RowError:
    """One problem in one cell. ``line`` is the file line where the record starts (the header
    is line 1); ``value`` is masked for ID and phone numbers."""

    line: int
    column: str
    value: str
    reason: str
    fix: str


@dataclass(frozen=True)
class Terms:
    """What the import reads from a city's policy in force on a date."""

    version: str
    window: tuple[int, str] | None  # endorsement.window: (amount, unit)
    late_resets: bool  # endorsement.late_resets_anniversary
    term: tuple[int, str] | None  # validity.term; None = no fixed term


NO_TERMS = Terms("", None, False, None)  # before the earliest dated value (2016 national)


@dataclass(frozen=True)
class Timeline:
    """A city's ``Terms`` between the dates where any of its dated values starts or ends, so
    a row costs a bisect instead of a policy lookup."""

    bounds: list[dt.date]
    terms: list[Terms]  # terms[i] holds from bounds[i - 1] (inclusive) to bounds[i]

    def on(self, day: dt.date) -> Terms:
        return self.terms[bisect.bisect_right(self.bounds, day)]


@dataclass(frozen=True)
class Context:
    """Everything a worker needs; built once in the main process."""

    path: str
    columns: dict[str, int]
    today: dt.date
    at: str  # the import's timestamp, as JSON (events.canonical form)
    on: str  # the import's date, as JSON
    source: str  # the file's name, as JSON
    data_key: bytes
    data_kid: bytes  # pii.key_id of the data key: the ciphertexts name their key
    index_key: bytes
    chain_key: bytes  # events.chain_hash's HMAC key (audit_key.chain_key)
    genesis: str
    timelines: dict[str, Timeline]
    copy: bool  # rows as PostgreSQL COPY lines (True) or tuples for SQLite executemany


@dataclass(frozen=True)
class Chunk:
    """A run of whole records: ``length`` bytes from ``offset``, starting at ``first_line``."""

    offset: int
    length: int
    first_line: int
    # permit number -> its stored ``import_digest``, for the numbers of this chunk already
    # stored: a row with the same digest is counted, not checked (``legacy_import.Unchanged``)
    stored: dict[str, str] = field(default_factory=dict)


@dataclass
class Checked:
    rows: int = 0
    rejected: int = 0
    data: Any = None  # a list: per row, its COPY lines (PostgreSQL) or its staging tuple
    numbers: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    size: int = 0
    skipped_numbers: list[str] = field(default_factory=list)  # rows stored as they are
    skipped_lines: list[int] = field(default_factory=list)
    changed: int = 0  # rows whose number is stored with another digest (checked)
