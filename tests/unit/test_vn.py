from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docgen import vn


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2026, 1, 8), "ngày 08 tháng 01 năm 2026"),
        (dt.date(2019, 6, 29), "ngày 29 tháng 6 năm 2019"),
        (dt.date(2025, 2, 5), "ngày 05 tháng 02 năm 2025"),
        (dt.date(2025, 3, 1), "ngày 01 tháng 3 năm 2025"),
        (dt.date(2025, 10, 10), "ngày 10 tháng 10 năm 2025"),
        (dt.date(2025, 12, 31), "ngày 31 tháng 12 năm 2025"),
    ],
)
def test_nd30_date(day: dt.date, text: str) -> None:
    assert vn.nd30_date(day) == text


@given(st.dates(min_value=dt.date(1945, 9, 2), max_value=dt.date(2200, 12, 31)))
def test_nd30_date_leading_zeros_only_where_nd30_puts_them(day: dt.date) -> None:
    m = re.fullmatch(r"ngày (\d\d) tháng (\d\d?) năm (\d{4})", vn.nd30_date(day))
    assert m is not None
    assert int(m[1]) == day.day and int(m[2]) == day.month and int(m[3]) == day.year
    assert len(m[2]) == (2 if day.month < 3 or day.month >= 10 else 1)


def test_place_date() -> None:
    assert vn.place_date("Hải Phòng", dt.date(2026, 1, 8)) == "Hải Phòng, ngày 08 tháng 01 năm 2026"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("95.5"), "95,5"),
        (Decimal("95.50"), "95,5"),
        (Decimal("100"), "100"),
        (1000, "1.000"),
        (Decimal("1234.25"), "1.234,25"),
        (Decimal("0"), "0"),
    ],
)
def test_number(value: Decimal | int, text: str) -> None:
    assert vn.number(value) == text


def test_points() -> None:
    assert vn.points(Decimal("95.5")) == "95,5 điểm"


@given(st.decimals(min_value=0, max_value=10**6, places=1, allow_nan=False))
def test_number_reads_back(value: Decimal) -> None:
    text = vn.number(value)
    assert Decimal(text.replace(".", "").replace(",", ".")) == value


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((6, "KH", "UBND"), "Số: 06/KH-UBND"),
        ((125, "QĐ", "UBND"), "Số: 125/QĐ-UBND"),
        ((10, "TTr", "CAP"), "Số: 10/TTr-CAP"),
        ((12, None, "UBND-VX"), "Số: 12/UBND-VX"),
    ],
)
def test_document_number(args: tuple[int, str | None, str], text: str) -> None:
    assert vn.document_number(*args) == text


def test_document_number_blank_for_a_draft_and_never_zero() -> None:
    blank = vn.document_number(None, "QĐ", "UBND")
    assert blank.startswith("Số: ") and blank.endswith("/QĐ-UBND")
    assert not any(ch.isdigit() for ch in blank)
    assert vn.document_number(7, "BB", "CAX", prefix=False) == "07/BB-CAX"
    with pytest.raises(ValueError, match="1 or more"):
        vn.document_number(0, "QĐ", "UBND")


def test_upper_keeps_diacritics() -> None:
    assert vn.upper("Ủy ban nhân dân phường Bỉm Sơn") == "ỦY BAN NHÂN DÂN PHƯỜNG BỈM SƠN"
    assert vn.upper("công an xã Yết Kiêu") == "CÔNG AN XÃ YẾT KIÊU"


def test_nfc_composes_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Hải Phòng")
    assert decomposed != "Hải Phòng"
    assert vn.nfc(decomposed) == "Hải Phòng"
    assert vn.upper(decomposed) == "HẢI PHÒNG"


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("CHỦ TỊCH", "Chủ tịch"),
        ("PHÓ CHỦ TỊCH", "Phó Chủ tịch"),
        ("GIÁM ĐỐC", "Giám đốc"),
        ("PHÓ GIÁM ĐỐC", "Phó Giám đốc"),
        ("TRƯỞNG CÔNG AN", "Trưởng Công an"),
        ("PHÓ TRƯỞNG CÔNG AN", "Phó Trưởng Công an"),
        ("", ""),
    ],
)
def test_position_writes_the_office_as_running_text(title: str, text: str) -> None:
    assert vn.position(title) == text
    assert vn.position(unicodedata.normalize("NFD", title)) == text
