"""A browser gets its errors as Vietnamese pages in the site's layout, a program as JSON; a
signed-in page asked with an expired session says so and, after signing in again, returns to
where the user was (a path of this service only)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from api.registry.numbering import DatabaseLookup
from api.routes import session as signed_in
from api.settings import Settings
from api.workflow.services import build_services
from api.workflow.users import add_user, set_password
from tests.api.conftest import TestClient
from tests.databases import sqlite_registry

PASSWORD = "mat-khau-thu-nghiem"
HTML = {"accept": "text/html,application/xhtml+xml"}
JSON = {"accept": "application/json"}


@pytest.fixture
def client(tmp_path: Path, throwaway_roots: Path) -> Iterator[TestClient]:
    """The whole service on a new SQLite registry with a chuyên viên who has a password, and a
    route that fails as a fault of the service would."""
    url = sqlite_registry(tmp_path / "registry")
    settings = Settings(
        data_dir=tmp_path / "data", trust_roots_dir=throwaway_roots, database_url=url
    )
    services = build_services(settings)
    with services.sessions.begin() as session:
        add_user(
            session, login="chuyenvien.a", name="Lê Văn An", role="clerk", body="ubnd-hai-phong"
        )
        set_password(session, "chuyenvien.a", PASSWORD)
    app = create_app(settings, registry=DatabaseLookup(services.sessions), services=services)

    @app.get("/tong-quan/hong")
    def broken() -> None:
        raise RuntimeError("a fault of the service")

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    services.sessions.kw["bind"].dispose()


def sign_in(c: TestClient, next_path: str = "/tong-quan") -> str:
    """Sign in through the form; the address it sends the browser to."""
    form = c.get("/dang-nhap", params={"next": next_path}).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    data = {"csrf": csrf.group(1), "login": "chuyenvien.a", "password": PASSWORD}
    r = c.post("/dang-nhap", data={**data, "next": next_path}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def is_page(r: object, status: int, heading: str) -> str:
    import httpx

    assert isinstance(r, httpx.Response)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert f"<h1>{heading}</h1>" in r.text
    assert '<html lang="vi">' in r.text and "/static/style.css" in r.text  # the site's layout
    assert r.headers["x-request-id"] in r.text
    return r.text


def test_a_browser_gets_a_404_page_and_a_program_json(client: TestClient) -> None:
    is_page(client.get("/khong-co-trang-nay", headers=HTML), 404, "Không tìm thấy trang")
    is_page(client.get("/tai-lieu/999999", headers=HTML), 404, "Không tìm thấy trang")
    for r in (
        client.get("/khong-co-trang-nay", headers=JSON),
        client.get("/api/khong-co", headers=HTML),  # under /api/: always JSON
    ):
        assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_a_wrong_method_is_a_405_page_for_a_browser(client: TestClient) -> None:
    r = client.put("/xac-minh", headers=HTML)
    text = is_page(r, 405, "Không thực hiện được yêu cầu này")
    assert "không nhận phương thức" in text
    assert client.put("/xac-minh", headers=JSON).json()["code"] == "method_not_allowed"


def test_a_fault_is_a_500_page_without_its_detail(client: TestClient) -> None:
    sign_in(client)
    text = is_page(client.get("/tong-quan/hong", headers=HTML), 500, "Dịch vụ gặp lỗi")
    assert "a fault of the service" not in text and "RuntimeError" not in text
    r = client.get("/tong-quan/hong", headers=JSON)
    assert r.status_code == 500 and r.json()["code"] == "internal_error"


def test_a_page_of_another_role_is_a_403_page(client: TestClient) -> None:
    sign_in(client)
    r = client.get("/phat-hanh", headers=HTML)
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Không thực hiện được</h1>" in r.text and "chỉ văn thư" in r.text
    assert 'href="/dang-xuat"' in r.text or "Đăng xuất" in r.text  # the signed-in layout


def test_an_expired_session_says_so_and_returns_the_user_where_they_were(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(client)
    assert client.get("/ho-so", headers=HTML, follow_redirects=False).status_code == 200
    later = time.time() + signed_in.SESSION_IDLE + 60
    monkeypatch.setattr(signed_in.time, "time", lambda: later)
    r = client.get("/ho-so?nam=2026", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/dang-nhap?next=%2Fho-so%3Fnam%3D2026&het_han=1"
    page = client.get(r.headers["location"]).text
    assert "Phiên làm việc đã hết hạn" in page
    assert 'name="next" value="/ho-so?nam=2026"' in page
    assert sign_in(client, "/ho-so?nam=2026") == "/ho-so?nam=2026"
    assert client.get("/ho-so?nam=2026", follow_redirects=False).status_code == 200


def test_a_session_used_within_its_time_stays_and_sign_out_is_not_expiry(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(client)
    start = time.time()
    for hours in (7, 14, 21):  # each use renews it
        monkeypatch.setattr(signed_in.time, "time", lambda h=hours: start + h * 3600)
        assert client.get("/tong-quan", follow_redirects=False).status_code == 200
    monkeypatch.undo()
    form = client.get("/tong-quan").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    client.post("/dang-xuat", data={"csrf": csrf.group(1)}, follow_redirects=False)
    r = client.get("/tong-quan", follow_redirects=False)
    assert r.headers["location"] == "/dang-nhap?next=%2Ftong-quan"  # signed out, not expired


@pytest.mark.parametrize(
    "elsewhere",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "x"],
)
def test_next_never_leads_off_the_service(client: TestClient, elsewhere: str) -> None:
    assert sign_in(client, elsewhere) == "/tong-quan"


def test_a_wrong_password_is_the_sign_in_page_with_its_message(client: TestClient) -> None:
    """Not a 500: the sign-in page again, its message beside the form, the login kept."""
    form = client.get("/dang-nhap", params={"next": "/ky-so"}).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    data = {"csrf": csrf.group(1), "login": "chuyenvien.a", "password": "sai", "next": "/ky-so"}
    r = client.post("/dang-nhap", data=data, headers=HTML, follow_redirects=False)
    assert r.status_code == 401, r.text
    assert '<p class="error" role="alert">Sai tên đăng nhập hoặc mật khẩu</p>' in r.text
    assert 'value="chuyenvien.a"' in r.text and "Phiên làm việc đã hết hạn" not in r.text
