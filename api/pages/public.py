"""The public pages, in Vietnamese: /v/{code} behind each document's QR code (the registry
record, and an upload form that checks a copy against it) and /xac-minh for a file without a
code. Server-rendered, no JavaScript; the verification is the same use case as /api/verify."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from api.pages.web import HTML, NOT_FOUND, UPLOAD_REFUSALS, page, record_context
from api.registry.lookup import RegistryLookup, RegistryRecord, normalise_code
from api.routes.deps import RegistryDep, TemplatesDep, VerifierDep
from api.routes.gate import GatedRoute, limit
from api.routes.upload import UPLOAD_BODY
from api.workflow import wording
from api.workflow.verification import Verification

router = APIRouter(route_class=GatedRoute, tags=["public pages"])


def result_context(
    verification: Verification, *, expected: RegistryRecord | None
) -> dict[str, Any]:
    report = verification.report
    return {
        "verdict": wording.citizen(report, verification.registered or expected),
        "codes": wording.technical(report),
        "match": wording.match(verification.registered, expected),
        "signatures": [wording.signature_view(c) for c in report.signatures],
        "sha256": report.sha256,
        "level": wording.level(report.level),
    }


def shown_code(code: str) -> str:
    return code if len(code) <= 40 else f"{code[:40]}…"


@router.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    return RedirectResponse("/xac-minh", status_code=307)


@router.get("/xac-minh", response_class=HTMLResponse, responses=HTML, summary="Check page")
async def check_page(request: Request, templates: TemplatesDep) -> HTMLResponse:
    """Upload a PDF without a code: its signatures and whether it is a registered document."""
    return page(templates, request, "check.html", {"action": "/xac-minh", "result": None})


@router.post(
    "/xac-minh",
    response_class=HTMLResponse,
    responses={**HTML, **UPLOAD_REFUSALS},
    openapi_extra=UPLOAD_BODY,
    summary="Check an uploaded PDF (page)",
)
@limit(None)  # streamed under the upload limit (api/routes/upload.py)
async def check_upload(
    request: Request, templates: TemplatesDep, verifier: VerifierDep
) -> HTMLResponse:
    """The verdict at a glance, each signature below, and the registered document it is."""
    verification = await verifier(request)
    found = verification.registered
    context: dict[str, Any] = {
        "action": "/xac-minh",
        "result": result_context(verification, expected=None),
        **(record_context(found) if found else {"record": None}),
    }
    return page(templates, request, "check.html", context)


async def _find(registry: RegistryLookup, code: str) -> tuple[str, RegistryRecord | None]:
    wanted = normalise_code(code)
    return wanted, await run_in_threadpool(registry.by_code, wanted)


def _not_found(templates: Jinja2Templates, request: Request, code: str) -> HTMLResponse:
    context = {"code": shown_code(code), "action": "/xac-minh"}
    return page(templates, request, "not_found.html", context, status=404)


@router.get(
    "/v/{code}",
    response_class=HTMLResponse,
    responses={**HTML, **NOT_FOUND},
    summary="A document's public page (behind its QR code)",
)
async def document_page(
    code: str, request: Request, templates: TemplatesDep, registry: RegistryDep
) -> HTMLResponse:
    """The registry record of the document with this verification code, in Vietnamese, and a
    form to check a copy of it; a 404 page when no document has the code."""
    wanted, record = await _find(registry, code)
    if record is None:
        return _not_found(templates, request, wanted)
    context = {**record_context(record), "action": f"/v/{record.code}", "result": None}
    return page(templates, request, "record.html", context)


@router.post(
    "/v/{code}",
    response_class=HTMLResponse,
    responses={**HTML, **NOT_FOUND, **UPLOAD_REFUSALS},
    openapi_extra=UPLOAD_BODY,
    summary="Check a copy of a document against its record (page)",
)
@limit(None)  # streamed under the upload limit (api/routes/upload.py)
async def document_upload(
    code: str,
    request: Request,
    templates: TemplatesDep,
    registry: RegistryDep,
    verifier: VerifierDep,
) -> HTMLResponse:
    """The record, the verdict on the uploaded copy, and whether it is the registered file."""
    wanted, record = await _find(registry, code)
    if record is None:
        return _not_found(templates, request, wanted)
    verification = await verifier(request)
    context = {
        **record_context(record),
        "action": f"/v/{record.code}",
        "result": result_context(verification, expected=record),
    }
    return page(templates, request, "record.html", context)
