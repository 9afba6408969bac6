"""The issued documents a dossier cites, as the registry holds them: a Giấy chứng nhận cites
the Quyết định by the số and ngày it was issued with, never by a number typed beside it, and is
not made before that Quyết định is issued (issue 13, item 1)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.registry.db import Document
from docgen.dossier import Reference
from docgen.errors import StateError

ISSUED = ("issued", "archived")


KINDS = {"QĐ": ("decision", "Quyết định", "Giấy chứng nhận"), "KH": ("plan", "Kế hoạch", "")}


def issued_decision(session: Session, *, body: str, given: Reference, issuer: str) -> Reference:
    """The Quyết định `given` (a số ký hiệu and a date typed by a user) as `body` issued it:
    StateError naming the field `decision` when the registry holds no such issued QĐ."""
    return issued(session, body=body, type_code="QĐ", given=given, issuer=issuer)


def issued(
    session: Session, *, body: str, type_code: str, given: Reference, issuer: str
) -> Reference:
    """The document `given` (số ký hiệu and date typed by a user; `type_code` "QĐ" or "KH") as
    `body` issued it; StateError naming the option when the registry holds no such one."""
    field, name, citing = KINDS[type_code]
    number = given.number
    document = session.scalar(
        select(Document).where(
            Document.issuing_body_id == body,
            Document.type_code == type_code,
            Document.number == number,
            Document.notation == given.notation,
            Document.issued_on == given.date,
            Document.status.in_(ISSUED),
        )
    )
    if document is None or document.number is None or document.issued_on is None:
        cited = f"{given.cite()}"
        why = (
            f": a {citing} cites its {name} once issued, with the số and ngày the registry gave it"
            if citing
            else ": a document cites it by the số and ngày the registry gave it"
        )
        raise StateError(
            f"the {name} {cited} is not issued by '{body}' in the registry{why}",
            message_vi=f"{name} {cited} chưa được ban hành trong sổ đăng ký văn bản; văn bản chỉ "
            "trích dẫn văn bản đã ban hành, theo số và ngày ban hành",
            field=field,
        )
    return Reference(document.number, document.notation, document.issued_on, issuer)
