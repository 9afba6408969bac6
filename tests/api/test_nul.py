"""A NUL character (U+0000) anywhere a request carries text — a path, a query, a form, a JSON
body — is refused with a 422 naming the field, before it reaches the registry: PostgreSQL's
text cannot hold it and answered 500 with a traceback. On SQLite and on PostgreSQL, signed in
or not."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from api.workflow.users import add_user, set_password
from tests.api.conftest import RegistryApp, TestClient

PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture
def client(registry_app: RegistryApp) -> Iterator[tuple[TestClient, str]]:
    """A client of the whole service on a new registry, and a văn thư's token."""
    with registry_app.services.sessions.begin() as session:
        _, token = add_user(
            session,
            login="vanthu.haiphong",
            name="Phạm Thu Hà",
            role="van_thu",
            body="ubnd-hai-phong",
        )
        set_password(session, "vanthu.haiphong", PASSWORD)
    with TestClient(registry_app.app) as c:
        yield c, token


def refused(r: httpx.Response, field: str) -> None:
    assert r.status_code == 422, r.text
    error = r.json()
    assert (error["code"], error["field"]) == ("invalid_request", field)
    assert "NUL" in error["message_vi"]


def test_nul_in_the_public_paths_is_a_422(client: tuple[TestClient, str]) -> None:
    c, _ = client
    page = c.get("/v/%00", headers={"accept": "text/html"})
    assert page.status_code == 422 and "có ký tự NUL" in page.text
    refused(c.get("/api/links/%00"), "token")
    r = c.get("/r/ab%00cd", headers={"accept": "text/html"})
    assert r.status_code == 422 and "có ký tự NUL" in r.text


def test_nul_in_the_sign_in_form_is_a_422(client: tuple[TestClient, str]) -> None:
    c, _ = client
    form = c.get("/dang-nhap").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    r = c.post(
        "/dang-nhap",
        content=f"csrf={csrf.group(1)}&login=x%00&password=y".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert r.status_code == 422 and "(login): có ký tự NUL" in r.text
    # The form still signs in without it.
    r = c.post(
        "/dang-nhap",
        data={"csrf": csrf.group(1), "login": "vanthu.haiphong", "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_nul_in_a_query_or_a_json_body_is_a_422(client: tuple[TestClient, str]) -> None:
    c, token = client
    auth = {"Authorization": f"Bearer {token}"}
    refused(c.get("/api/documents?dossier=%00", headers=auth), "dossier")
    assert c.get("/api/documents?dossier=2026/ubnd-hai-phong", headers=auth).status_code == 200
    refused(c.post("/api/documents/1/revoke", json={"reason": "sai\u0000"}, headers=auth), "reason")
    replace = {"by": 2, "reason": "\u0000"}
    refused(c.post("/api/documents/1/replace", json=replace, headers=auth), "reason")
    nested = {"body": "ubnd-hai-phong", "year": 2026, "meeting": {"attendees": ["a", "b\u0000"]}}
    refused(c.post("/api/dossiers", json=nested, headers=auth), "meeting.attendees.1")
    # Without the NUL the same revocation reaches the registry: no such document.
    assert (
        c.post("/api/documents/1/revoke", json={"reason": "sai"}, headers=auth).status_code == 404
    )
