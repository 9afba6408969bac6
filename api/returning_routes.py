"""Trả lại, cho ý kiến over HTTP: `POST /api/documents/{id}/return` for programs, and the form
on the Ký số page (`POST /ky-so/{id}/tra-lai`). Thin: api/returning.py does the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from api import returning
from api.deps import ActorDep, ServicesDep
from api.gate import GatedRoute
from api.models import DocumentPublic
from api.remote_signing_api import REFUSED
from api.routes.work import document_public
from api.ui import CsrfChecked, PageActor, refused
from docgen.errors import HosoError

router = APIRouter(route_class=GatedRoute, tags=["workflow"])
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="the document's id")]


class ReturnIn(BaseModel):
    comment: str = Field(max_length=returning.COMMENT_MAX, description="the signer's comments")


@router.post(
    "/api/documents/{document_id}/return",
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


@router.post("/ky-so/{document_id}/tra-lai", response_class=HTMLResponse, include_in_schema=False)
def return_page(
    request: Request,
    document_id: Id,
    actor: PageActor,
    services: ServicesDep,
    _: CsrfChecked,
    comment: Annotated[str, Form(max_length=returning.COMMENT_MAX)] = "",
) -> Response:
    try:
        returning.return_draft(services, actor, document_id, comment=comment)
    except HosoError as exc:
        return refused(request, actor, exc)
    return RedirectResponse("/ky-so", status_code=303)
