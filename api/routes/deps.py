"""What route handlers receive, as `Annotated` dependencies: the app's settings, its registry,
its trust roots, its templates, and the verification of an uploaded file.

Everything comes from `app.state`, set once by `create_app(settings)`; nothing is built at
import, so each test makes an app of its own.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Header, Path, Request, Response, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from api.registry.db import Document, User
from api.registry.lookup import RegistryLookup
from api.routes.errors import too_large
from api.routes.session import SESSION_CSRF, SESSION_USER, session_user
from api.routes.upload import Upload, receive_pdf
from api.settings import Settings
from api.workflow.services import Services
from api.workflow.trust import TrustRoots
from api.workflow.users import Actor, authenticate
from api.workflow.verification import Verification, verify_upload
from docgen.errors import ConfigError, Forbidden, HosoError


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _registry(request: Request) -> RegistryLookup:
    registry: RegistryLookup = request.app.state.registry
    return registry


def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


class Verifier:
    """Receive the request's PDF (streamed to a temporary file) and verify it in a worker
    thread: `verify_pdf` is CPU-bound and runs an event loop of its own."""

    def __init__(self, settings: Settings, trust: TrustRoots, registry: RegistryLookup) -> None:
        self.settings = settings
        self.trust = trust
        self.registry = registry

    async def __call__(self, request: Request) -> Verification:
        # The roots first: a service that cannot verify says so before reading any upload.
        roots = await run_in_threadpool(self.trust.get)
        async with receive_pdf(request, limit=self.settings.upload_limit) as upload:
            return await run_in_threadpool(self._verify, upload, roots)

    def _verify(self, upload: Upload, roots: list[Any]) -> Verification:
        return verify_upload(upload.read(), trust_roots=roots, registry=self.registry)


def _trust(request: Request) -> TrustRoots:
    trust: TrustRoots = request.app.state.trust
    return trust


def _verifier(request: Request) -> Verifier:
    state = request.app.state
    return Verifier(state.settings, state.trust, state.registry)


def _services(request: Request) -> Services:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        raise ConfigError(
            "this service verifies only: it has no registry to work on",
            message_vi="Dịch vụ này chỉ xác minh văn bản",
            field="database_url",
        )
    return services


_bearer = HTTPBearer(auto_error=False, description="the user's token (hoso users add)")


def request_actor(request: Request) -> Actor:
    """The user whose token the request carries, or who is signed in to the web pages (their
    session cookie); 401 otherwise. Found once per request (api/routes/gate.py asks before the body
    is read; the route's dependency gets the same)."""
    found = getattr(request.state, "hoso_actor", None)
    if isinstance(found, Actor):
        return found
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    bearer = token if scheme.lower() == "bearer" and token else None
    services = _services(request)
    with services.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        user_id = request.session.get(SESSION_USER) if bearer is None else None
        user = (
            session_user(request, session.get(User, user_id)) if isinstance(user_id, int) else None
        )
        if user is not None:
            if request.method not in SAFE_METHODS:
                _same_site(request)
            actor = Actor.of(user)
        else:
            actor = authenticate(session, bearer)
    request.state.hoso_actor = actor
    return actor


def job_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_job_token: Annotated[
        str, Header(description="the token a bulk verification answered with (no sign-in needed)")
    ] = "",
) -> Actor | str:
    """Who reads a job: the holder of a public job's token (X-Job-Token), or else the user as
    `actor_dependency` finds them."""
    if x_job_token:
        return x_job_token
    return actor_dependency(request, credentials)


def actor_dependency(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """`request_actor` as a dependency; `credentials` puts the Bearer scheme in the OpenAPI
    schema. A signing agent's token is refused: it serves only `agent_actor_dependency`'s
    routes."""
    actor = request_actor(request)
    if actor.agent is not None:
        from api.workflow.agents import agent_only

        raise agent_only()
    return actor


def agent_actor_dependency(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The caller, who may also be the signer's paired agent (api/workflow/agents.py): for
    the routes an agent needs, fetching the waiting drafts and preparing and finishing their
    signatures."""
    return request_actor(request)


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _same_site(request: Request) -> None:
    """A change asked with the session cookie alone could come from any site the user visits
    (the browser sends the cookie along): it needs the page's CSRF token in X-CSRF-Token, or
    an Origin that is this service's. Programs send their Bearer token and need neither."""
    expected = request.session.get(SESSION_CSRF)
    given = request.headers.get("x-csrf-token", "")
    if isinstance(expected, str) and given and hmac.compare_digest(expected, given):
        return
    origin = request.headers.get("origin", "").lower()
    settings: Settings = request.app.state.settings
    if origin and origin in (
        _origin(str(request.base_url)),
        _origin(str(settings.public_base_url)),
    ):
        return
    raise Forbidden(
        "a change asked with the session cookie needs the page's X-CSRF-Token header or this "
        "service's Origin; programs use their Bearer token",
        message_vi="Yêu cầu dùng phiên đăng nhập phải kèm mã X-CSRF-Token của trang hoặc đến "
        "từ chính trang này; chương trình dùng mã truy cập (Bearer)",
        field="csrf",
    )


SettingsDep = Annotated[Settings, Depends(_settings)]
ServicesDep = Annotated[Services, Depends(_services)]
ActorDep = Annotated[Actor, Depends(actor_dependency)]
AgentActorDep = Annotated[Actor, Depends(agent_actor_dependency)]
JobReaderDep = Annotated[Actor | str, Depends(job_reader)]
TrustDep = Annotated[TrustRoots, Depends(_trust)]
RegistryDep = Annotated[RegistryLookup, Depends(_registry)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
VerifierDep = Annotated[Verifier, Depends(_verifier)]


# Shared by the JSON routes and the pages: path parameters, uploads, PDF answers.
MAX_ID = 2**31 - 1  # the database's integer keys
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="the document's id")]
AssessmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="the assessment's id")]
SHEET_LIMIT = 5 * 1024 * 1024


def pdf_response(document: Document, pdf: bytes) -> Response:
    name = f"{document.kind or 'van-ban'}-{document.id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def read_upload(upload: UploadFile, limit: int, field: str) -> bytes:
    """The uploaded file, read no further than `limit` (413 past it, 422-like 400 if empty)."""
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit, field=field)
    if not data:
        raise HosoError(f"{field}: the file is empty", message_vi="Tệp trống", field=field)
    return data
