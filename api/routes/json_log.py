"""JSON log lines an operator's tools can read: one object per line with the time, level,
logger, the request id (api/routes/request_id.py), the user the request acted as and its action (the
endpoint that served it), and for uvicorn's access lines the client, method, path and status.
`hoso serve` uses them when HOSO_LOG_FORMAT=json.

The user and action are read, once the answer starts, from what the request left in its scope
(`request.state.hoso_actor` or `hoso_page_actor`, Starlette's `endpoint`) by `ActingMiddleware`,
inside the request id middleware, and kept in context variables for the lines written after.

Left out: shipping the lines anywhere (stdout and stderr, as before); the audit log (the
registry keeps that, api/workflow/audit_log.py exports it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.routes import request_id

USER: ContextVar[str] = ContextVar("hoso_user", default="-")
ACTION: ContextVar[str] = ContextVar("hoso_action", default="-")


class ActingMiddleware:
    """Notes who the request acted as and which endpoint served it, as the answer starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        USER.set("-")
        ACTION.set("-")

        async def noted(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state") or {}
                actor = state.get("hoso_actor") or state.get("hoso_page_actor")
                login = getattr(actor, "login", None)
                USER.set(str(login) if login else "-")
                endpoint = scope.get("endpoint")
                if endpoint is not None:
                    module = getattr(endpoint, "__module__", "").rsplit(".", 1)[-1]
                    ACTION.set(f"{module}.{getattr(endpoint, '__name__', '?')}")
            await send(message)

        await self.app(scope, receive, noted)


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", request_id.current()),
            "user": USER.get(),
            "action": ACTION.get(),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            client, method, path, _, status = (*record.args, None, None, None, None, None)[:5]
            line.update(client=client, method=method, path=path, status=status)
        else:
            line["message"] = record.getMessage()
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_config() -> dict[str, Any]:
    """`api.routes.request_id.log_config()` with JSON lines instead of text."""
    config = request_id.log_config()
    config["formatters"] = {
        "default": {"()": "api.routes.json_log.JsonFormatter"},
        "access": {"()": "api.routes.json_log.JsonFormatter"},
    }
    return config
