"""`hoso users remote-signing`: a signer's CSC provider registered from the command line, the
client secret from the environment or standard input (never an argument), kept encrypted, and
read back by the service for that signer only."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.registry.db import RemoteSigning
from api.settings import Settings
from api.workflow import agents, remote_signing
from api.workflow.services import build_services
from api.workflow.users import Actor, authenticate
from docgen.errors import Unauthenticated
from tests.test_cli import hoso

SECRET = "bi-mat-cua-ung-dung-thu"  # test material


def test_a_provider_is_registered_with_its_secret_kept_encrypted(tmp_path: Path) -> None:
    data = {"HOSO_DATA_DIR": str(tmp_path / "data")}
    add = ("users", "add", "chutich.haiphong", "--name", "Trần Minh Khôi", "--role", "signer")
    assert hoso(*add, "--body", "ubnd-hai-phong", **data).returncode == 0
    options = ("--url", "https://csc.example.test", "--client-id", "hoso", "--credential", "k1")
    done = hoso(
        "users",
        "remote-signing",
        "chutich.haiphong",
        *options,
        **data,
        HOSO_REMOTE_CLIENT_SECRET=SECRET,
    )
    assert done.returncode == 0, done.stderr
    assert "Đã đăng ký dịch vụ ký số từ xa" in done.stdout and SECRET not in done.stdout

    services = build_services(Settings(data_dir=tmp_path / "data"))
    with services.sessions() as session:
        row = session.get(RemoteSigning, 1)
        assert row is not None and SECRET.encode() not in row.client_secret
        actor = Actor(1, "chutich.haiphong", "Trần Minh Khôi", "signer", "ubnd-hai-phong")
    provider = remote_signing.provider_of(services, actor)
    assert (provider.url, provider.client_id, provider.credential_id) == (
        "https://csc.example.test",
        "hoso",
        "k1",
    )
    assert provider.client_secret == SECRET and SECRET not in repr(provider)


def test_a_provider_needs_https_and_a_signer(tmp_path: Path) -> None:
    data = {"HOSO_DATA_DIR": str(tmp_path / "data"), "HOSO_REMOTE_CLIENT_SECRET": SECRET}
    add = ("users", "add", "vanthu.haiphong", "--name", "Phạm Thu Hà", "--role", "van_thu")
    assert hoso(*add, "--body", "ubnd-hai-phong", **data).returncode == 0
    options = ("--url", "https://csc.example.test", "--client-id", "hoso", "--credential", "k1")
    clerk = hoso("users", "remote-signing", "vanthu.haiphong", *options, **data)
    assert clerk.returncode == 2 and "Không có người ký 'vanthu.haiphong'" in clerk.stderr
    plain = ("--url", "http://csc.example.test", "--client-id", "hoso", "--credential", "k1")
    add = ("users", "add", "chutich.haiphong", "--name", "Trần Minh Khôi", "--role", "signer")
    assert hoso(*add, "--body", "ubnd-hai-phong", **data).returncode == 0
    bare = hoso("users", "remote-signing", "chutich.haiphong", *plain, **data)
    assert bare.returncode == 2 and "phải dùng https" in bare.stderr


def test_the_agent_unpaired_says_how_to_pair(tmp_path: Path) -> None:
    data = {"HOSO_DATA_DIR": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    run = hoso("agent", "--url", "http://127.0.0.1:9", "--token", "T", "--key", "k", **data)
    assert run.returncode == 2
    assert run.stderr.startswith("lỗi: Máy này chưa ghép nối: chạy hoso agent pair MÃ --url")
    bad = hoso("agent", "pair", "ABCD-EFGH", "--url", "http://127.0.0.1:9", **data)
    assert bad.stderr.startswith("lỗi: Không kết nối được dịch vụ hoso tại http://127.0.0.1:9")
    assert bad.returncode == 2 and not (tmp_path / "cfg" / "hoso" / "agent.json").exists()


def test_agents_are_listed_and_revoked_from_the_command_line(tmp_path: Path) -> None:
    data = {"HOSO_DATA_DIR": str(tmp_path / "data")}
    add = ("users", "add", "chutich.haiphong", "--name", "Trần Minh Khôi", "--role", "signer")
    assert hoso(*add, "--body", "ubnd-hai-phong", **data).returncode == 0
    services = build_services(Settings(data_dir=tmp_path / "data"))
    chair = Actor(1, "chutich.haiphong", "Trần Minh Khôi", "signer", "ubnd-hai-phong")
    code = agents.pairing_code(services, chair).code
    token, _ = agents.pair(services, code, name="may-chu-tich")
    listed = hoso("users", "agents", "chutich.haiphong", **data)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[:3] == ["1", "chutich.haiphong", "may-chu-tich"]
    assert "hoạt động" in listed.stdout
    with services.sessions() as session:
        assert authenticate(session, token).agent == 1
    revoked = hoso("users", "revoke-agent", "1", **data)
    assert revoked.returncode == 0, revoked.stderr
    assert "Đã thu hồi máy ký 1 (may-chu-tich) của chutich.haiphong" in revoked.stdout
    assert "thu hồi" in hoso("users", "agents", **data).stdout
    with services.sessions() as session, pytest.raises(Unauthenticated):
        authenticate(session, token)
    missing = hoso("users", "revoke-agent", "7", **data)
    assert missing.returncode == 2 and "Không có máy ký 7" in missing.stderr
