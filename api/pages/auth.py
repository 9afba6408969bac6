"""Đăng nhập and đăng xuất: the web pages' sign-in with login and password, kept in a signed
session cookie (HttpOnly, SameSite=Lax) that names the user; no password is kept anywhere but
as its scrypt hash."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.pages.ui import CsrfChecked, problem, render
from api.registry.db import User
from api.routes.deps import ServicesDep
from api.routes.gate import GatedRoute
from api.routes.session import SESSION_SEEN, SESSION_USER, SESSION_VERSION
from api.workflow import throttle
from api.workflow.users import end_sessions, sign_in
from docgen.errors import SignInThrottled, Unauthenticated

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)


def _safe(next_path: str) -> str:
    """Only a path of this service: never a redirect elsewhere."""
    parts = urlsplit(next_path)
    if (
        parts.scheme
        or parts.netloc
        or not next_path.startswith("/")
        or next_path.startswith("//")
        or "\\" in next_path  # browsers read /\host as //host
        or any(ord(c) < 0x20 for c in next_path)
    ):
        return "/tong-quan"
    return next_path


@router.get("/dang-nhap", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/tong-quan", het_han: str = "") -> HTMLResponse:
    """The sign-in form; `het_han` (set by api/app.py) when a signed-in page found the
    session expired, `next` the page to return to (a path of this service only)."""
    context = {"next": _safe(next), "login": "", "error": None, "expired": bool(het_han)}
    return render(request, "app/login.html", context)


@router.post("/dang-nhap", response_class=HTMLResponse, response_model=None)
async def login(
    request: Request,
    services: ServicesDep,
    _: CsrfChecked,
    login: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=512)] = "/tong-quan",
) -> HTMLResponse | RedirectResponse:
    address = request.client.host if request.client else "unknown"

    def check() -> tuple[int, int]:
        actor = throttle.sign_in_guarded(
            services.sessions,
            login=login,
            address=address,
            check=lambda session: sign_in(session, login, password),
        )
        with services.sessions() as session:
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            user = session.get(User, actor.id)
            assert user is not None
            return user.id, user.session_version

    try:
        user_id, version = await run_in_threadpool(check)
    except Unauthenticated as exc:
        context = {"next": _safe(next), "login": login, "error": problem(exc), "expired": False}
        status = 429 if isinstance(exc, SignInThrottled) else 401
        return render(request, "app/login.html", context, status=status)
    request.session.clear()  # a new session: nothing of the signed-out one carries over
    request.session[SESSION_USER] = user_id
    request.session[SESSION_VERSION] = version
    request.session[SESSION_SEEN] = int(time.time())
    return RedirectResponse(_safe(next), status_code=303)


@router.post("/dang-xuat")
def logout(request: Request, services: ServicesDep, _: CsrfChecked) -> RedirectResponse:
    """Sign out: this session and every other of the user (a copied cookie too) end."""
    user_id = request.session.get(SESSION_USER)
    if isinstance(user_id, int):
        with services.sessions.begin() as session:
            end_sessions(session, user_id)
    request.session.clear()
    return RedirectResponse("/dang-nhap", status_code=303)
