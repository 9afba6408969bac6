"""Trả lại, cho ý kiến for programs: `POST /api/documents/{id}/return`. Thin:
api/workflow/returning.py does the work; the Ký số page's form is api/pages/returning.py."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.routes.deps import ActorDep, Id, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.models import REFUSED, DocumentPublic, document_public
from api.workflow import returning

router = APIRouter(route_class=GatedRoute, tags=["workflow"])


class ReturnIn(BaseModel):
    comment: str = Field(
        max_length=returning.COMMENT_MAX,
        # Stated in the schema: comments that are only blanks are refused (as str.strip sees them).
        pattern=r"[^\s\x1c-\x1f\x85]",
        description="the signer's comments: some text, not only blanks",
    )


@router.post(
    "/api/documents/{document_id:int}/return",
    response_model=DocumentPublic,
    responses=REFUSED,
    summary="Return a draft to the clerk with comments",
)
def return_api(
    document_id: Id, body: ReturnIn, actor: ActorDep, services: ServicesDep
) -> DocumentPublic:
    """Trả lại, cho ý kiến: the draft leaves the signer's queue, with their comments."""
    return document_public(
        returning.return_draft(services, actor, document_id, comment=body.comment)
    )
