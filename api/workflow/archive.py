"""Archiving issued documents and exporting them: use cases over the registry and the store.

`archive_document` takes an issued document into the archive. Its issued file, read from the
store by the hash the registry keeps, gets the validation data of its signatures and a document
timestamp (PAdES B-LTA, `signing.archive.seal_for_archive`); the sealed file goes into the store
and the registry records its hash (`archived_sha256`, beside `sha256` of the issued file), the
status "archived" and an audit entry, in one transaction. The issued file stays in the store:
it is what recipients received and what the QR code's page matches.

`export_package` makes the archive export (`api.registry.store.export_bytes`) of a year or of a
dossier:
every document issued in it (issued, archived, revoked or replaced; a revoked one is still a
record), the archived file where there is one, its ND 30 Phụ lục VI metadata built from the
registry's row (`docgen.records.OutgoingDocument`) and the verification report of that file.

`find_records` is the archivist's search (tra cứu) among those records. Checking the store
against the registry is api/workflow/archive_check.py.

Left out: where an export is written (the CLI, the API), timestamp renewal (`hoso archive
renew`), and the record of the hồ sơ itself (Phụ lục VI, Mục III): its thời hạn bảo quản, chế
độ sử dụng and người lập are not in the registry, so an export carries the documents' records
only.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final, TypeVar

from asn1crypto import x509
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.registry import crash
from api.registry.db import STATUS_VI, AuditEntry, Document, IssuingBody, Status
from api.registry.store import TRAILS, ExportEntry, Storage, export_bytes
from docgen import records, vn
from docgen.errors import ArchiveError, HosoError, NotFound, StateError
from docgen.generate import slug
from signing.archive import seal_for_archive
from signing.verify import verify_pdf

__all__ = [
    "EXPORTED",
    "Found",
    "Record",
    "archive_document",
    "export_package",
    "find_records",
    "first_line",
    "fold",
    "holdings",
    "read_registry",
]

_T = TypeVar("_T")

EXPORTED: Final[tuple[Status, ...]] = ("issued", "archived", "revoked", "replaced")
"""The statuses whose documents an export holds: every document that was issued."""


def archive_document(
    sessions: sessionmaker[Session],
    storage: Storage,
    document_id: int,
    *,
    tsa_url: str,
    context: ValidationContext,
    actor: str,
) -> str:
    """Seal the issued document `document_id` for the archive (PAdES B-LTA, the timestamp from
    `tsa_url`, validation data fetched with `context`), keep the sealed file in `storage` and
    record it: `archived_sha256`, status "archived" and an audit entry by `actor`. Returns the
    SHA-256 of the sealed file.

    Refused (StateError) for a document that is not issued, NotFound for one the registry does
    not have. If anything fails the registry is left as it was; the sealed file may then lie in
    the store without its record, which `hoso archive check` sets aside
    (`api.registry.crash.sweep`)."""
    try:
        # The sealed file goes into the store: journaled, and no sweep until the commit.
        with sessions.begin() as session, crash.store_writes(session):
            document = session.get(Document, document_id, with_for_update=True)
            if document is None:
                raise NotFound(
                    f"the registry has no document {document_id}",
                    message_vi=f"Sổ đăng ký không có văn bản {document_id}",
                    field="document_id",
                )
            if document.status != "issued" or document.sha256 is None:
                raise StateError(
                    f"document {document_id} is {document.status}; only an issued document is "
                    "sealed for the archive",
                    message_vi=f"Văn bản {document_id} đang ở trạng thái "
                    f"“{STATUS_VI[document.status].lower()}”; chỉ văn bản đã ban hành mới được "
                    "niêm phong lưu trữ",
                    field="document_id",
                )
            issued = storage.get(document.sha256)  # checked against its hash on read
            sealed = seal_for_archive(issued, tsa_url=tsa_url, context=context)
            # Into the store before the record commits: a record never lacks its file.
            digest = storage.put(sealed)
            document.archived_sha256 = digest
            document.status = "archived"
            detail = {"sha256": document.sha256, "archived_sha256": digest}
            session.add(
                AuditEntry(actor=actor, action="archive", document_id=document.id, detail=detail)
            )
            crash.point("archive.before-commit")
    except SQLAlchemyError as exc:
        raise ArchiveError(
            f"the registry could not record the archived document: {first_line(exc)}",
            message_vi="Sổ đăng ký không ghi nhận được văn bản lưu trữ",
            field="document_id",
        ) from exc
    return digest


def export_package(
    sessions: sessionmaker[Session],
    storage: Storage,
    *,
    year: int | None = None,
    dossier: str | None = None,
    body: str | None = None,
    trust_roots: Sequence[x509.Certificate],
    online: bool = True,
    seal: Callable[[bytes], bytes] | None = None,
) -> bytes:
    """The archive export (a ZIP, `api.registry.store.export_bytes`) of every document issued in
    `year`
    (of its số) or in `dossier` ("2026/ubnd-hai-phong"); exactly one of the two is given.

    Each document appears as its archived file where there is one, else its issued file, with
    its Phụ lục VI record and the report of `signing.verify.verify_pdf` against `trust_roots`
    (`online`: fetching revocation data the file does not carry). A dossier export holds the
    files side by side; a year's export puts them under their dossier's folder. A selection
    without a document is refused (NotFound naming the field); so is a stored file that is
    missing or changed (ArchiveError naming its hash). `body` keeps only the documents that
    body issued or whose dossier it keeps.

    Each document's Phiếu theo dõi (api/workflow/history_pdf.py) is there too, as
    phieu-theo-doi/<name>.pdf: sealed with `seal` (the body's key) when given."""
    from api.workflow.history import history_of
    from api.workflow.history_pdf import trail_pdf

    condition, field, what_en, what_vi = _selection(year, dossier)
    rows = _issued_rows(sessions, and_(condition, _issued(body)))
    if not rows:
        raise NotFound(
            f"the registry has no issued document {what_en} to export",
            message_vi=f"Sổ đăng ký không có văn bản đã ban hành nào {what_vi} để xuất",
            field=field,
        )
    names = _filenames(rows, nested=dossier is None)
    entries = []
    trails: list[tuple[str, bytes]] = []
    for row, name in zip(rows, names, strict=True):
        pdf = storage.get(row.stored)  # checked against its hash on read
        record = row.record
        if not record.page_amount:
            record = replace(record, page_amount=_page_count(pdf))
        report = verify_pdf(pdf, trust_roots, online=online)
        entries.append(ExportEntry(name, pdf, record.as_json(), report.as_data()))
        history = history_of(
            sessions,
            lambda d: storage.get(d.archived_sha256 or d.sha256 or ""),
            actor=None,
            document_id=row.document_id,
        )
        # Dated by its last event, not the clock: the same registry exports the same bytes.
        last = max((e.at for e in history.events), default=history.made_at)
        trail = trail_pdf(replace(history, made_at=last))
        trails.append((f"{TRAILS}/{name}", seal(trail) if seal is not None else trail))
    return export_bytes(entries, extras=trails)


def _selection(year: int | None, dossier: str | None) -> tuple[ColumnElement[bool], str, str, str]:
    """The documents' condition, the field that chose them, and how to name it in words."""
    if (year is None) == (dossier is None):
        raise HosoError(
            "give a year or a dossier to export, not both",
            message_vi="Cần chọn năm hoặc hồ sơ để xuất, không chọn cả hai",
            field="year",
        )
    if dossier is not None:
        if not dossier.strip():
            raise NotFound(
                "the dossier to export is empty",
                message_vi="Hồ sơ cần xuất không có văn bản nào",
                field="dossier",
            )
        words = f"in dossier {dossier}", f"trong hồ sơ {dossier}"
        return Document.dossier == dossier, "dossier", *words
    return Document.year == year, "year", f"of {year}", f"năm {year}"


@dataclass(frozen=True)
class _Row:
    """What the export needs of one document, read in one short transaction."""

    document_id: int
    stored: str
    """The SHA-256 of the file exported: the archived one, else the issued one."""
    dossier: str | None
    issuing_body_id: str
    year: int
    number: int
    notation: str
    record: records.OutgoingDocument
    """Its Phụ lục VI record; PageAmount 0 when the registry has no page count."""


def _issued_rows(sessions: sessionmaker[Session], condition: ColumnElement[bool]) -> list[_Row]:
    """The documents matching `condition` (issued ones: `_issued`), in order within their file
    (dossier), and numbered there: by ngày ban hành, type, số."""
    query = (
        select(Document)
        .where(condition)
        .order_by(
            Document.dossier, Document.issued_on, Document.type_code, Document.number, Document.id
        )
    )

    def read(session: Session) -> tuple[Sequence[Document], dict[str, str]]:
        names = {b.id: b.name for b in session.scalars(select(IssuingBody))}
        return session.scalars(query).all(), names

    documents, bodies = read_registry(sessions, read)
    rows: list[_Row] = []
    ordinals: dict[str, int] = {}
    for d in documents:
        assert d.number is not None and d.issued_on is not None and d.sha256 is not None
        code = _file_code(d)
        ordinals[str(code)] = ordinals.get(str(code), 0) + 1
        record = records.OutgoingDocument(
            file_code=code,
            ordinal=ordinals[str(code)],
            type_code=d.type_code,
            number=d.number,
            body_code=d.notation.removeprefix(f"{d.type_code}-"),
            issued=d.issued_on,
            organ_name=bodies.get(d.issuing_body_id, d.issuing_body_id),
            subject=d.subject,
            page_amount=d.page_count or 0,
            signer=_signer(d),
            to=tuple(r["name"] for r in d.send_to or () if r.get("name")),
            description=d.title or "",
        )
        rows.append(
            _Row(
                document_id=d.id,
                stored=d.archived_sha256 or d.sha256,
                dossier=d.dossier,
                issuing_body_id=d.issuing_body_id,
                year=d.year,
                number=d.number,
                notation=d.notation,
                record=record,
            )
        )
    return rows


def _file_code(document: Document) -> records.FileCode:
    """Mã hồ sơ from the dossier "2026/ubnd-hai-phong": the assessing body, the dossier's year
    and, as FileNotation, the registry's name of the dossier (the body's own list of files,
    which gives "01.NC", is not in the registry). Without a dossier: the issuing body and year."""
    if document.dossier:
        year, _, body = document.dossier.partition("/")
        if year.isdigit() and body:
            return records.FileCode(body, int(year), document.dossier)
    return records.FileCode(document.issuing_body_id, document.year, document.dossier or "")


def _signer(document: Document) -> records.SignerInfo:
    """Chức vụ and họ tên: from `signer_info` ("Chủ tịch Trần Minh Khôi") split at the name,
    else from the signature block's lines ("CHỦ TỊCH" read as "Chủ tịch")."""
    name = vn.nfc(document.signer_name or "")
    info = vn.nfc(document.signer_info or "")
    if name and info.endswith(name) and info != name:
        return records.SignerInfo(info.removesuffix(name).strip(), name)
    if document.signer_title:
        return records.SignerInfo(vn.position(document.signer_title), name)
    return records.SignerInfo(info, name)


def _filenames(rows: Sequence[_Row], *, nested: bool) -> list[str]:
    """'06-qd-ubnd.pdf' per document (under '2026/ubnd-hai-phong/' when `nested`); a name two
    documents would share (two bodies' 01/QĐ-UBND) gets the issuing body and year added."""

    def base(row: _Row, *, full: bool) -> str:
        name = f"{vn.code_number(row.number)}-{slug(row.notation)}"
        if full:
            name += f"-{slug(row.issuing_body_id)}-{row.year}"
        folder = "/".join(slug(p) for p in (row.dossier or "").split("/") if slug(p))
        return f"{folder}/{name}.pdf" if nested and folder else f"{name}.pdf"

    short = [base(row, full=False) for row in rows]
    return [base(row, full=short.count(name) > 1) for row, name in zip(rows, short, strict=True)]


def _page_count(pdf: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PyPdfError, ValueError) as exc:
        raise ArchiveError(
            "a stored file is not a readable PDF",
            field="sha256",
            message_vi="Một tệp trong kho lưu trữ không phải tệp PDF đọc được",
        ) from exc


def first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


# --- searching the archive ------------------------------------------------------------------------

SEARCH_LIMIT: Final = 200
"""The most records one search lists; a narrower search finds the rest."""


@dataclass(frozen=True)
class Record:
    """An issued document as the archive lists it."""

    id: int
    reference: str
    """Its số ký hiệu: "01/QĐ-UBND"."""
    type_code: str
    issued_on: dt.date
    subject: str
    status: Status
    dossier: str | None


@dataclass(frozen=True)
class Found:
    """What a search found, newest first; `truncated` when there was more than it lists."""

    records: tuple[Record, ...]
    truncated: bool


def fold(text: str) -> str:
    """`text` without case or diacritics, for matching what a person types: "Quyết định" and
    "quyet dinh" fold alike (NFD, combining marks dropped, đ as d, casefolded)."""
    plain = unicodedata.normalize("NFD", vn.nfc(text).replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).casefold().split())


def find_records(
    sessions: sessionmaker[Session],
    *,
    body: str | None,
    year: int | None = None,
    type_code: str | None = None,
    number: int | None = None,
    notation: str | None = None,
    subject: str = "",
    limit: int = SEARCH_LIMIT,
) -> Found:
    """The issued documents (`EXPORTED`) of `body` (issued by it or kept in its dossiers; None:
    every body's) matching every criterion given: the year of the số, the type code, the số,
    the ký hiệu and a part of the trích yếu, the last two without case or diacritics.

    The trích yếu is matched here rather than in SQL, which has no portable way to ignore
    diacritics; a body's archive is read in one short query."""
    condition = _issued(body)
    if year is not None:
        condition = and_(condition, Document.year == year)
    if type_code:
        condition = and_(condition, Document.type_code == vn.nfc(type_code))
    if number is not None:
        condition = and_(condition, Document.number == number)
    query = (
        select(Document)
        .where(condition)
        .order_by(Document.issued_on.desc(), Document.number.desc(), Document.id.desc())
    )
    wanted, kind = fold(subject), fold(notation or "")
    records: list[Record] = []
    for d in read_registry(sessions, lambda session: session.scalars(query).all()):
        if wanted not in fold(d.subject) or (kind and kind != fold(d.notation)):
            continue
        if len(records) == limit:
            return Found(tuple(records), truncated=True)
        assert d.number is not None and d.issued_on is not None
        reference = f"{vn.code_number(d.number)}/{d.notation}"
        records.append(
            Record(d.id, reference, d.type_code, d.issued_on, d.subject, d.status, d.dossier)
        )
    return Found(tuple(records), truncated=False)


def holdings(sessions: sessionmaker[Session], *, body: str | None) -> tuple[list[int], list[str]]:
    """The years (newest first) and dossiers that hold an issued document of `body`: what an
    export can be asked for."""
    years = select(Document.year).where(_issued(body)).distinct()
    dossiers = select(Document.dossier).where(_issued(body), Document.dossier.is_not(None))

    def both(session: Session) -> tuple[list[int], list[str]]:
        found = {d for d in session.scalars(dossiers.distinct()) if d}
        return sorted(set(session.scalars(years)), reverse=True), sorted(found, reverse=True)

    return read_registry(sessions, both)


def _issued(body: str | None) -> ColumnElement[bool]:
    """The documents that were issued, of `body` when given (as `export_package` selects)."""
    condition = and_(
        Document.status.in_(EXPORTED),
        Document.number.is_not(None),
        Document.issued_on.is_not(None),
        Document.sha256.is_not(None),
    )
    if body is None:
        return condition
    mine = or_(Document.issuing_body_id == body, Document.dossier.like(f"%/{body}"))
    return and_(condition, mine)


def read_registry(sessions: sessionmaker[Session], query: Callable[[Session], _T]) -> _T:
    """`query` in a reading transaction, database errors as ArchiveError."""
    try:
        with sessions() as session:
            # A reader: on SQLite it must not queue behind an issue holding the write lock.
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            return query(session)
    except SQLAlchemyError as exc:
        raise ArchiveError(
            f"the registry database cannot be used: {first_line(exc)}",
            message_vi="Không dùng được cơ sở dữ liệu sổ đăng ký",
            field="database_url",
        ) from exc
