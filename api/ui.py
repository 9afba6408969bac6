"""What every page of the web interface shares: who is signed in (a signed session cookie, set
by /dang-nhap), the navigation of their role, the form token against cross-site requests, and
`render`, which fills the common layout (app/base.html).

The pages are thin: they call the use cases of api/workflow.py and its neighbours — which
decide who may do what — and show the outcome, with the Vietnamese message of any refusal
beside the form.
"""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from api.db import Document, User
from api.users import ROLE_VI, Actor
from docgen.errors import Forbidden, HosoError

SESSION_USER = "uid"
SESSION_CSRF = "csrf"
SESSION_VERSION = "sv"
SESSION_SEEN = "seen"

SESSION_IDLE = 8 * 3600
"""A session unused this long (seconds) has expired. The cookie itself lives longer
(`COOKIE_AGE`), so that a page asked with an expired session can say so."""
COOKIE_AGE = 14 * 24 * 3600


def session_user(request: Request, user: User | None) -> User | None:
    """`user` if the request's session was opened under their current session version (not
    signed out since, no new password since) and used within SESSION_IDLE; None otherwise.
    Each use renews it."""
    if user is None or request.session.get(SESSION_VERSION) != user.session_version:
        return None
    seen = request.session.get(SESSION_SEEN)
    now = int(time.time())
    if not isinstance(seen, int) or not 0 <= now - seen <= SESSION_IDLE:
        return None
    request.session[SESSION_SEEN] = now
    return user


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
    "admin": [("/tong-quan", "Tổng quan")],
}


def status_of(document: Document) -> str:
    """The document's status, with a draft sent for signing told apart ("sent")."""
    return "sent" if document.status == "draft" and document.sent_at else document.status


class LoginRequired(Exception):
    """No one is signed in: the app answers with the sign-in page's address (api/app.py)."""

    def __init__(self, next_path: str, *, expired: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired


def page_actor(request: Request) -> Actor:
    """The user signed in to the pages; LoginRequired otherwise. Found once per request
    (api/gate.py asks before the body is read; the route's dependency gets the same)."""
    found = getattr(request.state, "hoso_page_actor", None)
    if isinstance(found, Actor):
        return found
    user_id = request.session.get(SESSION_USER)
    expired = isinstance(user_id, int)  # a session that no longer holds: idle, or ended
    if isinstance(user_id, int):
        services = request.app.state.services
        with services.sessions() as session:
            session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            user = session_user(request, session.get(User, user_id))
            if user is not None:
                request.state.hoso_page_actor = actor = Actor.of(user)
                return actor
    request.session.clear()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise LoginRequired(path, expired=expired)


def page_actor_dependency(request: Request) -> Actor:
    """`page_actor` as a dependency."""
    return page_actor(request)


PageActor = Annotated[Actor, Depends(page_actor_dependency)]


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
    body = None
    if actor is not None and actor.body is not None:
        known = request.app.state.services.bodies.get(actor.body)
        body = known.name if known is not None else actor.body
    bodies = request.app.state.services.bodies

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
    from api.errors import http_status

    context = {"error": problem(exc)}
    return render(request, "app/refused.html", context, actor=actor, status=http_status(exc))


def problem(exc: HosoError) -> dict[str, str]:
    """A refusal as a page shows it beside the form: the Vietnamese message and the field."""
    return {"message": exc.message_vi, "field": exc.field}
