"""The recognition workflow over the registry: import and score assessments, generate a
dossier, sign, issue and send, revoke or replace, and what recipients open and acknowledge.

Each use case takes the `Services` of the running app and the `Actor` asking, checks the
actor's role and issuing body first (api/users.py), does the slow work — conversion,
signatures, timestamps — outside any transaction, and records the outcome in one transaction
that re-checks the document's state. A refusal or a failure changes nothing in the registry:
no row, no number. Files are written before the record that names them (a record never lacks
its file); a failure at commit leaves an unnamed file, garbage that `hoso archive check`
lists, never a record without its file.

Two stores: `drafts` keeps generated and signed drafts (working files), `archive` keeps issued
and archived files (the records). Both are content-addressed (api/store.py).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyhanko.sign import signers
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from api import registry, users
from api.db import (
    STATUS_VI,
    Assessment,
    AuditEntry,
    Document,
    IssuingBody,
    Recipient,
    Role,
    Status,
    Unit,
)
from api.store import Storage
from api.users import Actor, allow
from docgen import dossier, generate, inputs, recipients, report, scoring, stamp, vn
from docgen.convert import ConverterPool
from docgen.errors import Forbidden, HosoError, InvalidAssessment, NotFound, Problem, StateError
from docgen.model import IssuingBody as BodyModel
from docgen.model import Policy

TYPE_CODES: dict[str, str] = {
    "ke-hoach": "KH",
    "ban-dang-ky": "BĐK",
    "bao-cao": "BC",
    "bien-ban": "BB",
    "to-trinh": "TTr",
    "quyet-dinh": "QĐ",
    "giay-chung-nhan": "GCN",
    "thong-bao": "TB",
}
UNIT_KINDS = ("ban-dang-ky", "bao-cao")
"""Documents the unit itself signs and sends (its own số ký hiệu): kept in the dossier, not
signed or numbered here."""
POLICE_KINDS = ("bien-ban", "to-trinh")
"""Documents of the Công an that appraises the units and proposes them."""


@dataclass
class Services:
    """What the use cases work with, made once per app (api/app.py) or test."""

    sessions: sessionmaker[Session]
    drafts: Storage
    archive: Storage
    bodies: dict[str, BodyModel]
    policies: dict[str, Policy]
    tsa_url: str
    verify_url: Callable[[str], str]
    link_url: Callable[[str], str]
    link_secret: bytes
    context: Callable[[], ValidationContext]
    converter: Callable[[], ConverterPool]
    _lock: threading.Lock = field(default_factory=threading.Lock)


# --- assessments ----------------------------------------------------------------------------------


def import_assessments(svc: Services, actor: Actor, loaded: Sequence[inputs.Loaded]) -> list[int]:
    """Record checked assessments of the actor's body (a unit's earlier input for the same
    year is replaced, its score cleared); returns their ids in the order given."""
    allow(actor, "nhập kết quả chấm điểm", ("clerk",))
    foreign = [x.origin for x in loaded if x.assessment.unit.issuing_body != actor.body]
    if foreign:
        raise InvalidAssessment(
            [Problem(f"{o} › unit.issuing_body", f"not '{actor.body}'") for o in foreign]
        )
    ids: list[int] = []
    with svc.sessions.begin() as session:
        for x in loaded:
            a = x.assessment
            unit = session.scalar(
                select(Unit).where(Unit.issuing_body_id == actor.body, Unit.name == a.unit.name)
            )
            if unit is None:
                unit = Unit(issuing_body_id=a.unit.issuing_body, name=a.unit.name)
                session.add(unit)
            unit.unit_type = a.unit.type
            session.flush()
            row = session.scalar(
                select(Assessment).where(Assessment.unit_id == unit.id, Assessment.year == a.year)
            )
            if row is None:
                row = Assessment(unit_id=unit.id, year=a.year)
                session.add(row)
            row.input = a.model_dump(mode="json", exclude_none=True)
            row.result = None
            session.flush()
            session.add(
                AuditEntry(actor=actor.audit, action="import", detail={"assessment": row.id})
            )
            ids.append(row.id)
    return ids


def _loaded(row: Assessment) -> inputs.Loaded:
    return inputs.check(row.input, f"assessment {row.id}")


def _visible_assessment(session: Session, actor: Actor, assessment_id: int) -> Assessment:
    row = session.get(Assessment, assessment_id)
    unit = session.get(Unit, row.unit_id) if row is not None else None
    if (
        row is None
        or unit is None
        or (actor.role != "admin" and unit.issuing_body_id != actor.body)
    ):
        raise NotFound(
            f"no assessment {assessment_id}",
            message_vi=f"Không có kết quả chấm điểm số {assessment_id}",
            field="assessment_id",
        )
    return row


def get_assessment(svc: Services, actor: Actor, assessment_id: int) -> Assessment:
    with svc.sessions() as session:
        return _visible_assessment(session, actor, assessment_id)


def list_assessments(svc: Services, actor: Actor, *, year: int | None = None) -> list[Assessment]:
    with svc.sessions() as session:
        query = select(Assessment).join(Unit).order_by(Assessment.id)
        if actor.role != "admin":
            query = query.where(Unit.issuing_body_id == actor.body)
        if year is not None:
            query = query.where(Assessment.year == year)
        return list(session.scalars(query))


def score(svc: Services, actor: Actor, assessment_id: int) -> dict[str, Any]:
    """Score one assessment with its criteria set's policy and keep the result."""
    allow(actor, "chấm điểm", ("clerk",))
    with svc.sessions.begin() as session:
        row = _visible_assessment(session, actor, assessment_id)
        loaded = _loaded(row)
        result = scoring.score(loaded.assessment, loaded.criteria, svc.policies[loaded.criteria.id])
        row.result = report.result_data(result, origin=loaded.origin)
        session.add(AuditEntry(actor=actor.audit, action="score", detail={"assessment": row.id}))
        return row.result


# --- documents ------------------------------------------------------------------------------------


def _visible(actor: Actor) -> Any:
    """Documents the actor's body issues, or that belong to its dossiers."""
    return or_(
        Document.issuing_body_id == actor.body,
        Document.dossier.like(f"%/{actor.body}"),
    )


def list_documents(
    svc: Services,
    actor: Actor,
    *,
    dossier: str | None = None,
    status: Status | None = None,
) -> list[Document]:
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        query = select(Document).order_by(Document.id)
        if actor.role != "admin":
            query = query.where(_visible(actor))
        if dossier is not None:
            query = query.where(Document.dossier == dossier)
        if status is not None:
            query = query.where(Document.status == status)
        return list(session.scalars(query))


def _document(session: Session, actor: Actor, document_id: int, *, lock: bool = False) -> Document:
    document = session.get(Document, document_id, with_for_update=lock)
    if document is None or not (
        actor.role == "admin"
        or document.issuing_body_id == actor.body
        or (document.dossier or "").endswith(f"/{actor.body}")
    ):
        raise NotFound(
            f"no document {document_id}",
            message_vi=f"Không có văn bản số {document_id}",
            field="document_id",
        )
    return document


def _acting_on(
    session: Session,
    actor: Actor,
    document_id: int,
    *,
    action: str,
    roles: tuple[Role, ...],
    states: tuple[Status, ...],
    lock: bool = False,
) -> Document:
    """The document `actor` is about to `action` (Vietnamese: "ký văn bản"): one they may see,
    of a body where one of `roles` may do it (else Forbidden), in one of `states` (else
    StateError naming the states)."""
    document = _document(session, actor, document_id, lock=lock)
    allow(actor, action, roles, body=document.issuing_body_id)
    if document.status not in states:
        now = STATUS_VI[document.status].lower()
        wanted = " hoặc ".join(f"“{STATUS_VI[s].lower()}”" for s in states)
        raise StateError(
            f"document {document_id} is {document.status}; only a document that is "
            f"{' or '.join(states)} may be acted on here",
            message_vi=f"Văn bản đang ở trạng thái “{now}”; chỉ {action} ở trạng thái {wanted}",
            field="document_id",
        )
    return document


def get_document(svc: Services, actor: Actor, document_id: int) -> Document:
    with svc.sessions() as session:
        return _document(session, actor, document_id)


def document_file(svc: Services, actor: Actor, document_id: int) -> tuple[Document, bytes]:
    """The current file of a document: its draft, signed draft, issued or archived PDF."""
    document = get_document(svc, actor, document_id)
    return document, _file(svc, document)


def _file(svc: Services, document: Document) -> bytes:
    if document.archived_sha256:
        return svc.archive.get(document.archived_sha256)
    if document.sha256 is None:
        raise NotFound(
            f"document {document.id} has no file",
            message_vi="Văn bản chưa có tệp",
            field="document_id",
        )
    store = svc.drafts if document.status in ("draft", "signed") else svc.archive
    return store.get(document.sha256)


def generate_dossier(
    svc: Services,
    actor: Actor,
    *,
    body: str,
    year: int,
    proposal: dossier.Reference | None = None,
    decision: dossier.Reference | None = None,
    meeting: dossier.Meeting | None = None,
    watermark: bool = False,
    signer: str | None = None,
) -> list[Document]:
    """Generate (or regenerate) the dossier of `body` for `year` from its scored assessments.

    Drafts already in the registry are replaced; signed or issued documents are kept as they
    are. The Tờ trình and Quyết định the later documents cite are taken from the registry once
    issued, unless given. `signer` is who signs the Quyết định (a signer id of the body; default
    the Chủ tịch, "pho-chu-tich" for KT. CHỦ TỊCH)."""
    allow(actor, "tạo hồ sơ", ("clerk",), body=body)
    government = svc.bodies.get(body)
    police = next((b for b in svc.bodies.values() if b.government == body), None)
    if government is None or police is None:
        raise HosoError(f"no issuing body '{body}' with its Công an", field="body")
    key = f"{year}/{body}"
    with svc.sessions() as session:
        rows = session.scalars(
            select(Assessment)
            .join(Unit)
            .where(Unit.issuing_body_id == body, Assessment.year == year)
        ).all()
        units = {
            u.name: u.id for u in session.scalars(select(Unit).where(Unit.issuing_body_id == body))
        }
        proposal = proposal or _cited(session, key, "to-trinh", police.name)
        decision = decision or _cited(session, key, "quyet-dinh", government.name)
    if not rows:
        raise HosoError(
            f"no assessment of {year} for '{body}': import some first",
            message_vi=f"Chưa có kết quả chấm điểm năm {year} của '{body}'",
            field="year",
        )
    results = []
    for row in rows:
        loaded = _loaded(row)
        policy = svc.policies[loaded.criteria.id]
        results.append(scoring.score(loaded.assessment, loaded.criteria, policy))
    planned = generate.plan(
        government,
        police,
        results,
        year=year,
        proposal=proposal,
        decision=decision,
        meeting=meeting,
        partial=True,
        signer=signer,
    )
    built = _build(svc, planned, watermark=watermark)
    with svc.sessions.begin() as session:
        made = [
            _record_draft(
                session,
                svc,
                p,
                docx,
                pdf,
                key=key,
                units=units,
                government=government,
                police=police,
            )
            for p, docx, pdf in built
        ]
        session.add(AuditEntry(actor=actor.audit, action="generate", detail={"dossier": key}))
    return [d for d in made if d is not None]


def _cited(session: Session, key: str, kind: str, issuer: str) -> dossier.Reference | None:
    document = session.scalar(
        select(Document).where(
            Document.dossier == key,
            Document.kind == kind,
            Document.status.in_(("issued", "archived")),
        )
    )
    if document is None or document.number is None or document.issued_on is None:
        return None
    return dossier.Reference(document.number, document.notation, document.issued_on, issuer)


def _build(
    svc: Services, planned: Sequence[generate.Planned], *, watermark: bool
) -> list[tuple[generate.Planned, bytes, bytes]]:
    """Every planned document as (.docx, .pdf), made in a folder of its own."""
    with tempfile.TemporaryDirectory(prefix="hoso-gen-") as tmp:
        out = Path(tmp)
        with svc._lock:  # one LibreOffice pool per app: batches take turns
            generate.build(
                planned,
                svc.converter(),
                out,
                issued_at=dt.datetime.now(dt.UTC),
                verify_url=svc.verify_url,
                draft=watermark,
            )
        return [
            (p, (out / f"{p.path}.docx").read_bytes(), (out / f"{p.path}.pdf").read_bytes())
            for p in planned
        ]


def _record_draft(
    session: Session,
    svc: Services,
    planned: generate.Planned,
    docx: bytes,
    pdf: bytes,
    *,
    key: str,
    units: dict[str, int],
    government: BodyModel,
    police: BodyModel,
) -> Document | None:
    kind = Path(planned.path).name
    unit_id = units.get(planned.unit) if planned.unit else None
    existing = session.scalar(
        select(Document).where(
            Document.dossier == key, Document.kind == kind, Document.unit_id == unit_id
        )
    )
    if existing is not None and existing.status != "draft":
        return None  # signed or issued: never regenerated
    issuer = police if kind in POLICE_KINDS else government
    context = planned.context
    try:
        send_to = recipients.recipients(
            list(context.get("recipients", ())), article_3=dossier.referenced(context)
        )
    except ValueError:
        send_to = []
    signer = context.get("signer") or {}
    document = existing or Document(dossier=key, kind=kind, unit_id=unit_id)
    type_code = TYPE_CODES.get(kind, "CV")
    abbreviation = (
        str(context.get("code") or issuer.abbreviation)
        if kind in UNIT_KINDS
        else issuer.abbreviation
    )
    document.issuing_body_id = issuer.id
    document.type_code = type_code
    document.year = int(context.get("year", dt.date.today().year))
    document.notation = f"{type_code}-{abbreviation}"
    document.subject = vn.nfc(str(context.get("subject") or planned.title))
    document.title = planned.title
    document.signer_title = signer.get("title")
    document.signer_name = signer.get("name")
    document.send_to = [{"line": r.line, "name": r.name} for r in send_to]
    document.verification_code = stamp.verification_code(docx)
    document.sha256 = svc.drafts.put(pdf)
    document.page_count = _pages(pdf)
    session.add(document)
    session.flush()
    return document


def _pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def send_for_signature(svc: Services, actor: Actor, document_id: int) -> Document:
    """The clerk sends a draft to its signer: it joins the signer's queue (`signing_queue`)."""
    with svc.sessions.begin() as session:
        document = _acting_on(
            session,
            actor,
            document_id,
            action="trình ký văn bản",
            roles=("clerk",),
            states=("draft",),
            lock=True,
        )
        _signable(document)
        document.sent_at = dt.datetime.now(dt.UTC)
        session.add(AuditEntry(actor=actor.audit, action="send", document_id=document.id))
        return document


def signing_queue(svc: Services, actor: Actor) -> list[Document]:
    """The drafts sent to this signer: of their body, with their name in the signature block."""
    allow(actor, "ký văn bản", ("signer",))
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        found = session.scalars(
            select(Document)
            .where(
                Document.issuing_body_id == actor.body,
                Document.status == "draft",
                Document.sent_at.is_not(None),
            )
            .order_by(Document.sent_at)
        )
        return [d for d in found if vn.nfc(d.signer_name or "") == vn.nfc(actor.name)]


def _signable(document: Document) -> None:
    if document.kind in UNIT_KINDS:
        raise StateError(
            f"document {document.id} is the unit's own: the unit signs and sends it",
            message_vi="Văn bản này do đơn vị tự ký và gửi",
            field="document_id",
        )


def sign(
    svc: Services,
    actor: Actor,
    document_id: int,
    signer: signers.Signer,
    *,
    image_png: bytes | None = None,
) -> Document:
    """The signer signs a draft of their body with their own registered certificate (ND 30
    step 1); the signed draft waits for the văn thư."""
    from signing import images
    from signing import sign as signing

    with svc.sessions() as session:
        document = _acting_on(
            session,
            actor,
            document_id,
            action="ký văn bản",
            roles=("signer",),
            states=("draft",),
        )
        _signable(document)
        assert signer.signing_cert is not None
        users.require_own_certificate(session, actor, signer.signing_cert)
        if document.signer_name and vn.nfc(document.signer_name) != vn.nfc(actor.name):
            raise Forbidden(
                f"document {document_id} is to be signed by {document.signer_name}, "
                f"not {actor.name}",
                message_vi=f"Văn bản này do {document.signer_name} ký, không phải {actor.name}",
                field="signer",
            )
    draft = _file(svc, document)
    title, name = document.signer_title or "", document.signer_name or actor.name
    signed = signing.sign_draft(
        draft,
        signer,
        image_png=image_png or images.signature_png(name),
        placement=signing.find_placement(draft, title=title, name=name),
        tsa_url=svc.tsa_url,
        context=svc.context(),
    )
    digest = svc.drafts.put(signed)
    with svc.sessions.begin() as session:
        row = _document(session, actor, document_id, lock=True)
        if row.status != "draft" or row.sha256 != document.sha256:
            raise StateError(
                f"document {document_id} changed while it was signed", field="document_id"
            )
        row.status = "signed"
        row.sha256 = digest
        row.signed_by_id = actor.id
        row.signer_info = f"{vn.position(title)} {name}".strip()
        session.add(
            AuditEntry(
                actor=actor.audit, action="sign", document_id=row.id, detail={"sha256": digest}
            )
        )
        return row


@dataclass(frozen=True)
class Delivery:
    """One recipient of an issued document, with their personal link."""

    id: int
    name: str
    line: str
    link: str
    opened_at: dt.datetime | None
    acknowledged_at: dt.datetime | None


def issue(
    svc: Services,
    actor: Actor,
    document_id: int,
    organisation: signers.Signer,
    *,
    day: dt.date | None = None,
) -> tuple[registry.IssuedDocument, list[Delivery]]:
    """The văn thư issues a signed document (ND 30 step 2): the next số of the registry, the
    ngày, the organisation's signature with the body's registered certificate; the file goes
    into the archive store and each recipient gets a personal link, in one transaction."""
    from signing import images
    from signing import issue as issuing

    day = day or dt.date.today()
    with svc.sessions() as session:
        document = _acting_on(
            session,
            actor,
            document_id,
            action="ban hành văn bản",
            roles=("van_thu",),
            states=("signed",),
        )
        _signable(document)
        assert organisation.signing_cert is not None
        users.require_own_certificate(session, actor, organisation.signing_cert)
        body = session.get(IssuingBody, document.issuing_body_id)
        assert body is not None
    signed = _file(svc, document)
    context = svc.context()

    def make(number: int) -> bytes:
        issued = issuing.issue(
            signed,
            organisation,
            number=number,
            day=day,
            seal_png=images.seal_png(body.name),
            tsa_url=svc.tsa_url,
            context=context,
        )
        # Into the archive store before the record commits: a record never lacks its file.
        svc.archive.put(issued)
        return issued

    def send(session: Session, issued_id: int) -> None:
        deliver(session, svc.link_secret, issued_id, document.send_to or ())

    done = registry.record_issue(
        svc.sessions,
        body=document.issuing_body_id,
        type_code=document.type_code,
        issued_on=day,
        make=make,
        actor=actor.audit,
        document_id=document.id,
        then=send,
    )
    return done, deliveries(svc, actor, document_id)


def deliver(
    session: Session, secret: bytes, document_id: int, send_to: Sequence[Mapping[str, str]]
) -> list[str]:
    """A recipient row for each of `send_to` ({"line", "name"}), in order, with the token of
    their personal link (kept hashed); returns the tokens."""
    tokens = []
    for n, to in enumerate(send_to, start=1):
        token = users.link_token(secret, document_id, n)
        session.add(
            Recipient(
                document_id=document_id,
                line=to["line"],
                name=to["name"],
                token_hash=users.token_hash(token),
            )
        )
        tokens.append(token)
    return tokens


def deliveries(svc: Services, actor: Actor, document_id: int) -> list[Delivery]:
    """Who an issued document was sent to, their links, and whether they opened and
    acknowledged it."""
    with svc.sessions() as session:
        document = _document(session, actor, document_id)
        # The links are the recipients' credentials: the văn thư who sends them sees them.
        allow(actor, "xem nơi nhận và liên kết", ("van_thu",), body=document.issuing_body_id)
        rows = session.scalars(
            select(Recipient).where(Recipient.document_id == document.id).order_by(Recipient.id)
        ).all()
        return [
            Delivery(
                r.id,
                r.name,
                r.line,
                svc.link_url(users.link_token(svc.link_secret, document.id, n)),
                r.opened_at,
                r.acknowledged_at,
            )
            for n, r in enumerate(rows, start=1)
        ]


def revoke(svc: Services, actor: Actor, document_id: int, *, reason: str) -> Document:
    """The văn thư revokes an issued document, with the reason the public page shows."""
    return _end(svc, actor, document_id, reason=reason, status="revoked")


def replace(svc: Services, actor: Actor, document_id: int, *, by: int, reason: str) -> Document:
    """The văn thư records that issued document `by` replaces `document_id`."""
    return _end(svc, actor, document_id, reason=reason, status="replaced", by=by)


def _end(
    svc: Services,
    actor: Actor,
    document_id: int,
    *,
    reason: str,
    status: Status,
    by: int | None = None,
) -> Document:
    reason = vn.nfc(reason.strip())
    with svc.sessions.begin() as session:
        document = _acting_on(
            session,
            actor,
            document_id,
            action="thu hồi hoặc thay thế văn bản",
            roles=("van_thu",),
            states=("issued", "archived"),
            lock=True,
        )
        if not reason:
            raise HosoError("give the reason", message_vi="Cần ghi rõ lý do", field="reason")
        if by is not None:
            successor = _document(session, actor, by)
            if (
                successor.id == document.id
                or successor.status not in ("issued", "archived")
                or successor.issuing_body_id != document.issuing_body_id
            ):
                raise StateError(
                    f"document {by} is not an issued document of the same body",
                    message_vi="Văn bản thay thế phải là văn bản đã ban hành của cùng cơ quan",
                    field="by",
                )
            document.replaced_by_id = by
        document.status = status
        document.reason = reason
        session.add(
            AuditEntry(
                actor=actor.audit,
                action=status,
                document_id=document.id,
                detail={"reason": reason, **({"by": by} if by is not None else {})},
            )
        )
        return document


# --- recipients -----------------------------------------------------------------------------------


def open_link(
    svc: Services, token: str, *, acknowledge: bool = False
) -> tuple[Document, Recipient]:
    """The document a personal link opens — that one only — with the time it was first opened
    (and acknowledged) recorded."""
    with svc.sessions.begin() as session:
        recipient = session.scalar(
            select(Recipient).where(Recipient.token_hash == users.token_hash(token))
        )
        if recipient is None:
            raise NotFound(
                "no document for this link",
                message_vi="Liên kết không đúng hoặc đã hết hiệu lực",
                field="token",
            )
        now = dt.datetime.now(dt.UTC)
        action = None
        if recipient.opened_at is None:
            recipient.opened_at, action = now, "open"
        if acknowledge and recipient.acknowledged_at is None:
            recipient.acknowledged_at, action = now, "acknowledge"
        if action is not None:
            session.add(
                AuditEntry(
                    actor=f"recipient:{recipient.id}",
                    action=action,
                    document_id=recipient.document_id,
                    detail={"recipient": recipient.name},
                )
            )
        document = session.get(Document, recipient.document_id)
        assert document is not None
        return document, recipient


def link_file(svc: Services, token: str) -> tuple[Document, bytes]:
    document, _ = open_link(svc, token)
    return document, _file(svc, document)


# --- archive --------------------------------------------------------------------------------------


def archive(svc: Services, actor: Actor, document_id: int) -> Document:
    """The văn thư seals an issued document for the archive (B-LTA document timestamp)."""
    from api import archive as archiving

    with svc.sessions() as session:
        document = _document(session, actor, document_id)
    allow(actor, "lưu trữ văn bản", ("van_thu",), body=document.issuing_body_id)
    archiving.archive_document(
        svc.sessions,
        svc.archive,
        document_id,
        tsa_url=svc.tsa_url,
        context=svc.context(),
        actor=actor.audit,
    )
    return get_document(svc, actor, document_id)


def export(
    svc: Services,
    actor: Actor,
    *,
    year: int | None = None,
    dossier: str | None = None,
    trust_roots: Sequence[Any],
) -> bytes:
    """The archivist's export (ZIP) of their body's documents of a year or a dossier."""
    from api import archive as archiving

    allow(actor, "xuất hồ sơ lưu trữ", ("archivist",))
    return archiving.export_package(
        svc.sessions,
        svc.archive,
        year=year,
        dossier=dossier,
        body=actor.body,
        trust_roots=trust_roots,
    )


# --- web: clerk -----------------------------------------------------------------------------------


def update_assessment(
    svc: Services, actor: Actor, assessment_id: int, raw: Mapping[str, Any]
) -> Assessment:
    """The clerk corrects one unit's input on the Chấm điểm page: checked as an import is, for
    the same unit and year (another unit or year is imported, not edited); its score is
    cleared until it is scored again."""
    allow(actor, "sửa kết quả chấm điểm", ("clerk",))
    with svc.sessions.begin() as session:
        row = _visible_assessment(session, actor, assessment_id)
        loaded = inputs.check(dict(raw), f"assessment {row.id}")
        a = loaded.assessment
        before = row.input.get("unit", {})
        kept = (before.get("name"), before.get("type"), before.get("issuing_body"), row.year)
        if (a.unit.name, a.unit.type, a.unit.issuing_body, a.year) != kept:
            raise InvalidAssessment(
                [Problem(f"{loaded.origin} › unit", "the unit and the year stay as imported")]
            )
        row.input = a.model_dump(mode="json", exclude_none=True)
        row.result = None
        session.add(AuditEntry(actor=actor.audit, action="update", detail={"assessment": row.id}))
        return row
