"""Reading the registry in bulk for registry-wide work (policy impact): one query per record
type streaming the fact columns into numpy arrays.

On PostgreSQL, permits come through a binary ``COPY (SELECT ...) TO STDOUT`` whose rows are
fixed width (codes instead of texts, a sentinel day instead of NULL), so numpy parses them in
place, 8 MiB at a time. Elsewhere (SQLite) a ``values_list`` iterator. Open applications keep
their facts as JSON, where any key may be missing or malformed: such a fact is *unknown*
(``*_known`` masks), never guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction

from juzhu.domain.vocabulary import ApplicationStatus, Basis, Housing, PermitStatus
from juzhu.registry.models import Application, Permit, Person
from juzhu.rules.bulk import HOUSING_CODES, NO_HOUSING, People

LIVE_PERMIT = PermitStatus.live()
UNDECIDED_APPLICATION = ApplicationStatus.undecided()
BASES: list[str] = [b.value for b in Basis]
HOUSINGS: list[str] = [h.value for h in Housing]
BASIS_CODES: dict[str, int] = {b: i for i, b in enumerate(BASES)}
NO_BASIS = -1
assert list(HOUSING_CODES) == HOUSINGS  # the bulk rule and this module share the codes
UNKNOWN_DAY = int(np.iinfo(np.int32).min)  # registered_since missing (days since 1970-01-01)
EPOCH = dt.date(1970, 1, 1)
BEST_MONTHS = 1_000_000  # an unknown count read the most favourable way

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Records:
    """Columns of facts, one row per record; ``*_known`` is None when every value is known."""

    kind: str  # "permit" | "application"
    ids: npt.NDArray[np.void]  # 16-byte UUIDs
    basis: npt.NDArray[np.int8]  # BASIS_CODES or NO_BASIS
    housing: npt.NDArray[np.int8]  # HOUSING_CODES or NO_HOUSING
    since: npt.NDArray[np.int32]  # registered_since, days since 1970-01-01, or UNKNOWN_DAY
    employed: BoolArray
    si_months: npt.NDArray[np.int32]
    si_continuous: BoolArray
    enrolled: BoolArray
    employed_known: BoolArray | None = None
    si_months_known: BoolArray | None = None
    si_continuous_known: BoolArray | None = None
    enrolled_known: BoolArray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, where: BoolArray) -> Records:
        def cut(a: Any) -> Any:
            return None if a is None else a[where]

        return Records(
            self.kind, *(cut(getattr(self, f)) for f in self.__dataclass_fields__ if f != "kind")
        )

    @property
    def complete(self) -> bool:
        """Every fact of every record is known (then one evaluation per version suffices)."""
        masks = (self.employed_known, self.si_months_known, self.si_continuous_known)
        known = all(m is None or m.all() for m in (*masks, self.enrolled_known))
        return known and not (self.since == UNKNOWN_DAY).any()

    def people(self, on: dt.date, best: bool) -> People:
        """The facts with every unknown filled the most (``best``) or least favourable way."""

        def fill(values: BoolArray, known: BoolArray | None) -> BoolArray:
            if known is None:
                return values
            return (values | ~known) if best else (values & known)

        months = residence_months(self.since, on)
        months[self.since == UNKNOWN_DAY] = BEST_MONTHS if best else 0
        si = self.si_months
        if self.si_months_known is not None:
            si = np.where(self.si_months_known, si, BEST_MONTHS if best else 0)
        return People(
            residence_months=months,
            employed=fill(self.employed, self.employed_known),
            social_insurance_months=si,
            social_insurance_continuous=fill(self.si_continuous, self.si_continuous_known),
            housing=self.housing,
            enrolled=fill(self.enrolled, self.enrolled_known),
        )


def residence_months(since: npt.NDArray[np.int32], on: dt.date) -> npt.NDArray[np.int64]:
    """``full_months_between(since, on)`` for every row (domain/months.py: 民法典 Art. 202,
    a month-end start is clipped, Jan 31 + 1 month = Feb 28)."""
    days = np.where(since == UNKNOWN_DAY, 0, since).astype(np.int64).astype("datetime64[D]")
    month = days.astype("datetime64[M]")
    day = (days - month.astype("datetime64[D]")).astype(np.int64) + 1
    months = (on.year - 1970) * 12 + on.month - 1 - month.astype(np.int64)
    # start + months lands in on's month on min(day, last day); one month less if that is
    # after `on`, which needs day > on.day and on not being the month's last day.
    last = calendar.monthrange(on.year, on.month)[1]
    months -= (day > on.day) & (on.day < last)
    result: npt.NDArray[np.int64] = np.maximum(months, 0)
    return result


def _code_sql(column: str, values: list[str]) -> str:
    """A text column as its 0-based code in ``values``; -1 for anything else."""
    # vocabulary ids, never user input
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"(CASE {column} {whens} ELSE -1 END)::int2"


# One row of the binary COPY below: int16 field count, then per field int32 length + value.
_COPY_FIELDS = [
    ("id", "V16"),
    ("basis", ">i2"),
    ("housing", ">i2"),
    ("since", ">i4"),
    ("employed", "?"),
    ("si_months", ">i2"),
    ("si_continuous", "?"),
    ("enrolled", "?"),
]
_COPY_ROW = np.dtype(
    [("count", ">i2")]
    + [item for name, kind in _COPY_FIELDS for item in ((f"len_{name}", ">i4"), (name, kind))]
)
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_COPY_BLOCK = 1 << 23  # parse 8 MiB at a time: memory stays flat for a 20-million city


def _copy_permits(city: str) -> Records:
    """Live permits of ``city`` through ``COPY ... (FORMAT BINARY)``. Every column is fixed
    width and never NULL (codes and a sentinel day), so rows are parsed by numpy in place."""
    from psycopg import sql

    query = sql.SQL(
        "COPY (SELECT id, {basis}, {housing}, "
        "COALESCE(registered_since - DATE '1970-01-01', {unknown})::int4, employed, "
        "social_insurance_months::int2, social_insurance_continuous, enrolled "
        "FROM {table} WHERE city = {city} AND status IN ({live})) TO STDOUT (FORMAT BINARY)"
    ).format(
        basis=sql.SQL(_code_sql("basis", BASES)),
        housing=sql.SQL(_code_sql("housing", HOUSINGS)),
        unknown=sql.Literal(UNKNOWN_DAY),
        table=sql.Identifier(Permit._meta.db_table),
        city=sql.Literal(city),
        live=sql.SQL(", ").join(sql.Literal(s) for s in LIVE_PERMIT),
    )
    parts: list[npt.NDArray[Any]] = []
    buffer = bytearray()
    fresh = True  # the header is still at the front of the buffer
    with connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
        for row in copy:  # psycopg yields one row per message: keep this loop lean
            buffer += row
            if len(buffer) >= _COPY_BLOCK:
                fresh = fresh and _strip_header(buffer)
                parts.append(_compact(buffer, len(buffer) // _COPY_ROW.itemsize))
    fresh = fresh and _strip_header(buffer)
    if bytes(buffer[-2:]) != b"\xff\xff" or (len(buffer) - 2) % _COPY_ROW.itemsize:
        raise RuntimeError("PostgreSQL COPY ended mid-row; rows are not fixed width")
    parts.append(_compact(buffer, (len(buffer) - 2) // _COPY_ROW.itemsize))
    cols = np.concatenate(parts)
    return Records(
        "permit",
        cols["id"],
        cols["basis"],
        cols["housing"],
        cols["since"],
        cols["employed"],
        cols["si_months"].astype(np.int32),
        cols["si_continuous"],
        cols["enrolled"],
    )


_COMPACT = np.dtype(
    [
        ("id", "V16"),
        ("basis", "i1"),
        ("housing", "i1"),
        ("since", "i4"),
        ("employed", "?"),
        ("si_months", "i2"),
        ("si_continuous", "?"),
        ("enrolled", "?"),
    ]
)
_WIDTHS = {"id": 16, "basis": 2, "housing": 2, "since": 4, "si_months": 2}


def _strip_header(buffer: bytearray) -> bool:
    """Remove the binary COPY header from the front of ``buffer``; False (done) after."""
    if bytes(buffer[:11]) != _COPY_SIGNATURE:
        raise RuntimeError("PostgreSQL sent an unexpected COPY header")
    del buffer[: 19 + int.from_bytes(buffer[15:19], "big")]
    return False


def _compact(buffer: bytearray, rows: int) -> npt.NDArray[Any]:
    """The first ``rows`` COPY rows of ``buffer``, checked, then moved out of it."""
    raw = np.frombuffer(buffer, dtype=_COPY_ROW, count=rows)
    widths_ok = all((raw[f"len_{n}"] == _WIDTHS.get(n, 1)).all() for n, _ in _COPY_FIELDS)
    if not ((raw["count"] == len(_COPY_FIELDS)).all() and widths_ok):
        raise RuntimeError("PostgreSQL COPY sent a NULL or a field of unexpected width")
    out = np.empty(rows, dtype=_COMPACT)
    for name, _ in _COPY_FIELDS:
        out[name] = raw[name]
    del raw  # release the view so the buffer may shrink
    del buffer[: rows * _COPY_ROW.itemsize]
    return out


def _iter_permits(city: str) -> Records:
    """Live permits through one streaming ``values_list`` query (SQLite and others)."""
    rows = (
        Permit.objects.filter(city=city, status__in=LIVE_PERMIT)
        .values_list(
            "id",
            "basis",
            "housing",
            "registered_since",
            "employed",
            "social_insurance_months",
            "social_insurance_continuous",
            "enrolled",
        )
        .iterator(chunk_size=20_000)
    )
    cols = _columns(rows, 8)
    return Records(
        "permit",
        _uuids(cols[0]),
        np.array([BASIS_CODES.get(b, NO_BASIS) for b in cols[1]], dtype=np.int8),
        np.array([HOUSING_CODES.get(h, NO_HOUSING) for h in cols[2]], dtype=np.int8),
        np.array([_day(d) for d in cols[3]], dtype=np.int32),
        np.array(cols[4], dtype=bool),
        np.array(cols[5], dtype=np.int32),
        np.array(cols[6], dtype=bool),
        np.array(cols[7], dtype=bool),
    )


def _read_applications(city: str) -> Records:
    """Open applications; their facts are JSON, so any key may be missing or malformed."""
    rows = (
        Application.objects.filter(city=city, status__in=UNDECIDED_APPLICATION)
        .values_list("id", "basis", "housing", "facts")
        .iterator(chunk_size=20_000)
    )
    ids, basis, housing, facts = _columns(rows, 4)
    f = [x if isinstance(x, dict) else {} for x in facts]

    def flag(key: str) -> tuple[BoolArray, BoolArray]:
        values = [x.get(key) for x in f]
        return (
            np.array([v is True for v in values], dtype=bool),
            np.array([isinstance(v, bool) for v in values], dtype=bool),
        )

    months = [x.get("social_insurance_months") for x in f]
    months_known = [isinstance(m, int) and not isinstance(m, bool) and m >= 0 for m in months]
    employed, employed_known = flag("employed")
    continuous, continuous_known = flag("social_insurance_continuous")
    enrolled, enrolled_known = flag("enrolled")
    return Records(
        "application",
        _uuids(ids),
        np.array([BASIS_CODES.get(b, NO_BASIS) for b in basis], dtype=np.int8),
        np.array([HOUSING_CODES.get(h, NO_HOUSING) for h in housing], dtype=np.int8),
        np.array([_day(x.get("registered_since")) for x in f], dtype=np.int32),
        employed,
        np.array([m if k else 0 for m, k in zip(months, months_known, strict=True)], np.int32),
        continuous,
        enrolled,
        employed_known,
        np.array(months_known, dtype=bool),
        continuous_known,
        enrolled_known,
    )


def _columns(rows: Iterable[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """Rows to columns (``width`` empty columns when there are no rows)."""
    return list(zip(*rows, strict=True)) or [()] * width


def _uuids(values: Iterable[Any]) -> npt.NDArray[np.void]:
    raw = b"".join(uuid.UUID(str(v)).bytes for v in values)
    return np.frombuffer(raw, dtype="V16").copy()


def _day(value: Any) -> int:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return UNKNOWN_DAY  # a malformed date in the facts is an unknown fact
    if isinstance(value, dt.date):
        return (value - EPOCH).days
    return UNKNOWN_DAY


def read_registry(city: str) -> tuple[Records, Records]:
    """Live permits and open applications of ``city``, from one snapshot on PostgreSQL."""
    if connection.vendor != "postgresql":
        # No atomic block on SQLite: this project opens SQLite transactions IMMEDIATE (the
        # write lock), and a read-only report must not hold up the writers.
        return _iter_permits(city), _read_applications(city)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            # Both queries see one snapshot. SET TRANSACTION must come first; inside a
            # caller's transaction (tests, a larger job) the snapshot is the caller's.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _copy_permits(city), _read_applications(city)


def record_details(kind: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str, str]]:
    """Number, station and masked ID number of the affected records."""
    model: type[Permit] | type[Application] = Permit if kind == "permit" else Application
    number = "number" if kind == "permit" else "case_number"
    out: dict[uuid.UUID, tuple[str, str, str]] = {}
    if connection.vendor == "postgresql":
        # One query with the ids as one array parameter: hundreds of thousands of ids would
        # otherwise be as many bound parameters.
        query = (
            f"SELECT r.id, r.{number}, r.station, p.id_number_masked "  # noqa: S608 (names from the models)
            f"FROM {model._meta.db_table} r JOIN {Person._meta.db_table} p "
            "ON p.id = r.person_id WHERE r.id = ANY(%s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, [ids])
            return {pk: (num, station, masked) for pk, num, station, masked in cursor}
    for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
        rows = model.objects.filter(pk__in=ids[start : start + 500]).values_list(
            "id", number, "station", "person__id_number_masked"
        )
        out.update((pk, (num, station, masked)) for pk, num, station, masked in rows)
    return out
