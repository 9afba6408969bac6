"""Generating a body's dossier for a year: `POST /api/dossiers`, every document as a PDF
draft ready to sign. The rules (who may, what a dossier holds) are in api/workflow/documents.py;
the request's own rules (the meeting's, the cited references') answer 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidatorFunctionWrapHandler, field_validator

from api.routes.deps import ActorDep, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.models import REFUSED, DocumentPublic, document_public
from api.workflow import documents as workflow
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
    status_code=201,
    response_model=list[DocumentPublic],
    responses=REFUSED,
    summary="Generate a dossier",
)
def generate(
    request: DossierRequest, actor: ActorDep, services: ServicesDep
) -> list[DocumentPublic]:
    """Generate (or regenerate) every document of the body's dossier for the year from its
    assessments: PDFs with their QR code, ready to sign. Signed and issued documents stay."""
    government = services.bodies.get(request.body)
    police = next((b for b in services.bodies.values() if b.government == request.body), None)
    documents = workflow.generate_dossier(
        services,
        actor,
        body=request.body,
        year=request.year,
        proposal=_cited(request.proposal, police.name if police else "", "proposal"),
        decision=_cited(request.decision, government.name if government else "", "decision"),
        meeting=request.meeting,
        watermark=request.watermark,
        signer=request.signer,
    )
    return [document_public(d) for d in documents]
