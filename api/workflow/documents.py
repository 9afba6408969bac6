"""The recognition workflow over the registry: generate a dossier, send it for signature, sign,
issue and send, revoke or replace, archive and export. Its neighbours: api/workflow/assessments.py
(the
units' inputs and scores), api/workflow/access.py (which documents a user may see and act on) and
api/workflow/delivery.py (the recipients of an issued document and their links).

Each use case takes the `Services` of the running app and the `Actor` asking, checks the
actor's role and issuing body first (api/workflow/users.py), does the slow work — conversion,
signatures, timestamps — outside any transaction, and records the outcome in one transaction
that re-checks the document's state. A refusal or a failure changes nothing in the registry:
no row, no number. Files are written before the record that names them (a record never lacks
its file); a failure at commit leaves an unnamed file, garbage that `hoso archive check`
lists, never a record without its file.

Two stores: `drafts` keeps generated and signed drafts (working files), `archive` keeps issued
and archived files (the records). Both are content-addressed (api/registry/store.py).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509
from PIL import Image
from pyhanko.sign import signers
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.registry import citing
from api.registry import numbering as registry
from api.registry.db import Assessment, AuditEntry, Document, Status, Unit, User
from api.workflow import (
    access,
    assessments,
    delivery,
    drafts,
    issue_date,
    issuing,
    last_inputs,
    notify,
    outbox,
    scratch,
    users,
)
from api.workflow.history import certificate_detail
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen import dossier, generate, recipients, scoring, stamp, vn
from docgen.errors import Conflict, Forbidden, HosoError, StateError
from docgen.kinds import KINDS
from docgen.kinds import POLICE_KINDS as POLICE_KINDS
from docgen.kinds import TYPE_CODES as TYPE_CODES
from docgen.kinds import UNIT_KINDS as UNIT_KINDS
from docgen.model import IssuingBody as BodyModel

# --- documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DossierPlan:
    """A generation planned: the documents, and what recording them needs. The references the
    documents cite are resolved once (`cited`), so that the parts of a split generation
    (api/workflow/parts.py) plan it again identically."""

    key: str
    planned: list[generate.Planned]
    units: dict[str, int]
    government: BodyModel
    police: BodyModel
    given: dict[str, Any]
    """The user's inputs, as the audit log keeps them."""
    cited: dict[str, dossier.Reference | None]
    """"proposal", "decision" and "plan_ref" as resolved from the registry or given."""


@dataclass(frozen=True)
class Made:
    """A built draft as the registry records it, its PDF already in the drafts store."""

    sha256: str
    verification_code: str
    page_count: int


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
    issued_at: dt.datetime | None = None,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> list[Document]:
    """Generate (or regenerate) the dossier of `body` for `year` from its scored assessments.

    Drafts already in the registry are replaced; signed or issued documents are kept as they
    are. The Tờ trình and Quyết định the later documents cite are taken from the registry once
    issued, unless given. `signer` is who signs the Quyết định (a signer id of the body; default
    the Chủ tịch, "pho-chu-tich" for KT. CHỦ TỊCH). `issued_at` is the creation time the PDFs
    carry (default now: a job pins it, so a rerun makes the same bytes); `progress` hears
    (documents made, documents planned) as the work goes."""
    plan = plan_generation(
        svc,
        actor,
        body=body,
        year=year,
        proposal=proposal,
        decision=decision,
        meeting=meeting,
        watermark=watermark,
        signer=signer,
    )
    made = build_drafts(
        svc,
        plan.planned,
        watermark=watermark,
        issued_at=issued_at or dt.datetime.now(dt.UTC),
        progress=progress,
    )
    with svc.sessions.begin() as session:
        return record_drafts(session, svc, actor, plan, made)


def plan_generation(
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
    pinned: Mapping[str, dossier.Reference | None] | None = None,
) -> DossierPlan:
    """What `generate_dossier` would build, checked (role, body, assessments, the QĐ typed);
    `pinned` (a plan's `cited`) replaces what the registry would give, for a part."""
    government, police = _bodies(svc, actor, body)
    given = last_inputs.record(
        proposal=proposal, decision=decision, meeting=meeting, watermark=watermark, signer=signer
    )
    key = f"{year}/{body}"
    with svc.sessions() as session:
        rows = session.scalars(
            select(Assessment)
            .join(Unit)
            .where(Unit.issuing_body_id == body, Assessment.year == year)
            .order_by(Assessment.id)
        ).all()
        units = {
            u.name: u.id for u in session.scalars(select(Unit).where(Unit.issuing_body_id == body))
        }
        if pinned is not None:
            proposal, decision = pinned["proposal"], pinned["decision"]
            plan_ref = pinned["plan_ref"]
        else:
            proposal = proposal or _cited(session, key, "to-trinh", police.name)
            issued = _cited(session, key, "quyet-dinh", government.name)
            if decision is not None:  # typed by a user: only the QĐ the registry holds as issued
                decision = citing.issued_decision(
                    session, body=body, given=decision, issuer=government.name
                )
                if issued is not None and decision != issued:
                    raise StateError(
                        f"the dossier's Quyết định is {issued.cite()}, not {decision.cite()}",
                        message_vi=f"Quyết định của hồ sơ là {issued.cite()}, không phải "
                        f"{decision.cite()}",
                        field="decision",
                    )
            decision = decision or issued
            plan_ref = _cited(session, key, "ke-hoach", government.name)
    if not rows:
        raise Conflict(
            f"no assessment of {year} for '{body}': import some first",
            message_vi=f"Chưa có kết quả chấm điểm năm {year} của {government.name}",
            field="year",
        )
    results = []
    for row in rows:
        loaded = assessments.loaded_input(row)
        policy = svc.policies[loaded.criteria.id]
        results.append(scoring.score(loaded.assessment, loaded.criteria, policy))
    planned = drafts.plan_dossier(
        government,
        police,
        results,
        year=year,
        proposal=proposal,
        decision=decision,
        meeting=meeting,
        partial=True,
        signer=signer,
        plan_ref=plan_ref,
    )
    cited = {"proposal": proposal, "decision": decision, "plan_ref": plan_ref}
    return DossierPlan(key, planned, units, government, police, given, cited)


def build_drafts(
    svc: Services,
    planned: Sequence[generate.Planned],
    *,
    watermark: bool,
    issued_at: dt.datetime,
    progress: Callable[[int, int], None],
) -> list[Made]:
    """Build `planned` and put each PDF into the drafts store (idempotent: the same bytes are
    one file). Nothing is recorded: a draft's file comes before the record naming it."""
    return [
        Made(svc.drafts.put(pdf), stamp.verification_code(docx), _pages(pdf))
        for _, docx, pdf in _build(
            svc, planned, watermark=watermark, issued_at=issued_at, progress=progress
        )
    ]


def record_drafts(
    session: Session, svc: Services, actor: Actor, plan: DossierPlan, made: Sequence[Made]
) -> list[Document]:
    """Record the drafts `made` of `plan` (in the plan's order) in `session`, the caller's one
    transaction, with the audit entry of the generation."""
    if len(made) != len(plan.planned):
        raise ValueError(f"{len(made)} drafts made for {len(plan.planned)} planned")
    recorded = [
        _record_draft(
            session,
            p,
            m,
            key=plan.key,
            units=plan.units,
            government=plan.government,
            police=plan.police,
        )
        for p, m in zip(plan.planned, made, strict=True)
    ]
    session.add(
        AuditEntry(
            actor=actor.audit,
            action="generate",
            detail={"dossier": plan.key, "inputs": plan.given},
        )
    )
    return [d for d in recorded if d is not None]


def _bodies(svc: Services, actor: Actor, body: str) -> tuple[BodyModel, BodyModel]:
    with svc.sessions() as session:
        allow(actor, "tạo hồ sơ", ("clerk",), body=body, session=session)
    return drafts.dossier_bodies(svc.bodies, body)


def check_generation(svc: Services, actor: Actor, *, body: str, year: int) -> None:
    """What refuses a generation at once, before it is queued: the actor's role and body, an
    unknown body, a year without assessments."""
    _bodies(svc, actor, body)
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        found = session.scalar(
            select(Assessment.id)
            .join(Unit)
            .where(Unit.issuing_body_id == body, Assessment.year == year)
            .limit(1)
        )
    if found is None:
        raise Conflict(
            f"no assessment of {year} for '{body}': import some first",
            message_vi=f"Chưa có kết quả chấm điểm năm {year} của '{body}'",
            field="year",
        )


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
    svc: Services,
    planned: Sequence[generate.Planned],
    *,
    watermark: bool,
    issued_at: dt.datetime,
    progress: Callable[[int, int], None],
) -> list[tuple[generate.Planned, bytes, bytes]]:
    """Every planned document as (.docx, .pdf), made in a folder of its own."""
    made = 0
    total = len(planned)

    def one_more(_: generate.Planned) -> None:
        nonlocal made
        made += 1
        progress(made, total)

    # Named with this process: a worker killed mid-job leaves a folder the next start clears.
    with tempfile.TemporaryDirectory(prefix=scratch.prefix()) as tmp:
        out = Path(tmp)
        progress(0, total)
        with svc._lock:  # one LibreOffice pool per app: batches take turns
            drafts.build_dossier_files(
                planned,
                converter=svc.converter(),
                out=out,
                issued_at=issued_at,
                verify_url=svc.verify_url,
                watermark=watermark,
                progress=one_more,
            )
        return [
            (p, (out / f"{p.path}.docx").read_bytes(), (out / f"{p.path}.pdf").read_bytes())
            for p in planned
        ]


def _record_draft(
    session: Session,
    planned: generate.Planned,
    made: Made,
    *,
    key: str,
    units: dict[str, int],
    government: BodyModel,
    police: BodyModel,
) -> Document | None:
    kind = planned.kind
    unit_id = units.get(planned.unit) if planned.unit else None
    existing = session.scalar(
        select(Document).where(
            Document.dossier == key, Document.kind == kind, Document.unit_id == unit_id
        )
    )
    if existing is not None and existing.status != "draft":
        return None  # signed or issued: never regenerated
    issuer = police if KINDS[kind].signed_by == "police" else government
    context = planned.context
    try:
        send_to = recipients.recipients(
            list(context.get("recipients", ())), article_3=dossier.referenced(context)
        )
    except ValueError:
        send_to = []
    signer = context.get("signer") or {}
    document = existing or Document(dossier=key, kind=kind, unit_id=unit_id)
    type_code = KINDS[kind].type_code
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
    document.verification_code = made.verification_code
    document.sha256 = made.sha256
    document.page_count = made.page_count
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
        document = access.acting_on(
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
        document.returned_comment = None  # answered by this version (the audit log keeps it)
        session.add(AuditEntry(actor=actor.audit, action="send", document_id=document.id))
        notify.on_sent_for_signature(session, svc, document, clerk=actor)
    outbox.after_event(svc)
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
    signature: Image.Image | None = None,
    progress: Callable[[int, int], None] = lambda _step, _steps: None,
) -> Document:
    """The signer signs a draft of their body with their own registered certificate (ND 30
    step 1), showing `signature` (checked by signing.images.signature_image), else their
    registered signature image, else a sample drawn from their name; the signed draft waits
    for the văn thư. `progress(step, 3)` hears each step as it begins (jobs.STEPS_VI)."""
    assert signer.signing_cert is not None
    progress(1, 3)
    document, image = signing_checks(svc, actor, document_id, signer.signing_cert, signature)
    draft = access.stored_file(svc, document)
    title, name = document.signer_title or "", document.signer_name or actor.name
    placement = drafts.check_draft(draft, title=title, name=name)
    progress(2, 3)
    signed = drafts.sign_file(
        draft,
        signer,
        signature=image,
        placement=placement,
        tsa_url=svc.tsa_url,
        context=svc.context(),
    )
    progress(3, 3)
    return record_signature(svc, actor, document, signed, certificate=signer.signing_cert)


def signing_checks(
    svc: Services,
    actor: Actor,
    document_id: int,
    certificate: Any,
    signature: Image.Image | None = None,
) -> tuple[Document, Image.Image]:
    """What every way of signing checks first (a key here, a key elsewhere: api/remote_signing
    .py): the actor is the draft's signer, it was sent for signature, the certificate is
    theirs. Returns the draft's row and the signature image to show."""
    from signing import images

    with svc.sessions() as session:
        document = access.acting_on(
            session,
            actor,
            document_id,
            action="ký văn bản",
            roles=("signer",),
            states=("draft",),
        )
        _signable(document)
        users.require_own_certificate(session, actor, certificate)
        if document.signer_name and vn.nfc(document.signer_name) != vn.nfc(actor.name):
            raise Forbidden(
                f"document {document_id} is to be signed by {document.signer_name}, "
                f"not {actor.name}",
                message_vi=f"Văn bản này do {document.signer_name} ký, không phải {actor.name}",
                field="signer",
            )
        if document.sent_at is None:
            # The clerk decides when a draft is ready (send_for_signature): the signing queue
            # shows only those, and no door signs around it.
            raise StateError(
                f"document {document_id} has not been sent for signature by the clerk",
                message_vi="Văn bản chưa được chuyên viên trình ký; chỉ ký văn bản đã trình ký",
                field="document_id",
            )
        registered = session.get(User, actor.id)
        registered_png = registered.signature_png if registered else None
    if signature is None:
        name = document.signer_name or actor.name
        signature = images.signature_image(registered_png or images.signature_png(name))
    return document, signature


def record_signature(
    svc: Services,
    actor: Actor,
    document: Document,
    signed: bytes,
    *,
    certificate: x509.Certificate,
    then: Callable[[Session], None] | None = None,
) -> Document:
    """Record the signed draft of `document` (as `signing_checks` read it), if the draft has not
    changed meanwhile, with the signer's `certificate` in the audit entry; `then` runs in the
    same transaction (marking a prepared signature used)."""
    digest = svc.drafts.put(signed)
    title, name = document.signer_title or "", document.signer_name or actor.name
    with svc.sessions.begin() as session:
        row = access.visible(session, actor, document.id, lock=True)
        if row.status != "draft" or row.sha256 != document.sha256:
            raise StateError(
                f"document {document.id} changed while it was signed",
                field="document_id",
                message_vi=f"Văn bản {document.id} đã thay đổi trong lúc ký",
            )
        row.status = "signed"
        row.sha256 = digest
        row.signed_by_id = actor.id
        row.signer_info = f"{vn.position(title)} {name}".strip()
        session.add(
            AuditEntry(
                actor=actor.audit,
                action="sign",
                document_id=row.id,
                detail={"sha256": digest, "certificate": certificate_detail(certificate)},
            )
        )
        if then is not None:
            then(session)
        notify.on_signed(session, svc, row)
    outbox.after_event(svc)
    return row


def issue_checks(
    svc: Services,
    actor: Actor,
    document_id: int,
    organisation: signers.Signer,
    *,
    day: dt.date | None = None,
) -> tuple[Document, dt.date]:
    """What issuing checks before any số is taken: the văn thư of the document's body, a
    signed document, the ngày, the body's registered certificate. Returns the document's row
    and the ngày."""
    with svc.sessions() as session:
        document = access.acting_on(
            session,
            actor,
            document_id,
            action="ban hành văn bản",
            roles=("van_thu",),
            states=("signed",),
        )
        _signable(document)
        # The draft prints its dossier's year after "năm"; the số's series and the registry's
        # date must agree with it.
        back, ahead = svc.issue_window
        day = issue_date.issue_day(
            day,
            today=issue_date.today(),
            printed_year=document.year,
            days_back=back,
            days_ahead=ahead,
        )
        assert organisation.signing_cert is not None
        users.require_own_certificate(session, actor, organisation.signing_cert)
    return document, day


def issue(
    svc: Services,
    actor: Actor,
    document_id: int,
    organisation: signers.Signer,
    *,
    day: dt.date | None = None,
    progress: Callable[[int, int], None] = lambda _step, _steps: None,
) -> tuple[registry.IssuedDocument, list[delivery.Delivery]]:
    """The văn thư issues a signed document (ND 30 step 2): the next số of the registry, the
    ngày, the organisation's signature with the body's registered certificate; the file goes
    into the archive store and each recipient gets a personal link, in one transaction.
    `progress(step, 3)` hears each step as it begins (jobs.STEPS_VI)."""
    from signing import images

    progress(1, 3)
    document, day = issue_checks(svc, actor, document_id, organisation, day=day)
    signed = access.stored_file(svc, document)
    seal_image = images.seal_image(svc.seal(document.issuing_body_id))  # before a number

    def send(session: Session, issued_id: int) -> None:
        delivery.deliver(session, svc.link_secret, issued_id, document.send_to or ())
        notify.on_issued(session, svc, issued_id)

    progress(2, 3)
    done = issuing.issue_signed(
        svc.sessions,
        signed,
        organisation,
        body=document.issuing_body_id,
        type_code=document.type_code,
        day=day,
        seal_image=seal_image,
        tsa_url=svc.tsa_url,
        context=svc.context(),
        store=svc.archive,
        actor=actor.audit,
        then=send,
        document_id=document.id,
    )
    progress(3, 3)
    outbox.after_event(svc)
    return done, delivery.deliveries(svc, actor, document_id)


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
        document = access.acting_on(
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
            successor = access.visible(session, actor, by)
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
            if successor.type_code != document.type_code or successor.kind != document.kind:
                raise StateError(
                    f"document {by} is a {successor.kind or successor.type_code}, not a "
                    f"{document.kind or document.type_code} as document {document_id} is: "
                    "a document is replaced by one of its own type",
                    message_vi="Văn bản thay thế phải cùng loại với văn bản bị thay thế",
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


# --- archive --------------------------------------------------------------------------------------


def archive(svc: Services, actor: Actor, document_id: int) -> Document:
    """The văn thư seals an issued document for the archive (B-LTA document timestamp)."""
    from api.workflow import archive as archiving

    with svc.sessions() as session:
        document = access.visible(session, actor, document_id)
        allow(
            actor, "lưu trữ văn bản", ("van_thu",), body=document.issuing_body_id, session=session
        )
    archiving.archive_document(
        svc.sessions,
        svc.archive,
        document_id,
        tsa_url=svc.tsa_url,
        context=svc.context(),
        actor=actor.audit,
    )
    return access.get_document(svc, actor, document_id)


def export(
    svc: Services,
    actor: Actor,
    *,
    year: int | None = None,
    dossier: str | None = None,
    trust_roots: Sequence[Any],
) -> bytes:
    """The archivist's export (ZIP) of their body's documents of a year or a dossier."""
    from api.workflow import archive as archiving

    allow(actor, "xuất hồ sơ lưu trữ", ("archivist",))
    return archiving.export_package(
        svc.sessions,
        svc.archive,
        year=year,
        dossier=dossier,
        body=actor.body,
        trust_roots=trust_roots,
    )


# --- what the pages offer (the use cases above check it again) ------------------------------


def sendable(actor: Actor, document: Document) -> bool:
    """A draft this clerk may send to its signer and has not sent yet."""
    return (
        actor.role == "clerk"
        and document.status == "draft"
        and document.sent_at is None
        and document.issuing_body_id == actor.body
        and document.kind not in UNIT_KINDS
    )


def can_generate(svc: Services, actor: Actor, body: str) -> bool:
    """Whether this clerk may generate the dossiers of `body`: their own body, a Công an that
    appraises the units of a government the service knows."""
    police = any(b.government == body for b in svc.bodies.values())
    return actor.role == "clerk" and actor.body == body and body in svc.bodies and police
