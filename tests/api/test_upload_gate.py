"""Uploads are authenticated before their body is read and bounded while it streams in
(api/routes/gate.py): a 300 MiB body without a token gets its 401 with none of it read, a signed-in
caller's oversized body its 413 at the chunk that passes the route's limit. The bodies are
generators counting what the server pulled from them. Each runs on SQLite and on PostgreSQL,
where the login's query goes to a server."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

import api.pages
import api.routes
from api.routes.deps import SHEET_LIMIT
from api.routes.gate import BODY_LIMIT, FRAMING, GatedRoute
from api.workflow.users import add_user
from tests.api.conftest import RegistryApp

CHUNK = 64 * 1024
HUGE = 300 * 1024 * 1024 // CHUNK  # 300 MiB in chunks
BOUNDARY = b"b0undary"
FORM = {"content-type": f"multipart/form-data; boundary={BOUNDARY.decode()}"}


@pytest.fixture
def service(registry_app: RegistryApp) -> tuple[FastAPI, str]:
    """The whole service on a new registry (SQLite, PostgreSQL), and a chuyên viên's token."""
    with registry_app.services.sessions.begin() as session:
        _, token = add_user(
            session,
            login="chuyenvien.a",
            name="Lê Văn An",
            role="clerk",
            body="ubnd-hai-phong",
        )
    return registry_app.app, token


class Body:
    """`count` chunks of CHUNK bytes (after an optional head), counting the bytes pulled."""

    def __init__(self, count: int, head: bytes = b"") -> None:
        self.count = count
        self.head = head
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.head:
            self.pulled += len(self.head)
            yield self.head
        for _ in range(self.count):
            self.pulled += CHUNK
            yield b"0" * CHUNK


def workbook_form(count: int) -> Body:
    head = (
        b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; '
        b'filename="phieu.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    return Body(count, head)


def post(app: FastAPI, path: str, body: Body, headers: dict[str, str]) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(path, content=body, headers=headers)

    return asyncio.run(run())


def test_an_upload_without_a_token_is_refused_before_a_byte_is_read(
    service: tuple[FastAPI, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = service
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))  # where uploads spool
    for headers in ({}, {"authorization": "Bearer not-a-token"}):
        body = workbook_form(HUGE)
        r = post(app, "/api/assessments/workbook", body, {**FORM, **headers})
        assert r.status_code == 401, r.text
        assert r.json()["code"] == "unauthenticated"
        assert body.pulled == 0
    body = Body(HUGE)
    r = post(app, "/api/assessments", body, {"content-type": "application/json"})
    assert (r.status_code, body.pulled) == (401, 0)
    assert list(spool.iterdir()) == []  # no temporary file for the upload either


def test_a_page_upload_while_signed_out_goes_to_the_sign_in_page_unread(
    service: tuple[FastAPI, str],
) -> None:
    app, _ = service
    body = workbook_form(HUGE)
    r = post(app, "/cham-diem/nhap", body, FORM)
    assert r.status_code == 303 and r.headers["location"].startswith("/dang-nhap?next=")
    assert body.pulled == 0


def test_an_oversized_workbook_is_refused_at_the_chunk_that_passes_its_limit(
    service: tuple[FastAPI, str],
) -> None:
    app, token = service
    body = workbook_form(HUGE)
    r = post(app, "/api/assessments/workbook", body, {**FORM, "authorization": f"Bearer {token}"})
    assert r.status_code == 413, r.text
    error = r.json()
    assert (error["code"], error["field"]) == ("upload_too_large", "body")
    assert "vượt quá giới hạn" in error["message_vi"]
    limit = SHEET_LIMIT + FRAMING
    assert limit < body.pulled <= limit + CHUNK


def test_an_oversized_json_body_is_refused_while_it_streams(service: tuple[FastAPI, str]) -> None:
    app, token = service
    body = Body(HUGE, b'{"assessments": ["')
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    r = post(app, "/api/assessments", body, headers)
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "upload_too_large"
    assert BODY_LIMIT < body.pulled <= BODY_LIMIT + CHUNK


def test_a_declared_length_over_the_limit_is_refused_unread(service: tuple[FastAPI, str]) -> None:
    app, token = service
    body = Body(HUGE)
    headers = {
        "content-type": "application/json",
        "content-length": str(HUGE * CHUNK),
        "authorization": f"Bearer {token}",
    }
    r = post(app, "/api/assessments", body, headers)
    assert (r.status_code, body.pulled) == (413, 0)


def test_a_small_json_body_still_reaches_its_route(service: tuple[FastAPI, str]) -> None:
    app, token = service
    body = Body(0, b'{"assessments": "no"}')
    headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
    r = post(app, "/api/assessments", body, headers)
    assert r.status_code == 422, r.text  # the route's own validation: the body was read


def test_every_route_is_gated() -> None:
    """A router added without `route_class=GatedRoute` would read bodies before the login."""
    routes: list[Any] = []
    for info in [
        *pkgutil.iter_modules(api.routes.__path__, "api.routes."),
        *pkgutil.iter_modules(api.pages.__path__, "api.pages."),
    ]:
        module = importlib.import_module(info.name)
        for router in vars(module).values():
            if isinstance(router, APIRouter):
                routes.extend(r for r in router.routes if isinstance(r, APIRoute))
    assert len(routes) > 20 and {"/dang-nhap", "/api/verify"} <= {r.path for r in routes}
    assert [r.path for r in routes if not isinstance(r, GatedRoute)] == []
