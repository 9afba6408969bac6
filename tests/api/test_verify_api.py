"""POST /api/verify: the issued Quyết định passes with both signatures and its registry record;
a tampered copy fails; uploads that cannot be checked get a 4xx in one JSON shape, too large
ones without the server reading the rest; the docs load nothing from outside."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.routes.models import VerificationPublic
from api.settings import Settings
from signing.verify import Indication, verify_pdf
from tests.api.conftest import (
    RECORD,
    REPLACED,
    REVOKED,
    AppFactory,
    TestClient,
    registered,
)
from tests.signing_setting import Setting

PDF_START = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
ERROR_KEYS = {"code", "message", "message_vi", "field", "request_id"}


def form(data: bytes, name: str = "file", filename: str = "vb.pdf") -> dict[str, Any]:
    return {"files": {name: (filename, data, "application/pdf")}}


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == code and body["message"] and body["message_vi"]
    return body


# ---- refusals (fast) -------------------------------------------------------------------------


def test_a_non_pdf_file_is_refused_with_a_clear_message(client: TestClient) -> None:
    r = client.post("/api/verify", files={"file": ("thu.txt", b"Xin chao " * 300, "text/plain")})
    body = refused(r, 415, "unsupported_media_type")
    assert body["field"] == "file"
    assert "not a PDF" in body["message"]
    assert body["message_vi"] == "Tệp tải lên không phải là tệp PDF"


def test_a_short_non_pdf_file_is_refused_too(client: TestClient) -> None:
    refused(client.post("/api/verify", **form(b"PK\x03\x04")), 415, "unsupported_media_type")


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", ""])
def test_a_body_that_is_neither_a_form_nor_a_pdf_is_refused(
    client: TestClient, content_type: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/api/verify", content=b'{"file": 1}', headers=headers)
    body = refused(r, 415, "unsupported_media_type")
    assert "multipart/form-data" in body["message"] and "application/pdf" in body["message"]


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ({"tep": ("vb.pdf", PDF_START, "application/pdf")}, "no file"),
        ({"file": ("vb.pdf", b"", "application/pdf")}, "empty"),
    ],
)
def test_a_form_without_a_usable_file_is_refused(
    client: TestClient, files: dict[str, Any], words: str
) -> None:
    body = refused(client.post("/api/verify", files=files), 422, "invalid_upload")
    assert words in body["message"] and body["field"] == "file"


def test_two_files_are_refused(client: TestClient) -> None:
    files = [("file", ("a.pdf", PDF_START, "application/pdf"))] * 2
    body = refused(client.post("/api/verify", files=files), 422, "invalid_upload")
    assert "one file" in body["message"]


def test_a_broken_form_is_refused(client: TestClient) -> None:
    for headers, content in (
        ({"content-type": "multipart/form-data"}, b"--x\r\n"),  # no boundary
        ({"content-type": "multipart/form-data; boundary=x"}, b"garbage without parts"),
    ):
        refused(client.post("/api/verify", content=content, headers=headers), 422, "invalid_upload")


def test_an_over_limit_upload_gets_413_naming_the_field_and_the_limit(
    make_app: AppFactory,
) -> None:
    with TestClient(make_app(upload_limit=4096)) as client:
        r = client.post("/api/verify", **form(PDF_START + b"0" * 5000))
        body = refused(r, 413, "upload_too_large")
        assert body["field"] == "file"
        assert "4 KiB (4096 bytes)" in body["message"]
        assert "4 KiB (4.096 byte)" in body["message_vi"]
        # The same as a bare application/pdf body.
        r = client.post(
            "/api/verify",
            content=PDF_START + b"0" * 5000,
            headers={"content-type": "application/pdf"},
        )
        refused(r, 413, "upload_too_large")


async def _post_stream(
    app: Any, chunks: list[bytes], headers: dict[str, str]
) -> tuple[httpx.Response, int]:
    """POST `chunks` as a chunked body; returns the answer and how many chunks were read."""
    read = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal read
        for chunk in chunks:
            read += 1
            yield chunk

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/api/verify", content=body(), headers=headers)
    return response, read


def _multipart(chunks: list[bytes]) -> tuple[list[bytes], dict[str, str]]:
    head = (
        b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n"
    )
    return [head, *chunks, b"\r\n--b0undary--\r\n"], {
        "content-type": "multipart/form-data; boundary=b0undary"
    }


def test_the_server_stops_reading_as_soon_as_the_limit_is_passed(make_app: AppFactory) -> None:
    """64 chunks of 4 KiB against a 16 KiB limit: refused at the fifth chunk of the file."""
    app = make_app(upload_limit=16 * 1024)
    chunks, headers = _multipart([PDF_START.ljust(4096, b"0")] + [b"0" * 4096] * 63)
    response, read = asyncio.run(_post_stream(app, chunks, headers))
    refused(response, 413, "upload_too_large")
    assert read == 1 + 5, read  # the part's headers, then 5 × 4 KiB > 16 KiB
    raw, read = asyncio.run(_post_stream(app, chunks[1:-1], {"content-type": "application/pdf"}))
    refused(raw, 413, "upload_too_large")
    assert read == 5, read


def test_a_non_pdf_is_refused_at_its_first_kilobyte(make_app: AppFactory) -> None:
    app = make_app()
    chunks, headers = _multipart([b"MZ" + b"\0" * 4094] * 64)
    response, read = asyncio.run(_post_stream(app, chunks, headers))
    refused(response, 415, "unsupported_media_type")
    assert read == 2, read


def test_a_declared_length_over_the_limit_is_refused_before_any_read(
    make_app: AppFactory,
) -> None:
    app = make_app(upload_limit=1024 * 1024)
    reads = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/verify",
        "raw_path": b"/api/verify",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"content-type", b"application/pdf"),
            (b"content-length", str(50 * 1024 * 1024).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert reads == 0


def test_no_trust_roots_is_the_service_s_fault_and_says_so(make_app: AppFactory) -> None:
    with TestClient(make_app(trust_roots_dir=None)) as client:
        body = refused(client.post("/api/verify", **form(PDF_START)), 503, "config_error")
    assert body["field"] == "trust_roots_dir" and "hoso pki init" in body["message"]


def test_every_refusal_has_the_same_shape(client: TestClient) -> None:
    refused(client.get("/api/khong-co"), 404, "not_found")
    refused(client.get("/api/verify"), 405, "method_not_allowed")


def test_docs_load_nothing_from_outside(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assets = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html)
        assert assets, page
        for asset in assets:
            assert asset.startswith("/"), (page, asset)
            assert client.get(asset).status_code == 200, (page, asset)


def test_the_schema_declares_the_upload_and_every_answer(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/verify"]["post"]
    assert set(operation["requestBody"]["content"]) == {"multipart/form-data", "application/pdf"}
    assert {"200", "413", "415", "422", "503"} <= set(operation["responses"])


# ---- the issued Quyết định (slow: the session's PKI and LibreOffice) -----------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("record", "status_text"),
    [(RECORD, "in force"), (REVOKED, "revoked"), (REPLACED, "replaced by 07/QĐ-UBND")],
)
def test_the_issued_decision_passes_with_both_signatures_and_its_record(
    make_pki_app: AppFactory, issued_pdf: bytes, record: Any, status_text: str
) -> None:
    with TestClient(make_pki_app(registry=registered(issued_pdf, record))) as client:
        r = client.post("/api/verify", **form(issued_pdf))
    assert r.status_code == 200, r.text
    data = r.json()
    VerificationPublic.model_validate(data)
    assert data["indication"] == "TOTAL_PASSED" and data["passed"], data["message"]
    assert data["sha256"] == hashlib.sha256(issued_pdf).hexdigest()
    assert [s["field"] for s in data["signatures"]] == ["chu_ky", "con_dau"]
    for signature in data["signatures"]:
        assert signature["indication"] == "TOTAL_PASSED"
        assert signature["intact"] and signature["trusted"] and signature["revocation"] == "good"
        assert signature["timestamp_time"].endswith("+07:00")
        assert signature["message_vi"] == "hợp lệ"
        assert signature["timestamp_authority"] == "hoso TEST Timestamp Authority (hoso TEST PKI)"
    assert data["message_vi"] == "mọi chữ ký số đều hợp lệ"
    assert data["signatures"][0]["signer"] == "TEST Trần Minh Khôi"
    found = data["registry"]
    assert found["number"] == record.number and found["date"] == record.date.isoformat()
    assert found["subject"] == record.subject and found["issuing_body"] == record.issuing_body
    assert found["status"] == record.status and found["status_text"] == status_text
    assert found["url"] == f"http://127.0.0.1:8000/v/{record.code}"


@pytest.mark.slow
def test_the_report_holds_plain_values_only(setting: Setting, issued_pdf: bytes) -> None:
    """No pyHanko object (tied to the parsed file) in the report: `as_data` copied the whole
    PDF with each, which cost more than the verification itself."""
    report = verify_pdf(issued_pdf, [setting.root])
    for check in report.signatures:
        for value in vars(check).values():
            assert (
                value is None
                or type(value).__module__ in ("builtins", "datetime")
                or (isinstance(value, Indication))
            ), (check.field, type(value))


@pytest.mark.slow
def test_an_unregistered_file_passes_with_no_record(
    make_pki_app: AppFactory, issued_pdf: bytes
) -> None:
    with TestClient(make_pki_app()) as client:
        r = client.post(
            "/api/verify", content=issued_pdf, headers={"content-type": "application/pdf"}
        )
    assert r.status_code == 200 and r.json()["indication"] == "TOTAL_PASSED"
    assert r.json()["registry"] is None


@pytest.mark.slow
def test_a_tampered_copy_fails_and_is_not_the_registered_file(
    make_pki_app: AppFactory, issued_pdf: bytes, tampered_pdf: bytes
) -> None:
    with TestClient(make_pki_app(registry=registered(issued_pdf))) as client:
        r = client.post("/api/verify", **form(tampered_pdf))
    assert r.status_code == 200, r.text
    data = r.json()
    assert (data["indication"], data["sub_indication"]) == ("TOTAL_FAILED", "HASH_FAILURE")
    assert not data["passed"] and data["registry"] is None
    assert data["message"].endswith("the signed content was altered after signing")
    assert data["message_vi"].endswith(": nội dung văn bản đã bị sửa đổi sau khi ký")


def test_the_app_is_built_per_settings_not_at_import(tmp_path: Any) -> None:
    import api.app

    assert "app" not in vars(api.app)
    one = create_app(Settings(data_dir=tmp_path / "a"))
    two = create_app(Settings(data_dir=tmp_path / "b"))
    assert one is not two and one.state.settings.data_dir != two.state.settings.data_dir
