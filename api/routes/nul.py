"""NUL characters refused at the edge: PostgreSQL's text type cannot hold U+0000, so a NUL in a
path, a query, a form or a JSON body would reach the database as a driver error (a 500). One
dependency of every route (`create_app`) refuses it first, as a 422 naming the field, in the
answer the route gives (JSON, or a page for the pages).

Multipart bodies are not read here: they carry the uploads, which are streamed to disk by their
routes (api/routes/upload.py) and may hold any byte; their few text fields are parsed (a date, a
passphrase) before they go anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request

from docgen.errors import HosoError

NUL = "\x00"


class NulCharacter(HosoError):
    """A request value with a NUL character (U+0000)."""

    code = "invalid_request"


def refused(field: str) -> NulCharacter:
    return NulCharacter(
        f"{field}: contains a NUL character (U+0000)",
        message_vi=f"Yêu cầu không hợp lệ ({field}): có ký tự NUL (U+0000)",
        field=field,
    )


async def refuse_nul(request: Request) -> None:
    """Raise NulCharacter for the first value of the request that holds a NUL."""
    for name, value in request.path_params.items():
        if NUL in str(value):
            raise refused(name)
    if NUL in request.url.path:
        raise refused("path")
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise refused(name.replace(NUL, "") or "query")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    # The route reads the same body before or after this: Starlette keeps it once read.
    if kind == "application/x-www-form-urlencoded":
        form = await request.form()
        for name, value in form.multi_items():
            if NUL in name or (isinstance(value, str) and NUL in value):
                raise refused(name.replace(NUL, "") or "body")
    elif kind == "application/json" and getattr(request.scope.get("route"), "body_field", None):
        # Only where the route takes a JSON body (FastAPI has read it): a body no route reads
        # is not read here either.
        body = await request.body()
        if b"\\u0000" in body.lower() or b"\x00" in body:
            try:
                data = json.loads(body)
            except ValueError:
                return  # not JSON: the route's own validation says so
            for field in _walk(data, ""):
                raise refused(field)


def _walk(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield where.replace(NUL, "")
            yield from _walk(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}" if path else str(index))
