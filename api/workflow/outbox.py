"""The outbox of e-mail notifications (hộp thư đi): delivering the letters api/workflow/notify.py
recorded with their events, and what the văn thư sees of those not delivered.

`send_pending` takes each letter not delivered yet (new, refused, or left by a sender that
died: its claim expires after `CLAIM`), one sender at a time per letter, puts the recipient's
personal link in (the outbox keeps a placeholder: the database holds no link in clear), sends
it through the configured `Mailer` and records the outcome. After an event the sender is a
task of the job queue (`after_event`): the request that made the event never waits on an SMTP
server. A failed send stays with its error; the queue's periodic retry (`retry`) tries it
again once its back-off (`retry_wait`: 5 minutes, doubling, at most 6 hours) is over, and
`hoso notify send` at once; `undelivered` lists it for the văn thư until it goes: never lost
silently. Without an SMTP server (`HOSO_SMTP_HOST` unset) the letters wait, listed the same
way. Left out: a retry limit (a letter is tried until it goes or the văn thư sends its link by
hand), bounces after the server took a letter.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from markupsafe import escape
from sqlalchemy import func, or_, select

from api.registry.db import AuditEntry, Notification, Recipient
from api.workflow import mail, users
from api.workflow.letters import LINK
from api.workflow.queue import MailQueue
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen.errors import NotFound, StateError

log = logging.getLogger(__name__)

CLAIM = dt.timedelta(minutes=10)
"""A letter a sender took and did not finish (a killed process) is taken again after this;
a letter no sender tried is left this long to its event's sender before the retry takes it."""
RETRY_FIRST = dt.timedelta(minutes=5)
RETRY_MOST = dt.timedelta(hours=6)


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


def retry_wait(attempts: int) -> dt.timedelta:
    """How long a letter refused `attempts` times waits for its next try by the periodic
    retry: 5 minutes after the first failure, doubling, at most 6 hours (a server down for a
    night is not asked every minute, and the letter still goes the next morning)."""
    doubled: dt.timedelta = RETRY_FIRST * (1 << min(max(attempts - 1, 0), 16))
    return min(doubled, RETRY_MOST)


def due(
    *,
    now: dt.datetime,
    created_at: dt.datetime,
    tried_at: dt.datetime | None,
    attempts: int,
    failed: bool,
    fresh: bool,
) -> bool:
    """Whether a sender with back-off takes a letter not delivered: a failed one once its
    `retry_wait` is over; one a sender took and never finished after `CLAIM`; one no sender
    tried, at once when `fresh` (the event's own sender), else after `CLAIM`."""
    if tried_at is None:
        return fresh or created_at < now - CLAIM
    if failed:
        return tried_at <= now - retry_wait(attempts)
    return tried_at < now - CLAIM


def send_pending(
    svc: Services, *, stop_at_failure: bool = False, backoff: bool = False, fresh: bool = True
) -> Sent:
    """Deliver every letter of the outbox not delivered yet (new ones, failed ones, and those
    a killed sender left), each taken by one sender at a time; record each outcome. Never
    raises for a failed send: the failure is the letter's `last_error`. Without a mailer
    (no SMTP configured) the letters stay where they are. `stop_at_failure` ends the run at
    the first failure, leaving the rest for the next run: what a web request does, so that
    an unreachable server costs it one timeout, not one per letter. `backoff` takes only the
    letters `due` (`fresh`: with the ones no sender tried yet), as the queue's senders do;
    without it (`hoso notify send`, a văn thư's "Gửi lại") every letter not delivered goes."""
    if svc.mailer is None:
        return Sent(0, 0)
    sent = failed = 0
    now = dt.datetime.now(dt.UTC)
    with svc.sessions() as session:
        rows = session.execute(
            select(
                Notification.id,
                Notification.created_at,
                Notification.tried_at,
                Notification.attempts,
                Notification.last_error,
            )
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
    ids = [
        row.id
        for row in rows
        if not backoff
        or due(
            now=now,
            created_at=row.created_at,
            tried_at=row.tried_at,
            attempts=row.attempts,
            failed=row.last_error is not None,
            fresh=fresh,
        )
    ]
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
    """Once an event's transaction has committed: the sender queued as a task of the job queue
    (`svc.queue`, a `MailQueue`), or run here when there is none. It never fails the event: a
    letter whose task was lost is taken by the periodic `retry` after `CLAIM`.

    A queue task rather than a `jobs` row: a send has no owner to show progress to and
    nothing to make idempotent beyond the letters' own claims, which already make two
    senders deliver each letter once."""
    try:
        if isinstance(svc.queue, MailQueue):
            svc.queue.send_mail()
        else:
            send_queued(svc)
    except Exception:
        log.exception("the notification sender failed; the letters stay in the outbox")


def send_queued(svc: Services) -> Sent:
    """The queue's sender after an event: the new letters, and failed ones whose back-off is
    over; it stops at the first failure (the server is down: the periodic retry comes)."""
    return send_pending(svc, stop_at_failure=True, backoff=True)


def retry(svc: Services) -> Sent:
    """The queue's periodic retry: failed letters whose back-off is over, and letters whose
    event's sender never came (its task lost with a killed worker)."""
    return send_pending(svc, backoff=True, fresh=False)


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


def resend(svc: Services, actor: Actor, letter_id: int) -> Undelivered:
    """The văn thư's "Gửi lại": letter `letter_id` of their body, not delivered, goes again at
    once — its back-off forgotten, handed to the queue's sender (the request does not wait on
    the server) — and the audit log says who asked. A letter without an address cannot be
    sent: the văn thư sends that link by other means."""
    allow(actor, "gửi lại thư thông báo", ("van_thu",))
    with svc.sessions.begin() as session:
        row = session.get(Notification, letter_id, with_for_update=True)
        if row is None or row.issuing_body_id != actor.body or row.sent_at is not None:
            raise NotFound(
                f"no undelivered letter {letter_id} of {actor.body}",
                message_vi="Không có thư chưa gửi được này trong hộp thư đi của cơ quan",
                field="letter_id",
            )
        if row.to_address is None:
            raise StateError(
                f"letter {letter_id} has no address to send to",
                message_vi="Nơi nhận này không có địa chỉ thư điện tử: hãy gửi liên kết bằng "
                "cách khác",
                field="letter_id",
            )
        taken = row.tried_at is not None and row.tried_at >= dt.datetime.now(dt.UTC) - CLAIM
        if row.last_error is None and taken:
            raise StateError(
                f"letter {letter_id} is being sent",
                message_vi="Thư này đang được gửi; hãy xem lại sau ít phút",
                field="letter_id",
            )
        row.tried_at = None
        row.last_error = None
        session.add(
            AuditEntry(
                actor=actor.audit,
                action="resend_mail",
                document_id=row.document_id,
                detail={"letter": row.id, "to": row.to_name, "address": row.to_address},
            )
        )
        shown = Undelivered(
            row.id,
            row.document_id,
            row.to_name,
            row.to_address,
            row.subject,
            row.created_at,
            row.attempts,
            None,
        )
    after_event(svc)
    return shown
