"""The clerk's use cases on assessments: import, list, score and correct the units' inputs of
the actor's body (the registry's `Assessment` rows; the scoring itself is docgen's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.registry.db import Assessment, AuditEntry, Unit
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen import inputs, report, scoring
from docgen.errors import InvalidAssessment, NotFound, Problem


def import_assessments(svc: Services, actor: Actor, loaded: Sequence[inputs.Loaded]) -> list[int]:
    """Record checked assessments of the actor's body (a unit's earlier input for the same
    year is replaced, its score cleared); returns their ids in the order given."""
    allow(actor, "nhập kết quả chấm điểm", ("clerk",))
    foreign = [x for x in loaded if x.assessment.unit.issuing_body != actor.body]
    if foreign:
        raise InvalidAssessment([_foreign(svc, x, actor.body or "") for x in foreign])
    ids: list[int] = []
    with svc.sessions.begin() as session:
        for x in loaded:
            a = x.assessment
            unit = session.scalar(
                select(Unit).where(Unit.issuing_body_id == actor.body, Unit.name == a.unit.name)
            )
            if unit is None:
                unit = Unit(issuing_body_id=a.unit.issuing_body, name=a.unit.name)
                session.add(unit)
            unit.unit_type = a.unit.type
            session.flush()
            row = session.scalar(
                select(Assessment).where(Assessment.unit_id == unit.id, Assessment.year == a.year)
            )
            if row is None:
                row = Assessment(unit_id=unit.id, year=a.year)
                session.add(row)
            row.input = a.model_dump(mode="json", exclude_none=True)
            row.result = None
            session.flush()
            session.add(
                AuditEntry(actor=actor.audit, action="import", detail={"assessment": row.id})
            )
            ids.append(row.id)
    return ids


def _foreign(svc: Services, loaded: inputs.Loaded, own: str) -> Problem:
    """A unit of another body, both bodies by their names (an unknown code stays a code) and,
    from a workbook, the cell that names it."""

    def name(body: str) -> str:
        known = svc.bodies.get(body)
        return known.name if known is not None else f"'{body}'"

    cell = loaded.cells.get("unit.issuing_body")
    where = f"{loaded.origin} › unit.issuing_body" + (f" [{cell}]" if cell else "")
    their = name(loaded.assessment.unit.issuing_body)
    return Problem(where, f"the unit belongs to {their}, not to {name(own)}")


def loaded_input(row: Assessment) -> inputs.Loaded:
    return inputs.check(row.input, f"assessment {row.id}")


def _visible_assessment(session: Session, actor: Actor, assessment_id: int) -> Assessment:
    row = session.get(Assessment, assessment_id)
    unit = session.get(Unit, row.unit_id) if row is not None else None
    if (
        row is None
        or unit is None
        or (actor.role != "admin" and unit.issuing_body_id != actor.body)
    ):
        raise NotFound(
            f"no assessment {assessment_id}",
            message_vi=f"Không có kết quả chấm điểm số {assessment_id}",
            field="assessment_id",
        )
    return row


def get_assessment(svc: Services, actor: Actor, assessment_id: int) -> Assessment:
    with svc.sessions() as session:
        return _visible_assessment(session, actor, assessment_id)


def list_assessments(svc: Services, actor: Actor, *, year: int | None = None) -> list[Assessment]:
    with svc.sessions() as session:
        query = select(Assessment).join(Unit).order_by(Assessment.id)
        if actor.role != "admin":
            query = query.where(Unit.issuing_body_id == actor.body)
        if year is not None:
            query = query.where(Assessment.year == year)
        return list(session.scalars(query))


def score(svc: Services, actor: Actor, assessment_id: int) -> dict[str, Any]:
    """Score one assessment with its criteria set's policy and keep the result."""
    allow(actor, "chấm điểm", ("clerk",))
    with svc.sessions.begin() as session:
        row = _visible_assessment(session, actor, assessment_id)
        loaded = loaded_input(row)
        result = scoring.score(loaded.assessment, loaded.criteria, svc.policies[loaded.criteria.id])
        row.result = report.result_data(result, origin=loaded.origin)
        session.add(AuditEntry(actor=actor.audit, action="score", detail={"assessment": row.id}))
        return row.result


def update_assessment(
    svc: Services, actor: Actor, assessment_id: int, raw: Mapping[str, Any]
) -> Assessment:
    """The clerk corrects one unit's input on the Chấm điểm page: checked as an import is, for
    the same unit and year (another unit or year is imported, not edited); its score is
    cleared until it is scored again."""
    allow(actor, "sửa kết quả chấm điểm", ("clerk",))
    with svc.sessions.begin() as session:
        row = _visible_assessment(session, actor, assessment_id)
        loaded = inputs.check(dict(raw), f"assessment {row.id}")
        a = loaded.assessment
        before = row.input.get("unit", {})
        kept = (before.get("name"), before.get("type"), before.get("issuing_body"), row.year)
        if (a.unit.name, a.unit.type, a.unit.issuing_body, a.year) != kept:
            raise InvalidAssessment(
                [Problem(f"{loaded.origin} › unit", "the unit and the year stay as imported")]
            )
        row.input = a.model_dump(mode="json", exclude_none=True)
        row.result = None
        session.add(AuditEntry(actor=actor.audit, action="update", detail={"assessment": row.id}))
        return row
