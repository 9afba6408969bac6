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

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from api.pages.web import HTML, page, record_context
from api.registry.db import Document
from api.registry.lookup import RegistryLookup
from api.routes.deps import RegistryDep, ServicesDep, SettingsDep, TemplatesDep, pdf_response
from api.routes.gate import GatedRoute
from api.routes.models import PDF_RESPONSE, REFUSED, LinkPublic, document_public
from api.settings import Settings
from api.workflow import delivery, wording
from api.workflow.services import Services
from docgen.errors import NotFound

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
) -> HTMLResponse:
    """The recipient acknowledges receipt."""
    return await _show(token, request, services, registry, templates, acknowledge=True)


async def _show(
    token: str,
    request: Request,
    services: Services,
    registry: RegistryLookup,
    templates: Jinja2Templates,
    *,
    acknowledge: bool,
) -> HTMLResponse:
    document, recipient = await run_in_threadpool(
        delivery.open_link, services, token, acknowledge=acknowledge
    )
    record = await run_in_threadpool(registry.by_code, document.verification_code)
    if record is None:  # issued documents only have links
        raise NotFound("no document for this link", field="token")
    when = recipient.acknowledged_at
    context = {
        **record_context(record),
        "recipient": recipient.name,
        "file": f"/api/links/{token}/file",
        "verify_page": f"/v/{document.verification_code}",
        "action": f"/r/{token}",
        "open": f"/api/links/{token}/open",
        "acknowledged_at": wording.when(when) if when else None,
    }
    return page(templates, request, "link.html", context)


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


@api_router.post("/{token}/acknowledge", response_model=LinkPublic, responses=REFUSED)
def acknowledge(token: Token, services: ServicesDep, settings: SettingsDep) -> LinkPublic:
    """The recipient confirms receipt; the time is recorded once."""
    document, recipient = delivery.open_link(services, token, acknowledge=True)
    return link_public(settings, token, document, recipient, _body(services, document))


@api_router.get("/{token}/file", response_class=Response, responses=PDF_RESPONSE)
def link_file(token: Token, services: ServicesDep) -> Response:
    """The issued PDF, as it is in the archive store."""
    document, pdf = delivery.link_file(services, token)
    return pdf_response(document, pdf)


def _body(services: Services, document: Document) -> str:
    body = services.bodies.get(document.issuing_body_id)
    return body.name if body is not None else document.issuing_body_id
