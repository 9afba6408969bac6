"""`hoso serve` as README gives it: the whole service (pages, JSON API, verification) in a
subprocess on a free loopback port, in one process and with `--workers 2`; the demo users sign
in through the form and open their pages. Also /healthz, /readyz and the request id that each
answer, error body and log line carries."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.cli.users import DEMO_PASSWORD, DEMO_USERS
from api.routes.request_id import redact
from api.settings import Settings
from api.workflow.services import build_services
from tests.api.conftest import TestClient
from tests.serving import HOSO, hoso_serve, sign_in

PAGES = {  # each demo user's own pages, besides Tổng quan
    "clerk": ("/cham-diem", "/ho-so"),
    "signer": ("/ky-so",),
    "van_thu": ("/phat-hanh",),
    "archivist": ("/luu-tru",),
}


@pytest.fixture(scope="module")
def users_env(
    tmp_path_factory: pytest.TempPathFactory, throwaway_roots: Path
) -> Iterator[dict[str, str]]:
    """A data folder whose registry has the demo's four users with the demo password, made
    with `hoso users add` and `hoso users password` as README says."""
    env = {
        **os.environ,
        "HOSO_DATA_DIR": str(tmp_path_factory.mktemp("serve") / "data"),
        "HOSO_TRUST_ROOTS_DIR": str(throwaway_roots),
        "COLUMNS": "200",
    }
    for login, name, role, body, _ in DEMO_USERS:
        for args, stdin in (
            (("users", "add", login, "--name", name, "--role", role, "--body", body), ""),
            (("users", "password", login), DEMO_PASSWORD + "\n"),
        ):
            run = subprocess.run(
                [str(HOSO), *args],
                env=env,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert run.returncode == 0, run.stderr
    yield env


@pytest.mark.parametrize("workers", [1, 2])
def test_hoso_serve_runs_the_whole_service(users_env: dict[str, str], workers: int) -> None:
    with hoso_serve(users_env, "--workers", str(workers)) as served:
        ids = []
        for login, _, role, _, _ in DEMO_USERS:
            with httpx.Client(base_url=served.url, timeout=60) as client:
                signed_in = sign_in(client, login, DEMO_PASSWORD)
                assert signed_in.status_code == 303, (login, signed_in.text)
                assert client.get("/api/me").json()["role"] == role
                for path in ("/tong-quan", *PAGES[role]):
                    page = client.get(path)
                    assert page.status_code == 200, (login, path, page.text[:500])
                    assert "text/html" in page.headers["content-type"]
                    ids.append(page.headers["x-request-id"])
        with httpx.Client(base_url=served.url, timeout=60) as client:
            docs = client.get("/docs")
            assert docs.status_code == 200 and "swagger-ui" in docs.text
            missing = client.get("/v/ABCDE-FGHIJ")
            assert missing.status_code == 404 and "Không tìm thấy văn bản" in missing.text
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["not_ready"] == []
            refused = client.get("/api/me")
            assert refused.status_code == 401
            assert refused.json()["request_id"] == refused.headers["x-request-id"]
            ids.append(refused.headers["x-request-id"])
    assert len(set(ids)) == len(ids)  # one id per request
    access = [line for line in served.output if '"GET ' in line or '"POST ' in line]
    for request_id in ids:
        assert any(f"[{request_id}]" in line for line in access), (request_id, served.output)


def test_serve_prints_where_everything_is(users_env: dict[str, str]) -> None:
    with hoso_serve({**users_env, "COLUMNS": "60"}) as served:
        pass
    base = served.url
    assert served.output[0] == f"API và tài liệu OpenAPI: {base}/docs", served.output
    assert f"{base}/v/<mã>" in served.output[1]
    assert served.output[2] == "Mã QR trên văn bản dẫn tới: http://127.0.0.1:8000/v/<mã>"
    assert served.output[3] == f"Giao diện web: {base}/dang-nhap"


def test_a_wrong_database_stops_serve_with_one_line(users_env: dict[str, str]) -> None:
    env = {**users_env, "HOSO_DATABASE_URL": "mysql://hoso@127.0.0.1/hoso"}
    run = subprocess.run(
        [str(HOSO), "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert run.stderr.startswith("lỗi: hoso lưu sổ đăng ký trong SQLite hoặc PostgreSQL")
    assert "hoso keeps its registry" not in run.stderr  # the English only with --debug
    assert "Traceback" not in run.stderr


def test_readyz_names_what_is_not_ready(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", trust_roots_dir=tmp_path / "no-such-folder")
    app = create_app(settings, services=build_services(settings))
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
    assert ready.status_code == 503
    data = ready.json()
    assert data["not_ready"] == ["trust_roots"] and not data["ready"]
    assert "no-such-folder" in data["checks"]["trust_roots"]
    assert data["checks"]["database"] == data["checks"]["store"] == "ok"


def test_readyz_of_a_verification_only_app(make_app: object) -> None:
    assert callable(make_app)
    app: FastAPI = make_app()
    with TestClient(app) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert {"database", "store"} <= set(ready.json()["not_ready"])


def test_every_answer_and_error_body_carries_the_request_id(make_app: object) -> None:
    assert callable(make_app)
    app: FastAPI = make_app()

    @app.get("/fault")
    def fault() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        given = client.get("/api/nothing-here", headers={"X-Request-ID": "proxy-1234abcd"})
        made = client.get("/api/nothing-here", headers={"X-Request-ID": "bad id\twith spaces"})
        fault = client.get("/fault")
    assert given.status_code == 404
    assert given.headers["x-request-id"] == given.json()["request_id"] == "proxy-1234abcd"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    assert made.json()["request_id"] == made.headers["x-request-id"]
    assert fault.status_code == 500 and fault.json()["code"] == "internal_error"
    assert fault.json()["request_id"] == fault.headers["x-request-id"] != ""
    assert "a bug" not in fault.text


def test_link_tokens_are_cut_from_logged_paths() -> None:
    token = "ab" * 20
    assert redact(f"/r/{token}") == "/r/…"
    assert redact(f"/api/links/{token}/file?x=1") == "/api/links/…/file?x=1"
    assert redact("/v/ABCDE-FGHIJ") == "/v/ABCDE-FGHIJ"


@pytest.mark.parametrize(
    ("values", "secure"),
    [
        ({}, False),
        ({"public_base_url": "https://hoso.example.vn"}, True),
        ({"cookie_secure": True}, True),  # TLS ends at a proxy in front of an http URL
        ({"public_base_url": "https://hoso.example.vn", "cookie_secure": False}, False),
    ],
)
def test_the_session_cookie_is_secure_as_configured(
    tmp_path: Path, values: dict[str, object], secure: bool
) -> None:
    settings = Settings(data_dir=tmp_path / "data", **values)  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        cookie = client.get("/dang-nhap").headers.get("set-cookie", "")
    assert cookie.startswith("hoso_session=")
    assert ("; secure" in cookie.lower()) is secure
