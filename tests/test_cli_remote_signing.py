"""`hoso users remote-signing`: a signer's CSC provider registered from the command line, the
client secret from the environment or standard input (never an argument), kept encrypted, and
read back by the service for that signer only."""

from __future__ import annotations

from pathlib import Path

from api.registry.db import RemoteSigning
from api.settings import Settings
from api.workflow import remote_signing
from api.workflow.services import build_services
from api.workflow.users import Actor
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


def test_the_agent_needs_the_signers_token(tmp_path: Path) -> None:
    data = {"HOSO_DATA_DIR": str(tmp_path / "data")}
    run = hoso("agent", "--url", "http://127.0.0.1:9", "--token", "T", "--key", "k", **data)
    assert run.returncode == 2
    assert run.stderr.startswith("lỗi: Cần đặt HOSO_AGENT_TOKEN là mã truy cập của người ký")
