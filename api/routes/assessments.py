"""The assessments of a body's units: import (JSON or the filled workbook), list, read and
score. What a role may do is decided in api/workflow/assessments.py, once, for the API, the
pages and the CLI alike.

Handlers are plain `def`: FastAPI runs them in its thread pool, as parsing, scoring and the
database are blocking work.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile

from api.registry.db import Assessment
from api.routes.deps import SHEET_LIMIT, ActorDep, AssessmentId, ServicesDep, read_upload
from api.routes.gate import FRAMING, GatedRoute, limit
from api.routes.models import REFUSED, AssessmentPublic
from api.workflow import assessments
from api.workflow.services import Services
from api.workflow.users import allow
from docgen import inputs
from docgen.errors import InvalidAssessment, Problem
from docgen.model import Assessment as AssessmentInput

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["workflow"])


def _assessment(row: Assessment, *, full: bool = False) -> AssessmentPublic:
    result = row.result
    return AssessmentPublic(
        id=row.id,
        unit=str(row.input.get("unit", {}).get("name", "")),
        year=row.year,
        scored=result is not None,
        total=float(result["final"]) if result and result.get("final") is not None else None,
        recognised=bool(result["verdict"]["recognised"]) if result else None,
        result=result if full else None,
    )


@router.post(
    "/assessments",
    status_code=201,
    response_model=list[AssessmentPublic],
    responses=REFUSED,
    summary="Import assessments (JSON)",
)
def import_json(
    assessments: list[AssessmentInput], actor: ActorDep, services: ServicesDep
) -> list[AssessmentPublic]:
    """Record the units' assessments of the clerk's body; each is checked against its criteria
    set first, and nothing is recorded if one has a problem."""
    allow(actor, "nhập kết quả chấm điểm", ("clerk",))  # before any work on the input
    raw = [a.model_dump(mode="json", exclude_none=True) for a in assessments]
    problems: list[Problem] = []
    loaded: list[inputs.Loaded] = []
    for n, one in enumerate(raw):
        try:
            loaded.append(inputs.check(one, f"assessments[{n}]"))
        except InvalidAssessment as exc:
            problems.extend(exc.problems)
    InvalidAssessment.collect(problems)
    return _imported(services, actor, loaded)


@router.post(
    "/assessments/workbook",
    status_code=201,
    response_model=list[AssessmentPublic],
    responses=REFUSED,
    summary="Import assessments (the filled workbook)",
)
@limit(SHEET_LIMIT + FRAMING)
def import_workbook(
    file: Annotated[UploadFile, File(description="the .xlsx made by `hoso sheet new`")],
    actor: ActorDep,
    services: ServicesDep,
) -> list[AssessmentPublic]:
    """Every unit sheet of the workbook; the problems of all of them, located by sheet and
    cell, if any has one."""
    allow(actor, "nhập kết quả chấm điểm", ("clerk",))  # before the workbook is parsed
    data = read_upload(file, SHEET_LIMIT, "file")
    name = file.filename or "workbook.xlsx"
    if not name.lower().endswith(".xlsx"):
        name += ".xlsx"
    return _imported(services, actor, inputs.load_bytes(data, name))


def _imported(
    services: Services, actor: Any, loaded: list[inputs.Loaded]
) -> list[AssessmentPublic]:
    ids = assessments.import_assessments(services, actor, loaded)
    return [_assessment(assessments.get_assessment(services, actor, i)) for i in ids]


@router.get("/assessments", response_model=list[AssessmentPublic], responses=REFUSED)
def list_assessments(
    actor: ActorDep,
    services: ServicesDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[AssessmentPublic]:
    """The assessments of the user's body."""
    return [_assessment(a) for a in assessments.list_assessments(services, actor, year=year)]


@router.get("/assessments/{assessment_id:int}", response_model=AssessmentPublic, responses=REFUSED)
def get_assessment(
    assessment_id: AssessmentId, actor: ActorDep, services: ServicesDep
) -> AssessmentPublic:
    return _assessment(assessments.get_assessment(services, actor, assessment_id), full=True)


@router.post(
    "/assessments/{assessment_id:int}/score", response_model=AssessmentPublic, responses=REFUSED
)
def score(assessment_id: AssessmentId, actor: ActorDep, services: ServicesDep) -> AssessmentPublic:
    """Score the assessment (every item's points with its reason, the totals, the verdict)."""
    assessments.score(services, actor, assessment_id)
    return _assessment(assessments.get_assessment(services, actor, assessment_id), full=True)
