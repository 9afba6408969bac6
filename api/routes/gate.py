"""Who asks, and how much they send, settled before a request's body is read.

FastAPI reads a route's body (a form with its files, a JSON document) before it solves the
route's dependencies, so a 300 MiB upload without a token would be written to disk before the
401, and a JSON body of any size held in memory. Every router is built with `GatedRoute`: its
handler first finds the caller, when the route needs one (`deps.request_actor` for the API,
`session.page_actor` for the signed-in pages, each kept on the request for the dependency to reuse),
and then reads the body through a counter that stops at the route's limit (`BODY_LIMIT` unless
the endpoint is marked with `limit(n)`): a declared Content-Length above it is refused before a
byte is read, a body that grows past it at the chunk that passes it (413, `too_large`).

Routes that stream their upload themselves under a limit of their own (`/api/verify`, whose
limit is a setting, api/routes/upload.py) are marked `limit(None)`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from api.routes import deps, session
from api.routes.errors import too_large

BODY_LIMIT = 1024 * 1024
"""A JSON document or a form without files: a dossier's fields, a reason, a few scores."""

FRAMING = 64 * 1024
"""What a multipart body holds beyond its files: boundaries, part headers, small fields."""

_LIMIT = "hoso_body_limit"

F = TypeVar("F", bound=Callable[..., Any])


def limit(size: int | None) -> Callable[[F], F]:
    """Mark an endpoint's body limit in bytes (None: the endpoint enforces its own while
    streaming); put it below `@router.post(...)`."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, _LIMIT, size)
        return endpoint

    return mark


_RESOLVERS: dict[Callable[..., Any], Callable[[Request], Any]] = {
    deps.actor_dependency: deps.request_actor,
    deps.agent_actor_dependency: deps.request_actor,
    session.page_actor_dependency: session.page_actor,
}


def _resolvers(dependant: Dependant) -> list[Callable[[Request], Any]]:
    """How to find the caller, for each of the route's dependencies (at any depth) that is one."""
    found: list[Callable[[Request], Any]] = []
    for sub in dependant.dependencies:
        resolver = _RESOLVERS.get(sub.call) if sub.call is not None else None
        if resolver is not None and resolver not in found:
            found.append(resolver)
        found.extend(r for r in _resolvers(sub) if r not in found)
    return found


class _Counted:
    """The request's receive channel, counting the body's bytes and stopping past the limit."""

    def __init__(self, request: Request, size: int) -> None:
        self.receive = request.receive
        self.limit = size
        self.received = 0
        self.exceeded = False

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.exceeded = True
                raise too_large(self.limit, field="body")
        return message


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


class GatedRoute(APIRoute):
    """An APIRoute whose handler finds the caller and bounds the body before reading it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        resolvers = _resolvers(self.dependant)
        size: int | None = getattr(self.endpoint, _LIMIT, BODY_LIMIT)

        async def gated(request: Request) -> Response:
            for resolve in resolvers:
                await run_in_threadpool(resolve, request)
            if size is None:
                return await handler(request)
            declared = _declared_length(request)
            if declared is not None and declared > size:
                raise too_large(size, field="body")
            counted = _Counted(request, size)
            request._receive = counted  # the body is read from here by FastAPI and the route
            try:
                return await handler(request)
            except Exception as exc:
                # FastAPI turns an error while reading the body into a 400: say what it was.
                if counted.exceeded:
                    raise too_large(size, field="body") from exc
                raise

        return gated
