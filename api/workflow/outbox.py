"""The outbox of e-mail notifications (hộp thư đi): delivering the letters api/workflow/notify.py
recorded with their events, and what the văn thư sees of those not delivered.

`send_pending` takes each letter not delivered yet (new, refused, or left by a sender that
died: its claim expires after `CLAIM`), one sender at a time per letter, puts the recipient's
personal link in (the outbox keeps a placeholder: the database holds no link in clear), sends
it through the configured `Mailer` and records the outcome. A failed send stays with its
error and is tried again by the next event or `hoso notify send`; `undelivered` lists it for
the văn thư until it goes: never lost silently. Without an SMTP server (`HOSO_SMTP_HOST`
unset) the letters wait, listed the same way. Left out: a retry limit and back-off, bounces
after the server took a letter.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from markupsafe import escape
from sqlalchemy import func, or_, select

from api.registry.db import Notification, Recipient
from api.workflow import mail, users
from api.workflow.letters import LINK
from api.workflow.services import Services
from api.workflow.users import Actor, allow

log = logging.getLogger(__name__)

CLAIM = dt.timedelta(minutes=10)
"""A letter a sender took and did not finish (a killed process) is taken again after this."""


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


def _personal(svc: Services, letter: Notification) -> tuple[str, str]:
    """The letter's text and HTML with the recipient's personal link in place of `LINK`
    (api/workflow/delivery.py's numbering: the n-th recipient row's token is the HMAC of the
    document
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
