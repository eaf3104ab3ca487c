"""ID numbers: validation beyond python-stdnum, and the kinds juzhu accepts.

``stdnum.cn.ric`` validates mainland resident ID numbers (checksum, birth date, an area code
that existed in the birth year) but rejects 港澳台居民居住证 numbers (prefixes 810000,
820000, 830000) and accepts birth dates in the future (ecosystem.md §2). We wrap it: the
same ISO 7064 MOD 11-2 checksum for all, our own prefix allow-list, and birth ≤ today.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

HKMOTW_PREFIXES = {"810000": "hk", "820000": "mo", "830000": "tw"}
# ASCII digits only (``\d`` would also take Arabic-Indic or Devanagari digits); full-width
# digits and Ｘ typed on a Chinese keyboard are folded to ASCII by ``normalise`` first.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


class InvalidIdNumber(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en
        super().__init__(en)


@dataclass(frozen=True)
class IdNumber:
    value: str  # normalised: 18 characters, upper-case X
    kind: str  # mainland | hk | mo | tw
    birth_date: dt.date


def normalise(raw: str) -> str:
    """NFKC (full-width １２３Ｘ → 123X, the ideographic space → a space), no spaces,
    upper-case X."""
    return unicodedata.normalize("NFKC", raw).strip().replace(" ", "").upper()


def parse_id_number(raw: str, today: dt.date | None = None) -> IdNumber:
    """Validate an 18-character ID number; raise InvalidIdNumber saying what is wrong."""
    value = normalise(raw)
    if not _SHAPE.fullmatch(value):
        raise InvalidIdNumber(
            "身份证号应为18位：17位数字加1位数字或X",
            "an ID number has 18 characters: 17 digits then a digit or X",
        )
    if ric.calc_check_digit(value) != value[17]:  # (stdnum ignores the last character)
        raise InvalidIdNumber(
            "身份证号最后一位校验码不对，请核对是否输错",
            "the last (check) character is wrong; check for a typo",
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            "身份证号中的出生日期不存在", "the birth date inside the number does not exist"
        ) from None
    if birth > (today or dt.date.today()):
        raise InvalidIdNumber(
            "身份证号中的出生日期在未来", "the birth date inside the number is in the future"
        )
    kind = HKMOTW_PREFIXES.get(value[:6])
    if kind is None:
        if not _area_existed(value[:6], birth.year):
            raise InvalidIdNumber(
                "身份证号前6位地区码不存在", "the first 6 digits are not a valid area code"
            )
        kind = "mainland"
    return IdNumber(value, kind, birth)


@cache
def _area_existed(area: str, year: int) -> bool:
    """Whether the GB/T 2260 area code existed in the birth year (python-stdnum's table).

    Cached: stdnum looks the code up in its bundled table on every call (~45 µs), and the
    answer depends only on the code and the year.
    """
    try:
        ric.get_birth_place(f"{area}{year:04d}0101000" + "0")
    except ValidationError:
        return False
    return True


def mask_id_number(value: str) -> str:
    """1101**********1234 (PRODUCT.md, quality bars)."""
    value = normalise(value)
    return (
        value[:4] + "*" * max(len(value) - 8, 0) + value[-4:]
        if len(value) > 8
        else "*" * len(value)
    )


def is_mobile(phone: str) -> bool:
    """A mainland mobile number: 11 digits starting with 1."""
    return phone.isdigit() and len(phone) == 11 and phone.startswith("1")


def mask_phone(value: str) -> str:
    """138****5678."""
    digits = value.strip()
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 7 else "*" * len(digits)


def make_id_number(area: str, birth: dt.date, seq: int) -> str:
    """A valid number for tests and demo data (area code + birth date + 3-digit sequence)."""
    body = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")
