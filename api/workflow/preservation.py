"""The archive of the registry as a whole (niêm phong và gia hạn lưu trữ): sealing every issued
document of a body and year not archived yet, and renewing the last document timestamp of the
archived ones whose timestamp certificate nears its expiry. Both run as jobs of the queue
(api/workflow/jobs.py: "Đang niêm phong lưu trữ 3/12"); the renewal is also a daily task
(api/workflow/tasks.py).

A renewal never changes a file: the renewed copy (the archived file followed by the validation
data of its last timestamp and a new one, `signing.archive.renew`) goes into the store beside
it, the registry's `archived_sha256` moves to it, and the audit entry "renew" keeps the
previous hash — which is how the store check and the sweep know the earlier copy is a record
(`api.registry.crash.superseded`), not a stray file.

Both are idempotent: a document already sealed is no longer "issued"; a document renewed since
`since` (the job's creation, the day's start) is not renewed again, even when the same TSA
certificate leaves it due. One document that fails does not stop the others: it is reported in
the result. Left out: renewing the issued (not archived) files, which carry no document
timestamp to renew, and choosing a TSA per body.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.registry import crash
from api.registry.db import AuditEntry, Document
from api.workflow import archive
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen.errors import ArchiveError, Forbidden, HosoError
from signing import archive as sealing

log = logging.getLogger("hoso.preservation")

RENEW: Final = crash.RENEW
ROLES: Final = ("van_thu", "admin")


@dataclass(frozen=True)
class Outcome:
    """What a run did: the documents sealed or renewed, those left as they were, those that
    failed with the reason in Vietnamese."""

    done: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def as_result(self) -> dict[str, Any]:
        return {"documents": self.done, "skipped": self.skipped, "failed": self.failed}


def archiving_body(actor: Actor, body: str | None) -> str | None:
    """The body whose archive `actor` may seal or renew: a văn thư their own (given or not),
    an admin the one given, or every body (None)."""
    allow(actor, "niêm phong, gia hạn lưu trữ", ROLES)
    if actor.role == "admin":
        return body
    if body is not None and body != actor.body:
        raise Forbidden(
            f"{actor.login} works for '{actor.body}', not for '{body}'",
            message_vi=f"{actor.name} không thuộc cơ quan '{body}': không được niêm phong, "
            "gia hạn lưu trữ của cơ quan đó",
            field="body",
        )
    return actor.body


def seal_issued(
    svc: Services,
    *,
    body: str | None,
    year: int,
    actor: str,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Outcome:
    """Seal for the archive (PAdES B-LTA) every document `body` (None: any body) issued with a
    số of `year` and not archived yet, one by one (`archive.archive_document`), telling
    `progress` after each."""
    query = (
        select(Document.id)
        .where(
            Document.year == year,
            Document.status == "issued",
            Document.sha256.is_not(None),
        )
        .order_by(Document.id)
    )
    if body is not None:
        query = query.where(Document.issuing_body_id == body)
    ids = list(archive.read_registry(svc.sessions, lambda s: s.scalars(query).all()))
    outcome = Outcome()
    progress(0, len(ids))
    context = svc.context() if ids else None
    for n, document_id in enumerate(ids, start=1):
        try:
            assert context is not None
            archive.archive_document(
                svc.sessions,
                svc.archive,
                document_id,
                tsa_url=svc.tsa_url,
                context=context,
                actor=actor,
            )
            outcome.done.append(document_id)
        except HosoError as exc:
            if exc.code == "state_error":  # archived meanwhile (a second run): nothing to do
                outcome.skipped.append(document_id)
            else:
                log.warning("document %s not sealed: %s", document_id, exc)
                outcome.failed.append(_failure(document_id, exc))
        progress(n, len(ids))
    return outcome


def renew_due(
    svc: Services,
    *,
    body: str | None,
    year: int | None = None,
    within: dt.timedelta,
    now: dt.datetime,
    since: dt.datetime,
    actor: str,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Outcome:
    """Renew the last document timestamp of each archived file (of `body`, or every body's;
    with a số of `year` when given) whose timestamp certificate expires before `now + within`,
    unless renewed since `since`; the renewed copy stored beside the previous one, the registry
    pointing at it, audited."""
    query = select(Document.id, Document.archived_sha256).where(
        Document.archived_sha256.is_not(None)
    )
    if body is not None:
        query = query.where(Document.issuing_body_id == body)
    if year is not None:
        query = query.where(Document.year == year)

    def read(session: Session) -> tuple[list[tuple[int, str]], set[int]]:
        rows = [(int(i), str(h)) for i, h in session.execute(query.order_by(Document.id))]
        recent = session.scalars(
            select(AuditEntry.document_id).where(AuditEntry.action == RENEW, AuditEntry.at >= since)
        )
        return rows, {int(d) for d in recent if d is not None}

    rows, recent = archive.read_registry(svc.sessions, read)
    outcome = Outcome()
    progress(0, len(rows))
    context = svc.context() if rows else None
    for n, (document_id, digest) in enumerate(rows, start=1):
        try:
            pdf = svc.archive.get(digest)
            if document_id in recent or not sealing.needs_renewal(pdf, now=now, margin=within):
                outcome.skipped.append(document_id)
            else:
                assert context is not None
                renewed = sealing.renew(pdf, tsa_url=svc.tsa_url, context=context)
                _record_renewal(svc, document_id, digest, renewed, actor=actor)
                outcome.done.append(document_id)
        except HosoError as exc:
            log.warning("document %s not renewed: %s", document_id, exc)
            outcome.failed.append(_failure(document_id, exc))
        progress(n, len(rows))
    return outcome


def _record_renewal(
    svc: Services, document_id: int, previous: str, renewed: bytes, *, actor: str
) -> None:
    try:
        with svc.sessions.begin() as session, crash.store_writes(session):
            document = session.get(Document, document_id, with_for_update=True)
            if document is None or document.archived_sha256 != previous:
                return  # renewed by another run meanwhile: its copy stands
            digest = svc.archive.put(renewed)  # beside the previous copy, never over it
            document.archived_sha256 = digest
            expiry = sealing.last_timestamp_expiry(renewed)
            session.add(
                AuditEntry(
                    actor=actor,
                    action=RENEW,
                    document_id=document_id,
                    detail={
                        "previous_sha256": previous,
                        "archived_sha256": digest,
                        "expires": expiry.isoformat() if expiry else None,
                    },
                )
            )
    except SQLAlchemyError as exc:
        raise ArchiveError(
            f"the registry could not record the renewal: {archive.first_line(exc)}",
            message_vi="Sổ đăng ký không ghi nhận được lần gia hạn dấu thời gian",
            field="document_id",
        ) from exc


def _failure(document_id: int, exc: HosoError) -> dict[str, Any]:
    return {"id": document_id, "message": str(exc), "message_vi": exc.message_vi}
