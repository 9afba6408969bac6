"""Checking the archive store against the registry (`hoso archive check`, the Lưu trữ page):
`check_store` re-hashes every stored file, re-validates its signatures, names any registered
document without its file and any file without its record, and returns what differs as data
(`CheckReport`). It sweeps first what a killed issue left (api/registry/crash.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from asn1crypto import x509
from sqlalchemy import or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.registry import crash
from api.registry.db import Document, Status
from api.registry.store import LocalStore, Storage
from api.workflow import archive
from docgen import vn
from docgen.errors import ArchiveError, HosoError
from signing.verify import Indication, verify_pdf

WORKING: Final[tuple[Status, ...]] = ("draft", "signed")
"""The statuses whose file is a working file (api/workflow/documents.py keeps them in its drafts
store)."""
_UNNUMBERED_VI: Final = {"draft": "dự thảo", "signed": "đã ký, chưa ban hành"}


@dataclass(frozen=True)
class Discrepancy:  # Sai lệch
    """One difference between the registry and the store, or a file that does not verify."""

    subject: str
    """What it is about: "01/QĐ-UBND", "01/QĐ-UBND (bản lưu trữ)", "#12 (signed)" for a
    document without số, or the SHA-256 of a stored file no document names."""
    subject_vi: str
    """The same in Vietnamese: "Văn bản #12 (đã ký, chưa ban hành)" for a document without số."""
    message: str
    message_vi: str


@dataclass(frozen=True)
class CheckedFile:
    """A stored file read back, matched against its hash, its signatures validated."""

    name: str
    """As `Discrepancy.subject` names it."""
    name_vi: str
    status: Status
    """Its document's status."""
    sha256: str
    indication: Indication | None
    """The verification's verdict; None for an unsigned draft, of which only the hash counts."""
    sub_indication: str | None
    message: str
    message_vi: str = ""
    """The verification's reason in Vietnamese (`Report.message_vi`)."""

    @property
    def passed(self) -> bool:
        return self.indication in (None, Indication.TOTAL_PASSED)


@dataclass(frozen=True)
class CheckReport:
    """What `check_store` found: clean when it lists no discrepancy."""

    documents: int
    """The documents with a file that were checked."""
    files: tuple[CheckedFile, ...]
    """Every file read intact, in the order checked."""
    problems: tuple[Discrepancy, ...]
    set_aside: tuple[str, ...] = ()
    """The files without record a killed issue or archiving had left, moved into the store's
    quarantine folder before the check (`api.registry.crash.sweep`): not discrepancies any more."""

    @property
    def clean(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Stored:
    """What the check needs of a document with a file."""

    label: str
    label_vi: str
    status: Status
    sha256: str
    archived_sha256: str | None


def check_store(
    sessions: sessionmaker[Session],
    storage: Storage,
    *,
    trust_roots: Sequence[x509.Certificate],
    online: bool = False,
    body: str | None = None,
    drafts: Storage | None = None,
    progress: Callable[[CheckedFile], None] | None = None,
) -> CheckReport:
    """Re-hash every file the registry names, re-validate its signatures against `trust_roots`
    (`online`: fetching revocation data the file does not carry) and compare store and
    registry. Discrepancies: a document without its file (or its archived file, once archived),
    a file that changed, one that does not verify, and a file in `storage` that no document
    names. `body` checks only that body's documents (issued by it or in its dossiers); a file
    without record belongs to no body and is always named.

    Issued and archived files are in `storage`. A draft's or signed draft's file is taken from
    `drafts` where it is there, else from `storage`; `drafts` itself, which keeps superseded
    drafts too, is not searched for files without record. `progress` hears of each file checked.

    A local `storage` is swept first (`api.registry.crash.sweep`): the files that an issue or
    archiving
    killed before its commit left without a record go to its quarantine folder, so only a file
    without record that something else put there is named.
    """
    set_aside: tuple[str, ...] = ()
    if isinstance(storage, LocalStore):
        try:
            set_aside = crash.sweep(sessions, storage)
        except SQLAlchemyError as exc:
            raise ArchiveError(
                f"the registry database cannot be used: {archive.first_line(exc)}",
                message_vi="Không dùng được cơ sở dữ liệu sổ đăng ký",
                field="database_url",
            ) from exc
        except OSError as exc:
            raise ArchiveError(
                f"cannot set aside a file without record in {storage.folder}: {exc}",
                message_vi="Không chuyển được tệp không có trong sổ đăng ký ra khỏi kho lưu trữ",
                field="sha256",
            ) from exc
    documents, known = archive.read_registry(sessions, lambda session: _stored(session, body))
    files: list[CheckedFile] = []
    problems: list[Discrepancy] = []
    for document in documents:
        wanted = [(document.sha256, document.label, document.label_vi)]
        if document.archived_sha256 is not None:
            archived = " (bản lưu trữ)"
            wanted.append(
                (document.archived_sha256, document.label + archived, document.label_vi + archived)
            )
        elif document.status == "archived":
            problems.append(
                Discrepancy(
                    document.label,
                    document.label_vi,
                    "archived, but the registry has no archived file",
                    "đã lưu trữ nhưng sổ đăng ký không ghi tệp lưu trữ",
                )
            )
        for digest, name, name_vi in wanted:
            working = document.status in WORKING and digest == document.sha256
            store = drafts if working and drafts is not None and drafts.exists(digest) else storage
            try:
                pdf = store.get(digest)  # the hash is checked on read
            except HosoError as exc:
                problems.append(Discrepancy(name, name_vi, exc.message, exc.message_vi))
                continue
            checked = _checked(
                (name, name_vi), document.status, digest, pdf, trust_roots, online=online
            )
            files.append(checked)
            if progress is not None:
                progress(checked)
            if not checked.passed:
                problems.append(Discrepancy(name, name_vi, checked.message, _failure_vi(checked)))
    unnamed = sorted(set(storage.iter()) - known)
    if unnamed:  # named meanwhile by an issue that committed while the store was listed
        unnamed = archive.read_registry(sessions, lambda session: _unrecorded(session, unnamed))
    for digest in unnamed:
        problems.append(
            Discrepancy(
                digest,
                digest,
                "in the store without a record in the registry",
                "tệp có trong kho lưu trữ nhưng không văn bản nào trong sổ đăng ký ghi nhận",
            )
        )
    return CheckReport(len(documents), tuple(files), tuple(problems), set_aside)


def _stored(session: Session, body: str | None) -> tuple[list[_Stored], set[str]]:
    """The documents with a file (of `body` when given), and every hash the registry names."""
    documents = session.scalars(
        select(Document).where(Document.sha256.is_not(None)).order_by(Document.id)
    ).all()
    known = {h for d in documents for h in (d.sha256, d.archived_sha256) if h is not None}
    known |= crash.superseded(session)  # renewed copies' predecessors: records too
    mine = [
        d
        for d in documents
        if body is None or d.issuing_body_id == body or (d.dossier or "").endswith(f"/{body}")
    ]
    stored = []
    for d in mine:
        assert d.sha256 is not None
        if d.number:
            label = label_vi = f"{vn.code_number(d.number)}/{d.notation}"
        else:  # a draft or signed file: no số yet
            label = f"#{d.id} ({d.status})"
            label_vi = f"Văn bản #{d.id} ({_UNNUMBERED_VI.get(d.status, d.status)})"
        stored.append(_Stored(label, label_vi, d.status, d.sha256, d.archived_sha256))
    return stored, known


def _unrecorded(session: Session, digests: list[str]) -> list[str]:
    """Those of `digests` that no document names, asked in chunks (SQLite's parameter limit)."""
    found: set[str | None] = set()
    for start in range(0, len(digests), 500):
        chunk = digests[start : start + 500]
        named = or_(Document.sha256.in_(chunk), Document.archived_sha256.in_(chunk))
        for d in session.scalars(select(Document).where(named)):
            found |= {d.sha256, d.archived_sha256}
    found |= crash.superseded(session)
    return [d for d in digests if d not in found]


def _checked(
    names: tuple[str, str],
    status: Status,
    digest: str,
    pdf: bytes,
    trust_roots: Sequence[x509.Certificate],
    *,
    online: bool,
) -> CheckedFile:
    if status == "draft":  # not signed yet: nothing to validate
        return CheckedFile(
            *names, status, digest, None, None, "an unsigned draft, intact", "dự thảo chưa ký"
        )
    report = verify_pdf(pdf, trust_roots, online=online)
    if status == "signed" and report.signed_draft:  # ND 30's first step, as it should be
        return CheckedFile(
            *names,
            status,
            digest,
            Indication.TOTAL_PASSED,
            None,
            report.message,
            report.message_vi,
        )
    message = report.message if report.passed else f"{report.indication.value}: {report.message}"
    return CheckedFile(
        *names,
        status,
        digest,
        report.indication,
        report.sub_indication,
        message,
        report.message_vi,
    )


def _failure_vi(checked: CheckedFile) -> str:
    """Why a file did not verify, in the public page's words (api/workflow/wording.py)."""
    from api.workflow.wording import REASONS

    reason = checked.message_vi or REASONS.get(
        checked.sub_indication or "", "không kiểm tra được chữ ký số"
    )
    if checked.indication is Indication.INDETERMINATE:
        return f"chưa xác định được hiệu lực chữ ký số: {reason}"
    return f"chữ ký số không hợp lệ: {reason}"
