"""The whole service for the workflow tests: its own SQLite registry and stores in a temporary
folder, the session's development PKI for timestamps and trust, users of each role with their
tokens (the signer and the văn thư with their certificates registered), and the app served by
a real uvicorn on a free loopback port. Session-scoped: LibreOffice generates the dossier once.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image, ImageDraw

from api.app import workflow_app
from api.settings import Settings
from api.workflow.services import Services
from api.workflow.users import add_user, register_certificate, set_password
from docgen import inputs, sheet
from signing import pki
from signing import sign as signing
from tests.conftest import REPO
from tests.signing_setting import Setting, free_port, write_root

BODY, POLICE = "ubnd-hai-phong", "ca-hai-phong"
UNITS = ("phuong-le-chan-2026-toi-pham.yaml", "phuong-an-bien-2026-xay-dung.yaml")
KEPT = "phuong-ngo-quyen-2026-duy-tri.yaml"  # keeps its title: the dossier gets a Thông báo
CHAIR_P12, SEAL_P12 = "ubnd-hai-phong--chu-tich", "ubnd-hai-phong"
PASSPHRASE = pki.TEST_PASSPHRASE.decode()
PASSWORD = "mat-khau-thu-nghiem"  # every test user's web password: test material

ROLES = {
    "clerk": ("chuyenvien.haiphong", "Nguyễn Thị Lan", "clerk", BODY),
    "signer": ("chutich.haiphong", "Trần Minh Khôi", "signer", BODY),
    "other_signer": ("phochutich.haiphong", "Lê Thị Hồng Nhung", "signer", BODY),
    "van_thu": ("vanthu.haiphong", "Phạm Thu Hà", "van_thu", BODY),
    "archivist": ("luutru.haiphong", "Đỗ Minh Châu", "archivist", BODY),
    "admin": ("quantri", "Hoàng Văn An", "admin", None),
    "police_clerk": ("chuyenvien.cahp", "Vũ Thị Mai", "clerk", POLICE),
}


@dataclass
class Service:
    url: str
    settings: Settings
    services: Services
    tokens: dict[str, str]
    p12: dict[str, bytes]
    cache: dict[str, Any] = field(default_factory=dict)

    def client(self, who: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120)

    def key(self, label: str, passphrase: str = PASSPHRASE) -> dict[str, Any]:
        """The multipart fields of a PKCS#12 key."""
        return {
            "files": {"p12": (f"{label}.p12", self.p12[label], "application/x-pkcs12")},
            "data": {"passphrase": passphrase},
        }


def signature_png(
    ink: tuple[int, int, int, int] = (30, 50, 150, 255), size: tuple[int, int] = (601, 203)
) -> bytes:
    """A signer's own scanned signature: a stroke on a transparent PNG of `size` pixels."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line((40, 150, 300, 40, 560, 120), fill=ink, width=9)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def workbook(year: int = 2026, units: tuple[str, ...] = UNITS) -> bytes:
    """The filled workbook of sample wards of Hải Phòng, moved to `year`: each test module
    that makes a dossier of its own takes a year no other module uses."""
    loaded = inputs.load_paths([REPO / "samples" / "assessments" / n for n in units])
    moved = [x.assessment.model_copy(update={"year": year}) for x in loaded]
    return sheet.new_workbook(loaded[0].criteria.id, assessments=moved)


@contextmanager
def serve(app: Any, port: int) -> Iterator[None]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        proxy_headers=False,  # as `hoso serve`: the app's trusted_proxies decide
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="session")
def service(setting: Setting, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running(setting, tmp_path_factory.mktemp("service")) as served:
        yield served


@contextmanager
def running(setting: Setting, folder: Path, **overrides: Any) -> Iterator[Service]:
    """The service with its registry in `folder`, its users, served on a free port; `overrides`
    are further settings (e.g. an SMTP server's)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        data_dir=folder / "data",
        pki_url=setting.urls["tsa"].rsplit(f"/{pki.ARCH}/", 1)[0],
        trust_roots_dir=write_root(folder / "roots", setting.root.dump()),
        public_base_url=url,
        converter_size=1,
        # Each test module issues its dossier in a year of its own (2026–2032), whatever the
        # clock says: the window is wide, the rule that the day is in the printed year stays.
        issue_days_back=36500,
        issue_days_ahead=36500,
        # The queue's daily tasks (reminders, renewals) would fire in whichever test runs at
        # that hour; the tests call them themselves.
        **{"daily_hour": None, **overrides},
    )
    app = workflow_app(settings)
    services: Services = app.state.services
    tokens: dict[str, str] = {}
    p12 = {
        label: setting.p12(label) for label in (CHAIR_P12, SEAL_P12, "ubnd-hai-phong--pho-chu-tich")
    }
    with services.sessions.begin() as session:
        for role, (login, name, kind, body) in ROLES.items():
            _, tokens[role] = add_user(session, login=login, name=name, role=kind, body=body)
            set_password(session, login, PASSWORD)
        for login, label in (
            ("chutich.haiphong", CHAIR_P12),
            ("vanthu.haiphong", SEAL_P12),
            ("phochutich.haiphong", "ubnd-hai-phong--pho-chu-tich"),
        ):
            cert = signing.load_pkcs12(p12[label], pki.TEST_PASSPHRASE).signing_cert
            assert cert is not None
            register_certificate(session, login, cert)
    try:
        with serve(app, port):
            yield Service(url, settings, services, tokens, p12)
    finally:
        services.sessions.kw["bind"].dispose()  # before a PostgreSQL registry is dropped


MEETING = {
    "start": "2026-11-18T08:00:00",
    "end": "2026-11-18T10:30:00",
    "place": "Hội trường Công an thành phố Hải Phòng",
    "attendees": ["Đại diện Văn phòng Ủy ban nhân dân thành phố"],
    "secretary": "Đặng Quốc Việt",
    "votes_for": 11,
    "votes_total": 11,
}
TOKEN_ROUTES = [
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
    ("POST", "/api/archive/seal"),
    ("POST", "/api/archive/renew"),
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
"""Every route that needs a user's token (the recipients' links are their own credential): the
roles test asks each of every role, the schema test fuzzes each with a clerk's token."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def generated(service: Service, year: int) -> list[dict[str, Any]]:
    """The clerk's dossier of Hải Phòng for `year` (a test module's own year, see `workbook`):
    the workbook's wards imported and scored, then the dossier generated with that year's
    meeting and Tờ trình. Its documents, as the API answers them."""
    with service.client("clerk") as clerk:
        r = clerk.post(
            "/api/assessments/workbook", files={"file": ("phieu.xlsx", workbook(year), XLSX)}
        )
        assert r.status_code == 201, r.text
        for a in r.json():
            assert clerk.post(f"/api/assessments/{a['id']}/score").status_code == 200
        meeting = {**MEETING, "start": f"{year}-11-18T08:00", "end": f"{year}-11-18T10:30"}
        proposal = {"reference": "15/TTr-CAHP", "date": f"{year}-11-20"}
        r = clerk.post(
            "/api/dossiers?wait=true",
            json={"body": BODY, "year": year, "proposal": proposal, "meeting": meeting},
        )
        assert r.status_code == 201, r.text
        documents: list[dict[str, Any]] = r.json()
        return documents


def dossier(service: Service) -> list[dict[str, Any]]:
    """The dossier of Hải Phòng for 2026, generated once for the session by the clerk."""
    if "dossier" not in service.cache:
        with service.client("clerk") as clerk:
            r = clerk.post(
                "/api/assessments/workbook", files={"file": ("phieu.xlsx", workbook(), XLSX)}
            )
            assert r.status_code == 201, r.text
            imported = r.json()
            assert {a["unit"] for a in imported} == {"Phường Lê Chân", "Phường An Biên"}
            assert not any(a["scored"] for a in imported)
            for a in imported:
                r = clerk.post(f"/api/assessments/{a['id']}/score")
                assert r.status_code == 200, r.text
                assert r.json()["scored"] and r.json()["result"]["groups"]
            r = clerk.post(
                "/api/dossiers?wait=true",
                json={
                    "body": BODY,
                    "year": 2026,
                    "proposal": {"reference": "15/TTr-CAHP", "date": "2026-11-20"},
                    "meeting": MEETING,
                },
            )
            assert r.status_code == 201, r.text
            service.cache["dossier"] = r.json()
    documents: list[dict[str, Any]] = service.cache["dossier"]
    return documents


def one(documents: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(d for d in documents if d["kind"] == kind)
