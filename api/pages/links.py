"""A recipient's personal link (no account: the link is the credential). /r/{token} is its
page, in Vietnamese — their document's registry record, a download, the way to verify it, and
the button that acknowledges receipt; /api/links/{token} is the same for programs. The link
opens that one document; opening and acknowledging are recorded once.

"Opened" is recorded by a POST, never by a GET: mail systems' link scanners fetch every
address in a message (GET, sometimes HEAD) and would mark every link opened on delivery. The
page, once loaded in a browser, posts to /api/links/{token}/open from its script
(static/link.js); a program posts there itself; acknowledging receipt records the opening too
(so a browser without scripts still records it when the recipient confirms). A scanner that
runs the page's scripts like a browser would still be counted: the record means "the page
was shown in a browser", not "a person read it"."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from api.pages.web import HTML, page, record_context
from api.registry.db import Document
from api.registry.lookup import RegistryLookup
from api.routes.deps import RegistryDep, ServicesDep, SettingsDep, TemplatesDep, pdf_response
from api.routes.errors import http_status
from api.routes.gate import GatedRoute
from api.routes.models import PDF_RESPONSE, REFUSED, LinkPublic, document_public
from api.settings import Settings
from api.workflow import delivery, wording
from api.workflow.page_images import page_png
from api.workflow.services import Services
from docgen.errors import HosoError, NotFound

router = APIRouter(route_class=GatedRoute, tags=["public pages"])

Token = Annotated[str, Path(min_length=40, max_length=40, pattern="^[0-9a-f]+$")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"content": {"text/html": {}}, "description": "no document for this link (a page)"},
    422: {"content": {"text/html": {}}, "description": "not a link's token (a page)"},
}


@router.get("/r/{token}", response_class=HTMLResponse, responses={**HTML, **NOT_FOUND})
async def link_page(
    token: Token,
    request: Request,
    services: ServicesDep,
    registry: RegistryDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    """The recipient's document; nothing is recorded (the page's script posts the opening)."""
    return await _show(token, request, services, registry, templates, acknowledge=False)


@router.post("/r/{token}", response_class=HTMLResponse, responses={**HTML, **NOT_FOUND})
async def acknowledge_page(
    token: Token,
    request: Request,
    services: ServicesDep,
    registry: RegistryDep,
    templates: TemplatesDep,
    name: Annotated[str, Form(max_length=1000)] = "",
    position: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:
    """The recipient acknowledges receipt with the name and position they type (both
    required: a refusal is shown beside the field, and nothing is recorded)."""
    try:
        return await _show(
            token,
            request,
            services,
            registry,
            templates,
            acknowledge=True,
            typed={"name": name, "position": position},
        )
    except HosoError as exc:
        if exc.field not in ("name", "position"):
            raise
        failure = {"field": exc.field, "message": exc.message_vi}
        return await _show(
            token,
            request,
            services,
            registry,
            templates,
            acknowledge=False,
            typed={"name": name, "position": position},
            failure=failure,
            status=http_status(exc),
        )


async def _show(
    token: str,
    request: Request,
    services: Services,
    registry: RegistryLookup,
    templates: Jinja2Templates,
    *,
    acknowledge: bool,
    typed: dict[str, str] | None = None,
    failure: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    typed = typed or {"name": "", "position": ""}
    document, recipient = await run_in_threadpool(
        partial(
            delivery.open_link,
            services,
            token,
            acknowledge=acknowledge,
            name=typed["name"],
            position=typed["position"],
        )
    )
    record = await run_in_threadpool(registry.by_code, document.verification_code)
    if record is None:  # issued documents only have links
        raise NotFound(
            "no document for this link",
            field="token",
            message_vi="Không có văn bản nào cho đường dẫn này",
        )
    when = recipient.acknowledged_at
    context = {
        **record_context(record),
        "recipient": recipient.name,
        "file": f"/api/links/{token}/file",
        "verify_page": f"/v/{document.verification_code}",
        "action": f"/r/{token}",
        "open": f"/api/links/{token}/open",
        "pages": [
            f"/r/{token}/trang/{n}.png" for n in range(1, min(document.page_count or 0, 40) + 1)
        ],
        "acknowledged_at": wording.when(when) if when else None,
        "acknowledged_by": recipient.acknowledged_by,
        "acknowledged_position": recipient.acknowledged_position,
        "typed": typed,
        "failure": failure,
    }
    return page(templates, request, "link.html", context, status=status)


PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "the page as an image"},
    **NOT_FOUND,
}


@router.get("/r/{token}/trang/{number}.png", response_class=Response, responses=PNG)
def link_page_image(
    token: Token, number: Annotated[int, Path(ge=1, le=10_000)], services: ServicesDep
) -> Response:
    """Page `number` of the recipient's document as an image (poppler's pdftoppm), so that it
    reads inline on any screen, a phone's too, without a PDF viewer. Records nothing."""
    document, pdf = delivery.link_file(services, token)
    png = None
    if document.page_count is None or number <= document.page_count:
        # Sharper than the signed-in previews' 60 dpi: a phone shows it full width, zoomed.
        png = page_png(pdf, number, dpi=110)
    if png is None:
        raise NotFound(
            f"the document has no page {number}",
            message_vi=f"Văn bản không có trang {number}",
            field="number",
        )
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(png, media_type="image/png", headers=headers)


# --- the same for programs ---------------------------------------------------------------------

api_router = APIRouter(route_class=GatedRoute, prefix="/api/links", tags=["recipients"])


def link_public(
    settings: Settings, token: str, document: Document, recipient: Any, body: str
) -> LinkPublic:
    return LinkPublic(
        recipient=recipient.name,
        reference=document_public(document).reference,
        issued_on=document.issued_on,
        subject=document.subject,
        issuing_body=body,
        status=document.status,
        verification_code=document.verification_code,
        verify_page=settings.verify_url(document.verification_code),
        file=f"/api/links/{token}/file",
        opened_at=recipient.opened_at,
        acknowledged_at=recipient.acknowledged_at,
        acknowledged_by=recipient.acknowledged_by,
        acknowledged_position=recipient.acknowledged_position,
    )


@api_router.get("/{token}", response_model=LinkPublic, responses=REFUSED)
def read_link(token: Token, services: ServicesDep, settings: SettingsDep) -> LinkPublic:
    """The document this link was sent with (that one only). Records nothing: link scanners
    GET every address; POST `/open` when the recipient is shown the document."""
    document, recipient = delivery.open_link(services, token)
    return link_public(settings, token, document, recipient, _body(services, document))


@api_router.post("/{token}/open", response_model=LinkPublic, responses=REFUSED)
def open_link(token: Token, services: ServicesDep, settings: SettingsDep) -> LinkPublic:
    """The recipient is shown the document (the link's page posts this once loaded): the
    first opening is recorded, later ones change nothing."""
    document, recipient = delivery.open_link(services, token, opened=True)
    return link_public(settings, token, document, recipient, _body(services, document))


class Acknowledgement(BaseModel):
    """Who acknowledges receipt: the name and position (chức vụ) they type; both required."""

    name: str = Field(default="", max_length=1000, examples=["Nguyễn Văn Bình"])
    position: str = Field(default="", max_length=1000, examples=["Chủ tịch UBND phường"])


@api_router.post("/{token}/acknowledge", response_model=LinkPublic, responses=REFUSED)
def acknowledge(
    token: Token,
    services: ServicesDep,
    settings: SettingsDep,
    who: Annotated[Acknowledgement | None, Body()] = None,
) -> LinkPublic:
    """The recipient confirms receipt with their name and position; recorded once."""
    who = who or Acknowledgement()
    document, recipient = delivery.open_link(
        services, token, acknowledge=True, name=who.name, position=who.position
    )
    return link_public(settings, token, document, recipient, _body(services, document))


@api_router.get("/{token}/file", response_class=Response, responses=PDF_RESPONSE)
def link_file(token: Token, services: ServicesDep) -> Response:
    """The issued PDF, as it is in the archive store."""
    document, pdf = delivery.link_file(services, token)
    return pdf_response(document, pdf)


def _body(services: Services, document: Document) -> str:
    body = services.bodies.get(document.issuing_body_id)
    return body.name if body is not None else document.issuing_body_id
