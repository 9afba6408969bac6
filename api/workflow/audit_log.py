"""The audit log (nhật ký) as an operator reads it: the entries of a period, of one issuing body
or all, as CSV or JSON — for `hoso audit export` and the admin's GET /api/admin/audit.

An entry belongs to a body when its document is that body's, or when its actor is a user of
that body (sign-ins, imports, generations). Reading only: nothing here, nor anywhere in the
service, changes or deletes an entry (the database's triggers refuse it, migration 0001).

Left out: shipping the log elsewhere (syslog, a SIEM): an operator runs the export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from api.registry.db import AuditEntry, Document, IssuingBody, User
from api.workflow.users import Actor, allow
from docgen.errors import HosoError, NotFound

__all__ = ["FORMATS", "ExportedEntry", "entries", "export_bytes"]

Format = Literal["csv", "json"]
FORMATS: tuple[Format, ...] = ("csv", "json")
COLUMNS = ("id", "at", "actor", "action", "document_id", "issuing_body", "detail")


@dataclass(frozen=True)
class ExportedEntry:
    """One audit entry as exported; `detail` is the entry's JSON, `at` ISO 8601 in UTC."""

    id: int
    at: str
    actor: str
    action: str
    document_id: int | None
    issuing_body: str | None
    detail: dict[str, Any]


def entries(
    sessions: sessionmaker[Session],
    actor: Actor | None,
    *,
    body: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[ExportedEntry]:
    """The entries with `since` <= at < `until`, of `body` (None: every body), oldest first.
    `actor` None is the operator at the command line; otherwise an admin only."""
    if actor is not None:
        allow(actor, "xuất nhật ký", ("admin",))
    if since is not None and until is not None and until <= since:
        raise HosoError(
            "the period ends before it starts",
            message_vi="Thời điểm kết thúc phải sau thời điểm bắt đầu",
            field="until",
        )
    with sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        query = (
            select(AuditEntry, Document.issuing_body_id)
            .outerjoin(Document, Document.id == AuditEntry.document_id)
            .order_by(AuditEntry.id)
        )
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if until is not None:
            query = query.where(AuditEntry.at < until)
        members: dict[str, str | None] = {
            f"user:{login}": b
            for login, b in session.execute(select(User.login, User.issuing_body_id))
        }
        if body is not None:
            if session.get(IssuingBody, body) is None:
                raise NotFound(
                    f"no issuing body {body!r}",
                    message_vi=f"Không có cơ quan ban hành {body!r}",
                    field="body",
                )
            staff = [a for a, b in members.items() if b == body]
            query = query.where(or_(Document.issuing_body_id == body, AuditEntry.actor.in_(staff)))
        return [
            ExportedEntry(
                id=entry.id,
                at=entry.at.astimezone(dt.UTC).isoformat(),
                actor=entry.actor,
                action=entry.action,
                document_id=entry.document_id,
                issuing_body=document_body or members.get(entry.actor),
                detail=dict(entry.detail or {}),
            )
            for entry, document_body in session.execute(query)
        ]


def export_bytes(found: list[ExportedEntry], fmt: str) -> bytes:
    """`found` as CSV (UTF-8 with BOM, so spreadsheet programs read the Vietnamese right; the
    detail column is JSON) or as a JSON array."""
    if fmt == "json":
        return json.dumps([asdict(e) for e in found], ensure_ascii=False, indent=1).encode()
    if fmt != "csv":
        raise HosoError(
            f"format {fmt!r}: csv or json",
            message_vi="Định dạng chỉ có thể là csv hoặc json",
            field="format",
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in found:
        detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
        writer.writerow(
            (e.id, e.at, e.actor, e.action, e.document_id or "", e.issuing_body or "", detail)
        )
    return ("\ufeff" + out.getvalue()).encode()
