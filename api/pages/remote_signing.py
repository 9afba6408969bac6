"""The Ký số page's remote signing: the signer asks for one draft or all of them, the page
waits while they confirm on their phone ("Xác nhận trên ứng dụng ký số của bạn"), reloading
itself every two seconds (no script: the pages' CSP allows none inline), then says what was
signed and what failed, and why. The signer also pairs their `hoso agent` here with a one-time
code, and revokes an agent.

Thin: `remote_signing.start_remote_sign` and `remote_job` do the work.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.pages.ui import CsrfChecked, refused, render
from api.routes.deps import ServicesDep
from api.routes.gate import GatedRoute
from api.routes.session import PageActor
from api.workflow import access, agents, remote_signing, signing_way
from api.workflow.users import allow
from docgen.errors import HosoError, NotFound

router = APIRouter(route_class=GatedRoute, include_in_schema=False)
REFRESH = 2  # seconds between two looks at a pending confirmation


@router.post("/ky-so/tu-xa", response_class=HTMLResponse)
def start(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    _: CsrfChecked,
    document_ids: Annotated[list[int], Form()],
) -> Response:
    """Sign the chosen drafts with the signer's remote signing service, then wait."""
    try:
        job = remote_signing.start_remote_sign(services, actor, document_ids[:20])
    except HosoError as exc:
        return refused(request, actor, exc)
    return RedirectResponse(f"/ky-so/tu-xa/{job}", status_code=303)


@router.get("/ky-so/tu-xa/{job}", response_class=HTMLResponse)
def waiting(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    job: Annotated[str, Path(min_length=8, max_length=64)],
) -> HTMLResponse:
    """ "Xác nhận trên ứng dụng ký số của bạn" while pending; the outcome once known."""
    try:
        found = remote_signing.remote_job(services, actor, job)
    except HosoError as exc:
        return refused(request, actor, exc)
    result = found.result or {}
    titles: dict[int, str] = {}
    for document_id in found.document_ids:
        try:
            titles[document_id] = access.get_document(services, actor, document_id).title or ""
        except NotFound:
            titles[document_id] = str(document_id)
    context = {
        "job": found,
        "refresh": REFRESH if found.state == "pending" else None,
        "titles": titles,
        "signed": result.get("signed", []),
        "failed": result.get("failed", []),
        "error": result.get("message_vi"),
    }
    return render(request, "app/remote_wait.html", context, actor=actor)


# --- máy ký: pairing `hoso agent` with a one-time code, listing and revoking agents ----------


@router.post("/ky-so/may-ky", response_class=HTMLResponse)
def pairing(
    request: Request, actor: PageActor, services: ServicesDep, _: CsrfChecked
) -> HTMLResponse:
    """A new one-time pairing code, with the command to type on the signer's PC."""
    try:
        made = agents.pairing_code(services, actor)
    except HosoError as exc:
        return refused(request, actor, exc)
    context = {
        "pairing": made,
        "minutes": int(agents.PAIRING_TTL.total_seconds() // 60),
        "url": str(request.base_url).rstrip("/"),
    }
    return render(request, "app/agent_pairing.html", context, actor=actor)


@router.post("/ky-so/may-ky/{agent_id:int}/thu-hoi", response_class=HTMLResponse)
def revoke(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    _: CsrfChecked,
    agent_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    """Revoke one of the signer's agents: its token stops working at once."""
    try:
        agents.revoke(services, actor, agent_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    return RedirectResponse("/ky-so#may-ky", status_code=303)


@router.post("/ky-so/cach-ky", response_class=HTMLResponse)
def choose_way(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    _: CsrfChecked,
    way: Annotated[str, Form(max_length=16)],
) -> Response:
    """Remember how the signer signs; the Ký số page opens on it from now on."""
    try:
        allow(actor, "chọn cách ký", ("signer",))
        signing_way.remember(services, actor, way)
    except HosoError as exc:
        return refused(request, actor, exc)
    return RedirectResponse("/ky-so", status_code=303)
