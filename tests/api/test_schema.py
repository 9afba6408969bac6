"""schemathesis against the app's own OpenAPI schema: whatever it sends to the verification
endpoint and the public pages, no answer is a 5xx and every answer is one the schema declares
(status, content type, body).
Bounded: 30 examples per operation.

Each operation's strategy is run with hypothesis directly: schemathesis' lazy pytest loader
(`from_fixture`) reads a private attribute pytest 9 no longer has."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.lookup import InMemoryRegistry
from tests.api.conftest import AppFactory

OPERATIONS = [
    ("POST", "/api/verify"),
    ("GET", "/v/{code}"),
    ("POST", "/v/{code}"),
    ("GET", "/xac-minh"),
    ("POST", "/xac-minh"),
]


@pytest.fixture
def api_schema(make_app: AppFactory, registry: InMemoryRegistry) -> Any:
    app = make_app(registry=registry, upload_limit=64 * 1024)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_every_operation_is_exercised(api_schema: Any) -> None:
    found = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_server_error_and_only_declared_answers(api_schema: Any, method: str, path: str) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def exchange(case: Any) -> None:
        # A binary string in the schema is any bytes; that they must be a PDF it cannot say,
        # so a 415 for a PNG is right although schemathesis calls it schema-valid.
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    exchange()
