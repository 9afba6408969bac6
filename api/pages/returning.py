"""Trả lại, cho ý kiến on the Ký số page: the form `POST /ky-so/{id}/tra-lai`. Thin:
api/workflow/returning.py does the work; programs use api/routes/returning.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.pages.ui import CsrfChecked, refused
from api.routes.deps import Id, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.session import PageActor
from api.workflow import returning
from docgen.errors import HosoError

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)


@router.post("/ky-so/{document_id:int}/tra-lai", response_class=HTMLResponse)
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
