"""Issuing (ND 30 step 2), written once: the văn thư's organisation signature with the next số
of the registry, the ngày and the seal, the file into the archive store before its record
commits, and what belongs to the issue (the recipients' links) in the same transaction.

`issue_signed` is that step, for every door: the registry's signed drafts
(`api.workflow.documents.issue`, the API and the pages), a signed file from outside the
registry (`issue_file`, `hoso issue`) and the demo. `issue_file` holds the rules of the
command line's door: who acts (a registered văn thư, or the local operator of a body), the
certificate registered to them, the date's window.

Left out: opening the key (the caller's, before any number is taken) and printing.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyhanko.sign import signers
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.registry import numbering as registry
from api.registry.db import SignerCertificate, User
from api.registry.store import Storage
from api.workflow import users
from api.workflow.history import certificate_detail
from api.workflow.users import Actor, allow
from docgen import vn
from docgen.errors import Forbidden, HosoError
from signing import images


def issue_signed(
    sessions: sessionmaker[Session],
    signed: bytes,
    organisation: signers.Signer,
    *,
    body: str,
    type_code: str,
    day: dt.date,
    seal_image: images.Seal,
    tsa_url: str,
    context: Any,
    store: Storage,
    actor: str,
    written: Callable[[bytes], None] | None = None,
    then: Callable[[Session, int], None] | None = None,
    **record: Any,
) -> registry.IssuedDocument:
    """Issue `signed` with the organisation's key: the next số of (body, type, year of `day`),
    the ngày, the seal, the organisation's certificate in the audit entry; `written(issued)` (a
    copy for the caller) and the archive store before
    the record commits, so a record never lacks its file; `then(session, id)` and the record
    (`record`: document_id, page_count, verification_code, signer_info) in one transaction. A
    failure anywhere takes no number."""
    from signing import issue as issuing

    def make(number: int) -> bytes:
        issued = issuing.issue(
            signed,
            organisation,
            number=number,
            day=day,
            seal_image=seal_image,
            tsa_url=tsa_url,
            context=context,
        )
        if written is not None:
            written(issued)
        store.put(issued)
        return issued

    return registry.record_issue(
        sessions,
        body=body,
        type_code=type_code,
        issued_on=day,
        make=make,
        actor=actor,
        then=then,
        detail={"certificate": certificate_detail(organisation.signing_cert)},
        **record,
    )


@dataclass(frozen=True)
class Operator:
    """Who issues from the command line when no user is named (`hoso issue` without --as):
    the operator of the machine, acting for one body, named in the audit log by their login on
    the machine."""

    body: str
    login: str

    @property
    def audit(self) -> str:
        return f"cli:{self.login}"


def acting_for(session: Session, login: str) -> Actor:
    """The registered user `login` as the command line's actor (`hoso issue --as LOGIN`)."""
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        from docgen.errors import NotFound

        raise NotFound(
            f"no user '{login}'", message_vi=f"Không có người dùng '{login}'", field="as"
        )
    return Actor.of(user)


def check_issuer(session: Session, who: Actor | Operator, certificate: Any, *, body: str) -> None:
    """The rules of who may issue a file for `body` with `certificate`. A user must be a văn
    thư of `body` whose certificate it is (as on the web and in the API). The operator may
    issue only with a certificate registered to a văn thư of `body` once the body has any:
    on a registry where the body's văn thư registered theirs, no other key issues."""
    if isinstance(who, Actor):
        allow(who, "ban hành văn bản", ("van_thu",), body=body)
        users.require_own_certificate(session, who, certificate)
        return
    registered = session.scalars(
        select(SignerCertificate.sha256)
        .join(User, User.id == SignerCertificate.user_id)
        .where(User.issuing_body_id == body, User.role == "van_thu")
    ).all()
    if registered and users.certificate_sha256(certificate) not in registered:
        raise Forbidden(
            f"the certificate of {certificate.subject.human_friendly!r} is not registered to a "
            f"văn thư of '{body}'",
            message_vi=f"Chứng thư số này không được đăng ký cho văn thư nào của '{body}'",
            field="certificate",
        )


def pages_and_code(pdf: bytes) -> tuple[int, str | None]:
    """The pages of a signed draft, and the verification code its QR code leads to (/v/CODE),
    if the draft carries one: the registry records it, so that the QR code finds the record."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(pdf))
        first = reader.pages[0].extract_text() if reader.pages else ""
        pages = len(reader.pages)
    except (PyPdfError, ValueError) as exc:
        raise HosoError(
            "the document is not a readable PDF",
            message_vi="Văn bản không phải tệp PDF đọc được",
            field="document",
        ) from exc
    found = re.search(r"/v/([A-Z2-7]{5}-[A-Z2-7]{5})\b", first)
    return pages, found.group(1) if found else None


def subject_of(pdf: bytes) -> str:
    """The trích yếu a generated draft carries as its /Subject (docgen.render.described), so
    that a document issued from outside the registry shows it on Phát hành and Lưu trữ."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        info = PdfReader(io.BytesIO(pdf)).metadata
    except (PyPdfError, ValueError):
        return ""
    subject = info.subject if info is not None else None
    return vn.nfc(str(subject)).strip() if subject else ""


def issue_file(
    sessions: sessionmaker[Session],
    who: Actor | Operator,
    signed: bytes,
    organisation: signers.Signer,
    *,
    body: str,
    type_code: str,
    day: dt.date,
    seal_image: images.Seal,
    tsa_url: str,
    context: Any,
    store: Storage,
    written: Callable[[bytes], None] | None = None,
) -> registry.IssuedDocument:
    """Issue a signed file from outside the registry's drafts (`hoso issue`): `who` may issue
    for `body` with this key (`check_issuer`), then `issue_signed`. `day` has passed
    `issue_date.issue_day` (the caller's window). No recipients: a file from outside the
    registry names none the registry knows."""
    assert organisation.signing_cert is not None
    with sessions() as session:
        check_issuer(session, who, organisation.signing_cert, body=body)
    pages, code = pages_and_code(signed)
    return issue_signed(
        sessions,
        signed,
        organisation,
        body=body,
        type_code=type_code,
        day=day,
        seal_image=seal_image,
        tsa_url=tsa_url,
        context=context,
        store=store,
        actor=who.audit,
        written=written,
        page_count=pages,
        verification_code=code,
        subject=subject_of(signed),
    )


__all__ = [
    "Operator",
    "acting_for",
    "check_issuer",
    "issue_file",
    "issue_signed",
    "pages_and_code",
    "subject_of",
]
