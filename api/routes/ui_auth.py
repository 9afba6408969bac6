"""Đăng nhập and đăng xuất: the web pages' sign-in with login and password, kept in a signed
session cookie (HttpOnly, SameSite=Lax) that names the user; no password is kept anywhere but
as its scrypt hash."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.ui import SESSION_USER, CsrfChecked, problem, render
from api.users import sign_in
from docgen.errors import Unauthenticated

router = APIRouter(tags=["web pages"], include_in_schema=False)


def _safe(next_path: str) -> str:
    """Only a path of this service: never a redirect elsewhere."""
    parts = urlsplit(next_path)
    if parts.scheme or parts.netloc or not next_path.startswith("/") or next_path.startswith("//"):
        return "/tong-quan"
    return next_path


@router.get("/dang-nhap", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/tong-quan") -> HTMLResponse:
    return render(request, "app/login.html", {"next": _safe(next), "login": "", "error": None})


@router.post("/dang-nhap", response_class=HTMLResponse, response_model=None)
async def login(
    request: Request,
    services: ServicesDep,
    _: CsrfChecked,
    login: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=512)] = "/tong-quan",
) -> HTMLResponse | RedirectResponse:
    def check() -> int:
        with services.sessions() as session:
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            return sign_in(session, login, password).id

    try:
        user_id = await run_in_threadpool(check)
    except Unauthenticated as exc:
        context = {"next": _safe(next), "login": login, "error": problem(exc)}
        return render(request, "app/login.html", context, status=401)
    request.session.clear()  # a new session: nothing of the signed-out one carries over
    request.session[SESSION_USER] = user_id
    return RedirectResponse(_safe(next), status_code=303)


@router.post("/dang-xuat")
def logout(request: Request, _: CsrfChecked) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/dang-nhap", status_code=303)
