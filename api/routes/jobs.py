"""The jobs API: how far a piece of long work got (`GET /api/jobs/{id}`), for its owner or an
admin, or the holder of a public job's token; the work itself is asked for where it belongs
(POST /api/dossiers and POST /api/verify/batch answer 202 with the job's URL). The rules are
in api/workflow/jobs.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.routes.deps import MAX_ID, JobReaderDep, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.models import REFUSED, JobPublic, job_public
from api.workflow import jobs

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["jobs"])

JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="the job's id")]


@router.get("/jobs/{job_id}", response_model=JobPublic, responses=REFUSED)
def get_job(job_id: JobId, reader: JobReaderDep, services: ServicesDep) -> JobPublic:
    """The job's state and progress ("7/19"), then its result or its error (message_vi); a
    bulk verification's verdicts per file. For its owner (or an admin), or, for a bulk
    verification, whoever sends its token in X-Job-Token."""
    if isinstance(reader, str):
        return job_public(jobs.get_public_job(services, reader, job_id))
    return job_public(jobs.get_job(services, reader, job_id))
