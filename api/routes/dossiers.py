"""Generating a body's dossier for a year: `POST /api/dossiers`, every document as a PDF
draft ready to sign. The rules (who may, what a dossier holds) are in api/workflow/documents.py;
the request's own rules (the meeting's, the cited references') answer 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, ValidatorFunctionWrapHandler, field_validator

from api.routes.deps import ActorDep, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.models import REFUSED, DocumentPublic, JobPublic, document_public, job_public
from api.workflow import documents as workflow
from api.workflow import jobs
from docgen.dossier import Meeting, Reference
from docgen.errors import InvalidMeeting

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["workflow"])


class Cited(BaseModel):
    """A document the dossier cites: "15/TTr-CAHP" of 2026-11-20."""

    reference: str = Field(examples=["15/TTr-CAHP"], pattern=r"^[0-9]{1,6}/[^\s/]{1,32}$")
    date: dt.date = Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))


class DossierRequest(BaseModel):
    """Which dossier to generate."""

    body: str = Field(examples=["ubnd-hai-phong"], max_length=64)
    year: int = Field(ge=2000, le=2100)
    proposal: Cited | None = Field(
        default=None, description="the Tờ trình the QĐ answers; default: the issued one"
    )
    decision: Cited | None = Field(
        default=None, description="the QĐ the certificates cite; default: the issued one"
    )
    meeting: Meeting | None = Field(
        default=None, description="the Công an's appraisal meeting the Biên bản records"
    )
    watermark: bool = Field(default=False, description="print DỰ THẢO on every page")

    @field_validator("meeting", mode="wrap")
    @classmethod
    def _meeting_rules(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """The meeting's rules (docgen.meeting) answer 422 naming `meeting.<field>`."""
        try:
            return handler(value)
        except InvalidMeeting as exc:
            raise exc.under("meeting.") from None

    signer: str | None = Field(
        default=None,
        examples=["pho-chu-tich"],
        max_length=64,
        description="who of the body signs the Quyết định (its signers' ids); default the "
        "Chủ tịch, a deputy signs KT. CHỦ TỊCH",
    )


def _cited(cited: Cited | None, issuer: str, field: str) -> Reference | None:
    if cited is None:
        return None
    return Reference.parse(cited.reference, cited.date.isoformat(), issuer, field=field)


@router.post(
    "/dossiers",
    status_code=202,
    response_model=JobPublic | list[DocumentPublic],
    responses={
        201: {"model": list[DocumentPublic], "description": "?wait=true: the documents made"},
        202: {"model": JobPublic, "description": "the job generating them; poll its url"},
        **REFUSED,
    },
    summary="Generate a dossier",
)
def generate(
    request: DossierRequest,
    actor: ActorDep,
    services: ServicesDep,
    response: Response,
    wait: Annotated[
        bool, Query(description="generate within this request and answer the documents")
    ] = False,
) -> JobPublic | list[DocumentPublic]:
    """Generate (or regenerate) every document of the body's dossier for the year from its
    assessments: PDFs with their QR code, ready to sign. Signed and issued documents stay.
    A job of the queue does it: the answer is 202 with the job's URL (`GET /api/jobs/{id}`:
    progress "7/19", then the documents); the same request while it runs is the same job."""
    government = services.bodies.get(request.body)
    police = next((b for b in services.bodies.values() if b.government == request.body), None)
    given: dict[str, Any] = {
        "body": request.body,
        "year": request.year,
        "proposal": _cited(request.proposal, police.name if police else "", "proposal"),
        "decision": _cited(request.decision, government.name if government else "", "decision"),
        "meeting": request.meeting,
        "watermark": request.watermark,
        "signer": request.signer,
    }
    if wait:
        response.status_code = 201
        return [document_public(d) for d in workflow.generate_dossier(services, actor, **given)]
    job = jobs.submit_generation(services, actor, **given)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return job_public(job)
