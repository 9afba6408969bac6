"""The archive's API: the archivist's export (`GET /api/archive/export`, a body's documents of
a year or of a dossier with their ND 30 metadata and verification reports, as one ZIP), and
the văn thư's (or an admin's) sealing and renewal of a whole body's archive (`POST
/api/archive/seal`, `POST /api/archive/renew`: 202 with the job's URL)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from api.routes.deps import ActorDep, ServicesDep, TrustDep
from api.routes.gate import GatedRoute
from api.routes.models import REFUSED, ErrorPublic, JobPublic, job_public
from api.workflow import documents as workflow
from api.workflow import jobs
from api.workflow.users import allow

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["workflow"])


ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}}, "description": "the export (ZIP)"},
    **REFUSED,
    503: {"model": ErrorPublic, "description": "the service has no trust roots configured"},
}


@router.get("/archive/export", response_class=Response, responses=ZIP_RESPONSE)
def export(
    actor: ActorDep,
    services: ServicesDep,
    trust: TrustDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    dossier: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """The archivist exports their body's documents of a year or of a dossier: the PDFs, the
    ND 30 Phụ lục VI metadata (JSON and XML), SHA-256 checksums and each verification report."""
    allow(actor, "xuất hồ sơ lưu trữ", ("archivist",))  # before the trust roots are read
    data = workflow.export(services, actor, year=year, dossier=dossier, trust_roots=trust.get())
    name = f"hoso-{year or (dossier or '').replace('/', '-')}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


class SealRequest(BaseModel):
    """Which documents to seal for the archive: those a body issued in a year."""

    year: int = Field(ge=2000, le=2100, description="the year of their số")
    body: str | None = Field(
        default=None,
        max_length=64,
        description="the issuing body (an admin names it; a văn thư's is their own)",
    )


class RenewRequest(BaseModel):
    """Which archived documents to renew: those whose last timestamp expires soon."""

    within_days: int = Field(
        default=365, ge=1, le=36500, description="its certificate expires within this many days"
    )
    body: str | None = Field(
        default=None,
        max_length=64,
        description="the issuing body (a văn thư's is their own; an admin: none for every body)",
    )
    year: int | None = Field(default=None, ge=2000, le=2100, description="only those of this year")


JOB_RESPONSE: dict[int | str, dict[str, Any]] = {
    202: {"model": JobPublic, "description": "the job; poll its url"},
    **REFUSED,
}


@router.post("/archive/seal", status_code=202, response_model=JobPublic, responses=JOB_RESPONSE)
def seal(
    request: SealRequest, actor: ActorDep, services: ServicesDep, response: Response
) -> JobPublic:
    """Seal for the archive (PAdES B-LTA) every document the body issued in the year and not
    archived yet, as a job: "Đang niêm phong lưu trữ 3/12"."""
    job = jobs.submit_sealing(services, actor, body=request.body, year=request.year)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job_public(job)


@router.post("/archive/renew", status_code=202, response_model=JobPublic, responses=JOB_RESPONSE)
def renew(
    request: RenewRequest, actor: ActorDep, services: ServicesDep, response: Response
) -> JobPublic:
    """Renew the last document timestamp of each archived document whose timestamp certificate
    expires within the days given, as a job; each renewed copy is stored beside the previous."""
    job = jobs.submit_renewal(
        services, actor, body=request.body, within_days=request.within_days, year=request.year
    )
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job_public(job)
