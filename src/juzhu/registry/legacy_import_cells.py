"""One cell of a legacy row (for ``legacy_import_rows``): how a cell is read (dates,
booleans, short texts, the ID number's area), what is derived from it (the next
endorsement anniversary, the expiry), how it is written (blind indexes, COPY text and JSON
spellings) and how to fix it when it is wrong. No Django: this runs in the workers.

The names keep their leading underscore: they serve the import's hot loop only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from juzhu.domain.months import add_months
from juzhu.domain.vocabulary import Basis, CancellationReason, Housing, PermitStatus
from juzhu.registry.legacy_import_chunks import Terms

TRUE = frozenset({"true", "1", "yes", "y", "t", "是"})
FALSE = frozenset({"false", "0", "no", "n", "f", "否"})
STATUSES = frozenset(PermitStatus)
REASONS = frozenset(CancellationReason)
BASES = frozenset(Basis)
HOUSINGS = frozenset(Housing)
ENDED = frozenset({"cancelled", "revoked"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"[A-Za-z0-9-]{1,32}")
_CHECK = "0123456789X"  # stdnum.cn.ric: check = (1 - 2 * int(first 17, 13)) % 11
_VARIANT = dict(zip("0123456789abcdef", "89ab89ab89ab89ab", strict=True))  # RFC 4122 variant
_RANDOM_PER_ROW = 44  # random parts of two uuids (10 + 10) and two AES-GCM nonces (12 + 12)
VERSION = b"\x02"  # pii.VERSION: the ciphertext layout version (then the key id)


def _mac(key: bytes, prefix: bytes) -> tuple[Any, Any]:
    """HMAC-SHA256 (RFC 2104) as its two keyed hash states, the inner one fed ``prefix``:
    ``pii.blind_index`` MACs ``purpose:value``. Per value this costs two C-level copies
    instead of building an ``hmac.HMAC``; test_import checks the result is the same."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + prefix)
    return inner, hashlib.sha256(bytes(b ^ 0x5C for b in key))


def blind_index(mac: tuple[Any, Any], value: bytes) -> str:
    inner, outer = mac[0].copy(), mac[1].copy()
    inner.update(value)
    outer.update(inner.digest())
    return str(outer.hexdigest())


def row_digest(mac: tuple[Any, Any], cells: list[str]) -> str:
    """The keyed digest (128 bits of HMAC-SHA256 with the blind-index key, so an ID number
    cannot be confirmed by hashing guesses) of one legacy row as read: its cells in file
    order, unstripped. A permit keeps its row's digest (``Permit.import_digest``); a row
    with the same digest is skipped by a re-import unchecked."""
    return blind_index(mac, "\x1f".join(cells).encode())[:32]


def _day(text: str) -> dt.date | str | None:
    """A date, None for an empty cell, or the reason it is not a date."""
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            if (text[:4] + text[5:7] + text[8:]).isdigit():
                return "is not a real date (no such day in that month)"
    return "is not a date in the form YYYY-MM-DD"


def _bool(text: str) -> bool | None:
    low = text.lower()
    return True if low in TRUE else False if low in FALSE else None


def _mainland_area(areas: dict[tuple[str, int], bool], number: str, year: int) -> bool:
    """stdnum's area check depends only on (first 6 digits, birth year): cache it — it is
    most of the cost of ``parse_id_number``."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    key = (number[:6], year)
    if key not in areas:
        try:
            areas[key] = bool(ric.get_birth_place(number))
        except ValidationError:
            areas[key] = False
    return areas[key]


def _plus_years(day: dt.date, years: int) -> dt.date:
    """``add_months(day, 12 * years)`` without the month arithmetic (29 Feb -> 28 Feb)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _next_due(issued: dt.date, endorsed: dt.date | None, terms: Terms) -> dt.date:
    """The next endorsement anniversary, as ``planner.plan`` computes it (居住证暂行条例
    Art. 10): an endorsement inside the window before an anniversary covers the year after
    it; a late one restarts the anniversaries from its own date where the city says so, and
    elsewhere they stay on the issue date."""
    if endorsed is None:
        return _plus_years(issued, 1)
    years = max(1, endorsed.year - issued.year - 1)
    while _plus_years(issued, years) < endorsed:
        years += 1
    anniversary = opens = _plus_years(issued, years)
    if terms.window is not None:
        amount, unit = terms.window
        opens = (
            anniversary - dt.timedelta(days=amount)
            if unit == "days"
            else add_months(anniversary, -amount * (12 if unit == "years" else 1))
        )
    if endorsed >= opens:
        return _plus_years(anniversary, 1)
    return _plus_years(endorsed, 1) if terms.late_resets else anniversary


def _expires(issued: dt.date, terms: Terms) -> dt.date | None:
    """As ``services.expires_on_for``: the city's validity term from the issue date, if any."""
    if terms.term is None:
        return None
    amount, unit = terms.term
    if unit == "days":
        return issued + dt.timedelta(days=amount)
    return add_months(issued, amount * (12 if unit == "years" else 1))


def _text(value: str, limit: int) -> str | None:
    """Why a required short text cell is unusable, or None."""
    if not value:
        return "is empty"
    if len(value) > limit:
        return f"is longer than {limit} characters"
    if _CONTROL.search(value):
        return "contains a tab, line break or other control character"
    return None


NULL = "\\N"  # COPY text format
_JB = {True: "true", False: "false"}  # JSON booleans
_CB = {True: "t", False: "f"}  # COPY booleans


def _jd(day: dt.date | None) -> str:
    return "null" if day is None else f'"{day}"'


def _js(text: str) -> str:
    """JSON of a vocabulary id (no character needs escaping), or null when empty."""
    return f'"{text}"' if text else "null"


def _cd(day: dt.date | None) -> str:
    return NULL if day is None else str(day)


def _esc(text: str) -> str:
    """PostgreSQL COPY text format: a backslash starts an escape (control characters were
    refused)."""
    return text.replace("\\", "\\\\") if "\\" in text else text


DATE_FIX = "write the date as YYYY-MM-DD, e.g. 2024-03-01"
FUTURE_FIX = "legacy records describe the past: check the year"
BOOL_FIX = "write true or false (also accepted: 1/0, yes/no, 是/否)"
EMPTY_FIX = "fill it in, or correct the status"
CLEAR_FIX = "leave it empty, or correct the status"
FIXES = {  # how to fix a cell of each column, unless the check says otherwise
    "id_number": "copy the number again from the ID card (港澳台 residence permit numbers "
    "start 810000, 820000 or 830000)",
    "name": "write the holder's name as on the ID card",
    "phone": "correct the number, or leave the cell empty (the phone is optional)",
    "district": "use the district code officers use",
    "station": "use the station code officers use",
    "permit_number": "copy the legacy permit number exactly: it is the key that makes a "
    "second import of the same row a no-op",
    "status": f"use one of: {', '.join(PermitStatus)}",
    "cancellation_reason": f"use one of: {', '.join(CancellationReason)}",
    "basis": f"use one of: {', '.join(Basis)}",
    "housing": f"use one of: {', '.join(Housing)}",
    "employed": BOOL_FIX,
    "social_insurance_continuous": BOOL_FIX,
    "enrolled": BOOL_FIX,
    "social_insurance_months": "write the months paid in this city within the last 24 (as "
    "the planner reads them)",
    "": "look for a missing or extra comma; quote a value that contains a comma",
}
