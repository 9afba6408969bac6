"""The e-mails hoso sends, as values: what each says (`Letter`, made by one function per
event from the document and the person), and the letter as plain text and HTML (`render`:
Jinja templates in api/workflow/templates/mail/, the HTML autoescaped). Pure: no database, no
clock, no
SMTP; api/workflow/notify.py decides who gets which and records them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from api.registry.db import Document
from docgen import vn

TEMPLATES = Path(__file__).resolve().parent / "templates" / "mail"
LINK = "[[lien-ket-rieng]]"
"""Where a recipient's letter shows their personal link: the outbox keeps this, the sender
puts the link in when it sends, so that the database holds no link in clear (the registry
keeps recipients' tokens only hashed)."""


@dataclass(frozen=True)
class Letter:
    """What one e-mail says: subject, greeting, paragraphs and the one link it leads to."""

    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    action: str
    url: str


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(letter: Letter) -> tuple[str, str]:
    """The letter as plain text and as HTML (autoescaped: names and subjects are data)."""
    data = {
        "subject": letter.subject,
        "greeting": letter.greeting,
        "paragraphs": letter.paragraphs,
        "action": letter.action,
        "url": letter.url,
    }
    env = _environment()
    return env.get_template("letter.txt").render(data), env.get_template("letter.html").render(data)


def reference(document: Document) -> str | None:
    if document.number is None:
        return None
    return f"{vn.code_number(document.number)}/{document.notation}"


def _named(document: Document) -> str:
    """'Quyết định công nhận số 01/QĐ-UBND' or, for a draft, 'dự thảo Quyết định công nhận'."""
    title = document.title or document.type_code
    number = reference(document)
    return f"{title} số {number}" if number else f"dự thảo {title}"


def sent_letter(document: Document, *, to: str, clerk: str, url: str) -> Letter:
    return Letter(
        subject=f"Văn bản chờ ký: {document.title or document.type_code}",
        greeting=f"Kính gửi {to},",
        paragraphs=(
            f"Chuyên viên {clerk} đã trình ký {_named(document)}: {document.subject}.",
            "Văn bản đang chờ đồng chí ký số trên trang Ký số.",
        ),
        action="Mở trang Ký số",
        url=url,
    )


def signed_letter(document: Document, *, to: str, url: str) -> Letter:
    return Letter(
        subject=f"Đã ký: {document.title or document.type_code}",
        greeting=f"Kính gửi {to},",
        paragraphs=(
            f"{document.signer_info or document.signer_name or 'Người ký'} đã ký số "
            f"{_named(document)}: {document.subject}.",
            "Văn bản chuyển đến văn thư để cho số, ngày và ban hành.",
        ),
        action="Xem văn bản",
        url=url,
    )


def awaiting_issue_letter(document: Document, *, to: str, url: str) -> Letter:
    return Letter(
        subject=f"Văn bản chờ ban hành: {document.title or document.type_code}",
        greeting=f"Kính gửi {to},",
        paragraphs=(
            f"{document.signer_info or document.signer_name or 'Người ký'} đã ký số "
            f"{_named(document)}: {document.subject}.",
            "Văn bản đang chờ văn thư cho số, ngày, đóng dấu số và ban hành trên trang Phát hành.",
        ),
        action="Mở trang Phát hành",
        url=url,
    )


def issued_letter(document: Document, *, to: str, body: str, link: str) -> Letter:
    day = vn.nd30_date(document.issued_on) if document.issued_on else ""
    return Letter(
        subject=f"{_named(document)} gửi {to}",
        greeting=f"Kính gửi {to},",
        paragraphs=(
            f"{body} gửi {_named(document)}, {day}: {document.subject}.",
            f"Liên kết dưới đây là riêng của {to}: mở để xem, tải văn bản và xác nhận đã "
            "nhận. Xin không chuyển tiếp thư này.",
        ),
        action="Xem văn bản và xác nhận đã nhận",
        url=link,
    )


def unsigned_reminder(document: Document, *, to: str, days: int, url: str) -> Letter:
    return Letter(
        subject=f"Nhắc việc: văn bản chờ ký đã {days} ngày",
        greeting=f"Kính gửi {to},",
        paragraphs=(
            f"{_named(document).capitalize()} ({document.subject}) được trình ký "
            f"{days} ngày trước và chưa được ký.",
        ),
        action="Mở trang Ký số",
        url=url,
    )


def unacknowledged_reminder(
    document: Document, *, to: str, body: str, days: int, link: str
) -> Letter:
    return Letter(
        subject=f"Nhắc: xác nhận đã nhận {_named(document)}",
        greeting=f"Kính gửi {to},",
        paragraphs=(
            f"{body} đã gửi {_named(document)} ({document.subject}) {days} ngày trước; "
            "chưa có xác nhận đã nhận.",
            f"Liên kết dưới đây là riêng của {to}: mở để xem văn bản và xác nhận đã nhận.",
        ),
        action="Xem văn bản và xác nhận đã nhận",
        url=link,
    )
