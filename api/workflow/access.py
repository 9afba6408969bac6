"""Which documents a user may see and act on, and their files: the access rules every use case
shares (api/workflow/documents.py, api/workflow/delivery.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.registry.db import STATUS_VI, Document, Role, Status
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen.errors import NotFound, StateError

PUBLISHED: tuple[Status, ...] = ("issued", "archived", "revoked", "replaced")
"""What an admin sees of every body: the documents the public verification page shows anyway.
Drafts and signed drafts are their body's business: an admin manages users, not dossiers."""


def _visible(actor: Actor) -> Any:
    """Documents the actor's body issues, or that belong to its dossiers; for an admin, the
    published documents of every body."""
    if actor.role == "admin":
        return Document.status.in_(PUBLISHED)
    return or_(
        Document.issuing_body_id == actor.body,
        Document.dossier.like(f"%/{actor.body}"),
    )


def _may_see(actor: Actor, document: Document) -> bool:
    if actor.role == "admin":
        return document.status in PUBLISHED
    return document.issuing_body_id == actor.body or (document.dossier or "").endswith(
        f"/{actor.body}"
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
        query = select(Document).order_by(Document.id).where(_visible(actor))
        if dossier is not None:
            query = query.where(Document.dossier == dossier)
        if status is not None:
            query = query.where(Document.status == status)
        return list(session.scalars(query))


def visible(session: Session, actor: Actor, document_id: int, *, lock: bool = False) -> Document:
    document = session.get(Document, document_id, with_for_update=lock)
    if document is None or not _may_see(actor, document):
        raise NotFound(
            f"no document {document_id}",
            message_vi=f"Không có văn bản số {document_id}",
            field="document_id",
        )
    return document


def acting_on(
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
    document = visible(session, actor, document_id, lock=lock)
    allow(actor, action, roles, body=document.issuing_body_id, session=session)
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
        return visible(session, actor, document_id)


def document_file(svc: Services, actor: Actor, document_id: int) -> tuple[Document, bytes]:
    """The current file of a document: its draft, signed draft, issued or archived PDF."""
    document = get_document(svc, actor, document_id)
    return document, stored_file(svc, document)


def stored_file(svc: Services, document: Document) -> bytes:
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
