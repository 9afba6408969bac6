"""Notifications by e-mail (thông báo qua thư điện tử), outbox pattern: each workflow event
records its letters in the `notifications` table in the same transaction as the event, so a
letter exists exactly when the event happened; `send_pending` delivers them after the commit
(in the process today; a job of the queue later) and records each outcome. A failed send stays
in the outbox with its error, is tried again by the next event or `hoso notify send`, and is
listed for the văn thư (`undelivered`) until it goes: never lost silently. Without an SMTP
server (`HOSO_SMTP_HOST` unset) the letters wait in the outbox, listed the same way.

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
the văn thư, who then sends that link by hand. Left out: a retry limit and back-off (each
event or command tries every undelivered letter once), bounces after the server took a letter.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from markupsafe import escape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from api import letters, mail, users
from api.db import AuditEntry, Document, Notification, Recipient, User
from api.letters import (
    Letter,
    awaiting_issue_letter,
    issued_letter,
    sent_letter,
    signed_letter,
    unacknowledged_reminder,
    unsigned_reminder,
)
from api.services import Services
from api.users import Actor, allow
from docgen import vn

log = logging.getLogger(__name__)

CLAIM = dt.timedelta(minutes=10)
"""A letter a sender took and did not finish (a killed process) is taken again after this."""
VIETNAM = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class Sent:
    """What one run of the sender did."""

    sent: int
    failed: int


@dataclass(frozen=True)
class Undelivered:
    """A letter not delivered (yet), as the văn thư sees it."""

    id: int
    document_id: int | None
    to_name: str
    to_address: str | None
    subject: str
    created_at: dt.datetime
    attempts: int
    error: str | None


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


def on_sent_for_signature(
    session: Session, svc: Services, document: Document, *, clerk: Actor
) -> None:
    """The draft was sent to its signer: tell them."""
    for user in _signers(session, document):
        letter = sent_letter(document, to=user.name, clerk=clerk.name, url=svc.page_url("/ky-so"))
        _add(
            session,
            letter,
            kind="sent_for_signature",
            document=document,
            to_name=user.name,
            to_address=user.email,
            user_id=user.id,
        )


def on_signed(session: Session, svc: Services, document: Document) -> None:
    """The draft was signed: tell the clerk who sent it, and the văn thư who issues it."""
    sent_by = session.scalar(
        select(AuditEntry.actor)
        .where(AuditEntry.document_id == document.id, AuditEntry.action == "send")
        .order_by(AuditEntry.id.desc())
    )
    clerks = [
        u
        for u in _staff(session, document.issuing_body_id, "clerk")
        if sent_by is None or f"user:{u.login}" == sent_by
    ]
    for user in clerks:
        letter = signed_letter(document, to=user.name, url=svc.page_url(f"/van-ban/{document.id}"))
        _add(
            session,
            letter,
            kind="signed",
            document=document,
            to_name=user.name,
            to_address=user.email,
            user_id=user.id,
        )
    for user in _staff(session, document.issuing_body_id, "van_thu"):
        letter = awaiting_issue_letter(document, to=user.name, url=svc.page_url("/phat-hanh"))
        _add(
            session,
            letter,
            kind="awaiting_issue",
            document=document,
            to_name=user.name,
            to_address=user.email,
            user_id=user.id,
        )


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


LINK = "[[lien-ket-rieng]]"
"""Where a recipient's letter shows their personal link: the outbox keeps this, the sender
puts the link in when it sends, so that the database holds no link in clear (the registry
keeps recipients' tokens only hashed)."""


def _links(svc: Services, session: Session, document_id: int) -> list[tuple[Recipient, str]]:
    """Each recipient of the document, with the placeholder of their personal link."""
    rows = session.scalars(
        select(Recipient).where(Recipient.document_id == document_id).order_by(Recipient.id)
    ).all()
    return [(r, LINK) for r in rows]


def _personal(svc: Services, letter: Notification) -> tuple[str, str]:
    """The letter's text and HTML with the recipient's personal link in place of `LINK`
    (api/delivery.py's numbering: the n-th recipient row's token is the HMAC of the document
    and n)."""
    if letter.recipient_id is None or letter.document_id is None or LINK not in letter.text:
        return letter.text, letter.html
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        n = session.scalar(
            select(func.count())
            .select_from(Recipient)
            .where(
                Recipient.document_id == letter.document_id,
                Recipient.id <= letter.recipient_id,
            )
        )
    link = svc.link_url(users.link_token(svc.link_secret, letter.document_id, int(n or 0)))
    return letter.text.replace(LINK, link), letter.html.replace(LINK, str(escape(link)))


def on_issued(session: Session, svc: Services, document_id: int) -> None:
    """The document was issued and its recipients' rows made: each gets their own link."""
    session.flush()
    document = session.get(Document, document_id)
    assert document is not None
    body = _body_name(svc, document.issuing_body_id)
    for recipient, link in _links(svc, session, document_id):
        letter = issued_letter(document, to=recipient.name, body=body, link=link)
        _add(
            session,
            letter,
            kind="issued",
            document=document,
            to_name=recipient.name,
            to_address=address(svc, document.issuing_body_id, recipient.name),
            recipient_id=recipient.id,
        )


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
            for user in _signers(session, document):
                letter = unsigned_reminder(
                    document, to=user.name, days=days, url=svc.page_url("/ky-so")
                )
                made += _add(
                    session,
                    letter,
                    kind="remind_unsigned",
                    document=document,
                    to_name=user.name,
                    to_address=user.email,
                    user_id=user.id,
                    dedup_key=f"remind_unsigned:{document.id}:u{user.id}:{today}",
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
            for recipient, link in _links(svc, session, document.id):
                if recipient.acknowledged_at is not None or reminded.get(recipient.id, 0) >= most:
                    continue
                letter = unacknowledged_reminder(
                    document, to=recipient.name, body=body, days=days, link=link
                )
                made += _add(
                    session,
                    letter,
                    kind="remind_unacknowledged",
                    document=document,
                    to_name=recipient.name,
                    to_address=address(svc, document.issuing_body_id, recipient.name),
                    recipient_id=recipient.id,
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


# --- the sender ---------------------------------------------------------------------------------


def send_pending(svc: Services, *, stop_at_failure: bool = False) -> Sent:
    """Deliver every letter of the outbox not delivered yet (new ones, failed ones, and those
    a killed sender left), each taken by one sender at a time; record each outcome. Never
    raises for a failed send: the failure is the letter's `last_error`. Without a mailer
    (no SMTP configured) the letters stay where they are. `stop_at_failure` ends the run at
    the first failure, leaving the rest for the next run: what a web request does, so that
    an unreachable server costs it one timeout, not one per letter."""
    if svc.mailer is None:
        return Sent(0, 0)
    sent = failed = 0
    now = dt.datetime.now(dt.UTC)
    with svc.sessions() as session:
        ids = session.scalars(
            select(Notification.id)
            .where(
                Notification.sent_at.is_(None),
                Notification.to_address.is_not(None),
                or_(
                    Notification.tried_at.is_(None),
                    Notification.last_error.is_not(None),
                    Notification.tried_at < now - CLAIM,
                ),
            )
            .order_by(Notification.id)
        ).all()
    for id_ in ids:
        letter = _claim(svc, id_, now)
        if letter is None:
            continue  # another sender took it, or delivered it meanwhile
        try:
            assert letter.to_address is not None
            text, html = _personal(svc, letter)
            svc.mailer.send(
                mail.compose(
                    sender=svc.mail_from,
                    to_name=letter.to_name,
                    to_address=letter.to_address,
                    subject=letter.subject,
                    text=text,
                    html=html,
                )
            )
        except mail.MailUnavailable as exc:
            failed += 1
            log.warning("notification %s to %s not sent: %s", id_, letter.to_address, exc)
            _finish(svc, id_, error=exc.message)
            if stop_at_failure:
                break
        except Exception as exc:
            failed += 1
            log.exception("notification %s to %s not sent", id_, letter.to_address)
            _finish(svc, id_, error=f"{exc.__class__.__name__}: {exc}")
            if stop_at_failure:
                break
        else:
            sent += 1
            _finish(svc, id_, error=None)
    return Sent(sent, failed)


def _claim(svc: Services, id_: int, now: dt.datetime) -> Notification | None:
    """Take letter `id_` for this sender (its `tried_at` now, its error cleared), unless it was
    delivered or another sender took it since the list was read."""
    with svc.sessions.begin() as session:
        row = session.get(Notification, id_, with_for_update=True)
        if row is None or row.sent_at is not None:
            return None
        if row.last_error is None and row.tried_at is not None and row.tried_at >= now - CLAIM:
            return None
        row.tried_at = dt.datetime.now(dt.UTC)
        row.attempts += 1
        row.last_error = None
        return row


def _finish(svc: Services, id_: int, *, error: str | None) -> None:
    with svc.sessions.begin() as session:
        row = session.get(Notification, id_, with_for_update=True)
        assert row is not None
        if error is None:
            row.sent_at = dt.datetime.now(dt.UTC)
        else:
            row.last_error = error[:2000]


def after_event(svc: Services) -> None:
    """The sender, run once an event's transaction has committed; it never fails the event."""
    try:
        send_pending(svc, stop_at_failure=True)
    except Exception:
        log.exception("the notification sender failed; the letters stay in the outbox")


# --- what the văn thư sees ----------------------------------------------------------------------


def undelivered(
    svc: Services, actor: Actor, *, document_id: int | None = None
) -> list[Undelivered]:
    """The letters of the văn thư's body not delivered: waiting, failed, or without an
    address (of one document, or all)."""
    allow(actor, "xem thư chưa gửi được", ("van_thu",))
    query = (
        select(Notification)
        .where(Notification.issuing_body_id == actor.body, Notification.sent_at.is_(None))
        .order_by(Notification.id)
    )
    if document_id is not None:
        query = query.where(Notification.document_id == document_id)
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        return [
            Undelivered(
                n.id,
                n.document_id,
                n.to_name,
                n.to_address,
                n.subject,
                n.created_at,
                n.attempts,
                n.last_error
                if n.to_address is not None
                else "Không có địa chỉ thư điện tử của nơi nhận này",
            )
            for n in session.scalars(query)
        ]
