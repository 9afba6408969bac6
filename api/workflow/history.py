"""The paper trail (lịch sử, phiếu theo dõi) of one document: who generated, sent, signed,
issued, revoked, replaced and archived it, when, with which certificate, and when each
recipient opened and acknowledged it — built from the registry's audit log, the recipients'
rows and the certificates the document's own file carries.

`document_history` is the use case (the API's GET /api/documents/{id}/history, the page
/van-ban/{id}/lich-su and the Phiếu theo dõi, api/workflow/history_pdf.py). Whoever may see the
document may see its trail, except the recipients' links, which are never in it.

Certificates: the signing and issuing audit entries name theirs (subject, serial, SHA-256
fingerprint) since this module exists; for older entries the certificate is read from the
signature field of the document's file (chu_ky for the signer, con_dau for the organisation),
which is what a verifier would see. Generation is recorded per dossier: the document's trail
shows the generation of its dossier that made it.

Left out: rendering (the page's template, the PDF), the audit entries of other documents.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from asn1crypto import x509
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.registry.db import STATUS_VI, AuditEntry, Document, IssuingBody, Recipient, User
from api.workflow import access
from api.workflow.services import Services
from api.workflow.users import ROLE_VI, Actor
from docgen import vn
from docgen.errors import NotFound

__all__ = [
    "ACTION_VI",
    "CertificateInfo",
    "Event",
    "History",
    "RecipientTrail",
    "certificate_info",
    "document_history",
    "history_of",
]

ACTION_VI: dict[str, str] = {
    "generate": "Tạo dự thảo",
    "send": "Trình ký",
    "return": "Trả lại dự thảo",
    "sign": "Ký số",
    "issue": "Ban hành (cấp số, ký số của cơ quan)",
    "revoked": "Thu hồi",
    "replaced": "Thay thế",
    "archive": "Niêm phong lưu trữ (B-LTA)",
    "renew": "Gia hạn dấu thời gian lưu trữ",
    "open": "Nơi nhận mở văn bản",
    "acknowledge": "Nơi nhận xác nhận đã nhận",
    "resend_mail": "Gửi lại thư thông báo",
}
"""The actions of a document's trail in Vietnamese; an unknown one is shown as recorded."""

_FIELD_OF = {"sign": "chu_ky", "issue": "con_dau"}


@dataclass(frozen=True)
class CertificateInfo:
    """The certificate a signature was made with (chứng thư số)."""

    subject: str
    serial: str
    """Serial number, hex, as certificate viewers show it."""
    sha256: str
    """SHA-256 fingerprint of the DER encoding, hex."""


@dataclass(frozen=True)
class Event:
    """One step of the trail."""

    at: dt.datetime
    action: str
    action_vi: str
    actor: str
    """As the audit log names them: "user:vanthu.haiphong", "recipient:3", "cli"."""
    actor_name: str
    """Their full name and role ("Phạm Thu Hà (văn thư)"), or the recipient's name."""
    certificate: CertificateInfo | None = None
    note: str = ""
    """The reason of a revocation, the số ký hiệu given, the file's hash."""


@dataclass(frozen=True)
class RecipientTrail:
    """One recipient (nơi nhận) and what they did with their link."""

    name: str
    opened_at: dt.datetime | None
    acknowledged_at: dt.datetime | None


@dataclass(frozen=True)
class History:
    """A document's trail, oldest event first."""

    document_id: int
    reference: str | None
    title: str
    subject: str
    issuing_body: str
    status: str
    status_vi: str
    verification_code: str
    sha256: str | None
    archived_sha256: str | None
    events: tuple[Event, ...]
    recipients: tuple[RecipientTrail, ...]
    made_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def as_data(self) -> dict[str, Any]:
        """JSON-ready: datetimes in ISO 8601."""

        def plain(value: Any) -> Any:
            if isinstance(value, dt.datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            return value

        data: dict[str, Any] = plain(asdict(self))
        return data


def certificate_info(certificate: x509.Certificate) -> CertificateInfo:
    serial = f"{certificate.serial_number:X}"
    return CertificateInfo(
        subject=certificate.subject.human_friendly,
        serial=serial if len(serial) % 2 == 0 else f"0{serial}",
        sha256=hashlib.sha256(certificate.dump()).hexdigest(),
    )


def certificate_detail(certificate: x509.Certificate) -> dict[str, str]:
    """What an audit entry keeps of a certificate (the `certificate` key of its detail)."""
    return asdict(certificate_info(certificate))


def _file_certificates(pdf: bytes) -> dict[str, CertificateInfo]:
    """The certificate of each signature field of `pdf`, by field name."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    found: dict[str, CertificateInfo] = {}
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        for signature in reader.embedded_regular_signatures:
            found[signature.field_name] = certificate_info(signature.signer_cert)
    except Exception:
        return {}
    return found


def _from_detail(detail: Mapping[str, Any]) -> CertificateInfo | None:
    given = detail.get("certificate")
    if isinstance(given, dict) and {"subject", "serial", "sha256"} <= given.keys():
        return CertificateInfo(str(given["subject"]), str(given["serial"]), str(given["sha256"]))
    return None


def _note(
    action: str,
    detail: Mapping[str, Any],
    references: Mapping[int, str],
    names: Mapping[str, str],
) -> str:
    if action == "issue":
        return f"Số {detail.get('reference', '')}, {_day(detail.get('issued_on'))}"
    if action in ("revoked", "replaced"):
        by = detail.get("by")
        replaced = f"; thay bằng {references.get(by, f'#{by}')}" if by is not None else ""
        return f"Lý do: {detail.get('reason', '')}{replaced}"
    if action in ("open", "acknowledge"):
        return str(detail.get("recipient", ""))
    if action == "generate":
        year, _, body = str(detail.get("dossier", "")).partition("/")
        return f"Hồ sơ năm {year} của {names.get(body, body)}" if body else f"Hồ sơ {year}"
    return ""


def _day(value: object) -> str:
    """'ngày 05 tháng 12 năm 2040' for the ISO date an audit entry keeps."""
    try:
        return vn.nd30_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return f"ngày {value}"


def _generation(session: Session, document: Document) -> AuditEntry | None:
    """The generation entry of the document's dossier that made it: written in the same
    transaction as the draft, so the first one of that dossier at or after its creation."""
    if not document.dossier:
        return None
    since = document.created_at - dt.timedelta(seconds=1)
    for entry in session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "generate", AuditEntry.at >= since)
        .order_by(AuditEntry.at, AuditEntry.id)
        .limit(200)
    ):
        if (entry.detail or {}).get("dossier") == document.dossier:
            return entry
    return None


def _reference(document: Document | None) -> str | None:
    if document is None or document.number is None:
        return None
    return f"{vn.code_number(document.number)}/{document.notation}"


def document_history(svc: Services, actor: Actor | None, document_id: int) -> History:
    """The trail of `document_id` as `actor` may see it (NotFound otherwise); `actor` None is
    the operator at the command line (`hoso history`)."""
    return history_of(
        svc.sessions, lambda d: access.stored_file(svc, d), actor=actor, document_id=document_id
    )


def history_of(
    sessions: sessionmaker[Session],
    read_file: Callable[[Document], bytes],
    *,
    actor: Actor | None,
    document_id: int,
) -> History:
    """`document_history` over `sessions`, reading a document's file with `read_file` (for the
    certificates of audit entries that do not name theirs)."""
    with sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        if actor is not None:
            document = access.visible(session, actor, document_id)
        else:
            found = session.get(Document, document_id)
            if found is None:
                raise NotFound(
                    f"no document {document_id}",
                    message_vi=f"Không có văn bản số {document_id}",
                    field="document_id",
                )
            document = found
        entries: list[AuditEntry] = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.document_id == document.id)
                .order_by(AuditEntry.at, AuditEntry.id)
            )
        )
        made = _generation(session, document)
        if made is not None:
            entries.insert(0, made)
        logins = {e.actor.removeprefix("user:") for e in entries if e.actor.startswith("user:")}
        users = {
            f"user:{u.login}": u
            for u in session.scalars(select(User).where(User.login.in_(logins)))
        }
        recipients = list(
            session.scalars(
                select(Recipient).where(Recipient.document_id == document.id).order_by(Recipient.id)
            )
        )
        by_recipient = {f"recipient:{r.id}": r.name for r in recipients}
        successors = {
            int(e.detail["by"]): _reference(session.get(Document, int(e.detail["by"])))
            for e in entries
            if isinstance((e.detail or {}).get("by"), int)
        }
        body = session.get(IssuingBody, document.issuing_body_id)
        bodies = {b.id: b.name for b in session.scalars(select(IssuingBody))}
    in_file: dict[str, CertificateInfo] | None = None
    events = []
    for entry in entries:
        detail = dict(entry.detail or {})
        certificate = _from_detail(detail)
        if certificate is None and entry.action in _FIELD_OF:
            if in_file is None:
                try:
                    in_file = _file_certificates(read_file(document))
                except Exception:
                    in_file = {}
            certificate = in_file.get(_FIELD_OF[entry.action])
        user = users.get(entry.actor)
        if user is not None:
            who = f"{user.name} ({ROLE_VI[user.role]})"
        else:
            who = by_recipient.get(entry.actor, entry.actor)
        events.append(
            Event(
                at=entry.at,
                action=entry.action,
                action_vi=ACTION_VI.get(entry.action, entry.action),
                actor=entry.actor,
                actor_name=who,
                certificate=certificate,
                note=_note(
                    entry.action,
                    detail,
                    {k: v or "" for k, v in successors.items()},
                    bodies,
                ),
            )
        )
    return History(
        document_id=document.id,
        reference=_reference(document),
        title=document.title or vn.type_name(document.type_code),
        subject=document.subject,
        issuing_body=body.name if body is not None else document.issuing_body_id,
        status=document.status,
        status_vi=STATUS_VI[document.status],
        verification_code=document.verification_code,
        sha256=document.sha256,
        archived_sha256=document.archived_sha256,
        events=tuple(events),
        recipients=tuple(
            RecipientTrail(r.name, r.opened_at, r.acknowledged_at) for r in recipients
        ),
    )
