"""The issued documents a dossier cites, as the registry holds them: a Giấy chứng nhận cites
the Quyết định by the số and ngày it was issued with, never by a number typed beside it, and is
not made before that Quyết định is issued (issue 13, item 1)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import Document
from docgen.dossier import Reference
from docgen.errors import StateError

ISSUED = ("issued", "archived")


def issued_decision(session: Session, *, body: str, given: Reference, issuer: str) -> Reference:
    """The Quyết định `given` (a số ký hiệu and a date typed by a user) as `body` issued it:
    StateError naming the field `decision` when the registry holds no such issued QĐ."""
    number = given.number
    document = session.scalar(
        select(Document).where(
            Document.issuing_body_id == body,
            Document.type_code == "QĐ",
            Document.number == number,
            Document.notation == given.notation,
            Document.issued_on == given.date,
            Document.status.in_(ISSUED),
        )
    )
    if document is None or document.number is None or document.issued_on is None:
        cited = f"{given.cite()}"
        raise StateError(
            f"the Quyết định {cited} is not issued by '{body}' in the registry: a Giấy chứng "
            "nhận cites its Quyết định once issued, with the số and ngày the registry gave it",
            message_vi=f"Quyết định {cited} chưa được ban hành trong sổ đăng ký văn bản: Giấy "
            "chứng nhận chỉ được lập sau khi Quyết định đã ban hành, theo số và ngày ban hành",
            field="decision",
        )
    return Reference(document.number, document.notation, document.issued_on, issuer)
