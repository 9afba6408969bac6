"""Apps of their own for the API tests: `Settings` in a temporary folder with a small upload
limit where a test wants one, an in-memory registry, and trust roots either a throwaway
self-signed certificate (tests that never reach a valid signature) or the session's
development PKI with the issued Quyết định (slow: LibreOffice renders the draft)."""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi import FastAPI

from api.app import create_app
from api.registry.lookup import InMemoryRegistry, RegistryLookup, RegistryRecord
from api.registry.numbering import DatabaseLookup
from api.settings import Settings
from api.workflow.services import Services, build_services
from tests.databases import postgresql_registry, sqlite_registry
from tests.signing_setting import Setting, issued, signed_by, write_root

with warnings.catch_warnings():
    # Starlette 1.x asks for the httpx2 fork in its test client; httpx works as before.
    warnings.filterwarnings("ignore", message=".*install `httpx2` instead")
    from fastapi.testclient import TestClient

__all__ = ["TestClient"]

ISSUED_CODE = "ABCDE-FGH23"
RECORD = RegistryRecord(
    code=ISSUED_CODE,
    number="06/QĐ-UBND",
    date=dt.date(2026, 12, 5),
    subject="Về việc công nhận xã, phường, thị trấn đạt tiêu chuẩn “An toàn về an ninh, trật tự”",
    issuing_body="Ủy ban nhân dân thành phố Hải Phòng",
)
REVOKED = RegistryRecord(
    code="QWERT-YUIOP",
    number="03/QĐ-UBND",
    date=dt.date(2026, 2, 9),
    subject="Về việc khen thưởng",
    issuing_body="Ủy ban nhân dân phường Bỉm Sơn",
    status="revoked",
    reason="Ban hành sai thẩm quyền",
)
REPLACED = RegistryRecord(
    code="ZXCVB-NMASD",
    number="04/QĐ-UBND",
    date=dt.date(2026, 3, 1),
    subject="Về việc công nhận",
    issuing_body="Ủy ban nhân dân phường Bỉm Sơn",
    status="replaced",
    replaced_by="07/QĐ-UBND",
    reason="Sai tên đơn vị",
)


@pytest.fixture(scope="session")
def throwaway_roots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with one self-signed root that signed nothing."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TEST throwaway root")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return write_root(tmp_path_factory.mktemp("roots"), der)


AppFactory = Callable[..., FastAPI]


def app_factory(tmp: Path, roots: Path) -> AppFactory:
    def make(*, registry: RegistryLookup | None = None, **settings: Any) -> FastAPI:
        values: dict[str, Any] = {"data_dir": tmp / "data", "trust_roots_dir": roots}
        values.update(settings)
        return create_app(Settings(**values), registry=registry)

    return make


@pytest.fixture
def make_app(tmp_path: Path, throwaway_roots: Path) -> AppFactory:
    """`make_app(registry=…, upload_limit=…)`: an app that trusts a root that signed nothing."""
    return app_factory(tmp_path, throwaway_roots)


@pytest.fixture
def registry() -> InMemoryRegistry:
    return InMemoryRegistry([("00" * 32, RECORD), ("11" * 32, REVOKED), ("22" * 32, REPLACED)])


@pytest.fixture
def client(make_app: AppFactory, registry: InMemoryRegistry) -> Iterator[TestClient]:
    with TestClient(make_app(registry=registry)) as c:
        yield c


# ---- slow: the real issued document ------------------------------------------------------------


@dataclass(frozen=True)
class RegistryApp:
    """The whole service on a registry of its own, and the workflow services behind it (to add
    the users a test needs)."""

    app: FastAPI
    services: Services


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def registry_app(
    request: pytest.FixtureRequest, tmp_path: Path, throwaway_roots: Path
) -> Iterator[RegistryApp]:
    """The whole service on a new registry, once on SQLite and once on PostgreSQL (slow): for
    the rules that must hold whichever database answers (a NUL in text, a login's query)."""
    database = (
        postgresql_registry()
        if request.param == "postgresql"
        else nullcontext(sqlite_registry(tmp_path / "registry"))
    )
    with database as url:
        settings = Settings(
            data_dir=tmp_path / "data", trust_roots_dir=throwaway_roots, database_url=url
        )
        services = build_services(settings)
        lookup = DatabaseLookup(services.sessions)
        yield RegistryApp(create_app(settings, registry=lookup, services=services), services)
        services.sessions.kw["bind"].dispose()  # before the database is dropped


@pytest.fixture(scope="session")
def issued_pdf(setting: Setting) -> bytes:
    """The Quyết định signed by the chair and issued with the seal of UBND TP Hải Phòng."""
    return issued(setting, signed_by(setting, "ubnd-hai-phong--chu-tich"))


@pytest.fixture(scope="session")
def tampered_pdf(issued_pdf: bytes) -> bytes:
    """The issued file with one byte of its signed content changed."""
    data = bytearray(issued_pdf)
    data[data.index(b"stream") + 20] ^= 0xFF
    return bytes(data)


@pytest.fixture(scope="session")
def pki_roots(setting: Setting, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development PKI's root alone, as a configured trust roots folder."""
    return write_root(tmp_path_factory.mktemp("pki-roots"), setting.root.dump())


@pytest.fixture
def make_pki_app(tmp_path: Path, pki_roots: Path) -> AppFactory:
    """`make_pki_app(registry=…)`: an app that trusts the development PKI."""
    return app_factory(tmp_path, pki_roots)


def registered(pdf: bytes, record: RegistryRecord = RECORD) -> InMemoryRegistry:
    """A registry in which `pdf` is the issued document `record`."""
    return InMemoryRegistry([(hashlib.sha256(pdf).hexdigest(), record)])
