"""Row checks for the legacy import (``legacy_import``): one chunk of CSV in, checked rows out.

This half runs in worker processes, so it imports no Django model and reads no settings:
keys, dates, the cities' policy timelines and the event's constant parts come in
``Context``. The hot loop is written for speed (about 1M rows per import): ID numbers are
checked by a fast path that is equivalent to ``idnumbers.parse_id_number`` (whose result is
the authority, called for every number the fast path does not accept, so that the reason
comes from it); dates by ``date.fromisoformat`` on a shape check; nonces and ids drawn from
one ``os.urandom`` call per chunk; the AEAD object and keyed MACs built once per process.

What travels between the processes is ``legacy_import_chunks``; how one cell is read,
derived from, written and fixed is ``legacy_import_cells``. This module is the loop that
puts them together.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Iterator
from time import time_ns
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from juzhu.registry.idnumbers import (
    HKMOTW_PREFIXES,
    InvalidIdNumber,
    mask_id_number,
    mask_phone,
    parse_id_number,
)
from juzhu.registry.legacy_import_cells import (
    _CB,
    _CHECK,
    _CONTROL_BUT_NEWLINE,
    _JB,
    _NUMBER,
    _RANDOM_PER_ROW,
    _VARIANT,
    BASES,
    CLEAR_FIX,
    DATE_FIX,
    EMPTY_FIX,
    ENDED,
    FIXES,
    FUTURE_FIX,
    HOUSINGS,
    NULL,
    REASONS,
    STATUSES,
    VERSION,
    _bool,
    _cd,
    _day,
    _esc,
    _expires,
    _jd,
    _js,
    _mac,
    _mainland_area,
    _next_due,
    _text,
    blind_index,
    row_digest,
)
from juzhu.registry.legacy_import_chunks import COLUMNS, Checked, Chunk, Context, RowError

_STATE: dict[str, Any] = {}


def init_worker(ctx: Context) -> None:
    """Per process: the AEAD object and keyed hash states are built once, copied per row."""
    _STATE.update(
        ctx=ctx,
        aead=AESGCM(ctx.data_key),
        id_mac=_mac(ctx.index_key, b"id_number:"),
        phone_mac=_mac(ctx.index_key, b"phone:"),
        chain=_mac(ctx.chain_key, f"{ctx.genesis}\n".encode()),  # events.chain_hash
        row_mac=row_mac(ctx),
        areas={},
    )


def row_mac(ctx: Context) -> tuple[Any, Any]:
    """The keyed hash of ``row_digest`` (the blind-index key, its own purpose)."""
    return _mac(ctx.index_key, b"import-row:")


def records(text: str, first: int) -> Iterator[tuple[int, list[str] | None, str]]:
    """The CSV records of a chunk: (the line it starts on, its cells or None when it is not
    readable as CSV, and then why)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = first
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, line = line, first + reader.line_num
            yield start, None, str(exc)
            continue
        start, line = line, first + reader.line_num
        yield start, row, ""


def check_chunk(chunk: Chunk) -> Checked:  # noqa: C901 (one tight loop, on purpose)
    """Check every record of ``chunk``. Precondition: ``init_worker`` ran in this process."""
    st = _STATE
    ctx: Context = st["ctx"]
    with open(ctx.path, "rb") as f:
        f.seek(chunk.offset)
        text = f.read(chunk.length).decode()
    # Without a quote no cell can hold a line break, and without a backslash or any other
    # control character in the chunk no cell needs checking or escaping for them.
    careful = '"' in text or "\\" in text or _CONTROL_BUT_NEWLINE.search(text) is not None
    out = Checked(size=chunk.length)
    errors, numbers, lines = out.errors, out.numbers, out.lines
    done: list[Any] = []
    today, timelines, copy = ctx.today, ctx.timelines, ctx.copy
    at, on, source = ctx.at, ctx.on, ctx.source
    now, genesis = json.loads(at), ctx.genesis  # the import's timestamp, for COPY
    encrypt, areas = st["aead"].encrypt, st["areas"]
    enc_head = VERSION + ctx.data_kid
    id_mac, phone_mac, chain = st["id_mac"], st["phone_mac"], st["chain"]
    digest_mac, stored = st["row_mac"], chunk.stored
    skipped_numbers, skipped_lines = out.skipped_numbers, out.skipped_lines
    (i_id, i_name, i_phone, i_city, i_district, i_station, i_number, i_status, i_issued,
     i_endorsed, i_due, i_suspended, i_cancelled, i_reason, i_expires, i_basis, i_housing,
     i_since, i_employed, i_months, i_continuous, i_enrolled) = (ctx.columns[c] for c in COLUMNS)  # fmt: skip
    width = len(ctx.columns)
    pool, k = b"", 0
    rows = rejected = 0
    start = chunk.first_line

    def bad(column: str, value: str, reason: str, fix: str = "") -> None:
        fix = fix or FIXES.get(column, DATE_FIX)
        errors.append(RowError(start, column, value[:40], reason, fix))

    def day(column: str, raw: str, lo: dt.date | None, lo_name: str) -> dt.date | None:
        """A non-empty date cell: a real date, not before ``lo``; the caller checks it
        against today where that matters."""
        value = _day(raw)
        if isinstance(value, str):
            bad(column, raw, value)
            return None
        if value is not None and lo is not None and value < lo:
            bad(column, raw, f"is before {lo_name} ({lo})", "check both dates")
        return value

    def past(column: str, raw: str, lo: dt.date | None, lo_name: str) -> dt.date | None:
        value = day(column, raw, lo, lo_name)
        if value is not None and value > today:
            bad(column, raw, f"is in the future (after {today})", FUTURE_FIX)
        return value

    for start, row, unreadable in records(text, chunk.first_line):  # noqa: B007 (bad() reads start)
        if row is None:
            rows, rejected = rows + 1, rejected + 1
            bad("", "", f"not readable as CSV ({unreadable})")
            continue
        if len(row) != width or not (row[i_id] or row[i_number]):
            if not any(cell.strip() for cell in row):
                continue  # a blank line (or a row of empty cells) is not a record
            if len(row) != width:
                rows, rejected = rows + 1, rejected + 1
                bad("", "", f"the row has {len(row)} fields but the header has {width}")
                continue
        rows += 1
        digest = ""
        if stored and (kept := stored.get(row[i_number].strip())) is not None:
            digest = digest or row_digest(digest_mac, row)
            if digest == kept:  # stored by an earlier import exactly as it is now
                skipped_numbers.append(row[i_number].strip())
                skipped_lines.append(start)
                continue
            out.changed += 1
        before = len(errors)

        # id_number: the fast path accepts exactly what parse_id_number accepts (the same
        # checksum, a real birth date not in the future, a 港澳台 prefix or a stdnum area code
        # valid in the birth year); anything else goes to parse_id_number for the verdict.
        raw = row[i_id]
        v = raw.strip().replace(" ", "").upper()
        kind: str | None = None
        birth: dt.date | None = None
        if (
            len(v) == 18
            and v.isascii()
            and v[:17].isdigit()
            and _CHECK[(1 - 2 * int(v[:17], 13)) % 11] == v[17]
        ):
            try:
                birth = dt.date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
            except ValueError:
                birth = None
            if birth is not None and birth <= today:
                kind = HKMOTW_PREFIXES.get(v[:6])
                if kind is None:
                    known = areas.get((v[:6], birth.year))
                    if known is None:
                        known = _mainland_area(areas, v, birth.year)
                    kind = "mainland" if known else None
        if kind is None:
            birth = None
            if not v:
                bad("id_number", "", "the ID number is empty", "fill in the holder's ID number")
            else:
                try:
                    parsed = parse_id_number(raw, today)
                    v, kind, birth = parsed.value, parsed.kind, parsed.birth_date
                except InvalidIdNumber as exc:
                    bad("id_number", mask_id_number(raw), exc.en)

        name, district = row[i_name].strip(), row[i_district].strip()
        station = row[i_station].strip()
        for column, value, limit in (("name", name, 64), ("district", district, 32),
                                     ("station", station, 32)):  # fmt: skip
            if careful or not value or len(value) > limit:
                problem = _text(value, limit)
                if problem:
                    bad(column, value, f"the {column} {problem}")
        phone = row[i_phone].strip()
        if phone:
            phone = phone.replace(" ", "").replace("-", "").removeprefix("+86")
            if not (len(phone) == 11 and phone.isascii() and phone.isdigit() and phone[0] == "1"):
                bad("phone", mask_phone(phone), "a mobile number has 11 digits and starts with 1")
        city = row[i_city].strip().lower()
        timeline = timelines.get(city)
        if timeline is None:
            problem = "the city is empty" if not city else "is not a city juzhu has a policy for"
            bad("city", city, problem, f"use a city policy id: {', '.join(sorted(timelines))}")
        number = row[i_number].strip()
        if not _NUMBER.fullmatch(number):
            problem = "is not 1 to 32 letters, digits or hyphens" if number else "is empty"
            bad("permit_number", number, f"the permit number {problem}")
        status = row[i_status].strip().lower()
        if status not in STATUSES:
            bad("status", status, "is not a permit status" if status else "the status is empty")
            status = ""

        # dates: real, in order (birth <= issued <= endorsed, suspended, cancelled <= today;
        # due and expiry after the issue), and present or absent as the status requires
        raw = row[i_issued].strip()
        issued = past("issued_on", raw, birth, "the holder's birth date") if raw else None
        if not raw:
            bad("issued_on", "", "the issue date is empty")
        raw = row[i_endorsed].strip()
        endorsed = past("last_endorsed_on", raw, issued, "issued_on") if raw else None
        raw = row[i_due].strip()
        due = day("next_due_on", raw, issued, "issued_on") if raw else None
        if due is not None and (due == issued or (endorsed is not None and due <= endorsed)):
            problem = "is not after the issue or the last endorsement"
            bad("next_due_on", raw, problem, "leave it empty to have it computed")
        raw = row[i_suspended].strip()
        suspended = past("suspended_on", raw, issued, "issued_on") if raw else None
        if status == "suspended" and not raw:
            bad("suspended_on", "", "a suspended permit needs the date it was suspended", EMPTY_FIX)
        elif status == "active" and raw:
            bad("suspended_on", raw, "an active permit is not suspended", CLEAR_FIX)
        raw = row[i_cancelled].strip()
        cancelled = past("cancelled_on", raw, issued, "issued_on") if raw else None
        if status in ENDED and not raw:
            bad("cancelled_on", "", f"a {status} permit needs the date it ended", EMPTY_FIX)
        elif status and status not in ENDED and raw:
            bad("cancelled_on", raw, f"a {status} permit was not cancelled or revoked", CLEAR_FIX)
        reason = row[i_reason].strip().lower()
        if status == "cancelled" and reason not in REASONS:
            problem = (
                "is not a cancellation reason" if reason else "a cancelled permit needs its reason"
            )
            bad("cancellation_reason", reason, problem)
        elif status == "revoked":
            if reason not in ("", "ineligible_or_false_info"):
                # 撤销 has one ground, a permit obtained by fraud (services.do_revoke_permit)
                problem = "a revoked permit's reason is ineligible_or_false_info"
                bad("cancellation_reason", reason, problem, CLEAR_FIX)
            reason = "ineligible_or_false_info"
        elif status and status != "cancelled" and reason:
            problem = f"a {status} permit has no cancellation reason"
            bad("cancellation_reason", reason, problem, CLEAR_FIX)
        raw = row[i_expires].strip()
        expires = day("expires_on", raw, issued, "issued_on") if raw else None
        if expires is not None and expires == issued:
            bad("expires_on", raw, "is the issue date", "check both dates")
        if expires is None and issued is not None and timeline is not None and not raw:
            expires = _expires(issued, timeline.on(issued))
        if status == "expired" and (expires is None or expires > today):
            problem = "an expired permit needs an expiry date not after today"
            bad("expires_on", raw, problem, EMPTY_FIX)
        raw = row[i_since].strip()
        since = past("registered_since", raw, birth, "the holder's birth date") if raw else None

        basis = row[i_basis].strip().lower()
        if basis not in BASES:
            bad("basis", basis, "is not a basis")
        housing = row[i_housing].strip().lower()
        if housing not in HOUSINGS:
            bad("housing", housing, "is not a housing type")
        employed = _bool(row[i_employed].strip())
        if employed is None:
            bad("employed", row[i_employed], "is not true or false")
        continuous = _bool(row[i_continuous].strip())
        if continuous is None:
            bad("social_insurance_continuous", row[i_continuous], "is not true or false")
        enrolled = _bool(row[i_enrolled].strip())
        if enrolled is None:
            bad("enrolled", row[i_enrolled], "is not true or false")
        raw = row[i_months].strip()
        months = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else -1
        if not 0 <= months <= 24:
            bad("social_insurance_months", raw, "is not a whole number from 0 to 24")
        if len(errors) != before:
            rejected += 1
            continue

        # -- a good row: ids, ciphertexts, blind indexes, the first link of its chain -------
        # a row without errors has all of these (the asserts tell the type checker so)
        assert issued and timeline and birth and kind
        assert employed is not None and continuous is not None and enrolled is not None
        terms = timeline.on(issued)
        if due is None:
            due = _next_due(issued, endorsed, timeline.on(endorsed) if endorsed else terms)
        if k == len(pool):
            pool, k = os.urandom(_RANDOM_PER_ROW * 256), 0
        # ids are UUIDv7 (RFC 9562): the millisecond first, so the primary-key indexes grow at
        # their right edge instead of taking writes all over (most of an import's cost is
        # index maintenance); 74 random bits keep them unguessable.
        h = pool[k : k + 20].hex()
        n_id, n_phone = pool[k + 20 : k + 32], pool[k + 32 : k + 44]
        k += _RANDOM_PER_ROW
        ms = f"{time_ns() // 1_000_000:012x}"
        person_id = f"{ms}7{h[:3]}{_VARIANT[h[3]]}{h[4:19]}"  # 32 hex digits
        permit_id = f"{ms}7{h[20:23]}{_VARIANT[h[23]]}{h[24:39]}"
        vb = v.encode()
        # pii.associated_data: the field and the row (``table:uuid``), so no swap opens
        p = person_id
        row_aad = f"\x1fregistry_person:{p[:8]}-{p[8:12]}-{p[12:16]}-{p[16:20]}-{p[20:]}".encode()
        id_enc = enc_head + n_id + encrypt(n_id, vb, b"id_number" + row_aad)
        id_index = blind_index(id_mac, vb)
        phone_enc, phone_index, phone_masked = None, "", ""
        if phone:
            pb = phone.encode()
            phone_enc = enc_head + n_phone + encrypt(n_phone, pb, b"phone" + row_aad)
            phone_index, phone_masked = blind_index(phone_mac, pb), phone[:3] + "****" + phone[-4:]
        # events.canonical form (keys sorted, no spaces); test_import checks it byte for byte
        body = (
            f'{{"actor":"system:import","at":{at},"city":"{city}","data":{{'
            f'"cancellation_reason":{_js(reason)},"cancelled_on":{_jd(cancelled)},'
            f'"expires_on":{_jd(expires)},"issued_on":"{issued}",'
            f'"last_endorsed_on":{_jd(endorsed)},"next_due_on":"{due}","number":"{number}",'
            f'"source":{{"file":{source},"line":{start}}},"status":"{status}",'
            f'"suspended_on":{_jd(suspended)}}},"dedupe_key":null,"inputs":{{'
            f'"basis":"{basis}","employed":{_JB[employed]},"enrolled":{_JB[enrolled]},'
            f'"housing":"{housing}","registered_since":{_jd(since)},'
            f'"social_insurance_continuous":{_JB[continuous]},'
            f'"social_insurance_months":{months}}},"name":"PermitImported","on":{on},'
            f'"policy":{{"id":"{city}","version":"{terms.version}"}},"reason":"legacy import",'
            f'"record_id":"{permit_id[:8]}-{permit_id[8:12]}-{permit_id[12:16]}-'
            f'{permit_id[16:20]}-{permit_id[20:]}","record_type":"permit","seq":1,"trace":[]}}'
        )
        link = blind_index(chain, body.encode())
        digest = digest or row_digest(digest_mac, row)
        masked = f"{v[:4]}**********{v[-4:]}"
        if copy:  # PostgreSQL COPY text, a line per table (legacy_import_load)
            if careful:
                name, district, station = _esc(name), _esc(district), _esc(station)
            if careful or "\\" in source:  # the file name is in the body, JSON-escaped
                body = _esc(body)
            phone_copy = f"\\\\x{phone_enc.hex()}" if phone_enc else NULL
            done.append(
                (
                    number,
                    # PEOPLE_STAGED
                    f"{start}\t{person_id}\t{id_index}\t\\\\x{id_enc.hex()}\t{masked}\t{kind}\t"
                    f"{birth}\t{phone_copy}\t{phone_index}\t{phone_masked}\t{city}\t{name}".encode(),
                    # PERMIT_COLUMNS: the person's id first (the loader may replace it)
                    f"{person_id}\t{permit_id}\t{number}\t{city}\t{district}\t{station}\t1\t1\t"
                    f"{link}\tf\t{now}\t{digest}\t{status}\t{issued}\t{_cd(endorsed)}\t{due}\t"
                    f"{_cd(suspended)}\t{_cd(cancelled)}\t{reason}\t{_cd(expires)}\t{basis}\t"
                    f"{housing}\t{_cd(since)}\t{_CB[employed]}\t{months}\t{_CB[continuous]}\t"
                    f"{_CB[enrolled]}\t{terms.version}".encode(),
                    # EVENT_COLUMNS
                    f"{city}\tpermit\t{permit_id}\t1\tPermitImported\t{today}\t{now}\t"
                    f"system:import\t{NULL}\t{body}\t{genesis}\t{link}".encode(),
                )
            )  # fmt: skip
        else:
            done.append(
                (
                    start, person_id, id_index, id_enc, masked, kind, str(birth), phone_enc,
                    phone_index, phone_masked, permit_id, number, city, status, str(issued),
                    endorsed and str(endorsed), str(due), suspended and str(suspended),
                    cancelled and str(cancelled), reason, expires and str(expires), basis,
                    housing, since and str(since), employed, months, continuous, enrolled,
                    terms.version, body, link, digest, name, district, station,
                )
            )  # fmt: skip
        numbers.append(number)
        lines.append(start)
    out.rows, out.rejected = rows, rejected
    out.data = done
    return out
