"""For whatever runs the service (a supervisor, a load balancer, a container's probes):
`GET /healthz` answers while the process serves requests; `GET /readyz` says whether it can do
its work: the registry answers a query, the two stores are writable folders, LibreOffice and
Debian's python3-uno are installed, and the trust roots load. Each check that fails is named
with its reason and the answer is 503, so a probe takes the worker out of rotation and an
operator reads what to fix. Nothing here changes state or starts LibreOffice.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from api.routes.gate import GatedRoute
from api.workflow.services import Services
from api.workflow.trust import TrustRoots
from docgen.convert import check_available
from docgen.errors import HosoError

router = APIRouter(route_class=GatedRoute, tags=["operations"])


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, str] = Field(
        description="each check: 'ok', or why it is not ready",
        examples=[{"database": "ok", "store": "ok", "converter": "ok", "trust_roots": "ok"}],
    )
    not_ready: list[str] = Field(description="the checks that failed", examples=[[]])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up and serving requests."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "a check failed; `not_ready` names it"}},
)
async def readyz(request: Request) -> JSONResponse:
    """The registry, the stores, the converter and the trust roots are usable."""
    state = request.app.state
    checks = await run_in_threadpool(readiness, state.services, state.trust)
    failed = [name for name, result in checks.items() if result != "ok"]
    body = Readiness(ready=not failed, checks=checks, not_ready=failed)
    return JSONResponse(body.model_dump(), status_code=503 if failed else 200)


def readiness(services: Services | None, trust: TrustRoots) -> dict[str, str]:
    """Each check's result: "ok" or the reason, in English (an operator's message)."""
    return {
        "database": _database(services),
        "store": _store(services),
        "converter": _guard(check_available),
        "trust_roots": _guard(trust.get),
    }


def _guard(check: Any) -> str:
    try:
        check()
    except HosoError as exc:
        return exc.message
    return "ok"


def _database(services: Services | None) -> str:
    if services is None:
        return "this service has no registry (verification only)"
    try:
        with services.sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return f"the registry does not answer: {exc.__class__.__name__}"
    return "ok"


def _store(services: Services | None) -> str:
    if services is None:
        return "this service has no store (verification only)"
    for name, storage in (("archive", services.archive), ("drafts", services.drafts)):
        folder = getattr(storage, "folder", None)
        if not isinstance(folder, Path):
            continue  # a store of another kind answers for itself
        # A new service has no store folder yet: the first file makes it, where it can.
        existing = next(p for p in (folder, *folder.parents) if p.exists())
        if not (existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)):
            return f"the {name} store is not a writable folder"
    return "ok"
