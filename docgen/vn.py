"""Vietnamese text as ND 30/2020/NĐ-CP writes it: dates, numbers, số ký hiệu, case, Unicode form.

Pure functions, no I/O and no clock: callers pass the date. Number formatting is Babel's `vi`
locale; the date and số ký hiệu rules are ND 30 Phụ lục I (no library knows them), so they are
written here. Everything returned is NFC.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

from babel.numbers import format_decimal

__all__ = [
    "document_number",
    "nd30_date",
    "nfc",
    "number",
    "place_date",
    "points",
    "upper",
]


def nfc(text: str) -> str:
    """`text` in NFC: each letter with its marks as one code point, as TCVN 6909 expects."""
    return unicodedata.normalize("NFC", text)


def nd30_date(day: dt.date) -> str:
    """'ngày 08 tháng 01 năm 2026', 'ngày 29 tháng 6 năm 2019'.

    ND 30 Phụ lục I, ô 4: a leading zero for days below 10 and for months 1 and 2 only (so
    that "tháng 01" and "tháng 02" cannot be completed by hand into "tháng 11", "tháng 12").
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_date(place: str, day: dt.date) -> str:
    """The địa danh and date line: 'Hải Phòng, ngày 08 tháng 01 năm 2026'."""
    return nfc(f"{place.strip()}, {nd30_date(day)}")


def number(value: Decimal | int, *, max_decimals: int = 3) -> str:
    """A number in the Vietnamese way: '95,5', '1.000', '8,33' (Babel, locale vi)."""
    pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals else "")
    return format_decimal(value, format=pattern, locale="vi")


def points(value: Decimal | int) -> str:
    """A score as written on paper: '95,5 điểm'."""
    return f"{number(value)} điểm"


def document_number(
    number_in_year: int | None, type_code: str | None, body_code: str, *, prefix: bool = True
) -> str:
    """The số ký hiệu: 'Số: 06/KH-UBND', 'Số: 125/QĐ-UBND', 'Số: 12/UBND-VX' for a công văn.

    ND 30 Phụ lục I, ô 3: numbers below 10 get a leading zero; "/" then "-" with no spaces;
    a công văn has no type code. `number_in_year=None` leaves the blank a draft carries until
    the văn thư assigns the number.
    """
    if number_in_year is not None and number_in_year < 1:
        raise ValueError(f"document number must be 1 or more, got {number_in_year}")
    num = f"{number_in_year:02d}" if number_in_year is not None else "\u00a0" * 6
    notation = f"{type_code}-{body_code}" if type_code else body_code
    text = nfc(f"{num}/{notation}")
    return f"Số: {text}" if prefix else text


def upper(text: str) -> str:
    """Uppercase with Vietnamese diacritics kept: 'Ủy ban nhân dân phường Bỉm Sơn' → 'ỦY BAN …'."""
    return nfc(nfc(text).upper())
