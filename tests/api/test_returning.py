"""Trả lại, cho ý kiến: the chair returns a draft with his comments instead of signing it; it
leaves his queue, the clerk reads the comments on the Hồ sơ page, sends it again (the comments
are cleared, the audit log keeps them). A return without comments, or by someone else, changes
nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from api.registry.db import AuditEntry, Document
from tests.api.service import BODY, Service, generated
from tests.api.test_ui_office_pages import Browser, text

pytestmark = pytest.mark.slow
YEAR = 2039  # this module's own dossier
COMMENT = "Đề nghị bổ sung căn cứ Thông tư số 124/2021/TT-BCA vào phần căn cứ."


@pytest.fixture(scope="module")
def decision(service: Service) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in generated(service, YEAR) if d["kind"] == "quyet-dinh")
    with service.client("clerk") as clerk:
        assert clerk.post(f"/api/documents/{found['id']}/send").status_code == 200
    return found


def waiting(service: Service) -> set[int]:
    with service.client("signer") as signer:
        return {d["id"] for d in signer.get("/api/signatures/waiting").json()}


def test_the_chair_returns_a_draft_with_comments_and_the_clerk_sends_it_again(
    service: Service, decision: dict[str, Any]
) -> None:
    path = f"/api/documents/{decision['id']}/return"
    assert decision["id"] in waiting(service)
    with service.client("signer") as signer:
        r = signer.post(path, json={"comment": "   "})  # refused by the schema's rule: 422
        assert r.status_code == 422 and r.json()["field"] == "comment", r.text
    with service.client("other_signer") as vice:
        assert vice.post(path, json={"comment": COMMENT}).status_code == 403
    assert decision["id"] in waiting(service)

    with Browser(service, "signer") as browser:
        page = browser.get("/ky-so")
        assert "Trả lại, cho ý kiến" in text(page)
        r = browser.post(
            f"/ky-so/{decision['id']}/tra-lai",
            data={"comment": COMMENT},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
    assert decision["id"] not in waiting(service)
    with service.services.sessions() as session:
        row = session.get(Document, decision["id"])
        assert row is not None and row.status == "draft" and row.sent_at is None
        logged = session.scalars(
            select(AuditEntry.detail).where(
                AuditEntry.document_id == decision["id"], AuditEntry.action == "return"
            )
        ).all()
        assert logged == [{"comment": COMMENT}]

    with Browser(service, "clerk") as clerk_page:
        dossier = clerk_page.get(f"/ho-so/{YEAR}/{BODY}")
        assert dossier.status_code == 200
        assert f"Người ký trả lại, ý kiến: {COMMENT}" in text(dossier).replace(
            "<strong>", ""
        ).replace("</strong>", "")
    with service.client("clerk") as clerk:
        assert clerk.post(f"/api/documents/{decision['id']}/send").status_code == 200
    assert decision["id"] in waiting(service)
    with service.services.sessions() as session:
        row = session.get(Document, decision["id"])
        assert row is not None and row.returned_comment is None
