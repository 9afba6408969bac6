"""Records metadata as ND 30/2020/NĐ-CP Phụ lục VI, Phần II names it (pure).

An issued document (văn bản đi, Mục I) and a dossier (hồ sơ, Mục III) as frozen dataclasses
built from plain values, each with `as_json()` (a dict whose keys are Phụ lục VI's English
field names) and `as_xml()` (UTF-8 bytes with an XML declaration, the same values as elements
of the same names). The XML is derived from the JSON form, so the two cannot disagree; `element`
and `xml_bytes` are exposed for files that hold several records (the archive export).

Every text is NFC with "\\n" line ends; a character XML 1.0 cannot carry (a control character)
raises ArchiveError instead of producing a file no parser reads back. Phụ lục VI's field lengths
(OrganId 13, Subject 500, …) are not enforced: the mã định danh of a body is not known here and
a trích yếu is what the signer signed.

Left out: the văn bản đến fields (Mục II), where records are kept (`api.registry.store`), and where
the
values come from (the registry).
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docgen import vn
from docgen.errors import ArchiveError

__all__ = [
    "LANGUAGE",
    "FileCode",
    "FileRecord",
    "OutgoingDocument",
    "SignerInfo",
    "element",
    "xml_bytes",
]

LANGUAGE = "Tiếng Việt"
# XML 1.0 § 2.2: no C0 controls but tab, LF and CR; no surrogates, no U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str, field: str) -> str:
    text = vn.nfc(value.replace("\r\n", "\n").replace("\r", "\n"))
    bad = _NOT_XML.search(text)
    if bad:
        raise ArchiveError(
            f"{field} holds the character U+{ord(bad[0]):04X}, which XML cannot carry",
            message_vi=f"Trường {field} có ký tự U+{ord(bad[0]):04X} không lưu được",
            field=field,
        )
    return text


def _count(value: int, field: str, *, least: int = 0) -> int:
    if value < least:
        raise ArchiveError(
            f"{field} must be {least} or more, got {value}",
            message_vi=f"Trường {field} phải từ {least} trở lên",
            field=field,
        )
    return value


@dataclass(frozen=True)
class FileCode:
    """Mã hồ sơ: the file a record belongs to."""

    organ_id: str
    """OrganId: mã định danh of the body that keeps the list of files (or its registry id)."""
    year: int
    """FileCatalog: the year the file was formed (năm hình thành hồ sơ)."""
    notation: str
    """FileNotation: số và ký hiệu hồ sơ in the body's list of files, e.g. "01.NC"."""

    def as_json(self) -> dict[str, Any]:
        return {
            "OrganId": _text(self.organ_id, "FileCode.OrganId"),
            "FileCatalog": _count(self.year, "FileCode.FileCatalog", least=1),
            "FileNotation": _text(self.notation, "FileCode.FileNotation"),
        }

    def __str__(self) -> str:
        """'000.00.00.H41.2026.01.NC': the three parts joined as TT 02/2019 writes a mã hồ sơ."""
        return f"{self.organ_id}.{self.year}.{self.notation}"


@dataclass(frozen=True)
class SignerInfo:
    """Chức vụ, họ tên người ký."""

    position: str
    """Position: "Chủ tịch", "Phó Chủ tịch", "Giám đốc"."""
    full_name: str
    """FullName: "Trần Minh Khôi"."""

    def as_json(self) -> dict[str, Any]:
        return {
            "Position": _text(self.position, "SignerInfo.Position"),
            "FullName": _text(self.full_name, "SignerInfo.FullName"),
        }


@dataclass(frozen=True)
class OutgoingDocument:
    """Văn bản đi: the metadata of an issued document (Phụ lục VI, Phần II, Mục I)."""

    file_code: FileCode
    ordinal: int
    """DocOrdinal: its place in the file, from 1."""
    type_code: str | None
    """"QĐ", "TTr", … (`vn.DOCUMENT_TYPES`) giving TypeName and CodeNotation; None: công văn."""
    number: int
    """CodeNumber, the số: written "01" for 1."""
    body_code: str
    """The issuing body's part of the ký hiệu: "UBND", or "UBND-VX" for a công văn."""
    issued: dt.date
    """IssuedDate."""
    organ_name: str
    """OrganName: "Ủy ban nhân dân thành phố Hải Phòng"."""
    subject: str
    """Subject: the trích yếu, "Về việc công nhận …"."""
    page_amount: int
    """PageAmount."""
    signer: SignerInfo
    to: tuple[str, ...] = ()
    """To: the bodies it is sent to (`docgen.recipients`), by name; their mã định danh is not
    known here, so OrganId is left out."""
    language: str = LANGUAGE
    description: str = ""
    """Description: ghi chú."""
    priority: int = 0
    """Priority: mức độ khẩn, độ mật as one digit; 0 for an ordinary document."""
    issued_amount: int | None = None
    """IssuedAmount: số lượng bản phát hành; left out when not known."""
    due_date: dt.date | None = None
    """DueDate: hạn trả lời; left out when there is none."""

    @property
    def type_name(self) -> str:
        return vn.type_name(self.type_code)

    @property
    def code_number(self) -> str:
        return vn.code_number(self.number)

    @property
    def code_notation(self) -> str:
        return vn.code_notation(self.type_code, self.body_code)

    def as_json(self) -> dict[str, Any]:
        """The record as Phụ lục VI names its fields; optional fields without a value left out."""
        try:
            type_name = self.type_name
        except ValueError as exc:
            raise ArchiveError(
                str(exc),
                field="TypeName",
                message_vi=f"Không có tên loại văn bản cho mã {self.type_code!r}",
            ) from exc
        record: dict[str, Any] = {
            "FileCode": self.file_code.as_json(),
            "DocOrdinal": _count(self.ordinal, "DocOrdinal", least=1),
            "TypeName": type_name,
            "CodeNumber": vn.code_number(_count(self.number, "CodeNumber", least=1)),
            "CodeNotation": _text(self.code_notation, "CodeNotation"),
            "IssuedDate": self.issued.isoformat(),
            "OrganName": _text(self.organ_name, "OrganName"),
            "Subject": _text(self.subject, "Subject"),
            "Language": _text(self.language, "Language"),
            "PageAmount": _count(self.page_amount, "PageAmount", least=1),
            "Description": _text(self.description, "Description"),
            "SignerInfo": self.signer.as_json(),
            "To": [{"OrganName": _text(name, "To.OrganName")} for name in self.to],
            "Priority": _count(self.priority, "Priority"),
        }
        if self.issued_amount is not None:
            record["IssuedAmount"] = _count(self.issued_amount, "IssuedAmount")
        if self.due_date is not None:
            record["DueDate"] = self.due_date.isoformat()
        return record

    def as_xml(self) -> bytes:
        """<Document> with the fields of `as_json` as elements; one <To> per recipient."""
        return xml_bytes(element("Document", self.as_json()))


@dataclass(frozen=True)
class FileRecord:
    """Hồ sơ: the metadata of a dossier (Phụ lục VI, Phần II, Mục III)."""

    file_code: FileCode
    title: str
    """Title: tiêu đề hồ sơ."""
    maintenance: str
    """Maintenance: thời hạn bảo quản, "Vĩnh viễn" or "10 năm"."""
    rights: str
    """Rights: chế độ sử dụng, "Công khai" or "Hạn chế"."""
    creator: str
    """Creator: người lập hồ sơ."""
    start_date: dt.date
    end_date: dt.date
    doc_total: int
    page_total: int
    language: str = LANGUAGE
    description: str = ""

    @classmethod
    def of(
        cls,
        file_code: FileCode,
        title: str,
        documents: Sequence[OutgoingDocument],
        *,
        maintenance: str,
        rights: str,
        creator: str,
        description: str = "",
    ) -> FileRecord:
        """The record of a file holding `documents`: dates and totals counted from them."""
        if not documents:
            raise ArchiveError(
                "a file needs at least one document",
                field="DocTotal",
                message_vi="Một hồ sơ lưu trữ cần ít nhất một văn bản",
            )
        days = [d.issued for d in documents]
        return cls(
            file_code=file_code,
            title=title,
            maintenance=maintenance,
            rights=rights,
            creator=creator,
            start_date=min(days),
            end_date=max(days),
            doc_total=len(documents),
            page_total=sum(d.page_amount for d in documents),
            description=description,
        )

    def as_json(self) -> dict[str, Any]:
        if self.end_date < self.start_date:
            raise ArchiveError(
                f"EndDate {self.end_date} is before StartDate {self.start_date}",
                field="EndDate",
                message_vi=f"Ngày kết thúc (EndDate) {self.end_date} trước ngày bắt đầu "
                f"(StartDate) {self.start_date}",
            )
        return {
            "FileCode": self.file_code.as_json(),
            "Title": _text(self.title, "Title"),
            "Maintenance": _text(self.maintenance, "Maintenance"),
            "Rights": _text(self.rights, "Rights"),
            "Creator": _text(self.creator, "Creator"),
            "Language": _text(self.language, "Language"),
            "StartDate": self.start_date.isoformat(),
            "EndDate": self.end_date.isoformat(),
            "DocTotal": _count(self.doc_total, "DocTotal"),
            "PageTotal": _count(self.page_total, "PageTotal"),
            "Description": _text(self.description, "Description"),
        }

    def as_xml(self) -> bytes:
        """<File> with the fields of `as_json` as elements."""
        return xml_bytes(element("File", self.as_json()))


def element(tag: str, fields: Mapping[str, Any]) -> ET.Element:
    """`fields` as an element: a mapping becomes child elements, a list repeats its key's
    element once per item, a number or a string becomes text, None is left out."""
    root = ET.Element(tag)
    _fill(root, fields)
    return root


def _fill(parent: ET.Element, fields: Mapping[str, Any]) -> None:
    for key, value in fields.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is None:
                continue
            child = ET.SubElement(parent, key)
            if isinstance(item, Mapping):
                _fill(child, item)
            elif isinstance(item, bool):
                child.text = "true" if item else "false"
            elif isinstance(item, int | str):
                child.text = _text(str(item), key)
            elif isinstance(item, dt.date):
                child.text = item.isoformat()
            else:
                raise ArchiveError(
                    f"{key}: cannot write {type(item).__name__} as XML",
                    field=key,
                    message_vi=f"{key}: không ghi được {type(item).__name__} thành XML",
                )


def xml_bytes(root: ET.Element) -> bytes:
    """UTF-8 bytes with an XML declaration, indented for a reader; ElementTree escapes "&" and
    "<" in text and quotes in attributes."""
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()
