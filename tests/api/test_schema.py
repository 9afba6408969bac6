"""schemathesis against the app's own OpenAPI schema: whatever it sends to any operation — the
verification endpoint, the public pages, the workflow API with a clerk's token — no answer is a
5xx and every answer is one the schema declares (status, content type, body).
Bounded: 30 examples per operation (the workflow's on an empty registry, so nothing converts).

Each operation's strategy is run with hypothesis directly: schemathesis' lazy pytest loader
(`from_fixture`) reads a private attribute pytest 9 no longer has."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from api.registry.lookup import InMemoryRegistry
from api.settings import Settings
from api.workflow.services import build_services
from api.workflow.users import add_user
from tests.api.service import TOKEN_ROUTES

PUBLIC = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/api/verify"),
    ("POST", "/api/verify/batch"),
    ("GET", "/v/{code}"),
    ("POST", "/v/{code}"),
    ("GET", "/xac-minh"),
    ("POST", "/xac-minh"),
    ("GET", "/api/links/{token}"),
    ("POST", "/api/links/{token}/open"),
    ("POST", "/api/links/{token}/acknowledge"),
    ("GET", "/api/links/{token}/file"),
    ("GET", "/r/{token}"),
    ("POST", "/r/{token}"),
    ("GET", "/r/{token}/trang/{number}.png"),
    ("POST", "/api/agents/pair"),
]
OPERATIONS = PUBLIC + TOKEN_ROUTES

# The rules the endpoints enforce that an OpenAPI schema cannot state, by the words of their
# answers (each names its field). Every other rule is in the schema (lengths, patterns, enums,
# ranges), and a schema-valid request refused for anything else fails the fuzz test.
UNSTATABLE = (
    "contains a NUL character",  # any string, even a key of a free-form object (routes/nul.py)
    "contains the invisible control character",  # docgen's text rule: stated in words only
    "the file is not a PDF",  # a binary string is any bytes; which bytes, JSON Schema cannot say
    "the file is empty",
    "not an X.509 certificate",
    "Expected UploadFile",  # a text part sent where the schema has a file part
    '"code":"invalid_meeting"',  # the meeting's counts compared to each other
    '"code":"invalid_assessment"',  # an assessment against its criteria set (years, items)
    "Input should be greater than or equal to 2000-01-01",  # a date's range: no JSON Schema
    "Input should be less than or equal to 2100-12-31",
)
# Where a refusal of schema-valid data is not yet explained (left for later, see the report of
# branch rest15): the pages' forms, the issue date's empty form field, the CSC certificate's
# base64 (routes/remote_signing.py).
NOT_YET_STATED = {
    ("POST", "/xac-minh"),
    ("POST", "/r/{token}"),
    ("POST", "/api/documents/{document_id}/issue"),
    ("POST", "/api/documents/{document_id}/signature/prepare"),
    ("POST", "/api/signatures/{prepared_id}/finish"),
}


@pytest.fixture
def api_schema(tmp_path: Path, throwaway_roots: Path, registry: InMemoryRegistry) -> Any:
    settings = Settings(
        data_dir=tmp_path / "data", trust_roots_dir=throwaway_roots, upload_limit=64 * 1024
    )
    services = build_services(settings)
    with services.sessions.begin() as session:
        _, token = add_user(
            session, login="chuyenvien", name="Nguyễn Thị Lan", role="clerk", body="ubnd-hai-phong"
        )
    app = create_app(settings, registry=registry, services=services)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.token = token
    schema.client = TestClient(app)
    return schema


def test_every_operation_is_exercised(api_schema: Any) -> None:
    found = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_server_error_and_only_declared_answers(api_schema: Any, method: str, path: str) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=30,
        derandomize=True,  # the same examples every run: a gate, not a lottery
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def exchange(case: Any) -> None:
        headers = {"Authorization": f"Bearer {api_schema.token}"}
        # Instead of schemathesis' positive_data_acceptance: a schema-valid request may be
        # refused only for a rule the schema cannot state (UNSTATABLE).
        r = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
        if r.status_code in (400, 415, 422) and (method, path) not in NOT_YET_STATED:
            assert any(rule in r.text for rule in UNSTATABLE), r.text

    exchange()


UNDECLARED = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _int_params(api_schema: Any, path: str) -> set[str]:
    """The path parameters of `path` the schema types as integers (the routes match them as
    digits only, `{document_id:int}`)."""
    found = set()
    for operation in api_schema.raw_schema["paths"][path].values():
        for param in operation.get("parameters", []):
            if param["in"] == "path" and param.get("schema", {}).get("type") == "integer":
                found.add(param["name"])
    return found


def _url(api_schema: Any, path: str) -> str:
    """A URL that fits `path`: 1 for an integer parameter, x + its name for another."""
    ints = _int_params(api_schema, path)
    return re.sub(r"\{([^}]+)\}", lambda m: "1" if m[1] in ints else f"x{m[1]}", path)


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_every_path_answers_an_undeclared_method_405_with_its_methods_in_allow(
    api_schema: Any, accept: str
) -> None:
    """For every path of the schema (JSON and pages), a method it does not declare answers 405
    whose Allow header names exactly the methods declared at the paths the URL fits (a page and
    its form are two routes on one path, and Starlette alone names only the first's), HEAD
    wherever GET is. An integer parameter fits digits only: GET /api/assessments/workbook is a
    405 naming POST, not a 422 of /api/assessments/{assessment_id}."""

    def pattern(path: str) -> re.Pattern[str]:
        ints = _int_params(api_schema, path)
        return re.compile(
            re.sub(
                r"\\\{([^}]+)\\\}",
                lambda m: "[0-9]+" if m[1] in ints else "[^/]+",
                re.escape(path),
            )
        )

    declared: dict[str, set[str]] = {}
    for method, path in OPERATIONS:
        declared.setdefault(path, set()).add(method)
    client = api_schema.client
    checked = 0
    for path in declared:
        url = _url(api_schema, path)
        methods = {m for m, p in OPERATIONS if pattern(p).fullmatch(url)}
        allowed = methods | ({"HEAD"} if "GET" in methods else set())
        for method in sorted(set(UNDECLARED) - methods):
            r = client.request(method, url, headers={"Accept": accept})
            assert r.status_code == 405, (method, url, r.status_code)
            assert set(r.headers["allow"].split(", ")) == allowed, (method, url)
            checked += 1
    assert checked > 100
    r = client.get("/api/assessments/workbook", headers={"Accept": accept})
    assert r.status_code == 405 and r.headers["allow"] == "POST"


def test_head_answers_as_get_without_content(api_schema: Any) -> None:
    """HEAD on every GET path of the schema: the GET's status and headers, no content."""
    client = api_schema.client
    for path in sorted({p for m, p in OPERATIONS if m == "GET"}):
        url = _url(api_schema, path)
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code, (url, head.status_code, got.status_code)
        assert head.headers.get("content-type") == got.headers.get("content-type"), url
        assert head.content == b"", url
    page = client.head("/xac-minh")
    assert page.status_code == 200 and int(page.headers["content-length"]) > 0


def test_a_static_file_answers_405_with_get_and_head(api_schema: Any) -> None:
    r = api_schema.client.post("/static/style.css")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
