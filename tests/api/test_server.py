"""The API behind a real uvicorn on a free loopback port: the issued Quyết định over HTTP,
several clients at once, and an oversized upload refused before its body is sent."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from tests.api.conftest import RECORD, registered
from tests.api.service import serve
from tests.signing_setting import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(
    issued_pdf: bytes, pki_roots: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        trust_roots_dir=pki_roots,
        upload_limit=2 * 1024 * 1024,
    )
    app = create_app(settings, registry=registered(issued_pdf))
    port = free_port()
    with serve(app, port):
        yield f"http://127.0.0.1:{port}"


def test_the_issued_decision_over_http(server: str, issued_pdf: bytes) -> None:
    with httpx.Client(base_url=server, timeout=60) as client:
        r = client.post("/api/verify", files={"file": ("qd.pdf", issued_pdf, "application/pdf")})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["indication"] == "TOTAL_PASSED", data["message"]
    assert [s["indication"] for s in data["signatures"]] == ["TOTAL_PASSED"] * 2
    assert data["registry"]["number"] == RECORD.number


def test_several_clients_at_once(server: str, issued_pdf: bytes) -> None:
    def one(_: int) -> str:
        with httpx.Client(base_url=server, timeout=120) as client:
            r = client.post(
                "/api/verify", content=issued_pdf, headers={"content-type": "application/pdf"}
            )
            return str(r.json()["indication"])

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(one, range(8))) == ["TOTAL_PASSED"] * 8


def test_an_oversized_upload_is_refused_before_its_body_is_sent(server: str) -> None:
    """With Expect: 100-continue (curl sends it for large files), the client learns of the
    limit without sending a byte of the 50 MB it announced."""
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(
            b"POST /api/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/pdf\r\nContent-Length: 52428800\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 "), head
    assert b"100 Continue" not in answer
    error = json.loads(body)
    assert (error["code"], error["field"]) == ("upload_too_large", "file")
    assert "2 MiB" in error["message"]


def test_a_client_sending_too_much_still_reads_the_413(server: str) -> None:
    """No Expect header, the whole body on its way: the client gets the answer, not a reset."""
    big = b"%PDF-1.7\n" + b"0" * (8 * 1024 * 1024)
    with httpx.Client(base_url=server, timeout=60) as client:
        r = client.post("/api/verify", files={"file": ("big.pdf", big, "application/pdf")})
    assert r.status_code == 413 and r.json()["field"] == "file"
