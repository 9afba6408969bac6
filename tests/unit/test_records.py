from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docgen import vn
from docgen.errors import ArchiveError
from docgen.records import FileCode, FileRecord, OutgoingDocument, SignerInfo, element, xml_bytes

CODE = FileCode(organ_id="ubnd-hai-phong", year=2026, notation="01.NC")


def decision(**changes: Any) -> OutgoingDocument:
    doc = OutgoingDocument(
        file_code=CODE,
        ordinal=3,
        type_code="QĐ",
        number=7,
        body_code="UBND",
        issued=dt.date(2026, 12, 1),
        organ_name="Ủy ban nhân dân thành phố Hải Phòng",
        subject="Về việc công nhận đơn vị điển hình về phong trào toàn dân bảo vệ an ninh Tổ "
        "quốc năm 2026",
        page_amount=2,
        signer=SignerInfo(position="Chủ tịch", full_name="Trần Minh Khôi"),
        to=("Bộ Công an (qua V05)", "Các phòng: NC, XV, NV&KTGS"),
    )
    return dataclasses.replace(doc, **changes)


def xml_as_json(node: ET.Element, lists: frozenset[str] = frozenset({"To"})) -> Any:
    """An element read back into the shape of `as_json`, every leaf a string."""
    if len(node) == 0:
        return node.text or ""
    result: dict[str, Any] = {}
    for child in node:
        value = xml_as_json(child, lists)
        if child.tag in lists:
            result.setdefault(child.tag, []).append(value)
        else:
            assert child.tag not in result, child.tag
            result[child.tag] = value
    return result


def strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strings(v) for k, v in value.items() if v != []}
    if isinstance(value, list):
        return [strings(v) for v in value]
    return str(value)


def test_the_phu_luc_vi_fields_of_an_issued_decision() -> None:
    record = decision().as_json()
    assert list(record) == [
        "FileCode",
        "DocOrdinal",
        "TypeName",
        "CodeNumber",
        "CodeNotation",
        "IssuedDate",
        "OrganName",
        "Subject",
        "Language",
        "PageAmount",
        "Description",
        "SignerInfo",
        "To",
        "Priority",
    ]
    assert record["FileCode"] == {
        "OrganId": "ubnd-hai-phong",
        "FileCatalog": 2026,
        "FileNotation": "01.NC",
    }
    assert record["TypeName"] == "Quyết định"
    assert record["CodeNumber"] == "07"
    assert record["CodeNotation"] == "QĐ-UBND"
    assert record["IssuedDate"] == "2026-12-01"
    assert record["Language"] == "Tiếng Việt"
    assert record["SignerInfo"] == {"Position": "Chủ tịch", "FullName": "Trần Minh Khôi"}
    assert record["To"][1] == {"OrganName": "Các phòng: NC, XV, NV&KTGS"}
    assert str(CODE) == "ubnd-hai-phong.2026.01.NC"


def test_optional_fields_appear_only_with_a_value() -> None:
    record = decision(issued_amount=12, due_date=dt.date(2027, 1, 15), priority=1).as_json()
    assert record["IssuedAmount"] == 12 and record["DueDate"] == "2027-01-15"
    assert record["Priority"] == 1
    assert "IssuedAmount" not in decision().as_json()


@pytest.mark.parametrize(
    ("number", "code"), [(1, "01"), (9, "09"), (10, "10"), (120, "120"), (1000, "1000")]
)
def test_code_number_as_nd30_writes_it(number: int, code: str) -> None:
    assert decision(number=number).as_json()["CodeNumber"] == code


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("QĐ", "Quyết định"),
        ("TTr", "Tờ trình"),
        ("KH", "Kế hoạch"),
        ("BC", "Báo cáo"),
        ("BB", "Biên bản"),
        ("TB", "Thông báo"),
        ("GCN", "Giấy chứng nhận"),
        ("BĐK", "Bản đăng ký"),
        (None, "Công văn"),
    ],
)
def test_type_name(code: str | None, name: str) -> None:
    record = decision(type_code=code, body_code="UBND" if code else "UBND-VX").as_json()
    assert record["TypeName"] == name
    assert record["CodeNotation"] == (f"{code}-UBND" if code else "UBND-VX")


def test_the_type_table_is_nfc_and_unknown_codes_are_refused() -> None:
    for code, name in vn.DOCUMENT_TYPES.items():
        assert code == unicodedata.normalize("NFC", code)
        assert name == unicodedata.normalize("NFC", name)
    assert vn.type_name(unicodedata.normalize("NFD", "QĐ")) == "Quyết định"
    with pytest.raises(ArchiveError, match="XYZ") as caught:
        decision(type_code="XYZ").as_json()
    assert caught.value.field == "TypeName"


def test_xml_carries_the_same_values_and_parses_back() -> None:
    doc = decision(issued_amount=12, due_date=dt.date(2027, 1, 15))
    data = doc.as_xml()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Document>')
    root = ET.fromstring(data)
    assert root.tag == "Document"
    assert xml_as_json(root) == strings(doc.as_json())
    assert [t.findtext("OrganName") for t in root.iter("To")] == list(doc.to)


def test_special_characters_are_escaped() -> None:
    subject = "Về việc \"A\" & <B> > C 'đ' ]]> ứng"
    data = decision(subject=subject, to=("Phòng NV&KTGS", "<script>")).as_xml()
    assert b"&amp;" in data and b"&lt;B&gt;" in data and b"<script>" not in data
    root = ET.fromstring(data)
    assert root.findtext("Subject") == subject
    assert [t.findtext("OrganName") for t in root.iter("To")] == ["Phòng NV&KTGS", "<script>"]
    assert "ứng".encode() in data  # UTF-8, not character references


def test_text_is_nfc_and_line_ends_are_lf() -> None:
    doc = decision(subject=unicodedata.normalize("NFD", "Về việc công nhận\r\nnăm 2026"))
    subject = doc.as_json()["Subject"]
    assert subject == "Về việc công nhận\nnăm 2026"
    assert ET.fromstring(doc.as_xml()).findtext("Subject") == subject


def test_a_character_xml_cannot_carry_is_refused() -> None:
    with pytest.raises(ArchiveError, match="U\\+0007") as caught:
        decision(subject="Về việc\x07").as_json()
    assert caught.value.field == "Subject"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"number": 0}, "CodeNumber"),
        ({"page_amount": 0}, "PageAmount"),
        ({"ordinal": 0}, "DocOrdinal"),
    ],
)
def test_impossible_numbers_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ArchiveError) as caught:
        decision(**changes).as_json()
    assert caught.value.field == field


def test_the_dossier_record_counts_its_documents() -> None:
    docs = [
        decision(ordinal=1, type_code="KH", number=2, issued=dt.date(2026, 1, 8), page_amount=3),
        decision(ordinal=2, type_code="TTr", issued=dt.date(2026, 11, 20), page_amount=2),
        decision(ordinal=3, issued=dt.date(2026, 12, 1), page_amount=4),
    ]
    record = FileRecord.of(
        CODE,
        "Hồ sơ công nhận đơn vị điển hình năm 2026",
        docs,
        maintenance="Vĩnh viễn",
        rights="Công khai",
        creator="Lê Thị Thụy",
    )
    as_json = record.as_json()
    assert list(as_json) == [
        "FileCode",
        "Title",
        "Maintenance",
        "Rights",
        "Creator",
        "Language",
        "StartDate",
        "EndDate",
        "DocTotal",
        "PageTotal",
        "Description",
    ]
    assert as_json["StartDate"] == "2026-01-08" and as_json["EndDate"] == "2026-12-01"
    assert as_json["DocTotal"] == 3 and as_json["PageTotal"] == 9
    root = ET.fromstring(record.as_xml())
    assert root.tag == "File"
    assert xml_as_json(root) == strings(as_json)
    with pytest.raises(ArchiveError):
        FileRecord.of(CODE, "x", [], maintenance="", rights="", creator="")
    with pytest.raises(ArchiveError, match="EndDate"):
        dataclasses.replace(record, end_date=dt.date(2025, 1, 1)).as_json()


def test_element_repeats_lists_and_leaves_out_none() -> None:
    root = element("Archive", {"Document": [{"A": 1}, {"A": 2}], "B": None, "C": True})
    data = xml_bytes(root)
    parsed = ET.fromstring(data)
    assert [d.findtext("A") for d in parsed.iter("Document")] == ["1", "2"]
    assert parsed.find("B") is None and parsed.findtext("C") == "true"
    with pytest.raises(ArchiveError):
        element("X", {"F": 1.5})


xml_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60
) | st.sampled_from(["&", "<", ">", "&amp;", "]]>", "'\"", "Hòa Bình & Hải Phòng", " x "])


@given(
    subject=xml_text,
    organ=xml_text,
    to=st.lists(xml_text, max_size=5),
    number=st.integers(min_value=1, max_value=10_000),
    day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)),
)
def test_any_record_reads_back_from_its_xml_as_its_json(
    subject: str, organ: str, to: list[str], number: int, day: dt.date
) -> None:
    doc = decision(subject=subject, organ_name=organ, to=tuple(to), number=number, issued=day)
    as_json = doc.as_json()
    assert xml_as_json(ET.fromstring(doc.as_xml())) == strings(as_json)
    assert as_json["Subject"] == unicodedata.normalize("NFC", as_json["Subject"])
    assert len(as_json["CodeNumber"]) >= 2 and int(as_json["CodeNumber"]) == number
