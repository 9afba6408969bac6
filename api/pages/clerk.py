"""The clerk's Chấm điểm pages: the workbook upload, the criteria form with a live preview of
the points (`/cham-diem/{id}/xem-truoc`, called by static/cham-diem.js), scoring.

Thin over api/workflow/assessments.py; the form itself is api/pages/scoring_form.py. Left out: the
dossier
(ui_dossier.py), Tổng quan (ui_overview.py), the files' previews (ui_preview.py), signing,
issuing and the archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.pages.scoring_form import criteria_view, form_values, located, preview, raw_of, values_of
from api.pages.ui import CsrfChecked, PageActor, problem, refused, render, unit_summary
from api.registry.db import Assessment
from api.routes.deps import SHEET_LIMIT, AssessmentId, read_upload
from api.routes.errors import http_status
from api.routes.gate import FRAMING, GatedRoute, limit
from api.workflow import assessments
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen import criteria, inputs, sheet
from docgen.errors import HosoError, InvalidAssessment
from docgen.model import (
    MODE_LABELS,
    RATING_LABELS,
)

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)


def _scoring_list(
    request: Request,
    actor: Actor,
    *,
    year: int | None = None,
    imported: Sequence[int] = (),
    problems: Sequence[dict[str, str]] = (),
    error: dict[str, str] | None = None,
    filename: str = "",
    status: int = 200,
) -> HTMLResponse:
    svc: Services = request.app.state.services
    rows = assessments.list_assessments(svc, actor, year=year)
    rows.sort(key=lambda r: (-r.year, str(r.input.get("unit", {}).get("name", ""))))
    summaries = [unit_summary(r) for r in rows]
    context = {
        "year": year,
        "years": sorted({r.year for r in assessments.list_assessments(svc, actor)}, reverse=True),
        "rows": summaries,
        "imported": [s for s in summaries if s["id"] in imported],
        "problems": list(problems),
        "error": error,
        "filename": filename,
        "limit": f"{SHEET_LIMIT // (1 << 20)} MiB",
    }
    return render(request, "app/scoring.html", context, actor=actor, status=status)


@router.get("/cham-diem", response_class=HTMLResponse)
def scoring_list(
    request: Request,
    actor: PageActor,
    nam: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    da_nhap: Annotated[str, Query(max_length=2000, pattern=r"^[0-9,]*$")] = "",
) -> HTMLResponse:
    try:
        allow(actor, "chấm điểm", ("clerk",))
    except HosoError as exc:
        return refused(request, actor, exc)
    imported = [int(x) for x in da_nhap.split(",") if x]
    return _scoring_list(request, actor, year=nam, imported=imported)


@router.post("/cham-diem/nhap", response_class=HTMLResponse, response_model=None)
@limit(SHEET_LIMIT + FRAMING)
def upload(
    request: Request,
    actor: PageActor,
    _: CsrfChecked,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse | RedirectResponse:
    """The filled workbook (or YAML, JSON): every unit in it, or nothing and every problem."""
    svc: Services = request.app.state.services
    name = Path(file.filename or "").name if file is not None else ""
    try:
        allow(actor, "nhập kết quả chấm điểm", ("clerk",))
    except HosoError as exc:
        return refused(request, actor, exc)
    try:
        if file is None or not name:
            raise HosoError(
                "choose the file to upload",
                message_vi="Hãy chọn tệp phiếu chấm điểm (.xlsx) để tải lên",
                field="file",
            )
        data = read_upload(file, SHEET_LIMIT, "file")
        ids = assessments.import_assessments(svc, actor, inputs.load_bytes(data, name))
    except InvalidAssessment as exc:
        rows = [located(p) for p in exc.problems]
        return _scoring_list(request, actor, problems=rows, filename=name, status=422)
    except HosoError as exc:
        return _scoring_list(request, actor, error=problem(exc), status=http_status(exc))
    years = {assessments.get_assessment(svc, actor, i).year for i in ids}
    year = f"nam={years.pop()}&" if len(years) == 1 else ""
    return RedirectResponse(f"/cham-diem?{year}da_nhap={','.join(map(str, ids))}", status_code=303)


BLANK_SHEETS = {"xa-phuong": "xa_phuong", "co-quan": "co_quan"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/cham-diem/phieu-{kind}.xlsx", response_model=None)
def blank_workbook(request: Request, actor: PageActor, kind: str) -> Response:
    """A blank scoring workbook of five units (docgen.sheet), as `hoso sheet new` makes it."""
    if kind not in BLANK_SHEETS:
        return Response(status_code=404)
    data = sheet.new_workbook(BLANK_SHEETS[kind], units=5)
    disposition = f'attachment; filename="phieu-cham-diem-{kind}.xlsx"'
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


def _unit_page(
    request: Request,
    actor: Actor,
    row: Assessment,
    *,
    values: dict[str, str] | None = None,
    notice: str = "",
    error: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    svc: Services = request.app.state.services
    stored = row.input
    cs = criteria.for_unit_type(stored["unit"]["type"])
    raw = raw_of(stored, values, cs) if values is not None else stored
    live = preview(raw, cs, svc.policies[cs.id])
    context = {
        "a": unit_summary(row),
        "unit": stored["unit"],
        "criteria_title": cs.title,
        "groups": criteria_view(cs, str(raw.get("mode"))),
        "values": values if values is not None else values_of(stored, cs),
        "modes": MODE_LABELS,
        "ratings": RATING_LABELS,
        "live": live,
        "errors": live["errors"] if values is not None else {},
        "others": live["others"] if values is not None else [],
        "notice": notice,
        "error": error,
    }
    return render(request, "app/scoring_unit.html", context, actor=actor, status=status)


def _clerk_assessment(svc: Services, actor: Actor, assessment_id: int) -> Assessment:
    allow(actor, "chấm điểm", ("clerk",))
    return assessments.get_assessment(svc, actor, assessment_id)


@router.get("/cham-diem/{assessment_id:int}", response_class=HTMLResponse)
def scoring_unit(
    request: Request,
    actor: PageActor,
    assessment_id: AssessmentId,
    da_luu: Annotated[int, Query(ge=0, le=1)] = 0,
    da_cham: Annotated[int, Query(ge=0, le=1)] = 0,
) -> HTMLResponse:
    svc: Services = request.app.state.services
    try:
        row = _clerk_assessment(svc, actor, assessment_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    notice = "Đã chấm điểm." if da_cham else "Đã lưu; hãy chấm điểm lại." if da_luu else ""
    return _unit_page(request, actor, row, notice=notice)


@router.post("/cham-diem/{assessment_id:int}", response_class=HTMLResponse, response_model=None)
async def save_unit(
    request: Request, actor: PageActor, _: CsrfChecked, assessment_id: AssessmentId
) -> HTMLResponse | RedirectResponse:
    """Save the form (and score it, with the "Lưu và chấm điểm" button)."""
    svc: Services = request.app.state.services
    values = form_values(await request.form())
    try:
        row = await run_in_threadpool(_clerk_assessment, svc, actor, assessment_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    cs = criteria.for_unit_type(row.input["unit"]["type"])
    raw = raw_of(row.input, values, cs)
    try:
        await run_in_threadpool(assessments.update_assessment, svc, actor, assessment_id, raw)
        if values.get("action") == "score":
            await run_in_threadpool(assessments.score, svc, actor, assessment_id)
            return RedirectResponse(f"/cham-diem/{assessment_id}?da_cham=1", status_code=303)
    except InvalidAssessment:
        return _unit_page(request, actor, row, values=values, status=422)
    except HosoError as exc:
        return _unit_page(request, actor, row, values=values, error=problem(exc), status=422)
    return RedirectResponse(f"/cham-diem/{assessment_id}?da_luu=1", status_code=303)


@router.post(
    "/cham-diem/{assessment_id:int}/cham", response_class=HTMLResponse, response_model=None
)
def score_unit(
    request: Request, actor: PageActor, _: CsrfChecked, assessment_id: AssessmentId
) -> HTMLResponse | RedirectResponse:
    """Score the unit's saved input (assessments.score) and show it."""
    svc: Services = request.app.state.services
    try:
        assessments.score(svc, actor, assessment_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    return RedirectResponse(f"/cham-diem/{assessment_id}?da_cham=1", status_code=303)


@router.post("/cham-diem/{assessment_id:int}/xem-truoc")
async def preview_unit(
    request: Request, actor: PageActor, _: CsrfChecked, assessment_id: AssessmentId
) -> JSONResponse:
    """The points, sums, verdict and problems of the form as it stands, nothing saved
    (static/cham-diem.js asks as the clerk types)."""
    svc: Services = request.app.state.services
    values = form_values(await request.form())
    try:
        row = await run_in_threadpool(_clerk_assessment, svc, actor, assessment_id)
    except HosoError as exc:
        return JSONResponse(problem(exc), status_code=http_status(exc))
    cs = criteria.for_unit_type(row.input["unit"]["type"])
    live = preview(raw_of(row.input, values, cs), cs, svc.policies[cs.id])
    return JSONResponse(live, headers={"Cache-Control": "no-store"})
