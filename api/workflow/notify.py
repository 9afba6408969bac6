"""Notifications by e-mail (thông báo qua thư điện tử), outbox pattern: each workflow event
records its letters in the `notifications` table in the same transaction as the event, so a
letter exists exactly when the event happened; api/workflow/outbox.py delivers them after the
commit (a task of the job queue), retries what failed and shows the văn thư what was not
delivered.

Who gets what:
    sent for signature   the signer named in the signature block (trình ký)
    signed               the clerk who sent it; the body's văn thư (waiting for issue)
    issued               each recipient of the Nơi nhận, with their own personal link only,
                         at the address the issuing body's file gives (`emails`)
    remind (`remind`)    the signer of a draft unsigned for N days; a recipient who has not
                         acknowledged M days after the issue (their link again); one per
                         document, person and day

A user without an e-mail address gets no letter (their Tổng quan page shows what waits);
a recipient without one gets a letter with no address, which is never sent and is listed for
the văn thư, who then sends that link by hand. The letters to users are one table (`TOLD`: to
whom, saying what, by kind) and the events name which of them they record (`EVENTS`). Left
out: letters to users about what they did themselves, a digest of many events in one letter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.registry.db import AuditEntry, Document, Notification, Recipient, User
from api.workflow import letters
from api.workflow.issue_date import VIETNAM
from api.workflow.letters import (
    LINK,
    Letter,
    awaiting_issue_letter,
    issued_letter,
    sent_letter,
    signed_letter,
    unacknowledged_reminder,
    unsigned_reminder,
)
from api.workflow.services import Services
from api.workflow.users import Actor
from docgen import vn

# --- recorded with the event --------------------------------------------------------------------


def _add(
    session: Session,
    letter: Letter,
    *,
    kind: str,
    document: Document,
    to_name: str,
    to_address: str | None,
    user_id: int | None = None,
    recipient_id: int | None = None,
    dedup_key: str | None = None,
) -> bool:
    """One letter into the outbox; False when `dedup_key` was recorded already."""
    if dedup_key is not None and session.scalar(
        select(Notification.id).where(Notification.dedup_key == dedup_key)
    ):
        return False
    text, html = letters.render(letter)
    session.add(
        Notification(
            kind=kind,
            issuing_body_id=document.issuing_body_id,
            document_id=document.id,
            recipient_id=recipient_id,
            user_id=user_id,
            to_name=to_name,
            to_address=to_address,
            subject=letter.subject,
            text=text,
            html=html,
            dedup_key=dedup_key,
        )
    )
    return True


def _staff(session: Session, body: str, role: str) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.issuing_body_id == body, User.role == role, User.email.is_not(None))
            .order_by(User.id)
        )
    )


def _signers(session: Session, document: Document) -> list[User]:
    """The signer the signature block names (their body, their name)."""
    name = vn.nfc(document.signer_name or "")
    return [
        u for u in _staff(session, document.issuing_body_id, "signer") if vn.nfc(u.name) == name
    ]


def _sender(session: Session, document: Document) -> list[User]:
    """The clerk who sent the draft for signature (every clerk of the body if none did)."""
    sent_by = session.scalar(
        select(AuditEntry.actor)
        .where(AuditEntry.document_id == document.id, AuditEntry.action == "send")
        .order_by(AuditEntry.id.desc())
    )
    return [
        u
        for u in _staff(session, document.issuing_body_id, "clerk")
        if sent_by is None or f"user:{u.login}" == sent_by
    ]


def _van_thu(session: Session, document: Document) -> list[User]:
    return _staff(session, document.issuing_body_id, "van_thu")


@dataclass(frozen=True)
class _Told:
    """Who one kind of letter to users goes to, and what it says (given the service, the
    document, the user and what the event adds: the clerk's name, the days waited)."""

    to: Callable[[Session, Document], list[User]]
    letter: Callable[[Services, Document, User, dict[str, Any]], Letter]


TOLD: Final[dict[str, _Told]] = {
    "sent_for_signature": _Told(
        _signers,
        lambda svc, d, u, more: sent_letter(
            d, to=u.name, clerk=more["clerk"], url=svc.page_url("/ky-so")
        ),
    ),
    "signed": _Told(
        _sender,
        lambda svc, d, u, more: signed_letter(d, to=u.name, url=svc.page_url(f"/van-ban/{d.id}")),
    ),
    "awaiting_issue": _Told(
        _van_thu,
        lambda svc, d, u, more: awaiting_issue_letter(d, to=u.name, url=svc.page_url("/phat-hanh")),
    ),
    "remind_unsigned": _Told(
        _signers,
        lambda svc, d, u, more: unsigned_reminder(
            d, to=u.name, days=more["days"], url=svc.page_url("/ky-so")
        ),
    ),
}
"""The letters to users, by kind (the `notifications.kind` they are recorded with)."""

EVENTS: Final[dict[str, tuple[str, ...]]] = {
    "sent_for_signature": ("sent_for_signature",),
    "signed": ("signed", "awaiting_issue"),
}
"""Which letters to users each workflow event records."""


def _tell(
    session: Session,
    svc: Services,
    document: Document,
    kind: str,
    *,
    once_on: dt.date | None = None,
    **more: Any,
) -> int:
    """Record letter `kind` (TOLD) of `document` to each user it goes to (`once_on`: at most
    one per user that day); how many."""
    told = TOLD[kind]
    made = 0
    for user in told.to(session, document):
        made += _add(
            session,
            told.letter(svc, document, user, more),
            kind=kind,
            document=document,
            to_name=user.name,
            to_address=user.email,
            user_id=user.id,
            dedup_key=None if once_on is None else f"{kind}:{document.id}:u{user.id}:{once_on}",
        )
    return made


def on_sent_for_signature(
    session: Session, svc: Services, document: Document, *, clerk: Actor
) -> None:
    """The draft was sent to its signer: tell them."""
    for kind in EVENTS["sent_for_signature"]:
        _tell(session, svc, document, kind, clerk=clerk.name)


def on_signed(session: Session, svc: Services, document: Document) -> None:
    """The draft was signed: tell the clerk who sent it, and the văn thư who issues it."""
    for kind in EVENTS["signed"]:
        _tell(session, svc, document, kind)


def address(svc: Services, body: str, name: str) -> str | None:
    """The e-mail address the issuing body's file gives for recipient `name` (compared
    without regard to case), or None."""
    found = svc.bodies.get(body)
    if found is None:
        return None
    wanted = vn.nfc(name).casefold()
    return next((a for n, a in found.emails.items() if vn.nfc(n).casefold() == wanted), None)


def _body_name(svc: Services, body: str) -> str:
    found = svc.bodies.get(body)
    return found.name if found is not None else body


def _recipients(session: Session, document_id: int) -> list[Recipient]:
    return list(
        session.scalars(
            select(Recipient).where(Recipient.document_id == document_id).order_by(Recipient.id)
        )
    )


def _to_recipient(
    session: Session,
    svc: Services,
    document: Document,
    recipient: Recipient,
    letter: Letter,
    *,
    kind: str,
    dedup_key: str | None = None,
) -> bool:
    """One letter to a recipient of the Nơi nhận, at the address of the body's file (their
    personal link put in by the sender: `LINK`)."""
    return _add(
        session,
        letter,
        kind=kind,
        document=document,
        to_name=recipient.name,
        to_address=address(svc, document.issuing_body_id, recipient.name),
        recipient_id=recipient.id,
        dedup_key=dedup_key,
    )


def on_issued(session: Session, svc: Services, document_id: int) -> None:
    """The document was issued and its recipients' rows made: each gets their own link."""
    session.flush()
    document = session.get(Document, document_id)
    assert document is not None
    body = _body_name(svc, document.issuing_body_id)
    for recipient in _recipients(session, document_id):
        letter = issued_letter(document, to=recipient.name, body=body, link=LINK)
        _to_recipient(session, svc, document, recipient, letter, kind="issued")


# --- reminders ------------------------------------------------------------------------------------


def remind(
    svc: Services,
    *,
    today: dt.date,
    unsigned_days: int,
    unacknowledged_days: int,
    most: int = 3,
) -> int:
    """Record the reminders due `today` (a day in Vietnam): the signer of each draft sent
    `unsigned_days` or more days ago and still unsigned (each day until it is signed); each
    recipient of a document issued `unacknowledged_days` or more days ago (and still in
    force) who has not acknowledged, `most` times in all (a body outside the service is not
    written to forever). At most one per document, person and day, however often it runs.
    Returns how many were recorded."""
    made = 0
    start_of_day = dt.datetime.combine(today, dt.time(), VIETNAM)
    with svc.sessions.begin() as session:
        drafts = session.scalars(
            select(Document).where(
                Document.status == "draft",
                Document.sent_at.is_not(None),
                Document.sent_at < start_of_day - dt.timedelta(days=unsigned_days - 1),
            )
        ).all()
        for document in drafts:
            assert document.sent_at is not None
            days = (today - document.sent_at.astimezone(VIETNAM).date()).days
            made += _tell(
                session,
                svc,
                document,
                "remind_unsigned",
                days=days,
                once_on=today,
            )
        issued = session.scalars(
            select(Document).where(
                Document.status.in_(("issued", "archived")),
                Document.issued_on <= today - dt.timedelta(days=unacknowledged_days),
            )
        ).all()
        for document in issued:
            assert document.issued_on is not None
            days = (today - document.issued_on).days
            body = _body_name(svc, document.issuing_body_id)
            reminded = _reminded(session, document.id)
            for recipient in _recipients(session, document.id):
                if recipient.acknowledged_at is not None or reminded.get(recipient.id, 0) >= most:
                    continue
                letter = unacknowledged_reminder(
                    document, to=recipient.name, body=body, days=days, link=LINK
                )
                made += _to_recipient(
                    session,
                    svc,
                    document,
                    recipient,
                    letter,
                    kind="remind_unacknowledged",
                    dedup_key=f"remind_unacknowledged:{document.id}:r{recipient.id}:{today}",
                )
    return made


def _reminded(session: Session, document_id: int) -> dict[int, int]:
    """How many reminders each recipient of the document was sent (recorded) so far."""
    rows = session.execute(
        select(Notification.recipient_id, func.count())
        .where(
            Notification.document_id == document_id,
            Notification.kind == "remind_unacknowledged",
            Notification.recipient_id.is_not(None),
        )
        .group_by(Notification.recipient_id)
    ).all()
    return {int(r): int(n) for r, n in rows if r is not None}
