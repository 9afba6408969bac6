"""A document's paper trail over the API: GET /api/documents/{id}/history (JSON) and
POST /api/documents/{id}/history.pdf, the Phiếu theo dõi sealed by the văn thư with the body's
key (api/workflow/history.py, api/workflow/history_pdf.py decide what it holds and who may have
it)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from api.routes.deps import ActorDep, ServicesDep, SettingsDep
from api.routes.gate import FRAMING, GatedRoute, limit
from api.routes.keys import KEY_LIMIT, KeyDep
from api.routes.models import REFUSED
from api.workflow.history import document_history
from api.workflow.history_pdf import sealed_trail
from api.workflow.users import allow

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["history"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1, description="the document's id")]


class CertificatePublic(BaseModel):
    subject: str
    serial: str = Field(description="serial number, hex")
    sha256: str = Field(description="SHA-256 fingerprint of the certificate (DER), hex")


class EventPublic(BaseModel):
    at: dt.datetime
    action: str = Field(examples=["generate", "send", "sign", "issue", "revoked", "open"])
    action_vi: str = Field(examples=["Ký số"])
    actor: str = Field(examples=["user:vanthu.haiphong", "recipient:3"])
    actor_name: str = Field(examples=["Phạm Thu Hà (văn thư)"])
    certificate: CertificatePublic | None
    note: str


class RecipientTrailPublic(BaseModel):
    name: str
    opened_at: dt.datetime | None
    acknowledged_at: dt.datetime | None


class HistoryPublic(BaseModel):
    """A document's trail, oldest event first, and its recipients."""

    document_id: int
    reference: str | None
    title: str
    subject: str
    issuing_body: str
    status: str
    status_vi: str
    verification_code: str
    sha256: str | None
    archived_sha256: str | None
    events: list[EventPublic]
    recipients: list[RecipientTrailPublic]
    made_at: dt.datetime


@router.get("/documents/{document_id:int}/history", response_model=HistoryPublic, responses=REFUSED)
def history(document_id: Id, actor: ActorDep, services: ServicesDep) -> HistoryPublic:
    """Who generated, sent, signed, issued, revoked, replaced and archived the document, when,
    with which certificate, and when each recipient opened and acknowledged it."""
    return HistoryPublic.model_validate(document_history(services, actor, document_id).as_data())


@router.post(
    "/documents/{document_id:int}/history.pdf",
    response_class=Response,
    responses={**REFUSED, 200: {"content": {"application/pdf": {}}}},
)
@limit(KEY_LIMIT + FRAMING)
def history_pdf(
    document_id: Id,
    actor: ActorDep,
    services: ServicesDep,
    settings: SettingsDep,
    key: KeyDep,
) -> Response:
    """The Phiếu theo dõi as a PDF sealed by the issuing body: the văn thư gives the body's key
    registered to them (PKCS#12 with passphrase, or token, key label and PIN)."""
    allow(actor, "đóng dấu phiếu theo dõi", ("van_thu",))  # before the key is opened
    with key.opened(settings) as organisation:
        pdf = sealed_trail(services, actor, document_id, organisation)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="phieu-theo-doi-{document_id}.pdf"'},
    )
