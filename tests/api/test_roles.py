"""Role checks of the workflow API: every action a user may not take is refused — 401 without a
valid token, 403 for the wrong role, issuing body or certificate, 404 for a document of a body
the user cannot see — and a refusal changes nothing: not the document, not the number
registry, not the audit log, not the stores.

The module walks the Kế hoạch of Hải Phòng through its life (draft → signed by the chair →
issued by the văn thư) and tries, at each step, what the other roles may not do. It leaves the
Quyết định alone (tests/api/test_workflow.py issues it) and the Thông báo and the Tờ trình as
drafts.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.registry.db import Assessment, AuditEntry, Document, NumberCounter, Recipient, Unit
from docgen import inputs
from signing import pki
from signing import sign as signing
from tests.api.conftest import AppFactory
from tests.api.service import (
    BODY,
    CHAIR_P12,
    POLICE,
    ROLES,
    SEAL_P12,
    TOKEN_ROUTES,
    XLSX,
    Service,
    dossier,
    one,
    workbook,
)
from tests.conftest import REPO

pytestmark = pytest.mark.slow

VICE_CHAIR_P12 = "ubnd-hai-phong--pho-chu-tich"
DOSSIER = f"2026/{BODY}"
ISSUED_ON = "2026-12-01"
REASON = "Ban hành sai thẩm quyền"


# ---- what must not change ------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What a refused request must leave as it was."""

    document: dict[str, Any] | None
    counters: list[tuple[str, str, int, int]]
    """(issuing body, type, year, last số) of the number registry."""
    rows: dict[str, int]
    archive: list[str]
    drafts: list[str]


def snapshot(service: Service, document_id: int | None = None) -> Snapshot:
    document = None
    if document_id is not None:
        with service.client("clerk") as clerk:  # sees the documents of the body's dossier
            r = clerk.get(f"/api/documents/{document_id}")
        assert r.status_code == 200, r.text
        document = r.json()
    with service.services.sessions() as session:
        counters = [
            (c.issuing_body_id, c.type_code, c.year, c.last)
            for c in session.scalars(select(NumberCounter).order_by(*NumberCounter.__table__.c))
        ]
        rows = {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (AuditEntry, Assessment, Unit, Document, Recipient)
        }
    return Snapshot(
        document,
        counters,
        rows,
        list(service.services.archive.iter()),
        list(service.services.drafts.iter()),
    )


@contextmanager
def unchanged(service: Service, document_id: int | None = None) -> Iterator[None]:
    """Check that the block changes neither the document (its JSON: status, sha256, reference…)
    nor the number registry, the row counts (audit log included) or the stores' files."""
    before = snapshot(service, document_id)
    yield
    assert snapshot(service, document_id) == before


def refused(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The error of a refused request, checked for its status and the field at fault."""
    assert r.status_code == status, r.text
    error: dict[str, Any] = r.json()
    assert set(error) == {"code", "message", "message_vi", "field", "request_id"}
    if field is not None:
        assert error["field"] == field, error
    return error


def subject(service: Service, label: str) -> str:
    """How the refusal names the certificate of the PKCS#12 `label`."""
    cert = signing.load_pkcs12(service.p12[label], pki.TEST_PASSPHRASE).signing_cert
    assert cert is not None
    return str(cert.subject.human_friendly)


# ---- the Kế hoạch, step by step ------------------------------------------------------------------


def document(service: Service, kind: str) -> dict[str, Any]:
    """The document of the dossier as it is now."""
    with service.client("clerk") as clerk:
        r = clerk.get(f"/api/documents/{one(dossier(service), kind)['id']}")
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


def signed_plan(service: Service) -> dict[str, Any]:
    """The Kế hoạch, signed by the chair (signed here if it is still a draft)."""
    plan = document(service, "ke-hoach")
    if plan["status"] == "draft":
        with service.client("clerk") as clerk:  # trình ký first: only then may it be signed
            sent = clerk.post(f"/api/documents/{plan['id']}/send")
        assert sent.status_code == 200, sent.text
        with service.client("signer") as signer:
            r = signer.post(f"/api/documents/{plan['id']}/sign", **service.key(CHAIR_P12))
        assert r.status_code == 200, r.text
        plan = r.json()
    assert plan["status"] != "draft"
    return plan


def unsigned_decision(service: Service) -> dict[str, Any]:
    """The QĐ of the shared dossier, still a draft: a draft of the chair's own body that these
    tests never sign (test_workflow, which runs after them, signs it)."""
    decision = one(dossier(service), "quyet-dinh")
    with service.services.sessions() as session:
        found = session.get(Document, decision["id"])
        assert found is not None and found.status == "draft", "signed before test_roles ran"
    return decision


def issued_plan(service: Service) -> dict[str, Any]:
    """The Kế hoạch, issued by the văn thư (issued here if it is only signed)."""
    plan = signed_plan(service)
    if plan["status"] == "signed":
        with service.client("van_thu") as van_thu:
            r = van_thu.post(f"/api/documents/{plan['id']}/issue", **dated(service.key(SEAL_P12)))
        assert r.status_code == 200, r.text
        plan = r.json()["document"]
    assert plan["status"] == "issued"
    return plan


def dated(key: dict[str, Any], day: str = ISSUED_ON) -> dict[str, Any]:
    return {"files": key["files"], "data": {**key["data"], "date": day}}


def wrong_passphrase(key: dict[str, Any]) -> dict[str, Any]:
    return {"files": key["files"], "data": {**key["data"], "passphrase": "not-the-passphrase"}}


# ---- no valid token ------------------------------------------------------------------------------


def test_every_route_that_needs_a_token_is_checked_here(make_app: AppFactory) -> None:
    """A new route that asks for a user (the archive export, say) joins TOKEN_ROUTES; no other
    route of the API is open but the verification and the recipients' links."""
    operations = [
        (method.upper(), path, bool(operation.get("security")))
        for path, item in make_app().openapi()["paths"].items()
        for method, operation in item.items()
    ]
    assert {(m, p) for m, p, secured in operations if secured} == set(TOKEN_ROUTES)
    open_api = {p for m, p, secured in operations if p.startswith("/api/") and not secured}
    # The pairing code is its credential; a bulk verification's job is read with its token.
    own_credential = ("/api/verify", "/api/verify/batch", "/api/agents/pair")
    assert all(p in own_credential or p.startswith("/api/links/") for p in open_api), open_api


def _valid_input(service: Service, method: str, path: str, document_id: int) -> dict[str, Any]:
    """What the route accepts from a user allowed to call it: a refusal is for the token only."""
    if path.endswith("/sign"):
        return service.key(CHAIR_P12)
    if path.endswith(("/signature/prepare", "/finish")):
        cert = base64.b64encode(service.p12[CHAIR_P12][:64]).decode()  # any base64 will do
        return {"json": {"certificate": cert, "signature_value": cert}}
    if path.endswith("/return"):
        return {"json": {"comment": "Sửa lại căn cứ"}}
    if path in ("/api/signatures/remote", "/api/signatures/remote/jobs"):
        return {"json": {"document_ids": [document_id]}}
    if path.endswith("/issue"):
        return dated(service.key(SEAL_P12))
    if path.endswith("/history.pdf"):
        return service.key(SEAL_P12)
    if path.endswith("/role"):
        return {"json": {"role": "archivist"}}
    if path.endswith(("/revoke", "/replace")):
        return {"json": {"reason": REASON, "by": document_id}}
    if path == "/api/archive/export":
        return {"params": {"year": 2026}}
    if path == "/api/archive/seal":
        return {"json": {"year": 2026}}
    if path == "/api/archive/renew":
        return {"json": {"within_days": 30}}
    if path == "/api/dossiers":
        return {"json": {"body": BODY, "year": 2026}}
    if path == "/api/assessments/workbook":
        return {"files": {"file": ("phieu.xlsx", workbook(), XLSX)}}
    if (method, path) == ("POST", "/api/assessments"):
        return {"json": [_assessment("phuong-hai-an-2026-can-bo.yaml")]}
    return {}


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token-of-anyone", "Basic Y2h1dGljaDpob3Nv"],
    ids=["none", "wrong token", "not bearer"],
)
@pytest.mark.parametrize(("method", "route"), TOKEN_ROUTES, ids=[" ".join(r) for r in TOKEN_ROUTES])
def test_without_a_valid_token_every_route_answers_401(
    service: Service, method: str, route: str, authorization: str | None
) -> None:
    plan = one(dossier(service), "ke-hoach")
    with service.client("clerk") as clerk:
        assessment = clerk.get("/api/assessments").json()[0]["id"]
    path = route.format(
        document_id=plan["id"],
        assessment_id=assessment,
        login=ROLES["clerk"][0],
        prepared_id="x" * 16,
        job_id="y" * 16,
        agent_id=1,
    )
    headers = {"Authorization": authorization} if authorization else {}
    kwargs = _valid_input(service, method, route, plan["id"])
    with unchanged(service, plan["id"]), service.client() as anyone:
        r = anyone.request(method, path, headers=headers, **kwargs)
    error = refused(r, 401, "authorization")
    assert error["code"] == "unauthenticated"


# ---- signing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "label"),
    [
        ("clerk", CHAIR_P12),
        ("van_thu", SEAL_P12),  # the văn thư's own registered certificate
        ("van_thu", CHAIR_P12),
        ("archivist", CHAIR_P12),
        ("admin", CHAIR_P12),
    ],
)
def test_only_a_signer_signs(service: Service, who: str, label: str) -> None:
    plan = one(dossier(service), "ke-hoach")
    with unchanged(service, plan["id"]), service.client(who) as user:
        r = user.post(f"/api/documents/{plan['id']}/sign", **service.key(label))
    error = refused(r, 403, "role")
    assert error["code"] == "forbidden"


@pytest.mark.parametrize(
    ("who", "label"),
    [
        ("signer", VICE_CHAIR_P12),  # the chair with the Phó Chủ tịch's key
        ("signer", SEAL_P12),  # the chair with the organisation's key (the văn thư's)
        ("other_signer", CHAIR_P12),  # the Phó Chủ tịch with the chair's key
    ],
)
def test_a_signer_signs_only_with_a_certificate_registered_to_them(
    service: Service, who: str, label: str
) -> None:
    notice = unsigned_decision(service)
    with unchanged(service, notice["id"]), service.client(who) as signer:
        r = signer.post(f"/api/documents/{notice['id']}/sign", **service.key(label))
    error = refused(r, 403, "certificate")
    assert subject(service, label) in error["message"]


def test_a_signer_signs_only_what_is_to_be_signed_by_them(service: Service) -> None:
    """The Phó Chủ tịch, with her own registered key, cannot sign above the chair's name."""
    notice = unsigned_decision(service)  # its block: CHỦ TỊCH Trần Minh Khôi
    with unchanged(service, notice["id"]), service.client("other_signer") as vice:
        r = vice.post(f"/api/documents/{notice['id']}/sign", **service.key(VICE_CHAIR_P12))
    error = refused(r, 403, "signer")
    assert "Trần Minh Khôi" in error["message"]


def test_a_signer_signs_only_what_the_clerk_sent(service: Service) -> None:
    """A draft of the chair's own body, above his name, that the clerk never sent for
    signature: he is refused with his own key, and only a clerk sends."""
    dossier(service)
    with service.services.sessions() as session:
        waiting = session.scalars(
            select(Document.id).where(
                Document.issuing_body_id == BODY,
                Document.status == "draft",
                Document.sent_at.is_(None),
                Document.signer_name == ROLES["signer"][1],
            )
        ).first()
    assert waiting is not None, "the dossier has no unsent draft of the chair's"
    with unchanged(service, waiting), service.client("signer") as signer:
        r = signer.post(f"/api/documents/{waiting}/sign", **service.key(CHAIR_P12))
        error = refused(r, 409, "document_id")
        assert "chưa được chuyên viên trình ký" in error["message_vi"]
        refused(signer.post(f"/api/documents/{waiting}/send"), 403, "role")


def test_a_signer_signs_only_documents_of_their_body(service: Service) -> None:
    proposal = one(dossier(service), "to-trinh")  # the Công an's, in the UBND's dossier
    assert proposal["issuing_body"] == POLICE
    with unchanged(service, proposal["id"]), service.client("signer") as signer:
        assert signer.get(f"/api/documents/{proposal['id']}").status_code == 200  # visible
        r = signer.post(f"/api/documents/{proposal['id']}/sign", **service.key(CHAIR_P12))
    error = refused(r, 403, "issuing_body")
    assert POLICE in error["message"]
    # A person reads the bodies by their names, never by their codes.
    assert error["message_vi"] == (
        "Trần Minh Khôi (Ủy ban nhân dân thành phố Hải Phòng) không thuộc Công an thành phố "
        "Hải Phòng: không được ký văn bản"
    )


def test_the_police_sees_only_the_documents_it_issues(service: Service) -> None:
    """The Công an's clerk works for ca-hai-phong: of the UBND's dossier it sees the Biên bản
    and the Tờ trình it issues; the UBND's own documents do not exist for it."""
    plan, proposal = one(dossier(service), "ke-hoach"), one(dossier(service), "to-trinh")
    with unchanged(service, plan["id"]), service.client("police_clerk") as police:
        listed = police.get("/api/documents", params={"dossier": DOSSIER}).json()
        assert {d["kind"] for d in listed} == {"bien-ban", "to-trinh"}
        assert {d["issuing_body"] for d in listed} == {POLICE}
        assert police.get(f"/api/documents/{proposal['id']}").status_code == 200
        for path in ("", "/file", "/recipients"):
            refused(police.get(f"/api/documents/{plan['id']}{path}"), 404, "document_id")
        r = police.post(f"/api/documents/{plan['id']}/sign", **service.key(CHAIR_P12))
        refused(r, 403, "role")  # a clerk signs nothing: refused before the key is opened
        r = police.post(f"/api/documents/{proposal['id']}/sign", **service.key(CHAIR_P12))
        refused(r, 403, "role")  # its own document, but a clerk does not sign
        assert police.get("/api/assessments").json() == []  # the units are the UBND's


# ---- issuing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "label", "status", "field"),
    [
        ("clerk", SEAL_P12, 403, "role"),
        ("signer", CHAIR_P12, 403, "role"),
        ("archivist", SEAL_P12, 403, "role"),
        ("admin", SEAL_P12, 403, "role"),
        ("police_clerk", SEAL_P12, 403, "role"),
        ("van_thu", CHAIR_P12, 403, "certificate"),  # the chair's key is not registered to her
    ],
)
def test_only_the_van_thu_issues_with_the_certificate_registered_to_her(
    service: Service, who: str, label: str, status: int, field: str
) -> None:
    plan = signed_plan(service)
    assert plan["status"] == "signed"
    with unchanged(service, plan["id"]), service.client(who) as user:
        r = user.post(f"/api/documents/{plan['id']}/issue", **dated(service.key(label)))
    error = refused(r, status, field)
    if field == "certificate":
        assert subject(service, label) in error["message"]


def test_a_wrong_passphrase_issues_nothing(service: Service) -> None:
    plan = signed_plan(service)
    with unchanged(service, plan["id"]), service.client("van_thu") as van_thu:
        r = van_thu.post(
            f"/api/documents/{plan['id']}/issue", **dated(wrong_passphrase(service.key(SEAL_P12)))
        )
    error = refused(r, 400, "passphrase")
    assert error["code"] == "key_unavailable"


# ---- after the issue -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["clerk", "signer", "archivist", "admin"])
def test_only_the_van_thu_revokes_replaces_or_archives(service: Service, who: str) -> None:
    plan = issued_plan(service)
    path = f"/api/documents/{plan['id']}"
    with unchanged(service, plan["id"]), service.client(who) as user:
        refused(user.post(f"{path}/revoke", json={"reason": REASON}), 403, "role")
        r = user.post(f"{path}/replace", json={"reason": REASON, "by": plan["id"]})
        refused(r, 403, "role")
        refused(user.post(f"{path}/archive"), 403, "role")
        refused(user.post(f"{path}/issue", **dated(service.key(SEAL_P12))), 403, "role")


@pytest.mark.parametrize("who", ["clerk", "signer", "van_thu", "admin", "police_clerk"])
def test_only_the_archivist_exports(service: Service, who: str) -> None:
    issued_plan(service)  # something to export
    with unchanged(service), service.client(who) as user:
        r = user.get("/api/archive/export", params={"year": 2026})
    refused(r, 403, "role")


def test_an_issued_document_is_not_issued_again(service: Service) -> None:
    plan = issued_plan(service)
    with unchanged(service, plan["id"]), service.client("van_thu") as van_thu:
        r = van_thu.post(f"/api/documents/{plan['id']}/issue", **dated(service.key(SEAL_P12)))
    error = refused(r, 409, "document_id")
    assert error["code"] == "state_error"


def test_a_revocation_needs_a_reason(service: Service) -> None:
    plan = issued_plan(service)
    path = f"/api/documents/{plan['id']}/revoke"
    with unchanged(service, plan["id"]), service.client("van_thu") as van_thu:
        refused(van_thu.post(path, json={"reason": ""}), 422, "reason")
        refused(van_thu.post(path, json={}), 422, "reason")
        refused(van_thu.post(path, json={"reason": " \t "}), 422, "reason")  # blank


def test_a_recipients_link_opens_its_own_document_only(service: Service) -> None:
    plan = issued_plan(service)
    notice = one(dossier(service), "quyet-dinh")  # another document of the body
    with service.client("van_thu") as van_thu:
        sent = van_thu.get(f"/api/documents/{plan['id']}/recipients").json()
        issued = van_thu.get(f"/api/documents/{plan['id']}/file").content
    assert sent, "the Kế hoạch has recipients"
    tokens = [s["link"].rsplit("/", 1)[1] for s in sent]
    assert len(set(tokens)) == len(tokens)
    assert hashlib.sha256(issued).hexdigest() == plan["sha256"]
    assert service.services.archive.get(plan["sha256"]) == issued

    with service.client() as recipient:
        for token in tokens:
            r = recipient.get(f"/api/links/{token}")
            assert r.status_code == 200, r.text
            assert r.json()["reference"] == plan["reference"]
            assert recipient.get(r.json()["file"]).content == issued
        # The link is no user's token: it opens no other document, nor this one by its id.
        bearer = {"Authorization": f"Bearer {tokens[0]}"}
        with unchanged(service, notice["id"]):
            for document_id in (plan["id"], notice["id"]):
                r = recipient.get(f"/api/documents/{document_id}/file", headers=bearer)
                refused(r, 401, "authorization")
            near = tokens[0][:-1] + ("1" if tokens[0].endswith("0") else "0")
            refused(recipient.get(f"/api/links/{near}/file"), 404, "token")


@pytest.mark.parametrize("who", ["clerk", "signer", "archivist", "admin"])
def test_only_the_van_thu_sees_the_recipients_links(service: Service, who: str) -> None:
    """The links are the recipients' credentials: whoever holds one opens and acknowledges in
    the recipient's name."""
    plan = issued_plan(service)
    with unchanged(service, plan["id"]), service.client(who) as user:
        r = user.get(f"/api/documents/{plan['id']}/recipients")
    refused(r, 403, "role")


def test_the_admin_sees_published_documents_only(service: Service) -> None:
    """An admin manages users, not dossiers: no body's drafts or signed drafts are listed or
    downloadable for it; what is issued (public on the verification page anyway) is."""
    plan, proposal = issued_plan(service), one(dossier(service), "to-trinh")
    with service.client("clerk") as clerk:
        drafts = [
            d["id"]
            for d in clerk.get("/api/documents", params={"dossier": DOSSIER}).json()
            if d["status"] in ("draft", "signed")
        ]
    assert proposal["id"] in drafts or proposal["status"] not in ("draft", "signed")
    assert drafts  # the dossier has unpublished documents to hide
    with unchanged(service, plan["id"]), service.client("admin") as admin:
        listed = admin.get("/api/documents").json()
        assert plan["id"] in {d["id"] for d in listed}
        assert {d["status"] for d in listed} <= {"issued", "archived", "revoked", "replaced"}
        assert admin.get(f"/api/documents/{plan['id']}").status_code == 200
        for draft in drafts:
            for path in ("", "/file"):
                refused(admin.get(f"/api/documents/{draft}{path}"), 404, "document_id")


# ---- assessments and dossiers --------------------------------------------------------------------


def _assessment(name: str) -> dict[str, Any]:
    """A sample unit's assessment as the JSON import takes it."""
    (loaded,) = inputs.load_paths([REPO / "samples" / "assessments" / name])
    data: dict[str, Any] = loaded.assessment.model_dump(mode="json", exclude_none=True)
    return data


def test_only_a_clerk_imports_scores_and_generates(service: Service) -> None:
    dossier(service)
    with service.client("clerk") as clerk:
        assessment = clerk.get("/api/assessments").json()[0]["id"]
    sheet = {"file": ("phieu.xlsx", workbook(), XLSX)}
    hai_an = [_assessment("phuong-hai-an-2026-can-bo.yaml")]  # a ward of Hải Phòng
    with unchanged(service):
        with service.client("signer") as signer:
            refused(signer.post("/api/assessments/workbook", files=sheet), 403, "role")
            refused(signer.post("/api/assessments", json=hai_an), 403, "role")
        with service.client("van_thu") as van_thu:
            r = van_thu.post("/api/dossiers", json={"body": BODY, "year": 2026})
            refused(r, 403, "role")
        with service.client("archivist") as archivist:
            refused(archivist.post(f"/api/assessments/{assessment}/score"), 403, "role")
        with service.client("admin") as admin:
            refused(admin.post("/api/assessments", json=hai_an), 403, "role")
        with service.client("police_clerk") as police:
            r = police.post("/api/dossiers", json={"body": BODY, "year": 2026})
            error = refused(r, 403, "issuing_body")
            assert error["message_vi"] == (
                "Vũ Thị Mai (Công an thành phố Hải Phòng) không thuộc Ủy ban nhân dân thành "
                "phố Hải Phòng: không được tạo hồ sơ"
            )
            refused(police.post(f"/api/assessments/{assessment}/score"), 404, "assessment_id")


def test_a_clerk_imports_only_units_of_their_body(service: Service) -> None:
    """An assessment of another body's unit is a problem of the input, located at the unit's
    issuing_body (422, like any other invalid assessment), not a refusal of the clerk, who
    imports the units of their own body (the dossier's)."""
    kinh_bac = _assessment("phuong-kinh-bac-2026-toi-pham.yaml")  # a ward of Bắc Ninh
    assert kinh_bac["unit"]["issuing_body"] != BODY
    with unchanged(service), service.client("clerk") as clerk:
        r = clerk.post("/api/assessments", json=[kinh_bac])
    error = refused(r, 422)
    assert error["code"] == "invalid_assessment"
    assert "unit.issuing_body" in error["message"]
    # Both bodies by their names, not their codes (issue 17).
    assert "belongs to Ủy ban nhân dân tỉnh Bắc Ninh" in error["message"]
    assert "not to Ủy ban nhân dân thành phố Hải Phòng" in error["message"]
