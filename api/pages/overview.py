"""Tổng quan: for every role, the units of the user's body by step for a year, the plan's
deadlines, and what needs this user's action now."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.pages.ui import PageActor, render, status_of
from api.registry.db import STATUS_VI, Assessment, Document
from api.routes.gate import GatedRoute
from api.workflow import access, assessments
from api.workflow import documents as workflow
from api.workflow.documents import can_generate, sendable
from api.workflow.services import Services
from api.workflow.users import Actor
from docgen import dossier, vn

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)

# --- Tổng quan ------------------------------------------------------------------------------------


def _in_force_decision(documents: Sequence[Document], body: str, states: tuple[str, ...]) -> bool:
    return any(
        d.kind == "quyet-dinh" and d.issuing_body_id == body and d.status in states
        for d in documents
    )


def _stages(rows: Sequence[Assessment], documents: Sequence[Document]) -> list[dict[str, Any]]:
    """How many units of the year reached each step, each counted in every step it reached."""
    with_documents = {d.unit_id for d in documents if d.unit_id is not None}
    scored = [r for r in rows if r.result is not None]
    eligible = [r for r in scored if r.result and r.result["verdict"]["recognised"]]

    def named(states: tuple[str, ...]) -> int:
        return sum(
            _in_force_decision(documents, str(r.input["unit"]["issuing_body"]), states)
            for r in eligible
        )

    return [
        {"label": "Đã đăng ký", "count": len(rows), "note": "đã nhập kết quả tự chấm điểm"},
        {
            "label": "Đã chấm điểm",
            "count": len(scored),
            "note": f"trong đó {len(eligible)} đơn vị đủ điều kiện đề nghị công nhận",
        },
        {
            "label": "Đã tạo hồ sơ",
            "count": sum(r.unit_id in with_documents for r in rows),
            "note": "có Bản đăng ký, Báo cáo trong hồ sơ",
        },
        {
            "label": "Đã ký",
            "count": named(("signed", "issued", "archived", "revoked", "replaced")),
            "note": "có tên trong Quyết định công nhận đã được ký",
        },
        {
            "label": "Đã ban hành",
            "count": named(("issued", "archived", "revoked", "replaced")),
            "note": "có tên trong Quyết định công nhận đã ban hành",
        },
        {
            "label": "Được công nhận",
            "count": named(("issued", "archived")),
            "note": "Quyết định công nhận đang có hiệu lực",
        },
    ]


def _todo(svc: Services, actor: Actor, year: int) -> list[dict[str, str]]:
    """What waits for this user's action now, with where to do it."""
    todo: list[dict[str, str]] = []
    if actor.role == "clerk":
        rows = assessments.list_assessments(svc, actor)
        for r in rows:
            if r.result is None:
                unit = r.input["unit"]["name"]
                todo.append(
                    {"text": f"Chấm điểm {unit} năm {r.year}", "href": f"/cham-diem/{r.id}"}
                )
        key = f"{year}/{actor.body}"
        if (
            actor.body is not None
            and can_generate(svc, actor, actor.body)
            and any(r.year == year for r in rows)
            and not access.list_documents(svc, actor, dossier=key)
        ):
            todo.append({"text": f"Tạo hồ sơ năm {year}", "href": f"/ho-so/{key}"})
        for d in access.list_documents(svc, actor, status="draft"):
            if sendable(actor, d):
                todo.append({"text": f"Trình ký {d.title}{_of(d)}", "href": _dossier_href(d)})
    elif actor.role == "signer":
        for d in workflow.signing_queue(svc, actor):
            todo.append({"text": f"Ký {d.title}{_of(d)}", "href": "/ky-so"})
    elif actor.role == "van_thu":
        for d in access.list_documents(svc, actor, status="signed"):
            if d.issuing_body_id == actor.body:
                todo.append({"text": f"Ban hành {d.title}{_of(d)}", "href": "/phat-hanh"})
    elif actor.role == "archivist":
        for d in access.list_documents(svc, actor, status="issued"):
            todo.append({"text": f"Lưu trữ {d.title}{_of(d)}", "href": "/luu-tru"})
    return todo


def _of(document: Document) -> str:
    year = (document.dossier or "").partition("/")[0]
    return f" (hồ sơ năm {year})" if year else ""


def _dossier_href(document: Document) -> str:
    return f"/ho-so/{document.dossier}#van-ban-{document.id}"


@router.get("/tong-quan", response_class=HTMLResponse)
def overview(
    request: Request,
    actor: PageActor,
    nam: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> HTMLResponse:
    svc: Services = request.app.state.services
    today = dt.date.today()
    year = nam or today.year
    rows = assessments.list_assessments(svc, actor, year=year)
    documents = [
        d for d in access.list_documents(svc, actor) if (d.dossier or "").startswith(f"{year}/")
    ]
    counts: dict[str, int] = defaultdict(int)
    for d in documents:
        counts[status_of(d)] += 1
    deadlines = dossier.Deadlines(dt.date(year, 2, 20), dt.date(year, 11, 5))
    context = {
        "year": year,
        "stages": _stages(rows, documents),
        "documents": [(STATUS_VI[s], counts[s]) for s in STATUS_VI if counts[s]],
        "deadlines": [
            _deadline("Hạn đăng ký xây dựng đơn vị điển hình", deadlines.register_by, today),
            _deadline("Hạn báo cáo kết quả, đề nghị thẩm định", deadlines.report_by, today),
        ],
        "todo": _todo(svc, actor, year),
        "dossier_href": _dossier_link(svc, actor, year),
    }
    return render(request, "app/overview.html", context, actor=actor)


def _dossier_link(svc: Services, actor: Actor, year: int) -> str:
    if actor.role != "clerk" or actor.body is None:
        return ""
    return f"/ho-so/{year}/{actor.body}" if can_generate(svc, actor, actor.body) else "/ho-so"


def _deadline(label: str, day: dt.date, today: dt.date) -> dict[str, str]:
    left = (day - today).days
    if left < 0:
        note, tone = "đã qua", "past"
    elif left == 0:
        note, tone = "hôm nay", "soon"
    else:
        note, tone = f"còn {left} ngày", "soon" if left <= 14 else "later"
    return {"label": label, "date": vn.nd30_date(day), "note": note, "tone": tone}
