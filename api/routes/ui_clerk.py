"""The clerk's pages — Tổng quan (every role), Chấm điểm, Hồ sơ — and the previews of a
document's file (the PDF, and each page as a PNG image) that the other roles' pages show too.

Thin over api/workflow.py: import, update and score assessments, generate a dossier, send a
draft to its signer. What this module adds is presentation: the scoring form read back into an
assessment, a live preview of the points while the clerk types (`/cham-diem/{id}/xem-truoc`,
called by static/cham-diem.js), and the problems of an input in Vietnamese beside the field or
the workbook cell they name. Page images come from poppler's `pdftoppm` (adapter, below).

Left out: signing, issuing and the archive (their own pages), any rule of scoring (docgen).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api import workflow
from api.db import Assessment, Document
from api.errors import http_status
from api.routes.work import SHEET_LIMIT
from api.ui import CsrfChecked, PageActor, problem, render
from api.users import Actor, allow
from docgen import criteria, dossier, inputs, scoring, sheet, vn
from docgen.errors import ConfigError, HosoError, InvalidAssessment, NotFound, Problem
from docgen.model import (
    MODE_LABELS,
    RATING_LABELS,
    UNIT_TYPE_LABELS,
    Answer,
    CriteriaSet,
    Mode,
    Policy,
    Rule,
)

router = APIRouter(tags=["web pages"], include_in_schema=False)

MAX_ID = 2**31 - 1
Id = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Year = Annotated[int, PathParam(ge=2000, le=2100)]
Body = Annotated[str, PathParam(pattern=r"^[a-z0-9-]{1,64}$")]
Page = Annotated[int, PathParam(ge=1, le=10_000)]

STATUS_VI = {
    "draft": "Dự thảo",
    "sent": "Đã trình ký",
    "signed": "Đã ký",
    "issued": "Đã ban hành",
    "archived": "Đã lưu trữ",
    "revoked": "Đã thu hồi",
    "replaced": "Đã thay thế",
}
ITEM_FIELDS = {
    "met": ("met", "Đạt (Có/Không)"),
    "evidence": ("evidence", "Minh chứng"),
    "override.points": ("op", "Điểm điều chỉnh"),
    "override": ("op", "Điểm điều chỉnh"),
    "override.reason": ("or", "Lý do điều chỉnh"),
    "appraised": ("ap", "Điểm thẩm định"),
}
HEADER_LABELS = dict(sheet.HEADER_FIELDS)
FORM_HEAD = (
    "mode",
    "first_recognised_year",
    "gates.antt_last_year",
    "gates.movement_rating_last_year",
)
"""The fields of the form above the criteria table (the unit and the year stay as imported)."""


def _status(document: Document) -> str:
    return "sent" if document.status == "draft" and document.sent_at else document.status


def _refused(request: Request, actor: Actor, exc: HosoError) -> HTMLResponse:
    """A refusal of a page (role, body, no such thing) as a page, not as the API's JSON."""
    context = {"error": problem(exc)}
    return render(
        request, "app/dossier_refused.html", context, actor=actor, status=http_status(exc)
    )


# --- problems in Vietnamese -----------------------------------------------------------------------

_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), vi)
    for p, vi in (
        (r"missing: answer yes \(đạt\) or no \(chưa đạt\)", "Thiếu: chọn Có (đạt) hoặc Không"),
        (r"missing: this sub-item also needs a yes/no answer", "Thiếu: cần chọn thêm Có/Không"),
        (r"missing: an override needs a reason", "Cần ghi lý do điều chỉnh điểm"),
        (r"missing: every sub-item needs an answer", "Thiếu: nội dung nào cũng cần trả lời"),
        (r"missing: a maintenance year .*", "Thiếu: năm duy trì cần năm được công nhận lần đầu"),
        (r"missing: (.+)", r"Thiếu số liệu: \1"),
        (r"this sub-item takes no figures", "Nội dung này không nhận số liệu"),
        (r"unknown figure \(known: (.+)\)", r"Số liệu không thuộc nội dung này (có: \1)"),
        (r"is not a number", "Không phải là số"),
        (r"(\S+) is not a whole number of 0 or more", r"\1 không phải số nguyên từ 0 trở lên"),
        (r"(\S+) % is outside 0–100", r"\1% nằm ngoài khoảng 0–100"),
        (r"(\S+) is more than (\S+) \((\S+)\)", r"\1 lớn hơn \2 (\3)"),
        (r"(\S+) is negative; scores run from 0 to (\S+)", r"\1 là số âm; điểm từ 0 đến \2"),
        (
            r"(\S+) is above the sub-item maximum of (\S+) points",
            r"\1 vượt quá điểm tối đa của nội dung (\2 điểm)",
        ),
        (r"(\S+) is not a whole or half point", r"\1 không phải điểm nguyên hoặc nửa điểm"),
        (r"(\S+) is not before the assessed year (\S+)", r"\1 không trước năm đánh giá \2"),
        (r"a build year .*", "Năm xây dựng không có năm công nhận trước; chọn năm duy trì"),
        (r"unknown sub-item for '(.+)'", r"Nội dung không có trong bộ tiêu chí '\1'"),
        (r"'(.+)' is not assessed with the criteria set '(.+)'", r"Loại '\1' không chấm theo '\2'"),
        (r"not '(.+)'", r"Đơn vị không thuộc cơ quan '\1'"),
        (r"the unit and the year stay as imported", "Đơn vị và năm giữ như khi nhập"),
        (r"not a \.yaml, .*", "Không phải tệp .xlsx, .yaml hoặc .json"),
        (r"not a readable \.xlsx workbook.*", "Không đọc được tệp .xlsx này"),
        (r"no assessment in the file", "Tệp không có phiếu chấm điểm của đơn vị nào"),
        (r"not UTF-8 text.*", "Tệp không phải văn bản UTF-8"),
        (r"cannot be read: .*", "Không đọc được nội dung tệp"),
        (r"Field required", "Thiếu: cần nhập"),
        (r"Input should be a valid boolean.*", "Chọn Có hoặc Không"),
        (r"Input should be a valid (decimal|number|integer).*", "Phải là một số"),
        (r"Decimal input should be .*", "Phải là một số"),
        (r"Input should be a finite number", "Phải là một số"),
        (r"Input should be greater than or equal to (\S+)", r"Phải từ \1 trở lên"),
        (r"Input should be less than or equal to (\S+)", r"Phải nhỏ hơn hoặc bằng \1"),
        (r"Input should be (.+)", r"Giá trị không hợp lệ: phải là \1"),
        (r"String should have at least .*", "Không được để trống"),
        (r"Extra inputs are not permitted", "Trường này không được phép"),
    )
]


def message_vi(message: str) -> str:
    """A problem's English message (docgen.scoring, pydantic) in Vietnamese."""
    for pattern, vi in _MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(vi, message).replace("' or '", "' hoặc '")
    return f"Giá trị không hợp lệ ({message})"


def _figure_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for set_id in criteria.SET_IDS:
        for item in criteria.load(set_id).items().values():
            for fig in item.rule.figures if item.rule else ():
                labels.setdefault(fig.id, fig.label)
    return labels


_ITEM_PATH = re.compile(r"items\.(\d+\.\d+)(?:\.(.+))?")


def field_of(path: str) -> tuple[str, str]:
    """A problem's field path ('items.5.2.figures.officers') as the form's field name and as
    words: ('i.5.2.f.officers', 'Nội dung 5.2 · Tổng số cán bộ, …')."""
    found = _ITEM_PATH.fullmatch(path)
    if found is None:
        return path, HEADER_LABELS.get(path, path)
    item, rest = found.group(1), found.group(2) or ""
    where = f"Nội dung {item}"
    if rest in ITEM_FIELDS:
        name, label = ITEM_FIELDS[rest]
        return f"i.{item}.{name}", f"{where} · {label}"
    if rest.startswith("figures."):
        fig = rest.removeprefix("figures.")
        return f"i.{item}.f.{fig}", f"{where} · {_figure_labels().get(fig, fig)}"
    return f"i.{item}", where


_CELL = re.compile(r"^(.*) \[([A-Z]{1,3}[0-9]{1,7})\]$")


def located(p: Problem) -> dict[str, str]:
    """An upload's problem as a row of the report: sheet (unit), cell, field, message."""
    parts = p.location.split(" › ")
    last, cell = parts[-1], ""
    found = _CELL.match(last)
    if found:
        last, cell = found.group(1), found.group(2)
    if len(parts) == 1:
        return {"sheet": parts[0], "cell": cell, "field": "", "message": message_vi(p.message)}
    return {
        "sheet": " › ".join(parts[1:-1]) if len(parts) > 2 else parts[0],
        "cell": cell,
        "field": field_of(last)[1],
        "message": message_vi(p.message),
    }


def errors_by_field(problems: Sequence[Problem]) -> tuple[dict[str, str], list[str]]:
    """Problems of the form's assessment by the field they belong beside, and those of no
    field of the form."""
    beside: dict[str, str] = {}
    rest: list[str] = []
    for p in problems:
        path = p.location.split(" › ")[-1]
        name, label = field_of(path)
        if name in beside:
            continue
        if name.startswith("i.") or name in FORM_HEAD:
            beside[name] = message_vi(p.message)
        else:
            rest.append(f"{label}: {message_vi(p.message)}")
    return beside, rest


# --- the scoring form -------------------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _number(value: str) -> str | None:
    value = value.strip().replace(",", ".")
    return value or None


def values_of(data: Mapping[str, Any], cs: CriteriaSet) -> dict[str, str]:
    """The form's fields filled from a stored assessment."""
    gates = data.get("gates") or {}
    antt = gates.get("antt_last_year")
    values = {
        "mode": _text(data.get("mode")),
        "first_recognised_year": _text(data.get("first_recognised_year")),
        "gates.antt_last_year": "" if antt is None else ("co" if antt else "khong"),
        "gates.movement_rating_last_year": _text(gates.get("movement_rating_last_year")),
    }
    items = data.get("items") or {}
    for item_id in cs.items():
        answer = items.get(item_id) or {}
        key = f"i.{item_id}."
        met = answer.get("met")
        values[key + "met"] = "" if met is None else ("co" if met else "khong")
        for fig, amount in (answer.get("figures") or {}).items():
            values[f"{key}f.{fig}"] = _text(amount)
        values[key + "evidence"] = _text(answer.get("evidence"))
        override = answer.get("override") or {}
        values[key + "op"] = _text(override.get("points"))
        values[key + "or"] = _text(override.get("reason"))
        values[key + "ap"] = _text(answer.get("appraised"))
    return values


def form_values(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}


def raw_of(stored: Mapping[str, Any], values: Mapping[str, str], cs: CriteriaSet) -> dict[str, Any]:
    """The assessment the form describes: the stored one (its unit and year) with the mode,
    the entry conditions and every sub-item's answer as the clerk gave them."""
    editable = ("mode", "first_recognised_year", "gates", "items")
    raw: dict[str, Any] = {k: v for k, v in stored.items() if k not in editable}
    raw["mode"] = values.get("mode", "").strip() or None
    first = values.get("first_recognised_year", "").strip()
    if first:
        raw["first_recognised_year"] = first
    antt = values.get("gates.antt_last_year", "")
    raw["gates"] = {
        "antt_last_year": {"co": True, "khong": False}.get(antt),
        "movement_rating_last_year": values.get("gates.movement_rating_last_year") or None,
    }
    items: dict[str, Any] = {}
    for item in cs.items().values():
        key = f"i.{item.id}."
        answer: dict[str, Any] = {}
        met = values.get(key + "met", "")
        if met in ("co", "khong"):
            answer["met"] = met == "co"
        figures = {
            fig.id: amount
            for fig in (item.rule.figures if item.rule else ())
            if (amount := _number(values.get(f"{key}f.{fig.id}", ""))) is not None
        }
        if figures:
            answer["figures"] = figures
        evidence = values.get(key + "evidence", "").strip()
        if evidence:
            answer["evidence"] = evidence
        points = _number(values.get(key + "op", ""))
        reason = values.get(key + "or", "").strip()
        if points is not None or reason:
            answer["override"] = {"reason": reason} | ({"points": points} if points else {})
        appraised = _number(values.get(key + "ap", ""))
        if appraised is not None:
            answer["appraised"] = appraised
        items[item.id] = answer
    raw["items"] = items
    return raw


def _scorable(item_rule: Rule | None, answer: Answer) -> bool:
    """Whether `scoring.score_item` can score this answer (what it needs is there)."""
    if item_rule is None:
        return answer.met is not None
    return all(
        f.id in answer.figures and answer.figures[f.id].is_finite() for f in item_rule.figures
    )


def preview(raw: Mapping[str, Any], cs: CriteriaSet, policy: Policy) -> dict[str, Any]:
    """Every sub-item's points and reason, the sums and the verdict of the form as it stands;
    the sub-items with a problem count nothing and say what is wrong."""
    problems: Sequence[Problem] = ()
    loaded: inputs.Loaded | None = None
    try:
        loaded = inputs.check(dict(raw), "form")
    except InvalidAssessment as exc:
        problems = exc.problems
    errors, others = errors_by_field(problems)
    mode: Mode = "duy_tri" if raw.get("mode") == "duy_tri" else "xay_dung"
    lines: dict[str, dict[str, str]] = {}
    crit_self: dict[int, Decimal] = defaultdict(Decimal)
    crit_final: dict[int, Decimal] = defaultdict(Decimal)
    for group in cs.groups:
        for crit in group.criteria:
            for item in crit.items:
                answer_raw = raw["items"].get(item.id, {})
                bad = {n: m for n, m in errors.items() if n.startswith(f"i.{item.id}.")}
                bad.update({n: m for n, m in errors.items() if n == f"i.{item.id}"})
                line = {"points": "", "reason": "", "problem": ""}
                try:
                    answer = Answer.model_validate(answer_raw)
                except ValidationError:
                    answer = None
                if bad or answer is None or not _scorable(item.rule, answer):
                    line["problem"] = next(iter(bad.values()), "Chưa đủ dữ liệu để tính điểm")
                else:
                    scored = scoring.score_item(item, answer, mode)
                    crit_self[crit.id] += scored.self_points
                    crit_final[crit.id] += scored.final
                    line["points"] = vn.number(scored.self_points)
                    line["reason"] = scored.reason
                lines[item.id] = line
    total = sum(crit_self.values(), Decimal(0))
    final = sum(crit_final.values(), Decimal(0))
    if loaded is None:
        count = len(problems)
        verdict = f"Chưa tính được kết quả: dữ liệu còn {count} lỗi"
        recognised = None
    else:
        result = scoring.score(loaded.assessment, loaded.criteria, policy)
        recognised = result.verdict.recognised
        verdict = (
            "Đủ điều kiện công nhận"
            if recognised
            else "Chưa đủ điều kiện: " + "; ".join(result.verdict.shortfalls)
        )
    return {
        "items": lines,
        "criteria": {str(c.id): vn.number(crit_self[c.id]) for c in cs.criteria()},
        "groups": {
            g.id: vn.number(sum((crit_self[c.id] for c in g.criteria), Decimal(0)))
            for g in cs.groups
        },
        "total": vn.number(total),
        "final": vn.number(final),
        "max": vn.number(cs.total_points),
        "complete": not problems,
        "recognised": recognised,
        "verdict": verdict,
        "errors": errors,
        "others": others,
    }


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


def _todo(svc: workflow.Services, actor: Actor, year: int) -> list[dict[str, str]]:
    """What waits for this user's action now, with where to do it."""
    todo: list[dict[str, str]] = []
    if actor.role == "clerk":
        rows = workflow.list_assessments(svc, actor)
        for r in rows:
            if r.result is None:
                unit = r.input["unit"]["name"]
                todo.append(
                    {"text": f"Chấm điểm {unit} năm {r.year}", "href": f"/cham-diem/{r.id}"}
                )
        key = f"{year}/{actor.body}"
        if (
            actor.body is not None
            and _can_generate(svc, actor, actor.body)
            and any(r.year == year for r in rows)
            and not workflow.list_documents(svc, actor, dossier=key)
        ):
            todo.append({"text": f"Tạo hồ sơ năm {year}", "href": f"/ho-so/{key}"})
        for d in workflow.list_documents(svc, actor, status="draft"):
            if _sendable(actor, d):
                todo.append({"text": f"Trình ký {d.title}{_of(d)}", "href": _dossier_href(d)})
    elif actor.role == "signer":
        for d in workflow.signing_queue(svc, actor):
            todo.append({"text": f"Ký {d.title}{_of(d)}", "href": "/ky-so"})
    elif actor.role == "van_thu":
        for d in workflow.list_documents(svc, actor, status="signed"):
            if d.issuing_body_id == actor.body:
                todo.append({"text": f"Ban hành {d.title}{_of(d)}", "href": "/phat-hanh"})
    elif actor.role == "archivist":
        for d in workflow.list_documents(svc, actor, status="issued"):
            todo.append({"text": f"Lưu trữ {d.title}{_of(d)}", "href": "/luu-tru"})
    return todo


def _of(document: Document) -> str:
    year = (document.dossier or "").partition("/")[0]
    return f" (hồ sơ năm {year})" if year else ""


def _sendable(actor: Actor, document: Document) -> bool:
    """A draft this clerk may send to its signer and has not sent yet."""
    return (
        actor.role == "clerk"
        and document.status == "draft"
        and document.sent_at is None
        and document.issuing_body_id == actor.body
        and document.kind not in workflow.UNIT_KINDS
    )


def _dossier_href(document: Document) -> str:
    return f"/ho-so/{document.dossier}#van-ban-{document.id}"


@router.get("/tong-quan", response_class=HTMLResponse)
def overview(
    request: Request,
    actor: PageActor,
    nam: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> HTMLResponse:
    svc: workflow.Services = request.app.state.services
    today = dt.date.today()
    year = nam or today.year
    rows = workflow.list_assessments(svc, actor, year=year)
    documents = [
        d for d in workflow.list_documents(svc, actor) if (d.dossier or "").startswith(f"{year}/")
    ]
    counts: dict[str, int] = defaultdict(int)
    for d in documents:
        counts[_status(d)] += 1
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


def _dossier_link(svc: workflow.Services, actor: Actor, year: int) -> str:
    if actor.role != "clerk" or actor.body is None:
        return ""
    return f"/ho-so/{year}/{actor.body}" if _can_generate(svc, actor, actor.body) else "/ho-so"


def _deadline(label: str, day: dt.date, today: dt.date) -> dict[str, str]:
    left = (day - today).days
    if left < 0:
        note, tone = "đã qua", "past"
    elif left == 0:
        note, tone = "hôm nay", "soon"
    else:
        note, tone = f"còn {left} ngày", "soon" if left <= 14 else "later"
    return {"label": label, "date": vn.nd30_date(day), "note": note, "tone": tone}


# --- Chấm điểm ------------------------------------------------------------------------------------


def _summary(row: Assessment) -> dict[str, Any]:
    unit = row.input.get("unit", {})
    result = row.result
    verdict = ""
    if result is not None:
        verdict = "Đủ điều kiện" if result["verdict"]["recognised"] else "Chưa đủ điều kiện"
    return {
        "id": row.id,
        "unit": unit.get("name", ""),
        "type": UNIT_TYPE_LABELS.get(unit.get("type", ""), ""),
        "year": row.year,
        "mode": MODE_LABELS.get(row.input.get("mode", ""), ""),
        "scored": result is not None,
        "total": f"{vn.number(Decimal(str(result['final'])))}/{result['max']}" if result else "",
        "verdict": verdict,
        "recognised": bool(result and result["verdict"]["recognised"]),
        "shortfalls": list(result["verdict"]["shortfalls"]) if result else [],
        "policy": result["verdict"]["policy"] if result else "",
    }


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
    svc: workflow.Services = request.app.state.services
    rows = workflow.list_assessments(svc, actor, year=year)
    rows.sort(key=lambda r: (-r.year, str(r.input.get("unit", {}).get("name", ""))))
    summaries = [_summary(r) for r in rows]
    context = {
        "year": year,
        "years": sorted({r.year for r in workflow.list_assessments(svc, actor)}, reverse=True),
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
        return _refused(request, actor, exc)
    imported = [int(x) for x in da_nhap.split(",") if x]
    return _scoring_list(request, actor, year=nam, imported=imported)


@router.post("/cham-diem/nhap", response_class=HTMLResponse, response_model=None)
def upload(
    request: Request,
    actor: PageActor,
    _: CsrfChecked,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse | RedirectResponse:
    """The filled workbook (or YAML, JSON): every unit in it, or nothing and every problem."""
    svc: workflow.Services = request.app.state.services
    name = Path(file.filename or "").name if file is not None else ""
    try:
        allow(actor, "nhập kết quả chấm điểm", ("clerk",))
    except HosoError as exc:
        return _refused(request, actor, exc)
    try:
        if file is None or not name:
            raise HosoError(
                "choose the file to upload",
                message_vi="Hãy chọn tệp phiếu chấm điểm (.xlsx) để tải lên",
                field="file",
            )
        data = file.file.read(SHEET_LIMIT + 1)
        if len(data) > SHEET_LIMIT:
            raise HosoError(
                f"larger than {SHEET_LIMIT} bytes",
                message_vi=f"Tệp lớn hơn {SHEET_LIMIT // (1 << 20)} MiB",
                field="file",
            )
        if not data:
            raise HosoError("the file is empty", message_vi="Tệp trống", field="file")
        ids = workflow.import_assessments(svc, actor, inputs.load_bytes(data, name))
    except InvalidAssessment as exc:
        rows = [located(p) for p in exc.problems]
        return _scoring_list(request, actor, problems=rows, filename=name, status=422)
    except HosoError as exc:
        return _scoring_list(request, actor, error=problem(exc), status=http_status(exc))
    years = {workflow.get_assessment(svc, actor, i).year for i in ids}
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


def _criteria_view(cs: CriteriaSet, mode: str) -> list[dict[str, Any]]:
    return [
        {
            "id": g.id,
            "title": g.title,
            "max": vn.number(sum((c.points for c in g.criteria), Decimal(0))),
            "criteria": [
                {
                    "id": c.id,
                    "max": vn.number(c.points),
                    "items": [
                        {
                            "id": i.id,
                            "text": i.text_for("duy_tri" if mode == "duy_tri" else "xay_dung"),
                            "max": vn.number(i.points),
                            "needs_met": i.rule is None or i.rule.confirm,
                            "figures": [
                                {
                                    "name": f"i.{i.id}.f.{f.id}",
                                    "label": f.label,
                                    "percent": f.unit == "percent",
                                }
                                for f in (i.rule.figures if i.rule else ())
                            ],
                        }
                        for i in c.items
                    ],
                }
                for c in g.criteria
            ],
        }
        for g in cs.groups
    ]


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
    svc: workflow.Services = request.app.state.services
    stored = row.input
    cs = criteria.for_unit_type(stored["unit"]["type"])
    raw = raw_of(stored, values, cs) if values is not None else stored
    live = preview(raw, cs, svc.policies[cs.id])
    context = {
        "a": _summary(row),
        "unit": stored["unit"],
        "criteria_title": cs.title,
        "groups": _criteria_view(cs, str(raw.get("mode"))),
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


def _clerk_assessment(svc: workflow.Services, actor: Actor, assessment_id: int) -> Assessment:
    allow(actor, "chấm điểm", ("clerk",))
    return workflow.get_assessment(svc, actor, assessment_id)


@router.get("/cham-diem/{assessment_id}", response_class=HTMLResponse)
def scoring_unit(
    request: Request,
    actor: PageActor,
    assessment_id: Id,
    da_luu: Annotated[int, Query(ge=0, le=1)] = 0,
    da_cham: Annotated[int, Query(ge=0, le=1)] = 0,
) -> HTMLResponse:
    svc: workflow.Services = request.app.state.services
    try:
        row = _clerk_assessment(svc, actor, assessment_id)
    except HosoError as exc:
        return _refused(request, actor, exc)
    notice = "Đã chấm điểm." if da_cham else "Đã lưu; hãy chấm điểm lại." if da_luu else ""
    return _unit_page(request, actor, row, notice=notice)


@router.post("/cham-diem/{assessment_id}", response_class=HTMLResponse, response_model=None)
async def save_unit(
    request: Request, actor: PageActor, _: CsrfChecked, assessment_id: Id
) -> HTMLResponse | RedirectResponse:
    """Save the form (and score it, with the "Lưu và chấm điểm" button)."""
    svc: workflow.Services = request.app.state.services
    values = form_values(await request.form())
    try:
        row = await run_in_threadpool(_clerk_assessment, svc, actor, assessment_id)
    except HosoError as exc:
        return _refused(request, actor, exc)
    cs = criteria.for_unit_type(row.input["unit"]["type"])
    raw = raw_of(row.input, values, cs)
    try:
        await run_in_threadpool(workflow.update_assessment, svc, actor, assessment_id, raw)
        if values.get("action") == "score":
            await run_in_threadpool(workflow.score, svc, actor, assessment_id)
            return RedirectResponse(f"/cham-diem/{assessment_id}?da_cham=1", status_code=303)
    except InvalidAssessment:
        return _unit_page(request, actor, row, values=values, status=422)
    except HosoError as exc:
        return _unit_page(request, actor, row, values=values, error=problem(exc), status=422)
    return RedirectResponse(f"/cham-diem/{assessment_id}?da_luu=1", status_code=303)


@router.post("/cham-diem/{assessment_id}/cham", response_class=HTMLResponse, response_model=None)
def score_unit(
    request: Request, actor: PageActor, _: CsrfChecked, assessment_id: Id
) -> HTMLResponse | RedirectResponse:
    """Score the unit's saved input (workflow.score) and show it."""
    svc: workflow.Services = request.app.state.services
    try:
        workflow.score(svc, actor, assessment_id)
    except HosoError as exc:
        return _refused(request, actor, exc)
    return RedirectResponse(f"/cham-diem/{assessment_id}?da_cham=1", status_code=303)


@router.post("/cham-diem/{assessment_id}/xem-truoc")
async def preview_unit(
    request: Request, actor: PageActor, _: CsrfChecked, assessment_id: Id
) -> JSONResponse:
    """The points, sums, verdict and problems of the form as it stands, nothing saved
    (static/cham-diem.js asks as the clerk types)."""
    svc: workflow.Services = request.app.state.services
    values = form_values(await request.form())
    try:
        row = await run_in_threadpool(_clerk_assessment, svc, actor, assessment_id)
    except HosoError as exc:
        return JSONResponse(problem(exc), status_code=http_status(exc))
    cs = criteria.for_unit_type(row.input["unit"]["type"])
    live = preview(raw_of(row.input, values, cs), cs, svc.policies[cs.id])
    return JSONResponse(live, headers={"Cache-Control": "no-store"})


# --- Hồ sơ ----------------------------------------------------------------------------------------


def _body_name(svc: workflow.Services, body: str) -> str:
    known = svc.bodies.get(body)
    return known.name if known is not None else body


def _can_generate(svc: workflow.Services, actor: Actor, body: str) -> bool:
    police = any(b.government == body for b in svc.bodies.values())
    return actor.role == "clerk" and actor.body == body and body in svc.bodies and police


@router.get("/ho-so", response_class=HTMLResponse)
def dossiers(request: Request, actor: PageActor) -> HTMLResponse:
    """The dossiers of the user's body: those with documents, and the years it has units of."""
    svc: workflow.Services = request.app.state.services
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

    for d in workflow.list_documents(svc, actor):
        if d.dossier:
            one = entry(d.dossier)
            one["count"] += 1
            one["states"][_status(d)] += 1
    if actor.body is not None and _can_generate(svc, actor, actor.body):
        for r in workflow.list_assessments(svc, actor):
            entry(f"{r.year}/{actor.body}")["units"] += 1
    rows = sorted(found.values(), key=lambda x: x["key"], reverse=True)
    for one in rows:
        one["states"] = ", ".join(
            f"{n} {STATUS_VI[s].lower()}" for s in STATUS_VI if (n := one["states"][s])
        )
    return render(request, "app/dossier_list.html", {"dossiers": rows}, actor=actor)


def _document_view(svc: workflow.Services, actor: Actor, d: Document) -> dict[str, Any]:
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
        "status": _status(d),
        "status_vi": STATUS_VI[_status(d)],
        "reference": f"{vn.code_number(d.number)}/{d.notation}" if d.number else "",
        "issued_on": vn.nd30_date(d.issued_on) if d.issued_on else "",
        "sent_at": d.sent_at,
        "pages": list(range(1, (d.page_count or 1) + 1)),
        "sendable": _sendable(actor, d),
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
)


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
    status: int = 200,
) -> HTMLResponse:
    svc: workflow.Services = request.app.state.services
    key = f"{year}/{body}"
    documents = workflow.list_documents(svc, actor, dossier=key)
    can_generate = _can_generate(svc, actor, body)
    if not documents and not can_generate:
        return _refused(
            request,
            actor,
            NotFound(f"no dossier {key}", message_vi=f"Không có hồ sơ {key}", field="dossier"),
        )
    units = (
        [_summary(r) for r in workflow.list_assessments(svc, actor, year=year)]
        if can_generate
        else []
    )
    shown = dict.fromkeys(GENERATION_FIELDS, "") | dict(values or {})
    context = {
        "year": year,
        "body": body,
        "dossier_body": _body_name(svc, body),
        "documents": [_document_view(svc, actor, d) for d in documents],
        "units": units,
        "can_generate": can_generate,
        "values": shown,
        "errors": dict(errors or {}),
        "error": error,
        "notice": notice,
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
) -> HTMLResponse:
    svc: workflow.Services = request.app.state.services
    notice = ""
    if da_tao is not None:
        notice = f"Đã tạo {da_tao} văn bản dự thảo."
    elif da_trinh is not None:
        try:
            sent = workflow.get_document(svc, actor, da_trinh)
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


def _meeting(values: Mapping[str, str], errors: dict[str, str]) -> dossier.Meeting | None:
    """The appraisal meeting from the form, or None when none of its fields is given."""
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
    if len(moments) == 2 and moments["meeting_end"] <= moments["meeting_start"]:
        errors["meeting_end"] = "Giờ kết thúc phải sau giờ bắt đầu"
    for name in ("meeting_place", "meeting_secretary"):
        if not given[name]:
            errors[name] = "Thiếu: cần nhập"
    attendees = tuple(vn.nfc(x.strip()) for x in given["meeting_attendees"].splitlines())
    attendees = tuple(x for x in attendees if x)
    if not attendees:
        errors["meeting_attendees"] = "Ghi thành phần tham dự, mỗi dòng một thành phần"
    votes: dict[str, int] = {}
    for name in ("votes_for", "votes_total"):
        try:
            votes[name] = int(given[name])
        except ValueError:
            errors[name] = "Ghi số phiếu"
    if len(votes) == 2 and not 0 <= votes["votes_for"] <= votes["votes_total"]:
        errors["votes_for"] = "Số phiếu đồng ý từ 0 đến tổng số phiếu"
    if votes.get("votes_total") == 0:
        errors["votes_total"] = "Tổng số phiếu phải lớn hơn 0"
    if errors.keys() & set(names):
        return None
    return dossier.Meeting(
        start=moments["meeting_start"],
        end=moments["meeting_end"],
        place=vn.nfc(given["meeting_place"]),
        attendees=attendees,
        secretary=vn.nfc(given["meeting_secretary"]),
        votes_for=votes["votes_for"],
        votes_total=votes["votes_total"],
        secretary_position=vn.nfc(given["meeting_secretary_position"]),
    )


@router.post("/ho-so/{year}/{body}/tao", response_class=HTMLResponse, response_model=None)
async def generate(
    request: Request, actor: PageActor, _: CsrfChecked, year: Year, body: Body
) -> HTMLResponse | RedirectResponse:
    """Generate (or regenerate) the dossier's drafts; signed and issued documents stay."""
    svc: workflow.Services = request.app.state.services
    values = {n: v for n, v in form_values(await request.form()).items() if n in GENERATION_FIELDS}
    police = next((b for b in svc.bodies.values() if b.government == body), None)
    errors: dict[str, str] = {}
    proposal = _cited(values, "proposal", police.name if police else "", errors)
    decision = _cited(values, "decision", _body_name(svc, body), errors)
    meeting = _meeting(values, errors)
    if errors:
        return _dossier_page(request, actor, year, body, values=values, errors=errors, status=422)
    try:
        made = await run_in_threadpool(
            lambda: workflow.generate_dossier(
                svc,
                actor,
                body=body,
                year=year,
                proposal=proposal,
                decision=decision,
                meeting=meeting,
                watermark=values.get("watermark") == "1",
            )
        )
    except HosoError as exc:
        status = http_status(exc)
        return _dossier_page(
            request, actor, year, body, values=values, error=problem(exc), status=status
        )
    return RedirectResponse(f"/ho-so/{year}/{body}?da_tao={len(made)}", status_code=303)


@router.post("/tai-lieu/{document_id}/trinh-ky", response_class=HTMLResponse, response_model=None)
def send(
    request: Request, actor: PageActor, _: CsrfChecked, document_id: Id
) -> HTMLResponse | RedirectResponse:
    """Trình ký: the clerk sends a draft to its signer (workflow.send_for_signature)."""
    svc: workflow.Services = request.app.state.services
    try:
        document = workflow.get_document(svc, actor, document_id)
    except HosoError as exc:
        return _refused(request, actor, exc)
    year, _slash, body = (document.dossier or "").partition("/")
    try:
        workflow.send_for_signature(svc, actor, document_id)
    except HosoError as exc:
        if not body:
            return _refused(request, actor, exc)
        return _dossier_page(
            request, actor, int(year), body, error=problem(exc), status=http_status(exc)
        )
    return RedirectResponse(
        f"/ho-so/{document.dossier}?da_trinh={document.id}#van-ban-{document.id}", status_code=303
    )


# --- previews of a document's file ----------------------------------------------------------------

_PAGES: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_PAGES_LOCK = threading.Lock()
PAGE_CACHE = 256
"""Page images kept in memory (about 30–80 KB each at 60 dpi), by file and page."""


def page_png(pdf: bytes, page: int) -> bytes | None:
    """Page `page` (from 1) of `pdf` as a PNG at 60 dpi (poppler's pdftoppm); None past the
    last page or for a file poppler cannot read."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise ConfigError(
            "poppler-utils (pdftoppm) is not installed: no page images",
            message_vi="Máy chủ chưa cài poppler-utils (pdftoppm) để xem trước trang",
            field="pdftoppm",
        )
    with tempfile.TemporaryDirectory(prefix="hoso-page-") as tmp:
        source, out = Path(tmp) / "in.pdf", Path(tmp) / "page"
        source.write_bytes(pdf)
        args = ["-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile"]
        try:
            done = subprocess.run(
                [exe, *args, str(source), str(out)], capture_output=True, timeout=60, check=False
            )
        except subprocess.TimeoutExpired:
            return None
        png = out.with_suffix(".png")
        if done.returncode != 0 or not png.is_file():
            return None
        return png.read_bytes()


def _etag(document: Document, suffix: str) -> str:
    digest = document.archived_sha256 or document.sha256 or ""
    return f'"{digest[:32]}-{suffix}"'


def _fresh(request: Request, etag: str) -> bool:
    return etag in request.headers.get("if-none-match", "")


CACHING = "private, no-cache"
"""The browser keeps a preview and asks again each time: a draft's file changes when it is
signed or issued, its address does not."""


@router.get("/tai-lieu/{document_id}.pdf", response_model=None)
def document_pdf(request: Request, actor: PageActor, document_id: Id) -> Response:
    """The document's current file, shown in the browser (the PDF viewer)."""
    svc: workflow.Services = request.app.state.services
    try:
        document = workflow.get_document(svc, actor, document_id)
        etag = _etag(document, "pdf")
        if _fresh(request, etag):
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHING})
        document, pdf = workflow.document_file(svc, actor, document_id)
    except HosoError as exc:
        return _refused(request, actor, exc)
    name = f"{document.kind or 'van-ban'}-{document.id}.pdf"
    headers = {
        "Content-Disposition": f'inline; filename="{name}"',
        "ETag": _etag(document, "pdf"),
        "Cache-Control": CACHING,
        "X-Content-Type-Options": "nosniff",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/tai-lieu/{document_id}/trang/{page}.png", response_model=None)
def document_page(request: Request, actor: PageActor, document_id: Id, page: Page) -> Response:
    """Page `page` of the document's current file as an image (60 dpi); 404 past the last."""
    svc: workflow.Services = request.app.state.services
    try:
        document = workflow.get_document(svc, actor, document_id)
    except HosoError as exc:
        return Response(status_code=http_status(exc))
    if page < 1 or (document.page_count is not None and page > document.page_count):
        return Response(status_code=404)
    etag = _etag(document, f"p{page}")
    headers = {"ETag": etag, "Cache-Control": CACHING, "X-Content-Type-Options": "nosniff"}
    if _fresh(request, etag):
        return Response(status_code=304, headers=headers)
    key = (etag, page)
    with _PAGES_LOCK:
        png = _PAGES.get(key)
    if png is None:
        try:
            document, pdf = workflow.document_file(svc, actor, document_id)
        except HosoError as exc:
            return Response(status_code=http_status(exc))
        png = page_png(pdf, page)
        if png is None:
            return Response(status_code=404)
        with _PAGES_LOCK:
            _PAGES[key] = png
            while len(_PAGES) > PAGE_CACHE:
                _PAGES.popitem(last=False)
    return Response(png, media_type="image/png", headers=headers)


@router.get("/favicon.ico", response_model=None)
def favicon() -> Response:
    """No icon: an empty answer, so that browsers stop asking and log no 404 on every page.
    (Belongs with the common layout; here until it has one.)"""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})
