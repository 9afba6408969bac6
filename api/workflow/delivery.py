"""Sending an issued document to its Nơi nhận: a recipient row and a personal link for each
line, what the văn thư sees of them, and what a recipient's link opens and acknowledges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.registry.db import AuditEntry, Document, Recipient
from api.workflow import access, users
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen import vn
from docgen.errors import HosoError, NotFound


@dataclass(frozen=True)
class Delivery:
    """One recipient of an issued document, with their personal link."""

    id: int
    name: str
    line: str
    link: str
    opened_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None = None
    """The name the recipient typed when acknowledging."""
    acknowledged_position: str | None = None
    """Their chức vụ, as typed."""


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
        document = access.visible(session, actor, document_id)
        # The links are the recipients' credentials: the văn thư who sends them sees them.
        allow(
            actor,
            "xem nơi nhận và liên kết",
            ("van_thu",),
            body=document.issuing_body_id,
            session=session,
        )
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
                r.acknowledged_by,
                r.acknowledged_position,
            )
            for n, r in enumerate(rows, start=1)
        ]


def _typed(value: str | None, field: str, label_vi: str) -> str:
    text = vn.nfc(" ".join((value or "").split()))
    if not text:
        raise HosoError(
            f"{field}: required to acknowledge receipt",
            message_vi=f"Cần nhập {label_vi} của người xác nhận",
            field=field,
        )
    if len(text) > 255:
        raise HosoError(
            f"{field}: at most 255 characters",
            message_vi=f"{label_vi.capitalize()} dài quá 255 ký tự",
            field=field,
        )
    return text


def open_link(
    svc: Services,
    token: str,
    *,
    opened: bool = False,
    acknowledge: bool = False,
    name: str | None = None,
    position: str | None = None,
) -> tuple[Document, Recipient]:
    """The document a personal link opens — that one only. `opened` records the first real
    view (the link's page, once loaded in a browser, or a program, asks it by POST); a plain
    GET records nothing, since mail scanners fetch every link they see. `acknowledge`
    records receipt with the `name` and `position` (chức vụ) the recipient typed, both
    required, and the opening with it if none was recorded; a second acknowledgement changes
    nothing."""
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
        actions = []
        if (opened or acknowledge) and recipient.opened_at is None:
            recipient.opened_at = now
            actions.append("open")
        if acknowledge and recipient.acknowledged_at is None:
            recipient.acknowledged_by = _typed(name, "name", "họ và tên")
            recipient.acknowledged_position = _typed(position, "position", "chức vụ")
            recipient.acknowledged_at = now
            actions.append("acknowledge")
        for action in actions:
            session.add(
                AuditEntry(
                    actor=f"recipient:{recipient.id}",
                    action=action,
                    document_id=recipient.document_id,
                    detail={"recipient": recipient.name}
                    if action == "open"
                    else {
                        "recipient": recipient.name,
                        "name": recipient.acknowledged_by,
                        "position": recipient.acknowledged_position,
                    },
                )
            )
        document = session.get(Document, recipient.document_id)
        assert document is not None
        return document, recipient


def link_file(svc: Services, token: str) -> tuple[Document, bytes]:
    document, _ = open_link(svc, token)
    return document, access.stored_file(svc, document)
