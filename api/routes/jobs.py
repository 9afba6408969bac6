"""The jobs API: how far a piece of long work got (`GET /api/jobs/{id}`), for its owner or an
admin; the work itself is asked for where it belongs (POST /api/dossiers answers 202 with the
job's URL). The rules are in api/workflow/jobs.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.routes.deps import MAX_ID, ActorDep, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.models import REFUSED, JobPublic, job_public
from api.workflow import jobs

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["jobs"])

JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="the job's id")]


@router.get("/jobs/{job_id}", response_model=JobPublic, responses=REFUSED)
def get_job(job_id: JobId, actor: ActorDep, services: ServicesDep) -> JobPublic:
    """The job's state and progress ("7/19"), then its result or its error (message_vi)."""
    return job_public(jobs.get_job(services, actor, job_id))
