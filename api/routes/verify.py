"""POST /api/verify: a PDF in, its verification report and registry match out (JSON)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.routes.deps import SettingsDep, VerifierDep
from api.routes.gate import GatedRoute, limit
from api.routes.models import ErrorPublic, VerificationPublic
from api.routes.upload import FIELD, FORM_TYPE, PDF_TYPE

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["verification"])

# The body is read from the stream by `api.routes.upload`, not parsed by FastAPI (which would hold
# the
# whole form first), so its schema is declared here.
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the PDF: a form field `file`, or the whole body as application/pdf",
        "content": {
            FORM_TYPE: {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {"type": "string", "format": "binary", "description": "the PDF"}
                    },
                },
                "encoding": {FIELD: {"contentType": PDF_TYPE}},
            },
            PDF_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}

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
@limit(None)  # streamed under the upload limit (api/upload.py)
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
