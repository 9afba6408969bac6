"""A real SMTP server on loopback for the notification tests (aiosmtpd on a free port): it
keeps every message it accepts, and refuses every message while `refusing` is set, as a
server that is down for maintenance answers (451). `wait` waits for messages a queue sends."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.signing_setting import free_port


@dataclass(frozen=True)
class Received:
    """One message as the server got it: the envelope's recipients, the message, and the
    name and address of its To header."""

    rcpt: list[str]
    message: EmailMessage
    to_name: str
    to_address: str


@dataclass
class Inbox:
    """What the server received: each message with the addresses it was delivered to."""

    port: int
    messages: list[Received] = field(default_factory=list)
    refusing: bool = False

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.refusing:
            return "451 4.3.0 Hệ thống thư đang bảo trì, thử lại sau"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        # The display name as RFC 2047 reads it: the stdlib's address parser puts a space
        # between adjacent encoded words where a name is folded mid-word ("Hải Ph òng");
        # mail readers join them, as decode_header does.
        raw = email.message_from_bytes(envelope.content, policy=email.policy.compat32)
        encoded, _, address = str(raw["To"]).rpartition("<")
        name = str(make_header(decode_header(encoded.strip()))).strip('"')
        address = address.rstrip(">")
        self.messages.append(Received(list(envelope.rcpt_tos), message, name, address))
        return "250 2.0.0 OK"

    def wait(self, count: int, *, timeout: float = 30.0) -> None:
        """Until the server received `count` messages (the queue's sender sends after the
        request's answer); AssertionError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} messages came"
            time.sleep(0.05)

    def take(self) -> list[Received]:
        """The messages received so far, forgotten by the inbox."""
        taken, self.messages = self.messages, []
        return taken


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML of a notification."""
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None, message
    return str(plain.get_content()), str(html.get_content())


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
