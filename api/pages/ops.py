"""The operators' pages: a document's history (/van-ban/{id}/lich-su, for whoever may see the
document) and the admin's users (/quan-tri/nguoi-dung: change a role, disable, enable, rotate
a token). Thin: api/workflow/history.py and api/workflow/user_admin.py decide; a refusal is shown
in Vietnamese
beside the list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse

from api.pages.ui import CsrfChecked, problem, refused, render
from api.registry.db import ROLES
from api.routes.deps import ServicesDep
from api.routes.errors import http_status
from api.routes.gate import GatedRoute
from api.routes.session import PageActor
from api.workflow import user_admin
from api.workflow.history import document_history
from api.workflow.users import ROLE_VI
from docgen.errors import HosoError

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Login = Annotated[str, Path(max_length=64)]


@router.get("/van-ban/{document_id:int}/lich-su", response_class=HTMLResponse)
def history_page(
    request: Request, document_id: Id, actor: PageActor, services: ServicesDep
) -> HTMLResponse:
    """Lịch sử văn bản: each step, who, when, with which certificate; the recipients."""
    try:
        history = document_history(services, actor, document_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    return render(request, "app/history.html", {"h": history}, actor=actor)


def _users_page(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    *,
    done: str | None = None,
    token: tuple[str, str] | None = None,
    error: HosoError | None = None,
) -> HTMLResponse:
    try:
        rows = user_admin.list_users(services.sessions, actor)
    except HosoError as exc:
        return refused(request, actor, exc)
    context = {
        "users": rows,
        "roles": [(r, ROLE_VI[r]) for r in ROLES],
        "done": done,
        "token": token,
        "error": problem(error) if error is not None else None,
    }
    status = http_status(error) if error is not None else 200
    return render(request, "app/users.html", context, actor=actor, status=status)


@router.get("/quan-tri/nguoi-dung", response_class=HTMLResponse)
def users_page(request: Request, actor: PageActor, services: ServicesDep) -> HTMLResponse:
    return _users_page(request, actor, services)


@router.post("/quan-tri/nguoi-dung/{login}", response_class=HTMLResponse)
def change_user(
    request: Request,
    login: Login,
    actor: PageActor,
    services: ServicesDep,
    _: CsrfChecked,
    action: Annotated[str, Form(max_length=16)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
) -> HTMLResponse:
    """One change to one user: `action` is role, disable, enable or token."""
    sessions = services.sessions
    try:
        if action == "role":
            row = user_admin.change_role(sessions, actor, login, role=role)
            return _users_page(
                request, actor, services, done=f"Đã đổi vai trò của {row.name}: {row.role_vi}."
            )
        if action in ("disable", "enable"):
            row = user_admin.set_disabled(sessions, actor, login, disabled=action == "disable")
            said = "vô hiệu hóa" if action == "disable" else "kích hoạt lại"
            return _users_page(request, actor, services, done=f"Đã {said} tài khoản {row.name}.")
        if action == "token":
            new = user_admin.rotate_token(sessions, actor, login)
            return _users_page(request, actor, services, token=(login, new))
        raise HosoError(
            f"unknown action {action!r}", message_vi="Thao tác không hợp lệ", field="action"
        )
    except HosoError as exc:
        return _users_page(request, actor, services, error=exc)
