"""What route handlers receive, as `Annotated` dependencies: the app's settings, its registry,
its trust roots, its templates, and the verification of an uploaded file.

Everything comes from `app.state`, set once by `create_app(settings)`; nothing is built at
import, so each test makes an app of its own.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from api.db import User
from api.lookup import RegistryLookup
from api.services import Services
from api.settings import Settings
from api.trust import TrustRoots
from api.ui import SESSION_USER
from api.upload import Upload, receive_pdf
from api.users import Actor, authenticate
from api.verification import Verification, verify_upload
from docgen.errors import ConfigError


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


def _actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The user whose token the request carries, or who is signed in to the web pages (their
    session cookie); 401 otherwise."""
    services = _services(request)
    with services.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        user_id = request.session.get(SESSION_USER) if credentials is None else None
        user = session.get(User, user_id) if isinstance(user_id, int) else None
        if user is not None:
            return Actor.of(user)
        return authenticate(session, credentials.credentials if credentials else None)


SettingsDep = Annotated[Settings, Depends(_settings)]
ServicesDep = Annotated[Services, Depends(_services)]
ActorDep = Annotated[Actor, Depends(_actor)]
TrustDep = Annotated[TrustRoots, Depends(_trust)]
RegistryDep = Annotated[RegistryLookup, Depends(_registry)]
TemplatesDep = Annotated[Jinja2Templates, Depends(_templates)]
VerifierDep = Annotated[Verifier, Depends(_verifier)]
