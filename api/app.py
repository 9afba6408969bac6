"""The HTTP application: `create_app(settings)` assembles the routers of `api/routes/`, the
public pages' stylesheet, the OpenAPI docs (served from the app itself, no CDN) and the one
translator of domain errors into HTTP answers.

Nothing is built at import: `uvicorn api.app:app_from_env --factory` (or `hoso serve`) builds
the app from the environment's settings, tests build theirs from their own `Settings`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Match, Mount
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.pages import archive as ui_archive
from api.pages import auth as ui_auth
from api.pages import clerk as ui_clerk
from api.pages import dossier as ui_dossier
from api.pages import links, web
from api.pages import office as ui_office
from api.pages import ops as ui_ops
from api.pages import overview as ui_overview
from api.pages import preview as ui_preview
from api.pages import public as pages
from api.pages import recipients as ui_recipients
from api.pages import remote_signing as remote_signing_pages
from api.pages import returning as returning_pages
from api.registry.lookup import NoRegistry, RegistryLookup
from api.routes import (
    admin,
    agents,
    archive,
    assessments,
    documents,
    dossiers,
    head,
    health,
    history,
    jobs,
    json_log,
    me,
    nul,
    remote_signing,
    request_id,
    returning,
    verify,
)
from api.routes.errors import http_status
from api.routes.models import ErrorPublic
from api.routes.session import COOKIE_AGE, LoginRequired
from api.settings import Settings, get_settings
from api.workflow import jobs as workflow_jobs
from api.workflow import scratch
from api.workflow.queue import HueyQueue
from api.workflow.services import Services
from api.workflow.trust import TrustRoots
from docgen.errors import HosoError

PAGES = ("/v/", "/xac-minh", "/r/")
SIGNED_IN_PAGES = (
    "/dang-nhap",
    "/dang-xuat",
    "/tong-quan",
    "/cham-diem",
    "/ho-so",
    "/tai-lieu",
    "/ky-so",
    "/phat-hanh",
    "/van-ban",
    "/luu-tru",
    "/thu-thong-bao",
)

# The methods a 405's Allow header may name.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

UNAVAILABLE_VI = "Dịch vụ xác minh tạm thời chưa sẵn sàng. Vui lòng thử lại sau."

HTTP_VI = {
    404: "Không tìm thấy địa chỉ này",
    405: "Địa chỉ này không nhận phương thức yêu cầu đã gửi",
    413: "Dữ liệu gửi lên quá lớn",
}

HEADINGS_VI = {
    401: "Cần đăng nhập",
    403: "Không có quyền thực hiện",
    404: "Không tìm thấy trang",
    405: "Không thực hiện được yêu cầu này",
    413: "Dữ liệu gửi lên quá lớn",
    500: "Dịch vụ gặp lỗi",
    503: "Dịch vụ tạm thời chưa sẵn sàng",
}


def create_app(
    settings: Settings,
    *,
    registry: RegistryLookup | None = None,
    services: Services | None = None,
) -> FastAPI:
    """The API and the public pages for `settings`; `registry` finds issued documents (none
    by default: verification then reports signatures only); `services` are the workflow's
    (none: the workflow routes answer 503)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # One machine: this process runs the queue's jobs too (Settings.queue_embedded).
        queue = services.queue if services and settings.queue_embedded else None
        if isinstance(queue, HueyQueue):
            scratch.clear_stale()  # what a killed process left, before this one adds its own
            queue.start_embedded()
        yield
        if isinstance(queue, HueyQueue):
            queue.stop_embedded()
        close = getattr(services.converter, "close", None) if services else None
        if close is not None:
            close()

    app = FastAPIOffline(
        lifespan=lifespan,
        dependencies=[Depends(nul.refuse_nul)],
        title="hoso",
        summary="Xác minh văn bản điện tử: chữ ký số (PAdES, ND 30/2020) và sổ đăng ký",
        version="0.1.0",
        docs_url="/docs",
        redoc_url="/redoc",
        static_url="/static/docs",
    )
    app.state.settings = settings
    app.state.registry = registry if registry is not None else NoRegistry()
    app.state.services = services
    # Innermost: the routes see a HEAD as its GET; the log and the request id see the HEAD.
    app.add_middleware(head.HeadAsGet)
    # The web pages' sign-in: a cookie signed with the service's secret (api/pages/auth.py).
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret().hex(),
        session_cookie="hoso_session",
        max_age=COOKIE_AGE,  # longer than a session lasts (SESSION_IDLE): so it can say it ended
        same_site="lax",
        https_only=settings.secure_cookies(),
    )
    # Outermost of the middlewares: every answer, and each log line while it is made, has it.
    app.add_middleware(json_log.ActingMiddleware)  # who and what, for the JSON log lines
    app.add_middleware(request_id.RequestIdMiddleware)
    if settings.trusted_proxies.strip():
        # Outermost: every layer (the sign-in's count per address, the log lines) sees the
        # client the trusted proxy forwards; from anyone else the headers are ignored.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.state.trust = TrustRoots(settings)
    app.state.templates = web.templates()
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")
    app.include_router(health.router)
    app.include_router(verify.router)
    app.include_router(pages.router)
    for resource in (me, assessments, dossiers, documents, archive):
        app.include_router(resource.router)
    app.include_router(remote_signing.router)
    app.include_router(agents.router)
    app.include_router(remote_signing_pages.router)
    app.include_router(returning.router)
    app.include_router(returning_pages.router)
    app.include_router(links.api_router)
    app.include_router(links.router)
    app.include_router(history.router)
    app.include_router(admin.router)
    app.include_router(jobs.router)
    for ui in (
        ui_auth,
        ui_overview,
        ui_clerk,
        ui_dossier,
        ui_preview,
        ui_office,
        ui_recipients,
        ui_archive,
        ui_ops,
    ):
        app.include_router(ui.router)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(HosoError, _domain_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    return app


def app_from_env() -> FastAPI:
    """The whole service of the environment's settings (HOSO_*): what `hoso serve` runs in
    each worker (`uvicorn api.app:app_from_env --factory` is the same)."""
    # pyHanko logs what it recovered from in a tampered file with tracebacks; the answer
    # already says it.
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return workflow_app(get_settings())


def workflow_app(settings: Settings) -> FastAPI:
    """The whole service on the configured database and stores."""
    from api.registry.numbering import DatabaseLookup
    from api.workflow.services import build_services

    services = build_services(settings)
    workflow_jobs.job_queue(settings, services)  # long work goes to the queue (HOSO_QUEUE_URL)
    return create_app(settings, registry=DatabaseLookup(services.sessions), services=services)


def database_registry(settings: Settings) -> RegistryLookup:
    """The registry in the configured database (brought to the latest schema), for an app
    that verifies only."""
    from api.registry import db
    from api.registry.numbering import DatabaseLookup

    db.upgrade(settings.database())
    return DatabaseLookup(db.session_factory(settings.database()))


def _is_page(request: Request) -> bool:
    """Whether the error is answered with a page: for a browser (Accept: text/html) anywhere
    but under /api/, and on the pages' own routes unless the client asks for JSON. Programs
    (Accept: application/json, or any /api/ path) get JSON."""
    accept = request.headers.get("accept", "")
    if request.url.path.startswith("/api/"):
        return False
    if "application/json" in accept and "text/html" not in accept:
        return False
    route = getattr(request.scope.get("route"), "path", "")
    return "text/html" in accept or route.startswith(PAGES + SIGNED_IN_PAGES)


def _heading(request: Request, status: int) -> str:
    route = getattr(request.scope.get("route"), "path", "")
    if route.startswith(("/v/", "/xac-minh")) and status < 500 and status not in (404, 405):
        return "Không kiểm tra được"  # a file that could not be checked
    return HEADINGS_VI.get(status, "Không thực hiện được")


def _home(request: Request) -> str:
    """Where an error page leads back to: the signed-in pages' overview, or the public check."""
    return "/tong-quan" if request.url.path.startswith(SIGNED_IN_PAGES) else "/xac-minh"


def _answer(request: Request, error: ErrorPublic, status: int) -> Response:
    """JSON for the API; for a person on a public page, the Vietnamese message as a page."""
    error.request_id = request_id.current()
    if _is_page(request):
        # A visitor cannot fix the service's configuration: the details stay in the API's answer.
        message = (
            error.message_vi if status < 500 or error.code == "internal_error" else UNAVAILABLE_VI
        )
        back = _home(request) if status in (403, 404, 405) else request.url.path
        context = {
            "message": message,
            "heading": _heading(request, status),
            "back": back,
            "request_id": error.request_id,
        }
        answer: Response = web.page(
            request.app.state.templates, request, "error.html", context, status=status
        )
    else:
        answer = JSONResponse(error.model_dump(), status_code=status)
    # Starlette answers an unexpected error outside the request id's middleware.
    answer.headers[request_id.HEADER] = error.request_id
    return answer


async def _login_required(request: Request, exc: Exception) -> Response:
    """A signed-in page asked for while signed out: to the sign-in page, and back after."""
    assert isinstance(exc, LoginRequired)
    query = {"next": exc.next_path, **({"het_han": "1"} if exc.expired else {})}
    return RedirectResponse(f"/dang-nhap?{urlencode(query)}", status_code=303)


async def _domain_error(request: Request, exc: Exception) -> Response:
    """The one translator of domain errors (`HosoError` and its subclasses) for HTTP."""
    assert isinstance(exc, HosoError)  # registered for HosoError only
    error = ErrorPublic(
        code=exc.code, message=exc.message, message_vi=exc.message_vi, field=exc.field
    )
    return _answer(request, error, http_status(exc))


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's own validation of parameters, in the same shape."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    field = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body",))
    message = f"{field}: {first.get('msg', 'invalid request')}" if field else "invalid request"
    error = ErrorPublic(
        code="invalid_request",
        message=message,
        message_vi=f"Yêu cầu không hợp lệ ({field})" if field else "Yêu cầu không hợp lệ",
        field=field,
    )
    return _answer(request, error, 422)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's answers (no such route, wrong method) in the same shape."""
    assert isinstance(exc, HTTPException)
    error = ErrorPublic(
        code={404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error"),
        message=str(exc.detail),
        message_vi=HTTP_VI.get(exc.status_code, str(exc.detail)),
        field="",
    )
    response = _answer(request, error, exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request))
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at the request's path (RFC 9110 §15.5.6). Starlette's
    router names only the methods of the first route whose path matches, while a page and its
    form are two routes on one path (GET and POST /dang-nhap); each method is asked of the
    whole router instead, included routers and mounts alike."""
    routes = request.app.router.routes
    # A scope of its own for each question: matching writes into the scope it is given.
    # (A mount moves root_path along the path; the app's own is kept in app_root_path.)
    scope = request.scope
    root = scope.get("app_root_path", scope.get("root_path", ""))
    where = {"type": "http", "path": scope["path"], "root_path": root}
    allowed: set[str] = set()
    for route in routes:
        if isinstance(route, Mount):  # the static files, which answer GET and HEAD only
            if route.matches({**where, "method": "GET", "headers": []})[0] is not Match.NONE:
                allowed |= {"GET", "HEAD"}
            continue
        for method in METHODS:
            if route.matches({**where, "method": method, "headers": []})[0] is Match.FULL:
                allowed.add(method)
    if "GET" in allowed:
        allowed.add("HEAD")  # served as the GET (`api.routes.head`)
    return [method for method in METHODS if method in allowed]


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A fault of the service: the same shape, with the request id to find its traceback in the
    log (Starlette logs it after this answer), and no detail of the fault."""
    error = ErrorPublic(
        code="internal_error",
        message="the service failed to answer; quote the request id when reporting it",
        message_vi="Dịch vụ gặp lỗi khi xử lý yêu cầu; khi báo lỗi, xin ghi kèm mã yêu cầu",
        field="",
    )
    return _answer(request, error, 500)
