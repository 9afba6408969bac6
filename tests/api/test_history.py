"""A Quyết định's paper trail, over the real service: generated, sent, signed, issued, opened
and acknowledged by a recipient, sealed for the archive and revoked — each step in
GET /api/documents/{id}/history and on the page /van-ban/{id}/lich-su with who and when, the
chair's and the body's certificates named by subject, serial and SHA-256 fingerprint; the
Phiếu theo dõi comes back as a PDF the body sealed, which pyHanko validates. This module works
on 2043 (the sample wards moved on), so it leaves the other modules' dossiers alone."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pypdf import PdfReader
from typer.testing import CliRunner

from api.settings import get_settings
from signing import pki
from signing import sign as signing
from tests.api.service import (
    CHAIR_P12,
    PASSWORD,
    ROLES,
    SEAL_P12,
    Service,
    generated,
)
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow

YEAR = 2043  # a year of its own (test_remote_signing takes 2033–2037)


def _fingerprint(service: Service, label: str) -> tuple[str, str]:
    cert = signing.load_pkcs12(service.p12[label], pki.TEST_PASSPHRASE).signing_cert
    assert cert is not None
    return hashlib.sha256(cert.dump()).hexdigest(), f"{cert.serial_number:X}"


@pytest.fixture(scope="module")
def trail(service: Service) -> dict[str, Any]:
    """The 2043 QĐ taken through every step; its id and the recipient's link token."""
    decision = next(d for d in generated(service, YEAR) if d["kind"] == "quyet-dinh")
    path = f"/api/documents/{decision['id']}"
    with service.client("clerk") as clerk:
        assert clerk.post(f"{path}/send").status_code == 200
    key = service.key(CHAIR_P12)
    with service.client("signer") as signer:
        r = signer.post(f"{path}/sign", files=key["files"], data=key["data"])
        assert r.status_code == 200, r.text
    seal = service.key(SEAL_P12)
    with service.client("van_thu") as van_thu:
        r = van_thu.post(
            f"{path}/issue", files=seal["files"], data={**seal["data"], "date": f"{YEAR}-12-05"}
        )
        assert r.status_code == 200, r.text
        recipient = r.json()["recipients"][0]
        token = recipient["link"].rsplit("/", 1)[1]
        with service.client() as anyone:
            who = {"name": "Đỗ Thị Lan", "position": "Chánh Văn phòng"}
            r = anyone.post(f"/api/links/{token}/acknowledge", json=who)
            assert r.status_code == 200, r.text
        assert van_thu.post(f"{path}/archive").status_code == 200
        r = van_thu.post(f"{path}/revoke", json={"reason": "Ban hành nhầm đối tượng"})
        assert r.status_code == 200, r.text
    return {"id": decision["id"], "recipient": recipient["name"], "path": path}


def test_the_history_lists_every_step_with_its_certificate(
    service: Service, trail: dict[str, Any]
) -> None:
    with service.client("van_thu") as van_thu:
        r = van_thu.get(f"{trail['path']}/history")
    assert r.status_code == 200, r.text
    history = r.json()
    steps = [(e["action"], e["actor"]) for e in history["events"]]
    assert steps == [
        ("generate", "user:chuyenvien.haiphong"),
        ("send", "user:chuyenvien.haiphong"),
        ("sign", "user:chutich.haiphong"),
        ("issue", "user:vanthu.haiphong"),
        ("open", steps[4][1]),
        ("acknowledge", steps[4][1]),
        ("archive", "user:vanthu.haiphong"),
        ("revoked", "user:vanthu.haiphong"),
    ]
    assert steps[4][1].startswith("recipient:")
    events = {e["action"]: e for e in history["events"]}
    assert events["sign"]["actor_name"] == "Trần Minh Khôi (người ký)"
    assert events["sign"]["action_vi"] == "Ký số"
    chair_sha, chair_serial = _fingerprint(service, CHAIR_P12)
    body_sha, body_serial = _fingerprint(service, SEAL_P12)
    assert events["sign"]["certificate"]["sha256"] == chair_sha
    assert events["sign"]["certificate"]["serial"].lstrip("0") == chair_serial
    assert "Trần Minh Khôi" in events["sign"]["certificate"]["subject"]
    assert events["issue"]["certificate"]["sha256"] == body_sha
    assert events["issue"]["certificate"]["serial"].lstrip("0") == body_serial
    assert events["issue"]["note"] == f"Số 01/QĐ-UBND, ngày 05 tháng 12 năm {YEAR}"
    # The dossier by its body's name, never by its code ('2043/ubnd-hai-phong').
    assert events["generate"]["note"] == (
        f"Hồ sơ năm {YEAR} của Ủy ban nhân dân thành phố Hải Phòng"
    )
    assert events["open"]["actor_name"] == trail["recipient"]
    assert events["revoked"]["note"] == "Lý do: Ban hành nhầm đối tượng"
    assert history["status"] == "revoked" and history["reference"] == "01/QĐ-UBND"
    assert [e["at"] for e in history["events"]] == sorted(e["at"] for e in history["events"])
    first = history["recipients"][0]
    assert first["name"] == trail["recipient"]
    assert first["opened_at"] and first["acknowledged_at"]
    assert all(r["opened_at"] is None for r in history["recipients"][1:])
    with service.client("clerk") as clerk:  # the body's clerk sees it too
        seen = clerk.get(f"{trail['path']}/history")
        assert seen.status_code == 200 and seen.json()["events"] == history["events"]
    with service.client("police_clerk") as other:  # another body's: not even its existence
        r = other.get(f"{trail['path']}/history")
        assert r.status_code == 404 and r.json()["field"] == "document_id"


def test_the_history_page_shows_who_when_and_which_certificate(
    service: Service, trail: dict[str, Any]
) -> None:
    browser = httpx.Client(base_url=service.url, timeout=60)
    page = browser.get("/dang-nhap")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    login = {"csrf": csrf.group(1), "login": ROLES["van_thu"][0], "password": PASSWORD}
    assert browser.post("/dang-nhap", data=login).status_code in (200, 303)
    r = browser.get(f"/van-ban/{trail['id']}")
    assert f'href="/van-ban/{trail["id"]}/lich-su"' in r.text
    r = browser.get(f"/van-ban/{trail['id']}/lich-su")
    assert r.status_code == 200, r.text
    text = " ".join(re.sub(r"<[^>]+>", " ", r.text).split())
    for words in (
        "Lịch sử văn bản: Quyết định",
        "Tạo dự thảo Nguyễn Thị Lan (chuyên viên)",
        "Trình ký Nguyễn Thị Lan (chuyên viên)",
        "Ký số Trần Minh Khôi (người ký)",
        "Ban hành (cấp số, ký số của cơ quan) Phạm Thu Hà (văn thư)",
        "Niêm phong lưu trữ (B-LTA)",
        "Thu hồi Phạm Thu Hà (văn thư) Lý do: Ban hành nhầm đối tượng",
        f"{trail['recipient']} ",
    ):
        assert words in text, words
    assert _fingerprint(service, CHAIR_P12)[0] in text
    assert "Chưa mở" in text  # the other recipients
    browser.close()


def test_the_phieu_theo_doi_is_sealed_by_the_body(
    service: Service, setting: Setting, trail: dict[str, Any]
) -> None:
    seal = service.key(SEAL_P12)
    with service.client("signer") as signer:  # only the văn thư seals, before any key opens
        r = signer.post(f"{trail['path']}/history.pdf", files=seal["files"], data=seal["data"])
        assert r.status_code == 403
    chair = service.key(CHAIR_P12)
    with service.client("van_thu") as van_thu:
        r = van_thu.post(f"{trail['path']}/history.pdf", files=chair["files"], data=chair["data"])
        assert r.status_code == 403 and r.json()["field"] == "certificate"  # not hers
        r = van_thu.post(f"{trail['path']}/history.pdf", files=seal["files"], data=seal["data"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    pdf = r.content
    text = " ".join(
        " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert "PHIẾU THEO DÕI VĂN BẢN" in text
    assert "Trần Minh Khôi" in text and "01/QĐ-UBND" in text
    (embedded,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(embedded, setting.context())
    assert status.bottom_line, status.pretty_print_details()
    assert status.timestamp_validity is not None  # B-T: with the TSA's timestamp
    body_sha, _ = _fingerprint(service, SEAL_P12)
    assert hashlib.sha256(embedded.signer_cert.dump()).hexdigest() == body_sha


def test_hoso_history_prints_the_trail_and_writes_the_sealed_phieu(
    service: Service,
    setting: Setting,
    trail: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api.cli.main import app

    monkeypatch.setenv("HOSO_DATA_DIR", str(service.settings.data_dir))
    monkeypatch.setenv("HOSO_PKI_URL", service.settings.pki_url)
    monkeypatch.setenv("HOSO_TRUST_ROOTS_DIR", str(service.settings.trust_roots_dir))
    monkeypatch.delenv("HOSO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        done = runner.invoke(app, ["history", str(trail["id"])])
        assert done.exit_code == 0, done.stderr
        printed = json.loads(done.stdout)
        assert [e["action"] for e in printed["events"]][:4] == ["generate", "send", "sign", "issue"]
        key = tmp_path / "ubnd-hai-phong.p12"
        key.write_bytes(service.p12[SEAL_P12])
        out = tmp_path / "phieu.pdf"
        args = ["history", str(trail["id"]), "--out", str(out), "--p12", str(key)]
        done = runner.invoke(app, args, input=pki.TEST_PASSPHRASE.decode() + "\n")
        assert done.exit_code == 0, done.stderr
        (embedded,) = PdfFileReader(io.BytesIO(out.read_bytes())).embedded_signatures
        assert validate_pdf_signature(embedded, setting.context()).bottom_line
        missing = runner.invoke(app, ["history", "999999"])
        assert missing.exit_code == 2 and "Không có văn bản số 999999" in missing.stderr
    finally:
        get_settings.cache_clear()
