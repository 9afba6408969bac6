"""The clerk's Hồ sơ pages: the dossiers of the body, a dossier's documents with their status,
generating or regenerating it (the meeting, the Tờ trình, the Quyết định and its signer) and
sending drafts to their signer (Trình ký).

Thin over api/workflow/documents.py. Left out: the scoring (ui_clerk.py), the files' previews
(ui_preview.py), signing and issuing (ui_office.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.pages.scoring_form import form_values
from api.pages.ui import (
    CsrfChecked,
    PageActor,
    problem,
    refused,
    render,
    status_of,
    unit_summary,
)
from api.registry.db import STATUS_VI, Assessment, Document
from api.routes.deps import MAX_ID, Id
from api.routes.errors import http_status
from api.routes.gate import GatedRoute
from api.workflow import access, assessments, jobs, last_inputs
from api.workflow import documents as workflow
from api.workflow.documents import can_generate, sendable
from api.workflow.services import Services
from api.workflow.users import Actor
from docgen import dossier, scoring, vn
from docgen import generate as plans
from docgen.errors import HosoError, InvalidMeeting, NotFound

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)

Year = Annotated[int, PathParam(ge=2000, le=2100)]
Body = Annotated[str, PathParam(pattern=r"^[a-z0-9-]{1,64}$")]


def _signers(svc: Services, body: str) -> list[dict[str, str]]:
    """Who of `body` may sign its Quyết định, as the signature block will read."""
    found = svc.bodies.get(body)
    return [
        {"id": s.id, "label": f"{s.name} — {', '.join(filter(None, (s.authority, s.title)))}"}
        for s in (found.signers if found else ())
    ]


def _body_name(svc: Services, body: str) -> str:
    known = svc.bodies.get(body)
    return known.name if known is not None else body


@router.get("/ho-so", response_class=HTMLResponse)
def dossiers(request: Request, actor: PageActor) -> HTMLResponse:
    """The dossiers of the user's body: those with documents, and the years it has units of."""
    svc: Services = request.app.state.services
    found: dict[str, dict[str, Any]] = {}

    def entry(key: str) -> dict[str, Any]:
        year, _, body = key.partition("/")
        return found.setdefault(
            key,
            {
                "key": key,
                "year": year,
                "body": _body_name(svc, body),
                "units": 0,
                "count": 0,
                "states": defaultdict(int),
            },
        )

    for d in access.list_documents(svc, actor):
        if d.dossier:
            one = entry(d.dossier)
            one["count"] += 1
            one["states"][status_of(d)] += 1
    if actor.body is not None and can_generate(svc, actor, actor.body):
        for r in assessments.list_assessments(svc, actor):
            entry(f"{r.year}/{actor.body}")["units"] += 1
    rows = sorted(found.values(), key=lambda x: x["key"], reverse=True)
    for one in rows:
        one["states"] = ", ".join(
            f"{n} {STATUS_VI[s].lower()}" for s in STATUS_VI if (n := one["states"][s])
        )
    return render(request, "app/dossier_list.html", {"dossiers": rows}, actor=actor)


def _absent(svc: Services, body: str, year: int, rows: list[Assessment]) -> list[str]:
    """Why the dossier lacks documents it usually holds (no unit qualifies: no Tờ trình, QĐ or
    GCN; none in its maintenance year: no Thông báo), as `hoso generate` says: never silently."""
    government = svc.bodies.get(body)
    if government is None or not rows:
        return []
    results = []
    for row in rows:
        loaded = assessments.loaded_input(row)
        policy = svc.policies[loaded.criteria.id]
        results.append(scoring.score(loaded.assessment, loaded.criteria, policy))
    return plans.absent(government, results, year=year)


def _decision_example(svc: Services, body: str, documents: list[Document]) -> str:
    """The Quyết định field's placeholder: the dossier's QĐ as issued when it is, otherwise an
    example that names no real decision (a made-up số would be copied as if it were one)."""
    for d in documents:
        if d.kind == "quyet-dinh" and d.number:
            return f"{vn.code_number(d.number)}/{d.notation}"
    known = svc.bodies.get(body)
    return f"ví dụ 01/QĐ-{known.abbreviation if known else 'UBND'}"


def _document_view(svc: Services, actor: Actor, d: Document) -> dict[str, Any]:
    note = ""
    if d.kind in workflow.UNIT_KINDS:
        note = "Đơn vị tự ký và gửi văn bản này"
    elif d.issuing_body_id != actor.body:
        note = f"Do {_body_name(svc, d.issuing_body_id)} trình ký và ban hành"
    return {
        "id": d.id,
        "title": d.title or vn.type_name(d.type_code),
        "type": vn.type_name(d.type_code) if d.type_code in vn.DOCUMENT_TYPES else d.type_code,
        "issuer": _body_name(svc, d.issuing_body_id),
        "status": status_of(d),
        "status_vi": STATUS_VI[status_of(d)],
        "reference": f"{vn.code_number(d.number)}/{d.notation}" if d.number else "",
        "issued_on": vn.nd30_date(d.issued_on) if d.issued_on else "",
        "sent_at": d.sent_at,
        "returned": d.returned_comment,
        "pages": list(range(1, (d.page_count or 1) + 1)),
        "sendable": sendable(actor, d),
        "note": note,
    }


GENERATION_FIELDS = (
    "proposal_ref",
    "proposal_date",
    "decision_ref",
    "decision_date",
    "meeting_start",
    "meeting_end",
    "meeting_place",
    "meeting_attendees",
    "meeting_secretary",
    "meeting_secretary_position",
    "votes_for",
    "votes_total",
    "watermark",
    "signer",
)


def _remembered(inputs: Mapping[str, Any] | None) -> dict[str, str]:
    """The form's fields as the last generation had them (api/workflow/last_inputs.py)."""
    if not inputs:
        return {}
    values: dict[str, str] = {}
    for name in ("proposal", "decision"):
        ref = inputs.get(name) or {}
        if ref:
            values[f"{name}_ref"] = f"{vn.code_number(ref['number'])}/{ref['notation']}"
            values[f"{name}_date"] = str(ref["date"])
    meeting = inputs.get("meeting") or {}
    if meeting:
        values |= {
            "meeting_start": str(meeting["start"])[:16],
            "meeting_end": str(meeting["end"])[:16],
            "meeting_place": meeting["place"],
            "meeting_attendees": "\n".join(meeting["attendees"]),
            "meeting_secretary": meeting["secretary"],
            "meeting_secretary_position": meeting.get("secretary_position", ""),
            "votes_for": str(meeting["votes_for"]),
            "votes_total": str(meeting["votes_total"]),
        }
    values["watermark"] = "1" if inputs.get("watermark") else ""
    values["signer"] = inputs.get("signer") or ""
    return values


def _dossier_page(
    request: Request,
    actor: Actor,
    year: int,
    body: str,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    error: dict[str, str] | None = None,
    notice: str = "",
    running: jobs.JobView | None = None,
    status: int = 200,
) -> HTMLResponse:
    svc: Services = request.app.state.services
    key = f"{year}/{body}"
    documents = access.list_documents(svc, actor, dossier=key)
    may_generate = can_generate(svc, actor, body)
    if not documents and not may_generate:
        return refused(
            request,
            actor,
            NotFound(
                f"no dossier {key}",
                message_vi=f"Không có hồ sơ năm {year} của {_body_name(svc, body)}",
                field="dossier",
            ),
        )
    rows = assessments.list_assessments(svc, actor, year=year) if may_generate else []
    units = [unit_summary(r) for r in rows]
    if values is None and may_generate:
        values = _remembered(last_inputs.last(svc, body=body, year=year))
    shown = dict.fromkeys(GENERATION_FIELDS, "") | dict(values or {})
    context = {
        "year": year,
        "body": body,
        "dossier_body": _body_name(svc, body),
        "documents": [_document_view(svc, actor, d) for d in documents],
        "units": units,
        "absent": _absent(svc, body, year, rows),
        "decision_example": _decision_example(svc, body, documents),
        "can_generate": may_generate,
        "signers": _signers(svc, body),
        "values": shown,
        "errors": dict(errors or {}),
        "error": error,
        "notice": notice,
        "job": running,
    }
    return render(request, "app/dossier.html", context, actor=actor, status=status)


@router.get("/ho-so/{year}/{body}", response_class=HTMLResponse)
def dossier_page(
    request: Request,
    actor: PageActor,
    year: Year,
    body: Body,
    da_tao: Annotated[int | None, Query(ge=0, le=10_000)] = None,
    da_trinh: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    viec: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    svc: Services = request.app.state.services
    notice = ""
    if viec is not None:  # the generation this page asked for: running, done or failed
        try:
            job = jobs.get_job(svc, actor, viec)
        except HosoError:
            job = None
        if job is not None and job.state in jobs.ACTIVE:
            return _dossier_page(request, actor, year, body, running=job)
        if job is not None and job.state == "failed" and job.error:
            error = {"message": str(job.error.get("message_vi", ""))}
            return _dossier_page(request, actor, year, body, error=error)
        if job is not None:
            da_tao = len(job.result.get("documents", []))
    if da_tao is not None:
        notice = f"Đã tạo {da_tao} văn bản dự thảo."
    elif da_trinh is not None:
        try:
            sent = access.get_document(svc, actor, da_trinh)
        except HosoError:
            sent = None
        if sent is not None and sent.sent_at is not None:
            notice = f"Đã trình ký: {sent.title}; văn bản đã vào danh sách chờ ký."
    return _dossier_page(request, actor, year, body, notice=notice)


_REFERENCE = re.compile(r"^([0-9]{1,6})/([^\s/]{1,32})$")


def _cited(
    values: Mapping[str, str], name: str, issuer: str, errors: dict[str, str]
) -> dossier.Reference | None:
    text, day = values.get(f"{name}_ref", "").strip(), values.get(f"{name}_date", "").strip()
    if not text and not day:
        return None
    found = _REFERENCE.match(vn.nfc(text))
    if found is None:
        errors[f"{name}_ref"] = "Ghi số ký hiệu dạng 15/TTr-CAHP"
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        errors[f"{name}_date"] = "Chọn ngày ban hành"
        return None
    if found is None:
        return None
    return dossier.Reference(int(found.group(1)), found.group(2), date, issuer)


# The form's names of the meeting's fields (docgen.meeting names them without the prefix).
MEETING_FIELDS = {
    "start": "meeting_start",
    "end": "meeting_end",
    "place": "meeting_place",
    "attendees": "meeting_attendees",
    "secretary": "meeting_secretary",
    "votes_for": "votes_for",
    "votes_total": "votes_total",
}


def _meeting(values: Mapping[str, str], errors: dict[str, str]) -> dossier.Meeting | None:
    """The appraisal meeting from the form, or None when none of its fields is given. The form
    reads its inputs (a time, a number); the meeting's rules are the model's (docgen.meeting),
    each message shown beside its field."""
    names = [n for n in GENERATION_FIELDS if n.startswith(("meeting_", "votes_"))]
    given = {n: values.get(n, "").strip() for n in names}
    if not any(given.values()):
        return None
    moments: dict[str, dt.datetime] = {}
    for name in ("meeting_start", "meeting_end"):
        try:
            moments[name] = dt.datetime.fromisoformat(given[name])
        except ValueError:
            errors[name] = "Chọn ngày và giờ"
    votes: dict[str, int] = {}
    for name in ("votes_for", "votes_total"):
        try:
            votes[name] = int(given[name])
        except ValueError:
            errors[name] = "Ghi số phiếu"
    if errors.keys() & set(names):
        return None
    try:
        return dossier.Meeting(
            start=moments["meeting_start"],
            end=moments["meeting_end"],
            place=vn.nfc(given["meeting_place"]),
            attendees=tuple(
                a for a in (vn.nfc(x.strip()) for x in given["meeting_attendees"].splitlines()) if a
            ),
            secretary=vn.nfc(given["meeting_secretary"]),
            votes_for=votes["votes_for"],
            votes_total=votes["votes_total"],
            secretary_position=vn.nfc(given["meeting_secretary_position"]),
        )
    except InvalidMeeting as exc:
        for problem in exc.problems:
            errors.setdefault(MEETING_FIELDS[problem.field], problem.message_vi)
        return None


@router.post("/ho-so/{year}/{body}/tao", response_class=HTMLResponse, response_model=None)
async def generate(
    request: Request, actor: PageActor, _: CsrfChecked, year: Year, body: Body
) -> HTMLResponse | RedirectResponse:
    """Generate (or regenerate) the dossier's drafts; signed and issued documents stay."""
    svc: Services = request.app.state.services
    values = {n: v for n, v in form_values(await request.form()).items() if n in GENERATION_FIELDS}
    police = next((b for b in svc.bodies.values() if b.government == body), None)
    errors: dict[str, str] = {}
    proposal = _cited(values, "proposal", police.name if police else "", errors)
    decision = _cited(values, "decision", _body_name(svc, body), errors)
    meeting = _meeting(values, errors)
    if errors:
        return _dossier_page(request, actor, year, body, values=values, errors=errors, status=422)
    try:
        job = await run_in_threadpool(
            lambda: jobs.submit_generation(
                svc,
                actor,
                body=body,
                year=year,
                proposal=proposal,
                decision=decision,
                meeting=meeting,
                watermark=values.get("watermark") == "1",
                signer=values.get("signer") or None,
            )
        )
    except HosoError as exc:
        status = http_status(exc)
        return _dossier_page(
            request, actor, year, body, values=values, error=problem(exc), status=status
        )
    # A job of the queue makes the documents; the page shows its progress (static/tien-do.js).
    return RedirectResponse(f"/ho-so/{year}/{body}?viec={job.id}", status_code=303)


@router.post(
    "/tai-lieu/{document_id:int}/trinh-ky", response_class=HTMLResponse, response_model=None
)
def send(
    request: Request, actor: PageActor, _: CsrfChecked, document_id: Id
) -> HTMLResponse | RedirectResponse:
    """Trình ký: the clerk sends a draft to its signer (workflow.send_for_signature)."""
    svc: Services = request.app.state.services
    try:
        document = access.get_document(svc, actor, document_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    year, _slash, body = (document.dossier or "").partition("/")
    try:
        workflow.send_for_signature(svc, actor, document_id)
    except HosoError as exc:
        if not body:
            return refused(request, actor, exc)
        return _dossier_page(
            request, actor, int(year), body, error=problem(exc), status=http_status(exc)
        )
    return RedirectResponse(
        f"/ho-so/{document.dossier}?da_trinh={document.id}#van-ban-{document.id}", status_code=303
    )
