"""Trả lại, cho ý kiến: the signer returns a draft sent to them with their comments instead of
signing it. The draft leaves their queue, the clerk reads the comments on the Hồ sơ page,
regenerates the draft and sends it again (which clears them; the audit log keeps them).
"""

from __future__ import annotations

import datetime as dt

from api.registry.db import AuditEntry, Document
from api.workflow import access
from api.workflow.services import Services
from api.workflow.users import Actor
from docgen import vn
from docgen.errors import Forbidden, HosoError, StateError

COMMENT_MAX = 2000


def return_draft(svc: Services, actor: Actor, document_id: int, *, comment: str) -> Document:
    """The signer returns a draft sent to them, with `comment` (required)."""
    text = vn.nfc(comment.strip())
    if not text:
        raise HosoError(
            "give your comments for the clerk",
            message_vi="Cần ghi ý kiến để chuyên viên sửa dự thảo",
            field="comment",
        )
    if len(text) > COMMENT_MAX:
        raise HosoError(
            f"comments longer than {COMMENT_MAX} characters",
            message_vi=f"Ý kiến dài quá {COMMENT_MAX} ký tự",
            field="comment",
        )
    with svc.sessions.begin() as session:
        document = access.acting_on(
            session,
            actor,
            document_id,
            action="trả lại dự thảo",
            roles=("signer",),
            states=("draft",),
            lock=True,
        )
        if document.signer_name and vn.nfc(document.signer_name) != vn.nfc(actor.name):
            raise Forbidden(
                f"document {document_id} is to be signed by {document.signer_name}",
                message_vi=f"Văn bản này do {document.signer_name} ký, không phải {actor.name}",
                field="signer",
            )
        if document.sent_at is None:
            raise StateError(
                f"document {document_id} is not waiting for your signature",
                message_vi="Văn bản không ở trong danh sách chờ ký",
                field="document_id",
            )
        document.sent_at = None
        document.returned_comment = text
        document.returned_at = dt.datetime.now(dt.UTC)
        session.add(
            AuditEntry(
                actor=actor.audit,
                action="return",
                document_id=document.id,
                detail={"comment": text},
            )
        )
        return document
