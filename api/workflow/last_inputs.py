"""What the clerk gave the last generation of a dossier (the Tờ trình and Quyết định cited,
the appraisal meeting, the signer, the watermark), so that the Hồ sơ form opens filled with it
and a regeneration is not a retyping.

Kept in the registry as the `inputs` of the dossier's latest "generate" audit entry (the audit
log is append-only: the last entry wins). Only what was given is kept: a citation the
registry supplied (an issued Tờ trình) is not. Left out: the form's own field names (the page,
api/pages/dossier.py) and any check of the values (they were valid when recorded).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.registry.db import AuditEntry
from api.workflow.services import Services
from docgen import dossier


def record(
    *,
    proposal: dossier.Reference | None,
    decision: dossier.Reference | None,
    meeting: dossier.Meeting | None,
    watermark: bool,
    signer: str | None,
) -> dict[str, Any]:
    """The inputs of one generation as JSON-ready data."""

    def cited(ref: dossier.Reference | None) -> dict[str, Any] | None:
        if ref is None:
            return None
        return {"number": ref.number, "notation": ref.notation, "date": ref.date.isoformat()}

    held: dict[str, Any] = {
        "proposal": cited(proposal),
        "decision": cited(decision),
        "watermark": watermark,
        "signer": signer,
        "meeting": None,
    }
    if meeting is not None:
        held["meeting"] = {
            "start": meeting.start.isoformat(),
            "end": meeting.end.isoformat(),
            "place": meeting.place,
            "attendees": list(meeting.attendees),
            "secretary": meeting.secretary,
            "secretary_position": meeting.secretary_position,
            "votes_for": meeting.votes_for,
            "votes_total": meeting.votes_total,
        }
    return held


def last(svc: Services, *, body: str, year: int) -> dict[str, Any] | None:
    """The inputs of the dossier's latest generation that recorded them, or None."""
    key = f"{year}/{body}"
    with svc.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "generate").order_by(AuditEntry.id.desc())
        )
        for entry in entries:
            detail = entry.detail or {}
            if detail.get("dossier") == key and isinstance(detail.get("inputs"), dict):
                inputs: dict[str, Any] = detail["inputs"]
                return inputs
    return None
