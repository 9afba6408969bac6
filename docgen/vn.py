"""Vietnamese text as ND 30/2020/NĐ-CP writes it: dates, numbers, số ký hiệu, case, Unicode form.

Pure functions, no I/O and no clock: callers pass the date. Number formatting is Babel's `vi`
locale; the date and số ký hiệu rules are ND 30 Phụ lục I (no library knows them), so they are
written here. Everything returned is NFC.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

from babel.numbers import format_decimal

__all__ = [
    "DOCUMENT_TYPES",
    "code_notation",
    "code_number",
    "document_number",
    "nd30_date",
    "nfc",
    "number",
    "place_date",
    "points",
    "type_name",
    "upper",
]

# Tên loại văn bản by its chữ viết tắt: ND 30 Phụ lục III.I, plus the two codes the dossier uses
# that ND 30 does not list (GCN and BĐK are agency conventions). A công văn has no code.
DOCUMENT_TYPES: dict[str, str] = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "CT": "Chỉ thị",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "TC": "Thông cáo",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "BGN": "Bản ghi nhớ",
    "BTT": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
    "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển",
    "PB": "Phiếu báo",
    "GCN": "Giấy chứng nhận",
    "BĐK": "Bản đăng ký",
}


def nfc(text: str) -> str:
    """`text` in NFC: each letter with its marks as one code point, as TCVN 6909 expects."""
    return unicodedata.normalize("NFC", text)


_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(text: str) -> dt.date:
    """A day as people write it in Vietnam (27/11/2026, as ND 30's documents do) or in ISO
    8601 (2026-11-27); ValueError otherwise."""
    text = text.strip()
    found = _DAY.fullmatch(text)
    if found:
        day, month, year = (int(x) for x in found.groups())
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def parse_moment(text: str) -> dt.datetime:
    """A moment as 27/11/2026, 27/11/2026 14:30 or ISO 8601; naive when no offset is given."""
    text = text.strip()
    day, _, clock = text.partition(" ")
    if _DAY.fullmatch(day):
        moment = dt.datetime.combine(parse_date(day), dt.time())
        if clock:
            hour, _, minute = clock.partition(":")
            moment = moment.replace(hour=int(hour), minute=int(minute or 0))
        return moment
    return dt.datetime.fromisoformat(text)


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


def type_name(type_code: str | None) -> str:
    """The tên loại of a type code: 'QĐ' → 'Quyết định'; no code → 'Công văn'."""
    if type_code is None:
        return "Công văn"
    try:
        return DOCUMENT_TYPES[nfc(type_code)]
    except KeyError:
        raise ValueError(f"unknown document type code {type_code!r}") from None


def code_number(number_in_year: int) -> str:
    """The số as ND 30 Phụ lục I, ô 3 writes it: '01' for 1, '120' for 120."""
    if number_in_year < 1:
        raise ValueError(f"document number must be 1 or more, got {number_in_year}")
    return f"{number_in_year:02d}"


def code_notation(type_code: str | None, body_code: str) -> str:
    """The ký hiệu: 'QĐ-UBND'; a công văn has no type code: 'UBND-VX'."""
    return nfc(f"{type_code}-{body_code}" if type_code else body_code)


def document_number(
    number_in_year: int | None, type_code: str | None, body_code: str, *, prefix: bool = True
) -> str:
    """The số ký hiệu: 'Số: 06/KH-UBND', 'Số: 125/QĐ-UBND', 'Số: 12/UBND-VX' for a công văn.

    ND 30 Phụ lục I, ô 3: numbers below 10 get a leading zero; "/" then "-" with no spaces;
    a công văn has no type code. `number_in_year=None` leaves the blank a draft carries until
    the văn thư assigns the number.
    """
    num = code_number(number_in_year) if number_in_year is not None else "\u00a0" * 6
    text = f"{num}/{code_notation(type_code, body_code)}"
    return f"Số: {text}" if prefix else text


def upper(text: str) -> str:
    """Uppercase with Vietnamese diacritics kept: 'Ủy ban nhân dân phường Bỉm Sơn' → 'ỦY BAN …'."""
    return nfc(nfc(text).upper())


def position(title: str) -> str:
    """A chức vụ as running text writes it, from the capitals of the signature block:
    'PHÓ CHỦ TỊCH' → 'Phó Chủ tịch', 'TRƯỞNG CÔNG AN' → 'Trưởng Công an'.

    By hand: str.capitalize() gives 'Phó chủ tịch', and no library knows that the office after
    "Phó" keeps its capital and that "Công an" names a body."""
    words = nfc(title).lower().split()
    for index in {0, 1 if words[:1] == ["phó"] else 0}:
        if index < len(words):
            words[index] = words[index].capitalize()
    return " ".join(words).replace("công an", "Công an")


NBSP, NB_HYPHEN = "\u00a0", "\u2011"
_LEVELS = ("THÀNH PHỐ", "THỊ XÃ", "TỈNH", "PHƯỜNG", "XÃ", "ĐẶC KHU", "HUYỆN", "QUẬN")


def unbroken(text: str) -> str:
    """`text` that a line never breaks: a số ký hiệu ('15/TTr-CATP' split after 'TTr-' reads as
    two documents), with non-breaking hyphens and spaces."""
    return nfc(text).replace("-", NB_HYPHEN).replace(" ", NBSP)


def header_name(name: str) -> str:
    """A cơ quan's name for the header (ô 2), with one place a line may break: between the body
    and the place ('ỦY BAN NHÂN DÂN' / 'THÀNH PHỐ HẢI PHÒNG', 'CÔNG AN' / 'PHƯỜNG BỈM SƠN'),
    never inside a place name ('… HẢI / PHÒNG'). A name with no administrative level in it
    ('TRƯỜNG THPT BỈM SƠN') may break where its two halves are closest in length.

    ND 30 gives the header column no rule for breaking; seed 000 and ND 30's sample layouts
    break the name between the parts that belong together."""
    words = nfc(name).split()
    if len(words) < 2:
        return " ".join(words)
    at = next(
        (
            i
            for i in range(1, len(words))
            if any(" ".join(words[i:]).startswith(f"{level} ") for level in _LEVELS)
        ),
        None,
    )
    if at is None:  # the split whose longer half is shortest
        at = min(
            range(1, len(words)),
            key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))),
        )
    return f"{NBSP.join(words[:at])} {NBSP.join(words[at:])}"


_CODE = re.compile(r"\d+/[^\s,;.()]*[-/][^\s,;()]*[^\s,;.()]")


def keep_codes(text: str) -> str:
    """`text` with every số ký hiệu in it ('3554/QĐ-BCA-V05', '06/2014/NĐ-CP') unbreakable."""
    return _CODE.sub(lambda m: unbroken(m[0]), text)
