"""The registry as the verification side sees it: a document found by its content hash or by the
code its QR leads to, with its current status.

A small port (`RegistryLookup`) with two plain implementations, so that the verification
endpoint and the public page can be built and tested before and apart from the database: an
in-memory one for tests and demos, and `NoRegistry` (nothing is registered) for a service that
only checks signatures. The database-backed implementation lives with the registry; numbering,
recipients and the audit log are none of this module's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

Status = Literal["in force", "revoked", "replaced"]


@dataclass(frozen=True)
class RegistryRecord:
    """An issued document as the registry knows it now."""

    code: str
    """The verification code printed under the QR code, 'ABCDE-FGHIJ' (the page is /v/{code})."""

    number: str
    """Số ký hiệu without 'Số:', e.g. '06/QĐ-UBND'."""

    date: dt.date
    """Ngày ban hành."""

    subject: str
    """Trích yếu: what the document is about, e.g. 'Về việc công nhận …'."""

    issuing_body: str
    """The issuing body's full name, e.g. 'Ủy ban nhân dân thành phố Hải Phòng'."""

    status: Status = "in force"
    """'in force', 'revoked' or 'replaced' (then `replaced_by` names the new document)."""

    replaced_by: str | None = None
    """Số ký hiệu of the document that replaced this one."""

    reason: str | None = None
    """Why it was revoked or replaced, as the registry recorded it."""


class RegistryLookup(Protocol):
    """Finds issued documents; the database adapter of the registry implements it."""

    def by_sha256(self, sha256: str) -> RegistryRecord | None:
        """The issued document whose file has this SHA-256 (lowercase hex), bit for bit."""
        ...

    def by_code(self, code: str) -> RegistryRecord | None:
        """The issued document with this verification code ('ABCDE-FGHIJ')."""
        ...


class NoRegistry:
    """Nothing is registered: verification reports signatures only."""

    def by_sha256(self, sha256: str) -> RegistryRecord | None:
        return None

    def by_code(self, code: str) -> RegistryRecord | None:
        return None


class InMemoryRegistry:
    """A registry held in dictionaries: tests, demos, and the bench."""

    def __init__(self, documents: Iterable[tuple[str, RegistryRecord]] = ()) -> None:
        self._by_sha256: dict[str, RegistryRecord] = {}
        self._by_code: dict[str, RegistryRecord] = {}
        for sha256, record in documents:
            self.add(sha256, record)

    def add(self, sha256: str, record: RegistryRecord) -> None:
        """Register `record` as the document whose file hashes to `sha256`."""
        self._by_sha256[sha256.lower()] = record
        self._by_code[record.code] = record

    def by_sha256(self, sha256: str) -> RegistryRecord | None:
        return self._by_sha256.get(sha256.lower())

    def by_code(self, code: str) -> RegistryRecord | None:
        return self._by_code.get(code)


def normalise_code(text: str) -> str:
    """A code as a person may type it ('abcde fghij', 'ABCDEFGHIJ') in the printed form
    'ABCDE-FGHIJ'; anything else comes back stripped and upper-cased, to be found or not."""
    plain = "".join(text.split()).upper()
    letters = plain.replace("-", "")
    if len(letters) == 10 and letters.isalnum() and letters.isascii():
        return f"{letters[:5]}-{letters[5:]}"
    return plain


def status_text(record: RegistryRecord) -> str:
    """'in force', 'revoked', 'replaced by 07/QĐ-UBND'."""
    if record.status == "replaced" and record.replaced_by:
        return f"replaced by {record.replaced_by}"
    return record.status


def status_vi(record: RegistryRecord) -> str:
    """The status in plain Vietnamese, as the public page shows it."""
    if record.status == "revoked":
        return "Đã bị thu hồi"
    if record.status == "replaced":
        by = f" {record.replaced_by}" if record.replaced_by else " văn bản khác"
        return f"Đã được thay thế bởi{by}"
    return "Đang có hiệu lực"
