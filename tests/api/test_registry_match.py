"""The verification endpoint and the public page over the real registry: a Quyết định issued
through `record_issue` into a SQLite registry is recognised bit for bit by its SHA-256 and by
the code of its QR link, with its số, ngày and status; revoking it shows on the page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.app import create_app, database_registry
from api.registry import db
from api.registry import numbering as registry
from api.settings import Settings
from docgen import vn
from tests.api.conftest import TestClient
from tests.databases import prepare
from tests.signing_setting import Setting, issued, signed_by

pytestmark = pytest.mark.slow


def test_an_issued_decision_is_found_in_the_registry(
    setting: Setting, pki_roots: Path, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", trust_roots_dir=pki_roots)
    sessions = db.session_factory(prepare(settings.database()))
    signed = signed_by(setting, "ubnd-hai-phong--chu-tich")
    done = registry.record_issue(
        sessions,
        body="ubnd-hai-phong",
        type_code="QĐ",
        issued_on=dt.date(2026, 12, 5),
        make=lambda number: issued(setting, signed, number=number),
        actor="văn thư",
        subject="Về việc công nhận đơn vị điển hình",
    )
    assert done.reference == "01/QĐ-UBND"
    with TestClient(create_app(settings, registry=database_registry(settings))) as client:
        answer = client.post(
            "/api/verify", files={"file": ("qd.pdf", done.pdf, "application/pdf")}
        ).json()
        assert answer["indication"] == "TOTAL_PASSED"
        record = answer["registry"]
        assert record["number"] == "01/QĐ-UBND" and record["status"] == "in force"
        assert record["issuing_body"] == "Ủy ban nhân dân thành phố Hải Phòng"
        # Another copy of the same signatures, one byte different, is not the registered file.
        other = client.post(
            "/api/verify",
            files={"file": ("qd.pdf", done.pdf + b"\n", "application/pdf")},
        ).json()
        assert other["registry"] is None
        page = client.get(f"/v/{done.verification_code}")
        assert page.status_code == 200
        assert "01/QĐ-UBND" in page.text and vn.nd30_date(dt.date(2026, 12, 5)) in page.text
        assert "Đang có hiệu lực" in page.text
        with sessions.begin() as session:
            document = session.get(db.Document, done.document_id)
            assert document is not None
            document.status, document.reason = "revoked", "Ban hành sai thẩm quyền"
        revoked = client.get(f"/v/{done.verification_code}")
        assert "Đã bị thu hồi" in revoked.text and "Ban hành sai thẩm quyền" in revoked.text
