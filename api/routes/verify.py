"""POST /api/verify: a PDF in, its verification report and registry match out (JSON)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.routes.deps import SettingsDep, VerifierDep
from api.routes.gate import GatedRoute, limit
from api.routes.models import ErrorPublic, VerificationPublic
from api.routes.upload import UPLOAD_BODY

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
