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
WORKFLOW = [
    ("GET", "/api/me"),
    ("POST", "/api/assessments"),
    ("GET", "/api/assessments"),
    ("POST", "/api/assessments/workbook"),
    ("GET", "/api/assessments/{assessment_id}"),
    ("POST", "/api/assessments/{assessment_id}/score"),
    ("POST", "/api/dossiers"),
    ("GET", "/api/documents"),
    ("GET", "/api/documents/{document_id}"),
    ("GET", "/api/documents/{document_id}/file"),
    ("POST", "/api/documents/{document_id}/send"),
    ("POST", "/api/documents/{document_id}/sign"),
    ("POST", "/api/documents/{document_id}/issue"),
    ("POST", "/api/documents/{document_id}/revoke"),
    ("POST", "/api/documents/{document_id}/replace"),
    ("POST", "/api/documents/{document_id}/archive"),
    ("GET", "/api/documents/{document_id}/recipients"),
    ("GET", "/api/archive/export"),
    ("GET", "/api/documents/{document_id}/history"),
    ("POST", "/api/documents/{document_id}/history.pdf"),
    ("GET", "/api/admin/users"),
    ("POST", "/api/admin/users/{login}/role"),
    ("POST", "/api/admin/users/{login}/disable"),
    ("POST", "/api/admin/users/{login}/enable"),
    ("POST", "/api/admin/users/{login}/token"),
    ("GET", "/api/admin/audit"),
    ("POST", "/api/documents/{document_id}/signature/prepare"),
    ("POST", "/api/signatures/{prepared_id}/finish"),
    ("POST", "/api/signatures/remote"),
    ("GET", "/api/signatures/waiting"),
    ("POST", "/api/signatures/remote/jobs"),
    ("GET", "/api/signatures/remote/jobs/{job_id}"),
    ("POST", "/api/documents/{document_id}/return"),
    ("GET", "/api/jobs/{job_id}"),
    ("POST", "/api/agents/pairing"),
    ("GET", "/api/agents"),
    ("DELETE", "/api/agents/{agent_id}"),
]
OPERATIONS = PUBLIC + WORKFLOW

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


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_every_path_answers_an_undeclared_method_405_with_its_methods_in_allow(
    api_schema: Any, accept: str
) -> None:
    """For every path of the schema (JSON and pages), a method it does not declare answers 405
    whose Allow header names exactly the methods declared at the paths the URL fits (a page and
    its form are two routes on one path, and Starlette alone names only the first's; the URL
    /api/assessments/workbook fits /api/assessments/{assessment_id} too)."""

    def pattern(path: str) -> re.Pattern[str]:
        return re.compile(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)))

    declared: dict[str, set[str]] = {}
    for method, path in OPERATIONS:
        declared.setdefault(path, set()).add(method)
    client = api_schema.client
    checked = 0
    for path in declared:
        url = path.replace("{number}", "1").replace("{", "x").replace("}", "")
        methods = {m for m, p in OPERATIONS if pattern(p).fullmatch(url)}
        for method in sorted(set(UNDECLARED) - methods):
            r = client.request(method, url, headers={"Accept": accept})
            assert r.status_code == 405, (method, url, r.status_code)
            assert set(r.headers["allow"].split(", ")) == methods, (method, url)
            checked += 1
    assert checked > 100


def test_a_static_file_answers_405_with_get_and_head(api_schema: Any) -> None:
    r = api_schema.client.post("/static/style.css")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
