"""Import legacy permit records from CSV: ``juzhu import permits.csv`` (docs/howto/legacy-import.md).

Three stages, so that a bad file stores nothing and a bad row costs only itself:

1. **Scan** (main process): the file must be UTF-8 (a BOM is accepted), contain no NUL byte,
   close every quoted field and start with exactly the documented header. Any failure is a
   file-level ``ImportFileError``, raised before anything is written. The scan also cuts the
   file into chunks at record boundaries (an even number of quotes before the cut).
2. **Check** (``legacy_import_rows``; in worker processes for files over 8 MB, else
   in-process): every row is validated column by column; a bad row becomes ``RowError``s
   (line, column, masked value, reason, fix). A good row is made ready to store: ID and
   phone encrypted and blind-indexed exactly like ``pii.encrypt`` / ``pii.blind_index``,
   ids drawn, the ``PermitImported`` event body written in ``events.canonical`` form and
   hashed as the first link of the permit's chain (``events.chain_hash``). A permit number
   seen twice in the file is rejected on its second line (here, in file order). Before a
   chunk is checked, ``Unchanged`` reads the stored digests of its permit numbers (one
   query): a row stored by an earlier import exactly as it is now (``row_digest``) is
   counted and not checked again.
3. **Load** (``legacy_import_load``), one transaction per batch: COPY (PostgreSQL) or
   executemany (SQLite) into a temporary staging table, then set-based ``INSERT ... SELECT
   ... ON CONFLICT DO NOTHING`` into people (deduplicated by blind index), permits (keyed by
   the legacy permit number) and events (only for the permits inserted now). Importing the
   same file again inserts nothing. A failed batch rolls back alone and stops the import
   (``ImportInterrupted``): the batches that completed stay stored, and re-running the file
   resumes. Big files on PostgreSQL are stored on two connections at once.

The row checks run in spawned workers, which must not touch Django's models: everything they
need (keys, dates, policy timelines) travels in ``Context``.
"""

from __future__ import annotations

import base64
import codecs
import csv
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from juzhu.registry import keycheck, pii
from juzhu.registry.legacy_import_chunks import (
    COLUMNS,
    NO_TERMS,
    Checked,
    Chunk,
    Context,
    RowError,
    Terms,
    Timeline,
)
from juzhu.registry.legacy_import_load import Loaders
from juzhu.registry.legacy_import_rows import check_chunk, init_worker, records

__all__ = ["COLUMNS", "ImportFileError", "ImportInterrupted", "ImportReport", "RowError"]
__all__ += ["import_permits", "write_report"]
CHUNK_BYTES = 1 << 21  # ~12,000 rows: amortises a worker round trip, bounds memory
PARALLEL_FROM = 4 * CHUNK_BYTES  # smaller files are checked in-process (no spawn cost)
ERRORS_KEPT = 1000  # errors kept in memory for the summary; the rest go to the spool file

# -- results ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    path: Path
    rows: int = 0  # data records read (blank lines are not records)
    loaded: int = 0  # permits stored by this run
    already_stored: int = 0  # good rows whose permit number was already in the registry
    # of those: rows exactly as an earlier import stored them (skipped unchecked) and rows
    # that differ from what is stored (checked; the registry's own history wins)
    unchanged: int = 0
    changed: int = 0
    people_created: int = 0
    rejected: int = 0  # rows with at least one error; nothing of them is stored
    # The first ``ERRORS_KEPT`` errors, in line order; every error is counted in
    # ``error_count`` and written to a spool file (``write_report`` copies it): a file of a
    # million bad rows costs disk, not memory.
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    batches: int = 0
    seconds: float = 0.0
    store_seconds: float = 0.0  # of which in the database (the rest is reading and checking)
    _spool: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def add_errors(self, errors: list[RowError]) -> None:
        """Record errors given in line order (one chunk's worth at a time)."""
        if not errors:
            return
        if self._spool is None:
            # lives as long as the report (closed when it is collected)
            self._spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        out = csv.writer(self._spool)
        for e in errors:
            out.writerow([e.line, e.column, e.value, e.reason, e.fix])
        self.error_count += len(errors)
        room = ERRORS_KEPT - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def copy_errors(self, target: Any) -> None:
        """Every error, as CSV rows, into the open text file ``target``."""
        if self._spool is not None:
            self._spool.flush()
            self._spool.seek(0)
            shutil.copyfileobj(self._spool, target)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing was stored."""

    def __init__(self, en: str, zh: str) -> None:
        self.en, self.zh = en, zh
        super().__init__(en)


class ImportInterrupted(Exception):
    """A batch failed in the database and was rolled back; the batches that completed are
    stored. Running the same file again skips them and continues."""

    def __init__(self, report: ImportReport, line: int, cause: BaseException) -> None:
        self.report, self.line, self.cause = report, line, cause
        super().__init__(
            f"the batch starting at line {line} failed and was rolled back ({cause}); "
            f"{report.loaded} permits from the batches that completed are stored. Fix the cause "
            "and run the same file again: rows already stored are skipped."
        )


# -- stage 1: scan ---------------------------------------------------------------------------


def scan(path: Path) -> tuple[dict[str, int], list[Chunk]]:
    """Check the file as a whole; return the header's column positions and the chunks."""
    chunks: list[Chunk] = []
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    with path.open("rb") as f:
        head = f.read(CHUNK_BYTES)
        bom = 3 if head.startswith(codecs.BOM_UTF8) else 0
        end = head.find(b"\n")
        if not head[bom:].strip():
            raise ImportFileError(
                "the file is empty: line 1 must be the header " + ",".join(COLUMNS),
                "文件为空：第1行应为表头",
            )
        header_line = head[bom : end if end >= 0 else len(head)]
        if b"\x00" in header_line:
            raise ImportFileError(
                "line 1 contains NUL bytes: this is not a text CSV (a spreadsheet, or text "
                "saved as UTF-16?); save it as 'CSV UTF-8'",
                "第1行含有NUL字节，不是文本CSV；请另存为“CSV UTF-8”",
            )
        columns = _header(_decode(header_line, 1, decoder))
        offset, line = bom + len(header_line) + (1 if end >= 0 else 0), 2
        carry, at = head[offset:], offset
        while True:
            more = f.read(CHUNK_BYTES)
            buf = carry + more
            cut = len(buf) - 1 if not more else buf.rfind(b"\n")
            # a newline inside a quoted field is not a record boundary: back off to one with
            # an even number of quotes before it (doubled "" inside a field keeps the parity)
            while cut >= 0 and buf.count(b'"', 0, cut + 1) % 2:
                if not more:
                    raise ImportFileError(
                        f"a quoted field opened after line {line} is never closed: the file is "
                        'not valid CSV (check for a stray " character)',
                        f"第{line}行之后有未闭合的引号，文件不是有效的CSV",
                    )
                cut = buf.rfind(b"\n", 0, cut)
            if cut < 0 and more:
                carry = buf  # one record longer than a chunk: keep reading
                continue
            piece = buf[: cut + 1]
            if piece:
                if b"\x00" in piece:
                    raise ImportFileError(
                        f"the file contains NUL bytes after line {line}: this is not a text CSV "
                        "(a spreadsheet, or text saved as UTF-16?); save it as 'CSV UTF-8'",
                        "文件含有NUL字节，不是文本CSV；请另存为“CSV UTF-8”",
                    )
                _decode(piece, line, decoder)
                chunks.append(Chunk(at, len(piece), line))
                line += piece.count(b"\n")
                at += len(piece)
            carry = buf[cut + 1 :]
            if not more:
                _decode(b"", line, decoder, final=True)
                return columns, chunks


def _decode(data: bytes, line: int, decoder: codecs.IncrementalDecoder, final: bool = False) -> str:
    try:
        return decoder.decode(data, final)
    except UnicodeDecodeError as exc:
        at = line + data.count(b"\n", 0, exc.start)
        raise ImportFileError(
            f"line {at} is not UTF-8 text: save the file as 'CSV UTF-8' (GBK / GB18030 files "
            "from older systems must be converted, e.g. iconv -f GB18030 -t UTF-8)",
            f"第{at}行不是UTF-8编码：请另存为“CSV UTF-8”（GBK文件需先转换）",
        ) from None


def _header(text: str) -> dict[str, int]:
    if not text.strip():
        raise ImportFileError(
            "line 1 is empty: the file must start with the header " + ",".join(COLUMNS),
            "第1行为空：文件第1行应为表头",
        )
    names = [n.strip() for n in next(csv.reader([text]))]
    unknown = [n for n in names if n not in COLUMNS]
    missing = [c for c in COLUMNS if c not in names]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if unknown or missing or doubled:
        en, zh = [], []
        if unknown:
            en.append(f"unknown columns: {', '.join(unknown)}")
            zh.append(f"未知列：{', '.join(unknown)}")
        if missing:
            listed = ", ".join(missing) if len(missing) <= 6 else f"{len(missing)} of the 22"
            en.append(f"missing columns: {listed}")
            zh.append(f"缺少列：{', '.join(missing) if len(missing) <= 6 else len(missing)}")
        if doubled:
            en.append(f"repeated columns: {', '.join(doubled)}")
            zh.append(f"重复列：{', '.join(doubled)}")
        raise ImportFileError(
            f"line 1 (the header): {'; '.join(en)}. The header names each of these columns "
            f"once, in any order: {','.join(COLUMNS)}",
            f"第1行表头有误（{'；'.join(zh)}）。表头须包含以上每一列各一次，顺序不限",
        )
    return {name: i for i, name in enumerate(names)}


# -- what an earlier import stored ------------------------------------------------------------


class Unchanged:
    """Gives each chunk the stored digests of its permit numbers (one query), so that its
    worker counts the rows an earlier import stored exactly as they are now and checks only
    the rest. Nothing is decrypted; the workers hash only the rows whose number is stored."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.number, self.width = ctx.columns["permit_number"], len(ctx.columns)

    def __call__(self, chunk: Chunk) -> Chunk:
        with open(self.ctx.path, "rb") as f:
            f.seek(chunk.offset)
            text = f.read(chunk.length).decode()
        i, width = self.number, self.width
        if '"' in text:  # a quoted cell may hold a comma or a line break: read it as CSV
            cells = (row for _, row, _ in records(text, chunk.first_line) if row is not None)
        else:
            cells = (line.rstrip("\r").split(",") for line in text.split("\n"))
        numbers = [row[i].strip() for row in cells if len(row) == width]
        stored = _stored_digests([n for n in numbers if n])
        return dataclasses.replace(chunk, stored=stored) if stored else chunk


# One index probe per number (a scalar subquery, which the planner cannot turn into a scan
# of the whole table); the numbers travel as one text (a Python list would be quoted
# element by element by the client-side binding).
STORED_DIGESTS = """
SELECT number, digest FROM (
  SELECT n.number, (SELECT p.import_digest FROM registry_permit p WHERE p.number = n.number)
    AS digest
  FROM unnest(string_to_array(%s, E'\\n')) AS n(number) OFFSET 0) x
WHERE digest IS NOT NULL"""


def _stored_digests(numbers: list[str]) -> dict[str, str]:
    """Permit number -> its ``import_digest``, for the numbers already stored."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(STORED_DIGESTS, ["\n".join(numbers)])
            return dict(cur.fetchall())
        found: dict[str, str] = {}
        for at in range(0, len(numbers), 500):  # SQLite: at most 999 parameters
            part = numbers[at : at + 500]
            marks = ", ".join(["%s"] * len(part))
            sql = f"SELECT number, import_digest FROM registry_permit WHERE number IN ({marks})"  # noqa: S608 (placeholders only)
            cur.execute(sql, part)
            found.update(cur.fetchall())
        return found


# -- policy timelines ---------------------------------------------------------------------


def _timeline(city: str) -> Timeline:
    """The city's ``Terms`` on every stretch of dates where none of its values changes."""
    from juzhu.rules.engine import MissingParameter, Policy
    from juzhu.rules.loader import load_policies

    policies = load_policies()
    bounds: set[dt.date] = set()
    for j in policies.chain(city):
        for versions in j.parameters.values():
            for v in versions:
                bounds.add(v.start)
                if v.end is not None:
                    bounds.add(v.end + dt.timedelta(days=1))
    ordered = sorted(bounds)
    terms = [NO_TERMS]
    for day in ordered:
        policy = Policy.of(city, day, policies)
        try:
            window, term = policy.period("endorsement.window"), policy.period("validity.term")
            terms.append(
                Terms(
                    policy.version,
                    (window.amount, window.unit) if window else None,
                    bool(policy.get("endorsement.late_resets_anniversary")),
                    (term.amount, term.unit) if term else None,
                )
            )
        except MissingParameter:
            terms.append(NO_TERMS)
    return Timeline(ordered, terms)


def permit_cities() -> list[str]:
    """Policy ids a permit can belong to: the leaves of the policy tree. ``national`` and a
    province with city files of its own are not; Beijing and Shanghai (province-level
    municipalities without children) are."""
    from juzhu.rules.loader import load_policies

    policies = load_policies()
    parents = {j.parent for j in policies.jurisdictions.values()}
    return [pid for pid in policies.ids() if pid not in parents]


def _checked(chunks: Iterator[Chunk], ctx: Context, workers: int) -> Iterator[Checked]:
    """Checked chunks in file order. With workers, at most 2 per worker wait in memory, so a
    slow database holds back the checking instead of filling memory."""
    if workers <= 1:
        init_worker(ctx)
        yield from map(check_chunk, chunks)
        return
    # spawn, not fork: a forked child would share the parent's open database socket
    pool = multiprocessing.get_context("spawn").Pool(workers, init_worker, (ctx,))
    try:
        feed = iter(chunks)
        pending = deque(pool.apply_async(check_chunk, (c,)) for c in islice(feed, 2 * workers))
        while pending:
            part = pending.popleft().get()
            for c in islice(feed, 1):
                pending.append(pool.apply_async(check_chunk, (c,)))
            yield part
    finally:
        pool.terminate()
        pool.join()


def _context(path: Path, columns: dict[str, int], today: dt.date, now: dt.datetime) -> Context:
    from juzhu.registry.audit_key import chain_key
    from juzhu.registry.models import GENESIS_HASH

    return Context(
        path=str(path),
        columns=columns,
        today=today,
        at=json.dumps(now.isoformat()),
        on=json.dumps(today.isoformat()),
        source=json.dumps(path.name, ensure_ascii=False),
        data_key=base64.b64decode(settings.DATA_KEY),
        data_kid=pii.key_id(settings.DATA_KEY),
        index_key=base64.b64decode(settings.INDEX_KEY),
        chain_key=chain_key(),
        genesis=GENESIS_HASH,
        timelines={city: _timeline(city) for city in permit_cities()},
        copy=connection.vendor == "postgresql",
    )


def import_permits(
    path: Path,
    *,
    batch: int = 50000,
    today: dt.date | None = None,
    workers: int | None = None,
    loaders: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``path``; return what was loaded and every bad row.

    Raises ``ImportFileError`` (nothing stored) for a file that cannot be read as the
    documented CSV, and ``ImportInterrupted`` when a batch fails in the database (that batch
    rolled back, the batches that completed kept). ``workers``: processes checking rows;
    ``loaders``: connections storing batches at once. By default, for files over 8 MB,
    every core checks and (on PostgreSQL) two connections store; smaller files use this
    process and its connection only.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    started = time.perf_counter()
    report = ImportReport(path)
    columns, chunks = scan(path)
    today = today or timezone.localdate()
    now = timezone.now()
    keycheck.ensure_keys()  # a wrong key is refused before a single row is written
    ctx = _context(path, columns, today, now)
    if workers is None:
        workers = (os.cpu_count() or 1) if path.stat().st_size >= PARALLEL_FROM else 0
    if loaders is None:
        big = path.stat().st_size >= PARALLEL_FROM and connection.vendor == "postgresql"
        loaders = 2 if big else 1
    store = Loaders(loaders, now, today, ctx.genesis)
    seen: dict[str, int] = {}  # permit number -> line of its first good row
    rows: list[Any] = []  # checked rows waiting for the next batch...
    at: list[int] = []  # ...and their lines
    unchanged = Unchanged(ctx)
    try:
        for part in _checked(map(unchanged, chunks), ctx, workers):
            report.rows += part.rows
            report.rejected += part.rejected
            report.changed += part.changed
            errors = list(part.errors)  # this chunk's, merged with its duplicates below
            good = part.data
            numbers, lines = part.numbers, part.lines
            every = numbers + part.skipped_numbers
            if len(set(every)) == len(every) and seen.keys().isdisjoint(every):
                seen.update(zip(numbers, lines, strict=True))
                seen.update(zip(part.skipped_numbers, part.skipped_lines, strict=True))
                rows.extend(good)
                at.extend(lines)
                report.unchanged += len(part.skipped_lines)
            else:  # in file order: a number's first good row keeps it
                marked = [(line, number, None) for number, line in
                          zip(part.skipped_numbers, part.skipped_lines, strict=True)]  # fmt: skip
                marked += zip(lines, numbers, good, strict=True)
                for line, number, row in sorted(marked, key=lambda m: m[0]):
                    first = seen.setdefault(number, line)
                    if first == line:
                        if row is None:
                            report.unchanged += 1
                        else:
                            rows.append(row)
                            at.append(line)
                        continue
                    report.rejected += 1
                    errors.append(
                        RowError(
                            line,
                            "permit_number",
                            number,
                            f"the same permit number is on line {first}",
                            "a permit appears once: remove or correct one of the two rows",
                        )
                    )
            report.add_errors(sorted(errors, key=lambda e: e.line))
            while len(rows) >= batch and store.store(rows[:batch], at[0]):
                rows, at = rows[batch:], at[batch:]
            if store.failed is not None:
                break
            if progress is not None:
                progress(part.size)
        if rows and store.failed is None:
            store.store(rows, at[0])
    finally:
        store.finish()
        report.people_created, report.loaded = store.people, store.loaded
        report.already_stored = store.already_stored + report.unchanged
        report.batches = store.batches
        report.store_seconds = store.seconds
    if store.failed is not None:
        raise ImportInterrupted(report, *store.failed)
    report.seconds = time.perf_counter() - started
    return report


# -- report and command line -----------------------------------------------------------------


def write_report(report: ImportReport, path: Path) -> None:
    """Every error as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese right)."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["line", "column", "value", "reason", "fix"])
        f.flush()
        report.copy_errors(f)
