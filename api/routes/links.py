"""/r/{token}: the page of a recipient's personal link, in Vietnamese — their document's
registry record, a download, the way to verify it, and the button that acknowledges receipt.
The link opens that one document; opening and acknowledging are recorded once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from api import delivery, wording
from api.deps import RegistryDep, ServicesDep, TemplatesDep
from api.lookup import RegistryLookup
from api.routes.pages import HTML, page, record_context
from api.services import Services
from docgen.errors import NotFound

router = APIRouter(tags=["public pages"])

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
    """The recipient's document; the first opening is recorded."""
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
        "acknowledged_at": wording.when(when) if when else None,
    }
    return page(templates, request, "link.html", context)
