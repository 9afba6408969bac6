"""The public pages, in Vietnamese: /v/{code} behind each document's QR code (the registry
record, and an upload form that checks a copy against it) and /xac-minh for a file without a
code, or for many files at once (/xac-minh/nhieu-tep: a job of the queue, its progress at
/xac-minh/viec/{id}, then a table of verdicts). Server-rendered; the only script is the progress
line's (static/tien-do.js), without which the page says where the job stood when shown. The
verification is the same use case as /api/verify and /api/verify/batch.

A batch's job belongs to this browser: its token lives in a cookie (HttpOnly, path /xac-minh),
the same for every batch the browser sends, so the same files sent twice while they are
checked are one job, and nobody else's browser reads the verdicts."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from api.pages.web import HTML, NOT_FOUND, UPLOAD_REFUSALS, page, record_context
from api.registry.lookup import RegistryLookup, RegistryRecord, normalise_code, status_vi
from api.routes.deps import MAX_ID, RegistryDep, ServicesDep, SettingsDep, TemplatesDep, VerifierDep
from api.routes.gate import GatedRoute, limit
from api.routes.upload import BATCH_BODY, UPLOAD_BODY, receive_files
from api.workflow import jobs, wording
from api.workflow.jobs import JobView
from api.workflow.verification import Verification
from docgen.errors import NotFound
from signing.verify import Indication

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


# --- many files at once --------------------------------------------------------------------------

JOB_COOKIE = "hoso_xac_minh"
JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="the job's id")]
BrowserToken = Annotated[str, Cookie(alias=JOB_COOKIE, include_in_schema=False)]
VERDICT_VI = {
    "TOTAL_PASSED": "Hợp lệ",
    "INDETERMINATE": "Chưa xác định được",
    "TOTAL_FAILED": "Không hợp lệ",
}


@router.post(
    "/xac-minh/nhieu-tep",
    responses={**HTML, **UPLOAD_REFUSALS, 303: {"description": "to the job's page"}},
    openapi_extra=BATCH_BODY,
    summary="Check many PDFs at once (page)",
    include_in_schema=False,
)
@limit(None)  # streamed under the batch limits (api/routes/upload.py receive_files)
async def batch_upload(
    request: Request, services: ServicesDep, settings: SettingsDep, token: BrowserToken = ""
) -> RedirectResponse:
    """Queue the files' verification for this browser and show its progress."""
    uploads = jobs.uploads_folder(services)
    await run_in_threadpool(services.trust_roots)
    incoming = uploads / "incoming" / secrets.token_hex(8)
    known = token if jobs.TOKEN_PATTERN.fullmatch(token) else None
    async with receive_files(request, folder=incoming, limits=services.batch) as files:
        job, kept = await run_in_threadpool(
            lambda: jobs.submit_verification(services, files, token=known)
        )
    response = RedirectResponse(f"/xac-minh/viec/{job.id}", status_code=303)
    response.set_cookie(
        JOB_COOKIE,
        kept,
        max_age=7 * 24 * 3600,
        path="/xac-minh",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies(),
    )
    return response


def _own_job(services: Any, token: str, job_id: int) -> JobView:
    if not token:
        raise NotFound(f"no job {job_id}", message_vi=f"Không có việc số {job_id}", field="job_id")
    return jobs.get_public_job(services, token, job_id)


@router.get("/xac-minh/viec/{job_id}", response_class=HTMLResponse, include_in_schema=False)
async def batch_page(
    job_id: JobId,
    request: Request,
    templates: TemplatesDep,
    services: ServicesDep,
    token: BrowserToken = "",
) -> HTMLResponse:
    """The progress of this browser's batch, then the verdict on each file."""
    job = await run_in_threadpool(_own_job, services, token, job_id)
    return page(templates, request, "batch.html", batch_context(job))


@router.get("/xac-minh/viec/{job_id}/tien-do", include_in_schema=False)
async def batch_progress(
    job_id: JobId, services: ServicesDep, token: BrowserToken = ""
) -> JSONResponse:
    """What static/tien-do.js asks each second: the state and the line to show."""
    job = await run_in_threadpool(_own_job, services, token, job_id)
    return JSONResponse({"state": job.state, "progress_vi": job.progress_vi})


def batch_context(job: JobView) -> dict[str, Any]:
    rows = []
    for f in job.result.get("files", []):
        indication = str(f["indication"])
        found = f.get("registry")
        rows.append(
            {
                "file": f["file"],
                "tone": wording.TONE[Indication[indication]],
                "verdict": VERDICT_VI.get(indication, indication),
                "reason": "" if f["passed"] else f["message_vi"],
                "registry": None if found is None else _shown_record(found),
            }
        )
    passed = sum(1 for r in rows if r["tone"] == "green")
    return {
        "job": job,
        "active": job.state in jobs.ACTIVE,
        "rows": rows,
        "tone": "green" if rows and passed == len(rows) else ("red" if not passed else "amber"),
        "summary": f"{passed}/{len(rows)} tệp có chữ ký số hợp lệ",
    }


def _shown_record(found: dict[str, Any]) -> dict[str, str]:
    record = RegistryRecord(
        **{k: v for k, v in found.items() if k not in ("url", "date")},
        date=dt.date.fromisoformat(found["date"]),
    )
    return {"url": found["url"], "number": record.number, "status_vi": status_vi(record)}
