"""A real SMTP server on loopback for the notification tests (aiosmtpd on a free port): it
keeps every message it accepts, and refuses every message while `refusing` is set, as a
server that is down for maintenance answers (451)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.signing_setting import free_port


@dataclass
class Inbox:
    """What the server received: each message with the addresses it was delivered to."""

    port: int
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refusing: bool = False

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.refusing:
            return "451 4.3.0 Hệ thống thư đang bảo trì, thử lại sau"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 2.0.0 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]

    def take(self) -> list[tuple[list[str], EmailMessage]]:
        """The messages received so far, forgotten by the inbox."""
        taken, self.messages = self.messages, []
        return taken


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML of a notification."""
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None, message
    return str(plain.get_content()), str(html.get_content())  # type: ignore[attr-defined]


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
