"""Sign-in protection, user administration and the audit log's export, over a real SQLite
registry and the app in process (no LibreOffice, no PKI): the lockout refuses the right
password too and says so in Vietnamese, every attempt is in the audit log; disabling a user ends
their token and session at once, rotating a token voids the old one; the export filters by body
and period; and no door of the service changes or deletes an audit entry."""

from __future__ import annotations

import ast
import contextlib
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.app import workflow_app
from api.registry.db import AuditEntry
from api.settings import Settings, get_settings
from api.workflow import throttle
from api.workflow.services import Services
from api.workflow.users import add_user, sign_in
from docgen.errors import SignInThrottled, Unauthenticated
from tests.api.conftest import TestClient
from tests.conftest import REPO

PASSWORD = "mat-khau-thu-nghiem"
USERS = {
    "admin": ("quantri", "Hoàng Văn An", "admin", None),
    "clerk": ("chuyenvien.hp", "Nguyễn Thị Lan", "clerk", "ubnd-hai-phong"),
    "van_thu": ("vanthu.hp", "Phạm Thu Hà", "van_thu", "ubnd-hai-phong"),
    "police": ("chuyenvien.ca", "Vũ Thị Mai", "clerk", "ca-hai-phong"),
}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Site:
    def __init__(self, tmp: Path, roots: Path) -> None:
        self.settings = Settings(data_dir=tmp / "data", trust_roots_dir=roots)
        self.app = workflow_app(self.settings)
        self.services: Services = self.app.state.services
        self.tokens: dict[str, str] = {}
        from api.workflow.users import set_password

        with self.services.sessions.begin() as session:
            for role, (login, name, kind, body) in USERS.items():
                _, self.tokens[role] = add_user(
                    session, login=login, name=name, role=kind, body=body
                )
                set_password(session, login, PASSWORD)

    def api(self, role: str) -> TestClient:
        return TestClient(self.app, headers={"Authorization": f"Bearer {self.tokens[role]}"})

    def audit(self, action: str) -> list[AuditEntry]:
        with self.services.sessions() as session:
            return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def site(tmp_path: Path, throwaway_roots: Path) -> Site:
    return Site(tmp_path, throwaway_roots)


def _sign_in(client: TestClient, login: str, password: str) -> Any:
    page = client.get("/dang-nhap")
    found = CSRF.search(page.text)
    assert found, page.text
    data = {"csrf": found.group(1), "login": login, "password": password, "next": "/tong-quan"}
    return client.post("/dang-nhap", data=data, follow_redirects=False)


# ---- the lockout rule --------------------------------------------------------------------------

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def test_the_lockout_starts_at_the_threshold_and_doubles() -> None:
    minute = dt.timedelta(minutes=1)
    four = [T0 + n * minute for n in range(4)]
    assert throttle.locked_until(four, threshold=5) is None
    five = [*four, T0 + 4 * minute]
    assert throttle.locked_until(five, threshold=5) == T0 + 5 * minute
    six = [*five, T0 + 6 * minute]
    assert throttle.locked_until(six, threshold=5) == T0 + 8 * minute  # 2 minutes
    # Failures older than the window before the last one no longer count.
    spread = [T0 + n * 20 * minute for n in range(6)]
    assert throttle.locked_until(spread, threshold=5) is None
    many = [T0 + n * dt.timedelta(seconds=1) for n in range(40)]
    last = many[-1]
    assert throttle.locked_until(many, threshold=5) == last + throttle.RULE.cap


def test_the_right_password_does_not_work_during_the_lockout(site: Site) -> None:
    clock = [T0]
    sessions = site.services.sessions

    def attempt(password: str, address: str = "192.0.2.7") -> str:
        try:
            throttle.sign_in_guarded(
                sessions,
                login="chuyenvien.hp",
                address=address,
                check=lambda s: sign_in(s, "chuyenvien.hp", password),
                now=lambda: clock[0],
            )
        except SignInThrottled as exc:
            assert "Đăng nhập sai nhiều lần, thử lại sau" in exc.message_vi
            return "refused"
        except Unauthenticated:
            return "failed"
        return "ok"

    for _ in range(5):
        assert attempt("sai-mat-khau") == "failed"
        clock[0] += dt.timedelta(seconds=10)
    assert attempt(PASSWORD) == "refused"  # the right one, 10 s after the 5th failure
    assert attempt(PASSWORD, address="198.51.100.1") == "refused"  # the login is locked
    clock[0] += dt.timedelta(minutes=1)
    assert attempt(PASSWORD) == "ok"  # the minute has passed
    # After a success the login's count starts again: one failure does not lock it.
    assert attempt("sai-mat-khau") == "failed"
    assert attempt(PASSWORD) == "ok"
    # The address's count does not start again: five more failures (ten in all) lock it for
    # every login, with a delay of its own.
    for _ in range(5):
        clock[0] += dt.timedelta(seconds=5)
        with contextlib.suppress(Unauthenticated):
            throttle.sign_in_guarded(
                sessions,
                login="khong-co-ai",
                address="192.0.2.7",
                check=lambda s: sign_in(s, "khong-co-ai", "x"),
                now=lambda: clock[0],
            )
    clock[0] += dt.timedelta(seconds=5)
    assert attempt(PASSWORD) == "refused"
    assert attempt(PASSWORD, address="198.51.100.1") == "ok"  # another address: not locked
    # The tenth failure locked the address: the fifth try of "khong-co-ai" was refused.
    assert len(site.audit("sign_in_failed")) == 10
    assert len(site.audit("sign_in_refused")) == 4
    assert len(site.audit("sign_in")) == 3
    failed = site.audit("sign_in_failed")[0]
    assert failed.actor == "address:192.0.2.7"
    assert failed.detail == {"login": "chuyenvien.hp", "address": "192.0.2.7"}


def test_the_sign_in_page_says_it_is_locked_in_vietnamese(site: Site) -> None:
    with TestClient(site.app) as browser:
        for _ in range(5):
            r = _sign_in(browser, "chuyenvien.hp", "sai-mat-khau")
            assert r.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in r.text
        r = _sign_in(browser, "chuyenvien.hp", PASSWORD)
        assert r.status_code == 429
        assert "Đăng nhập sai nhiều lần, thử lại sau 1 phút" in r.text
        assert "set-cookie" not in r.headers or "uid" not in r.headers.get("set-cookie", "")
        assert browser.get("/tong-quan", follow_redirects=False).status_code in (303, 307)


# ---- user administration -------------------------------------------------------------------------


def test_the_admin_lists_users_and_changes_a_role(site: Site) -> None:
    with site.api("admin") as admin, site.api("clerk") as clerk:
        r = admin.get("/api/admin/users")
        assert r.status_code == 200, r.text
        listed = {u["login"]: u for u in r.json()}
        assert listed["vanthu.hp"]["role_vi"] == "văn thư"
        assert listed["vanthu.hp"]["issuing_body"] == "ubnd-hai-phong"
        assert listed["vanthu.hp"]["issuing_body_name"] == "Ủy ban nhân dân thành phố Hải Phòng"
        assert listed["quantri"]["issuing_body_name"] is None
        assert listed["vanthu.hp"]["has_token"] and "token" not in listed["vanthu.hp"]
        r = clerk.get("/api/admin/users")
        assert r.status_code == 403 and "quản trị" in r.json()["message_vi"]
        r = admin.post("/api/admin/users/chuyenvien.hp/role", json={"role": "archivist"})
        assert r.status_code == 200 and r.json()["role"] == "archivist"
        r = admin.post("/api/admin/users/quantri/role", json={"role": "clerk"})
        assert r.status_code == 409  # not their own
        r = admin.post("/api/admin/users/khong-co/role", json={"role": "clerk"})
        assert r.status_code == 404 and r.json()["field"] == "login"
    assert [e.detail for e in site.audit("user_role")] == [
        {"login": "chuyenvien.hp", "before": "clerk", "after": "archivist"}
    ]


def test_disabling_ends_token_and_sessions_at_once_and_refuses_sign_in(site: Site) -> None:
    with TestClient(site.app) as browser, site.api("admin") as admin:
        assert _sign_in(browser, "vanthu.hp", PASSWORD).status_code == 303
        assert browser.get("/phat-hanh", follow_redirects=False).status_code == 200
        with site.api("van_thu") as van_thu:
            assert van_thu.get("/api/documents").status_code == 200
            r = admin.post("/api/admin/users/vanthu.hp/disable")
            assert r.status_code == 200 and r.json()["disabled_at"]
            assert van_thu.get("/api/documents").status_code == 401  # the token
        assert browser.get("/phat-hanh", follow_redirects=False).status_code == 303  # session
        r = _sign_in(browser, "vanthu.hp", PASSWORD)
        assert r.status_code == 401 and "Tài khoản đã bị vô hiệu hóa" in r.text
        r = admin.post("/api/admin/users/vanthu.hp/token")
        assert r.status_code == 409  # enable first
        assert admin.post("/api/admin/users/vanthu.hp/enable").status_code == 200
        assert _sign_in(browser, "vanthu.hp", PASSWORD).status_code == 303
        with site.api("van_thu") as old:  # enabling gives no token back
            assert old.get("/api/documents").status_code == 401


def test_rotating_a_token_voids_the_old_one(site: Site) -> None:
    with site.api("admin") as admin, site.api("clerk") as old:
        assert old.get("/api/documents").status_code == 200
        r = admin.post("/api/admin/users/chuyenvien.hp/token")
        assert r.status_code == 200, r.text
        new = r.json()["token"]
        assert new != site.tokens["clerk"]
        assert old.get("/api/documents").status_code == 401
        fresh = TestClient(site.app, headers={"Authorization": f"Bearer {new}"})
        assert fresh.get("/api/documents").status_code == 200
    assert [e.detail["login"] for e in site.audit("token_rotate")] == ["chuyenvien.hp"]


def test_the_admin_page_disables_and_rotates(site: Site) -> None:
    with TestClient(site.app) as browser:
        assert _sign_in(browser, "quantri", PASSWORD).status_code == 303
        page = browser.get("/quan-tri/nguoi-dung")
        assert page.status_code == 200 and "Người dùng" in page.text
        assert 'href="/quan-tri/nguoi-dung"' in page.text  # in the admin's navigation
        # Bodies by their names: a person reads no code.
        assert '<td data-label="Cơ quan">Ủy ban nhân dân thành phố Hải Phòng</td>' in page.text
        assert ">ubnd-hai-phong<" not in page.text
        token = CSRF.search(page.text)
        assert token
        r = browser.post(
            "/quan-tri/nguoi-dung/chuyenvien.hp",
            data={"csrf": token.group(1), "action": "token"},
        )
        assert r.status_code == 200 and "Mã truy cập mới của chuyenvien.hp" in r.text
        new = re.search(r'id="ma-moi">[^<]*<code>([^<]+)</code>', r.text)
        assert new
        r = browser.post(
            "/quan-tri/nguoi-dung/chuyenvien.hp",
            data={"csrf": token.group(1), "action": "disable"},
        )
        assert "Đã vô hiệu hóa tài khoản Nguyễn Thị Lan" in r.text
        fresh = TestClient(site.app, headers={"Authorization": f"Bearer {new.group(1)}"})
        assert fresh.get("/api/documents").status_code == 401
        r = browser.post(
            "/quan-tri/nguoi-dung/quantri",
            data={"csrf": token.group(1), "action": "disable"},
        )
        assert r.status_code == 409 and "không tự vô hiệu hóa" in r.text
    with TestClient(site.app) as clerk_browser:
        assert _sign_in(clerk_browser, "vanthu.hp", PASSWORD).status_code == 303
        assert clerk_browser.get("/quan-tri/nguoi-dung").status_code == 403


@pytest.fixture
def cli(site: Site, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("HOSO_DATA_DIR", str(site.settings.data_dir))
    monkeypatch.delenv("HOSO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_hoso_users_disable_and_token(site: Site, cli: CliRunner) -> None:
    from api.cli.main import app

    listed = cli.invoke(app, ["users", "list"])
    assert listed.exit_code == 0, listed.stderr
    shown = " ".join(listed.stdout.split())
    # The body by its name, as people know it; its code too, since `--body` takes the code.
    assert "Mã cơ quan (--body)" in shown
    assert (
        "vanthu.hp Phạm Thu Hà Ủy ban nhân dân thành phố Hải Phòng ubnd-hai-phong văn thư hoạt động"
    ) in shown
    done = cli.invoke(app, ["users", "token", "vanthu.hp"])
    assert done.exit_code == 0 and "mã cũ đã hết hiệu lực" in done.stdout
    new = done.stdout.split()[-1]
    with site.api("van_thu") as old:
        assert old.get("/api/documents").status_code == 401
    fresh = TestClient(site.app, headers={"Authorization": f"Bearer {new}"})
    assert fresh.get("/api/documents").status_code == 200
    assert cli.invoke(app, ["users", "disable", "vanthu.hp"]).exit_code == 0
    assert fresh.get("/api/documents").status_code == 401
    bad = cli.invoke(app, ["users", "role", "vanthu.hp", "sep"])
    assert bad.exit_code == 2 and "Vai trò 'sep' không có" in bad.stderr
    assert site.audit("user_disable")[0].actor == "cli"


# ---- the audit log -------------------------------------------------------------------------------


def test_the_audit_export_by_body_and_period(site: Site, cli: CliRunner, tmp_path: Path) -> None:
    from api.cli.main import app

    with TestClient(site.app) as browser:
        _sign_in(browser, "chuyenvien.hp", PASSWORD)
        _sign_in(browser, "chuyenvien.ca", PASSWORD)
    with site.api("admin") as admin:
        r = admin.get("/api/admin/audit", params={"body": "ca-hai-phong", "format": "json"})
        assert r.status_code == 200, r.text
        assert [(e["action"], e["actor"]) for e in r.json()] == [("sign_in", "user:chuyenvien.ca")]
        assert r.json()[0]["issuing_body"] == "ca-hai-phong"
        r = admin.get("/api/admin/audit", params={"since": "2000-01-01", "until": "2000-01-02"})
        assert r.status_code == 200 and r.content.decode("utf-8-sig").count("\n") == 1
        r = admin.get("/api/admin/audit", params={"body": "khong-co"})
        assert r.status_code == 404 and r.json()["field"] == "body"
    with site.api("clerk") as clerk:
        assert clerk.get("/api/admin/audit").status_code == 403
    out = tmp_path / "nhat-ky.csv"
    done = cli.invoke(app, ["audit", "export", str(out), "--body", "ubnd-hai-phong"])
    assert done.exit_code == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [(r["action"], r["actor"]) for r in rows] == [("sign_in", "user:chuyenvien.hp")]
    assert json.loads(rows[0]["detail"])["login"] == "chuyenvien.hp"
    bad = cli.invoke(app, ["audit", "export", str(tmp_path / "x.csv"), "--from", "hôm qua"])
    assert bad.exit_code == 2 and "--from" in bad.stderr
    assert not (tmp_path / "x.csv").exists()


def _audit_writes(tree: ast.AST) -> list[str]:
    """Calls in `tree` that would change or delete audit entries: update()/delete() on
    AuditEntry, session.delete(...) of one, or SQL text naming audit_entries with UPDATE,
    DELETE or TRUNCATE."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            args = [ast.unparse(a) for a in node.args]
            if name in ("update", "delete") and any("AuditEntry" in a for a in args):
                found.append(ast.unparse(node))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            sql = node.value.upper()
            if "AUDIT_ENTRIES" in sql and any(v in sql for v in ("UPDATE ", "DELETE ", "TRUNCATE")):
                found.append(node.value)
    return found


def test_no_door_of_the_service_changes_or_deletes_an_audit_entry() -> None:
    """No route, page, CLI command or use case holds a statement that changes or deletes an
    audit entry; only the migrations name audit_entries with UPDATE or DELETE (the triggers
    that refuse them, tested in tests/adapters/test_registry.py and, on PostgreSQL,
    tests/integration/test_registry_postgresql.py)."""
    sources = [p for p in (REPO / "api").rglob("*.py") if "migrations" not in p.parts]
    assert len(sources) > 30
    offending = {
        str(p.relative_to(REPO)): hits
        for p in sources
        if (hits := _audit_writes(ast.parse(p.read_text(encoding="utf-8"))))
    }
    assert offending == {}
    # The scan finds what it looks for.
    assert _audit_writes(ast.parse("session.execute(delete(AuditEntry))"))
    assert _audit_writes(ast.parse("x = 'DELETE FROM audit_entries'"))
