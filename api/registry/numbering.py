"""Numbers without gaps (sổ đăng ký văn bản): the next số per issuing body, document type and
calendar year, taken inside the transaction that records the issued document.

`record_issue` is the use case: open a transaction, take the number, let the caller make the
issued file with it (fill số and ngày, apply the organisation's signature, write the file),
record the document as issued with the file's SHA-256 and an audit entry, commit. If making the
file fails — a wrong passphrase, a refused certificate, a timestamp authority that does not
answer, a crash — the transaction rolls back and the number goes to the next issue, so the
sequence has no gap; the unique key on the documents makes a duplicate impossible even if the
counter were wrong.

How the number is held until commit: one counter row per (body, type, year). On PostgreSQL,
INSERT … ON CONFLICT DO NOTHING makes sure the row exists and UPDATE … SET last = last + 1 …
RETURNING takes the number and keeps the row locked until commit — a second issue of the same
series waits, an issue of another series does not. On SQLite the transaction began IMMEDIATE
(api/registry/db.py): the database has one writer at a time. Numbers restart at 1 each 1 January
because the year is part of the key (ND 30/2020 Điều 15: numbered per calendar year), so no
job resets anything.

Left out: the files (the archive store keeps them), recipients, revoking and replacing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from api.registry import crash
from api.registry.db import (
    STATUS_VI,
    AuditEntry,
    Document,
    IssuingBody,
    NumberCounter,
    new_verification_code,
)
from api.registry.lookup import RegistryRecord, Status
from docgen import model, vn
from docgen.errors import ConfigError, NumberingError

__all__ = [
    "DatabaseLookup",
    "IssuedDocument",
    "add_issuing_bodies",
    "issue_number",
    "record_issue",
]


@dataclass(frozen=True)
class IssuedDocument:
    """What the registry recorded for one issue."""

    document_id: int
    number: int
    """The số: 6 for "06/QĐ-UBND"."""
    reference: str
    """Số ký hiệu as printed, without "Số:": "06/QĐ-UBND"."""
    issued_on: dt.date
    sha256: str
    """SHA-256 (hex) of the issued file."""
    verification_code: str
    """The code of the public page /v/{code}."""
    pdf: bytes = field(repr=False)
    """The issued file, as `make` returned it."""


def add_issuing_bodies(session: Session, bodies: Iterable[model.IssuingBody]) -> list[str]:
    """Add to the registry the bodies it does not know yet, parents first; returns their ids."""
    given = {body.id: body for body in bodies}
    known = set(session.scalars(select(IssuingBody.id)))
    added: list[str] = []

    def add(body_id: str) -> None:
        if body_id in known:
            return
        body = given.get(body_id)
        if body is None:
            raise ConfigError(
                f"unknown parent issuing body '{body_id}'",
                field="parent",
                message_vi=f"Không có cơ quan chủ quản '{body_id}'",
            )
        known.add(body_id)
        if body.parent is not None:
            add(body.parent)
        session.add(
            IssuingBody(
                id=body.id,
                name=body.name,
                parent_id=body.parent,
                abbreviation=body.abbreviation,
                place=body.place,
            )
        )
        session.flush()  # the parent's row exists before its children's foreign keys
        added.append(body_id)

    for body_id in given:
        add(body_id)
    return added


def issue_number(session: Session, *, body: str, type_code: str, year: int) -> int:
    """Take the next số of (body, type, year) in `session`'s transaction: 1 for the first of
    the year. The number is consumed when that transaction commits, and not if it rolls back;
    until then the series is locked (PostgreSQL: its counter row; SQLite: the database)."""
    type_code = _series(session, body=body, type_code=type_code, year=year)
    key = {"issuing_body_id": body, "type_code": type_code, "year": year}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(NumberCounter).values(**key, last=0).on_conflict_do_nothing())
    taken = session.execute(
        update(NumberCounter)
        .where(
            NumberCounter.issuing_body_id == body,
            NumberCounter.type_code == type_code,
            NumberCounter.year == year,
        )
        .values(last=NumberCounter.last + 1)
        .returning(NumberCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return taken


def _series(session: Session, *, body: str, type_code: str, year: int) -> str:
    """The type code as stored (NFC: "QĐ" typed two ways is one series); refuses the rest."""
    code = vn.nfc(type_code.strip())
    if not code or len(code) > 16 or any(c in code for c in "/- "):
        raise NumberingError(
            f"'{type_code}' is not a tên loại code such as QĐ, TTr or KH",
            message_vi=f"'{type_code}' không phải mã tên loại văn bản (QĐ, TTr, KH, …)",
            field="type_code",
        )
    if not 1900 < year < 10000:
        raise NumberingError(
            f"{year} is not a calendar year to number in",
            field="year",
            message_vi=f"{year} không phải năm dương lịch để cấp số",
        )
    if session.get(IssuingBody, body) is None:
        raise NumberingError(
            f"the registry knows no issuing body '{body}'",
            message_vi=f"Sổ đăng ký chưa có cơ quan ban hành '{body}'",
            field="body",
        )
    return code


def record_issue(
    sessions: sessionmaker[Session],
    *,
    body: str,
    type_code: str,
    issued_on: dt.date,
    make: Callable[[int], bytes],
    actor: str,
    subject: str = "",
    signer_info: str | None = None,
    page_count: int | None = None,
    verification_code: str | None = None,
    document_id: int | None = None,
    then: Callable[[Session, int], None] | None = None,
    detail: Mapping[str, Any] | None = None,
) -> IssuedDocument:
    """Issue one document: take the next số of (body, type, year of `issued_on`), call
    `make(number)`, which returns the issued file (and may write it), and record the document
    as issued with the file's SHA-256 and an audit entry by `actor` — all in one transaction.

    If `make` raises, nothing is recorded and no number is consumed; its exception propagates.
    `document_id` names a signed draft already registered (it must be of the same body and
    type), which becomes the issued document; otherwise a new row is made, with
    `verification_code` (the code printed on the draft) or a new one. `then(session, id)` adds
    what belongs to the issue in the same transaction (the recipients and their links);
    `detail` goes into the audit entry (the organisation's certificate).
    """
    code = vn.nfc(type_code.strip())
    try:
        # `make` writes into the store: journaled, and no sweep until the commit.
        with sessions.begin() as session, crash.store_writes(session):
            draft = None if document_id is None else _signed_draft(session, document_id, body=body)
            if draft is not None and draft.type_code != code:
                raise NumberingError(
                    f"document {document_id} is a {draft.type_code}, not a {code}",
                    field="type_code",
                    message_vi=f"Văn bản {document_id} là {draft.type_code}, không phải {code}",
                )
            if draft is None and verification_code is not None:
                _refuse_taken_code(session, verification_code)
            # Held here, the body's row is not read again while the series is locked.
            issuer = session.get(IssuingBody, body)
            number = issue_number(session, body=body, type_code=code, year=issued_on.year)
            assert issuer is not None  # issue_number refuses an unknown body
            crash.point("registry.after-number")
            pdf = make(number)
            document = draft or Document(
                issuing_body_id=body,
                type_code=code,
                subject=vn.nfc(subject),
                verification_code=verification_code or new_verification_code(),
            )
            document.page_count = page_count if page_count is not None else document.page_count
            document.signer_info = signer_info or document.signer_info
            done = _record(
                session, document, issuer, number, issued_on, pdf, actor=actor, extra=detail
            )
            if then is not None:
                then(session, done.document_id)
                session.flush()
            crash.point("registry.before-commit")
            return done
    except IntegrityError as exc:
        raise NumberingError(
            f"the registry refused the issued document: {_first_line(exc)}",
            message_vi="Sổ đăng ký từ chối văn bản (đã đăng ký trước đó?)",
            field="document",
        ) from exc
    except OperationalError as exc:
        raise NumberingError(
            f"the registry database cannot be used: {_first_line(exc)}",
            message_vi="Không dùng được cơ sở dữ liệu sổ đăng ký",
            field="database_url",
        ) from exc


def _record(
    session: Session,
    document: Document,
    issuer: IssuingBody,
    number: int,
    issued_on: dt.date,
    pdf: bytes,
    *,
    actor: str,
    extra: Mapping[str, Any] | None = None,
) -> IssuedDocument:
    """`document` as issued with `number` and the file `pdf`, and its audit entry."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    reference = vn.document_number(number, document.type_code, issuer.abbreviation, prefix=False)
    document.year = issued_on.year
    document.number = number
    document.notation = f"{document.type_code}-{issuer.abbreviation}"
    document.issued_on = issued_on
    document.status = "issued"
    document.sha256 = sha256
    session.add(document)
    session.flush()
    detail = {
        **(extra or {}),
        "reference": reference,
        "issued_on": issued_on.isoformat(),
        "sha256": sha256,
    }
    session.add(AuditEntry(actor=actor, action="issue", document_id=document.id, detail=detail))
    session.flush()
    return IssuedDocument(
        document_id=document.id,
        number=number,
        reference=reference,
        issued_on=issued_on,
        sha256=sha256,
        verification_code=document.verification_code,
        pdf=pdf,
    )


def _signed_draft(session: Session, document_id: int, *, body: str) -> Document:
    """The draft `document_id`, locked for this transaction, if it is signed and not issued."""
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.issuing_body_id != body:
        raise NumberingError(
            f"no document {document_id} of '{body}'",
            field="document_id",
            message_vi=f"Không có văn bản {document_id} của '{body}'",
        )
    if document.status != "signed":
        raise NumberingError(
            f"document {document_id} is {document.status}; only a signed draft is issued",
            message_vi=f"Văn bản {document_id} đang ở trạng thái "
            f"“{STATUS_VI[document.status].lower()}”; chỉ văn bản đã ký mới được ban hành",
            field="document_id",
        )
    return document


def _refuse_taken_code(session: Session, code: str) -> None:
    """A code printed on a draft names one document: issuing the same draft twice is refused."""
    holder = session.scalar(select(Document).where(Document.verification_code == code))
    if holder is not None:
        held = f"{holder.number:02d}/{holder.notation}" if holder.number else f"#{holder.id}"
        raise NumberingError(
            f"the document with code {code} is registered already ({held}, {holder.status})",
            message_vi=f"Văn bản mã {code} đã có trong sổ đăng ký ({held})",
            field="verification_code",
        )


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


class DatabaseLookup:
    """The registry as verification sees it (`api.registry.lookup.RegistryLookup`) over the
    database:
    an issued document found by the SHA-256 of its issued or its archived (B-LTA) file, or by
    its verification code."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def by_sha256(self, sha256: str) -> RegistryRecord | None:
        digest = sha256.lower()
        return self._find(or_(Document.sha256 == digest, Document.archived_sha256 == digest))

    def by_code(self, code: str) -> RegistryRecord | None:
        return self._find(Document.verification_code == code)

    def _find(self, condition: ColumnElement[bool]) -> RegistryRecord | None:
        with self._sessions() as session:
            # A reader: on SQLite it must not queue behind an issue holding the write lock.
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            document = session.scalar(
                select(Document).where(condition, Document.number.is_not(None))
            )
            if document is None or document.number is None or document.issued_on is None:
                return None
            body = session.get(IssuingBody, document.issuing_body_id)
            replacement = (
                session.get(Document, document.replaced_by_id)
                if document.replaced_by_id is not None
                else None
            )
            return RegistryRecord(
                code=document.verification_code,
                number=f"{vn.code_number(document.number)}/{document.notation}",
                date=document.issued_on,
                subject=document.subject,
                issuing_body=body.name if body is not None else document.issuing_body_id,
                status=_STATUS.get(document.status, "in force"),
                replaced_by=_reference(replacement),
                reason=document.reason,
            )


_STATUS: dict[str, Status] = {"revoked": "revoked", "replaced": "replaced"}


def _reference(document: Document | None) -> str | None:
    if document is None or document.number is None:
        return None
    return f"{vn.code_number(document.number)}/{document.notation}"
