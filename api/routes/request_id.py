"""A request id for every HTTP request: taken from the caller's `X-Request-ID` when it is a
short plain token (a proxy in front may set one), else made here; sent back in the answer's
`X-Request-ID`, put in every JSON error body (`api.app`) and in each log line written while the
request is served (the access line included), so that a user's complaint, the answer they got
and the server's log meet on one string.

Also the log configuration `hoso serve` gives uvicorn: its two formats with the request id, and
recipients' link tokens (`/r/<token>`, `/api/links/<token>`) cut from the access line, since the
token alone opens the document (the database keeps them hashed, the log must not keep them
clear). Nothing here reads settings.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
NONE = "-"
"""The id of a log line written outside any request (start-up, shutdown)."""

REQUEST_ID: ContextVar[str] = ContextVar("hoso_request_id", default=NONE)
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# The secret part of a recipient's link; the rest of the line stays as it was.
_TOKEN = re.compile(r"^(/r/|/api/links/)[^/?#\s]+")


def current() -> str:
    """The id of the request being served, or "-" outside one."""
    return REQUEST_ID.get()


class RequestIdMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware: it would copy the context and hide the id from the
    access line that uvicorn writes from `send`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(HEADER, "")
        request_id = given if _ACCEPTED.fullmatch(given) else uuid.uuid4().hex
        # Not reset afterwards: Starlette's handler of unexpected errors answers outside this
        # middleware, in the same task, and its answer and log line need the id too.
        REQUEST_ID.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


def redact(path: str) -> str:
    """`path` with a recipient's link token replaced by "…"."""
    return _TOKEN.sub(r"\1…", path)


class RequestIdFilter(logging.Filter):
    """Gives every record `request_id`, and cuts link tokens from uvicorn's access lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            # uvicorn's access record: (client, method, path with query, HTTP version, status)
            args = list(record.args)
            if len(args) >= 3 and isinstance(args[2], str):
                args[2] = redact(args[2])
                record.args = tuple(args)
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's default logging with the request id in each line and tokens cut from paths."""
    filters = {"request_id": {"()": "api.routes.request_id.RequestIdFilter"}}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": filters,
        "formatters": {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s [%(request_id)s] %(message)s",
                "use_colors": None,
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(levelprefix)s [%(request_id)s] %(client_addr)s - "%(request_line)s" '
                "%(status_code)s",
            },
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["request_id"],
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["request_id"],
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            # The app's own loggers (api.*) and the libraries' warnings, with the id too.
            "": {"handlers": ["default"], "level": "WARNING"},
        },
    }
