"""HEAD on every GET route (RFC 9110 §9.3.2: the same answer as GET, without its content).

Starlette's plain routes take HEAD with GET, FastAPI's API routes take only the methods they
declare, so a HEAD (a link checker's, a mail scanner's, `curl -I`) answered 405. Here a HEAD is
served as a GET and its content dropped, while its headers (Content-Length included) stay the
GET's. The middlewares outside this one (the request id, the log) still see the HEAD.

Left out: a cheaper HEAD. The handler runs in full, as for the GET; a GET that changes state
is the route's fault, not this module's.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: a HEAD request is served as a GET whose answer has no content."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodiless(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, bodiless)
