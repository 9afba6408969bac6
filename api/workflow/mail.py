"""E-mail out (adapter): a message with a plain and an HTML part (`compose`, pure), and the
`Mailer` port with its SMTP implementation over the standard library's smtplib.

What goes in a message and to whom is api/workflow/notify.py's; when to send and what to do with a
failure too. This module only turns a failure of the server or the network into one
`MailUnavailable` (`raise … from exc`), whose message names what went wrong and never the
password. Left out: receiving mail, bounces, DKIM (the relay the service sends through signs).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

from api.settings import Settings
from docgen.errors import HosoError

__all__ = ["MailUnavailable", "Mailer", "SmtpMailer", "compose", "mailer"]


class MailUnavailable(HosoError):
    """The SMTP server refused the message or could not be reached."""

    code = "mail_unavailable"


class Mailer(Protocol):
    """Where messages go: an SMTP server (`SmtpMailer`), or a test's own."""

    def send(self, message: EmailMessage) -> None: ...


def compose(
    *, sender: str, to_name: str, to_address: str, subject: str, text: str, html: str
) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML second (mail readers show the
    last part they can), both UTF-8."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((to_name, to_address))
    message["Subject"] = subject
    domain = Address(addr_spec=to_address).domain or "hoso.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


@dataclass(frozen=True)
class SmtpMailer:
    """Delivery through an SMTP server: one connection per message (notifications are few and
    come one event at a time)."""

    host: str
    port: int
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 20.0

    def send(self, message: EmailMessage) -> None:
        where = f"{self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _unavailable(where, f"recipient refused: {_codes(exc.recipients)}") from exc
        except smtplib.SMTPResponseException as exc:
            error = exc.smtp_error
            reply = error.decode("utf-8", "replace") if isinstance(error, bytes) else error
            raise _unavailable(where, f"{exc.smtp_code} {reply}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise _unavailable(where, f"{exc.__class__.__name__}: {exc}") from exc
        if refused:
            raise _unavailable(where, f"recipient refused: {_codes(refused)}")


def _codes(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{who} {code} {reply.decode('utf-8', 'replace')}" for who, (code, reply) in refused.items()
    )


def _unavailable(where: str, why: str) -> MailUnavailable:
    return MailUnavailable(
        f"the SMTP server {where} did not take the message: {why}",
        message_vi=f"Máy chủ thư {where} không nhận thư: {why}",
        field="smtp_host",
    )


def mailer(settings: Settings) -> Mailer | None:
    """The configured SMTP server, or None when `HOSO_SMTP_HOST` is not set (notifications
    then stay in the outbox)."""
    if not settings.smtp_host:
        return None
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
        timeout=settings.smtp_timeout,
    )
