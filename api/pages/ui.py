"""What every page of the web interface shares: who is signed in (a signed session cookie, set
by /dang-nhap), the navigation of their role, the form token against cross-site requests, and
`render`, which fills the common layout (app/base.html).

The pages are thin: they call the use cases of api/workflow/documents.py and its neighbours — which
decide who may do what — and show the outcome, with the Vietnamese message of any refusal
beside the form.
"""

from __future__ import annotations

import hmac
import secrets
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from api.registry.db import Assessment, Document
from api.routes.session import SESSION_CSRF
from api.routes.session import SESSION_SEEN as SESSION_SEEN  # the pages' names for them
from api.routes.session import SESSION_USER as SESSION_USER
from api.routes.session import SESSION_VERSION as SESSION_VERSION
from api.routes.session import LoginRequired as LoginRequired
from api.routes.session import PageActor as PageActor
from api.workflow.users import ROLE_VI, Actor
from docgen import vn
from docgen.errors import Forbidden, HosoError
from docgen.model import MODE_LABELS, UNIT_TYPE_LABELS, verdict_label

# The signed-in pages: their own scripts and stylesheets only, frames of their own PDFs and
# page images, forms posted to the service itself.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
    "frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

NAV: dict[str, list[tuple[str, str]]] = {
    "clerk": [("/tong-quan", "Tổng quan"), ("/cham-diem", "Chấm điểm"), ("/ho-so", "Hồ sơ")],
    "signer": [("/tong-quan", "Tổng quan"), ("/ky-so", "Ký số")],
    "van_thu": [("/tong-quan", "Tổng quan"), ("/phat-hanh", "Phát hành")],
    "archivist": [("/tong-quan", "Tổng quan"), ("/luu-tru", "Lưu trữ")],
    "admin": [("/tong-quan", "Tổng quan"), ("/quan-tri/nguoi-dung", "Người dùng")],
}


def status_of(document: Document) -> str:
    """The document's status, with a draft sent for signing told apart ("sent")."""
    return "sent" if document.status == "draft" and document.sent_at else document.status


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session[SESSION_CSRF] = token
    return token


def _checked_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    expected = request.session.get(SESSION_CSRF)
    if not isinstance(expected, str) or not hmac.compare_digest(expected, csrf):
        raise Forbidden(
            "the form's token does not match this session: reload the page",
            message_vi="Phiên làm việc đã thay đổi: hãy tải lại trang rồi gửi lại",
            field="csrf",
        )


CsrfChecked = Annotated[None, Depends(_checked_csrf)]


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.templates
    return found


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    actor: Actor | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The page `name` (under app/) in the common layout, for `actor` (None: signed out)."""
    services = request.app.state.services  # None: an app built without the workflow
    bodies = services.bodies if services is not None else {}
    body = None
    if actor is not None and actor.body is not None:
        known = bodies.get(actor.body)
        body = known.name if known is not None else actor.body

    def dossier_name(key: str) -> str:
        """'2026/ubnd-hai-phong' as people read it: 'Hồ sơ năm 2026 — Ủy ban nhân dân …'."""
        year, _, code = key.partition("/")
        known = bodies.get(code)
        return f"Hồ sơ năm {year} — {known.name if known is not None else code}"

    common = {
        "dossier_name": dossier_name,
        "actor": actor,
        "role_vi": ROLE_VI[actor.role] if actor else "",
        "body_name": body,
        "nav": NAV[actor.role] if actor else [],
        "here": request.url.path,
        "csrf": csrf_token(request),
    }
    response = templates(request).TemplateResponse(
        request, name, {**common, **context}, status_code=status
    )
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def refused(request: Request, actor: Actor, exc: HosoError) -> HTMLResponse:
    """A page the actor may not see or that does not exist: the reason, in the layout, with
    the status of the refusal (403, 404, …)."""
    from api.routes.errors import http_status

    context = {"error": problem(exc)}
    return render(request, "app/refused.html", context, actor=actor, status=http_status(exc))


def problem(exc: HosoError) -> dict[str, str]:
    """A refusal as a page shows it beside the form: the Vietnamese message and the field."""
    return {"message": exc.message_vi, "field": exc.field}


def unit_summary(row: Assessment) -> dict[str, Any]:
    unit = row.input.get("unit", {})
    result = row.result
    verdict = ""
    if result is not None:
        verdict = verdict_label(row.input.get("mode", ""), bool(result["verdict"]["recognised"]))
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
