"""POST /api/verify: a PDF in, its verification report and registry match out (JSON).
POST /api/verify/batch: many files in, a job out (202), whose verdicts GET /api/jobs/{id} gives
to the holder of its token (api/workflow/jobs.py says why a token owns it)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from api.routes.deps import ServicesDep, SettingsDep, VerifierDep
from api.routes.gate import GatedRoute, limit
from api.routes.models import BatchJobPublic, ErrorPublic, VerificationPublic, job_public
from api.routes.upload import BATCH_BODY, UPLOAD_BODY, receive_files
from api.workflow import jobs

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["verification"])

REFUSALS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorPublic, "description": "the file is larger than the upload limit"},
    415: {"model": ErrorPublic, "description": "not a PDF"},
    422: {"model": ErrorPublic, "description": "no file, an empty file, a broken form"},
    503: {"model": ErrorPublic, "description": "the service has no trust roots configured"},
}


@router.post(
    "/verify",
    summary="Verify a signed PDF",
    response_model=VerificationPublic,
    responses=REFUSALS,
    openapi_extra=UPLOAD_BODY,
)
@limit(None)  # streamed under the upload limit (api/routes/upload.py)
async def verify(
    request: Request, settings: SettingsDep, verifier: VerifierDep
) -> VerificationPublic:
    """Validate every signature of the uploaded PDF against the trusted roots (ETSI EN 319
    102-1 style indication per signature and overall) and say whether the file is,
    bit for bit, a registered issued document, with that document's current status.

    A signature that does not verify is a result (200 with TOTAL_FAILED or INDETERMINATE);
    4xx answers are for uploads that cannot be checked at all."""
    verification = await verifier(request)
    return VerificationPublic.of(verification, url=settings.verify_url)


BATCH_REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorPublic, "description": "an X-Job-Token that is no job token"},
    413: {"model": ErrorPublic, "description": "a file, or the files together, over the limit"},
    415: {"model": ErrorPublic, "description": "not a multipart/form-data body"},
    422: {"model": ErrorPublic, "description": "no file, too many files, a broken form"},
    503: {"model": ErrorPublic, "description": "no trust roots, or no registry to keep the job"},
}


@router.post(
    "/verify/batch",
    summary="Verify many files as a job",
    status_code=202,
    response_model=BatchJobPublic,
    responses=BATCH_REFUSALS,
    openapi_extra=BATCH_BODY,
)
@limit(None)  # streamed under the batch limits (api/routes/upload.py receive_files)
async def verify_batch(
    request: Request,
    response: Response,
    services: ServicesDep,
    x_job_token: Annotated[
        str,
        Header(
            pattern=jobs.TOKEN_PATTERN.pattern,
            description="the token an earlier batch answered with, to get its job back",
        ),
    ] = "",  # a string, not null: a header has no null
) -> BatchJobPublic:
    """Queue the verification of every file of the form field `files` (at most
    Settings.batch_files, together under Settings.batch_limit). Answers 202 with the job's URL
    (Location) and its token, shown once: GET the URL with X-Job-Token to read the progress
    ("Đang xác minh 3/10") and then each file's report, shaped as POST /api/verify's."""
    uploads = jobs.uploads_folder(services)
    await run_in_threadpool(services.trust_roots)  # no roots: say so before reading the files
    incoming = uploads / "incoming" / secrets.token_hex(8)
    async with receive_files(request, folder=incoming, limits=services.batch) as files:
        job, token = await run_in_threadpool(
            lambda: jobs.submit_verification(services, files, token=x_job_token or None)
        )
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return BatchJobPublic(**job_public(job).model_dump(), token=token)
