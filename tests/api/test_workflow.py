"""The recognition workflow end to end through the HTTP API, with a real uvicorn on loopback:
the clerk imports the workbook and scores, generates the dossier; the chair signs the Quyết
định; the văn thư issues it; a recipient opens their link and acknowledges; anyone verifies the
file they received and gets TOTAL_PASSED with the registry's record."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from api.registry.db import AuditEntry, NumberCounter
from api.workflow.users import register_signature_image
from tests import softhsm
from tests.api.service import (
    BODY,
    CHAIR_P12,
    SEAL_P12,
    XLSX,
    Service,
    dossier,
    one,
    signature_png,
    workbook,
)
from tests.conftest import need
from tests.signing_setting import Setting

pytestmark = pytest.mark.slow


def _images(xobject: Any) -> set[tuple[int, int]]:
    """The sizes of the images a form XObject draws, through nested forms."""
    found: set[tuple[int, int]] = set()
    for ref in xobject.get("/Resources", {}).get("/XObject", {}).values():
        inner = ref.get_object()
        if inner["/Subtype"] == "/Image":
            found.add((int(inner["/Width"]), int(inner["/Height"])))
        else:
            found |= _images(inner)
    return found


def test_generate_makes_every_document_of_the_dossier_as_drafts(service: Service) -> None:
    documents = dossier(service)
    kinds = [d["kind"] for d in documents]
    for kind in ("ke-hoach", "ban-dang-ky", "bao-cao", "bien-ban", "to-trinh", "quyet-dinh"):
        assert kind in kinds
    assert kinds.count("bao-cao") == 2  # one per unit
    assert {d["status"] for d in documents} == {"draft"}
    decision = one(documents, "quyet-dinh")
    assert decision["type_code"] == "QĐ" and decision["issuing_body"] == BODY
    assert decision["reference"] is None  # no số before it is issued
    assert one(documents, "to-trinh")["issuing_body"] == "ca-hai-phong"
    with service.client("clerk") as clerk:
        pdf = clerk.get(decision["file"]).content
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == decision["sha256"]


def test_end_to_end_sign_issue_deliver_verify(
    service: Service, setting: Setting, tmp_path: Path
) -> None:
    """The chair signs with a PKCS#12 file, the văn thư issues with the body's key on a
    PKCS#11 token (SoftHSM2): both ways of naming a key, over HTTP."""
    need(shutil.which("softhsm2-util") is not None, "softhsm2 missing: make setup installs it")
    decision = one(dossier(service), "quyet-dinh")
    path = f"/api/documents/{decision['id']}"
    with service.client("clerk") as clerk:  # trình ký: from now on the chair may sign it
        assert clerk.post(f"{path}/send").status_code == 200

    key = service.key(CHAIR_P12)
    with service.client("signer") as signer:
        # Her own image must be a blue PNG on a transparent background: black ink is refused
        # before her key is opened, and the draft stays a draft.
        black = {"image": ("chu-ky.png", signature_png(ink=(0, 0, 0, 255)), "image/png")}
        r = signer.post(f"{path}/sign", files={**key["files"], **black}, data=key["data"])
        assert r.status_code == 400 and r.json()["field"] == "image", r.text
        assert "không có màu xanh" in r.json()["message_vi"]
        assert signer.get(path).json()["status"] == "draft"
        own = {"image": ("chu-ky.png", signature_png(), "image/png")}
        r = signer.post(f"{path}/sign", files={**key["files"], **own}, data=key["data"])
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "signed"
        assert r.json()["signer_info"] == "Chủ tịch Trần Minh Khôi"
        signed = PdfReader(io.BytesIO(signer.get(f"{path}/file").content))
    # Her signature shows her image, not the sample drawn from her name.
    (widget,) = [f for f in signed.get_fields().values() if f.get("/T") == "chu_ky"]
    assert (601, 203) in _images(widget.indirect_reference.get_object()["/AP"]["/N"])

    on_token = {"token": "TEST Văn thư", "key": SEAL_P12, "pin": softhsm.USER_PIN}
    with (
        softhsm.tokens(tmp_path, setting.folder, {on_token["token"]: [SEAL_P12]}),
        service.client("van_thu") as van_thu,
    ):
        # A day outside the year the QĐ prints ("năm 2026") is refused and takes no number.
        for day in ("1901-01-01", "9999-12-31", "2027-01-05"):
            r = van_thu.post(f"{path}/issue", data={**on_token, "date": day})
            assert r.status_code == 422, r.text
            assert (r.json()["code"], r.json()["field"]) == ("invalid_issue_date", "date")
            assert r.json()["message_vi"].startswith(f"Ngày ban hành {day[8:]}/{day[5:7]}/")
        assert "phải thuộc năm 2026" in r.json()["message_vi"]
        r = van_thu.post(f"{path}/issue", data={**on_token, "date": "2026-12-05"})
        assert r.status_code == 200, r.text
        issued = r.json()
        assert issued["reference"] == "01/QĐ-UBND"
        assert issued["issued_on"] == "2026-12-05"
        assert issued["document"]["status"] == "issued"
        names = [p["name"] for p in issued["recipients"]]
        # "- Như Điều 3;" stands for the bodies Điều 3 names: the recognised unit among them
        # (Lê Chân is not recognised); the "- Lưu: …" line is no recipient.
        assert names[:2] == [
            "Chánh Văn phòng UBND thành phố Hải Phòng",
            "Giám đốc Công an thành phố Hải Phòng",  # Điều 3 names the head, not the agency
        ]
        assert "Phường An Biên" in names and "Phường Lê Chân" not in names
        assert "Bộ Công an (qua V05)" in names
        assert not any(n.startswith("Lưu") for n in names)
        first = issued["recipients"][0]
        assert first["opened_at"] is None and first["acknowledged_at"] is None
        link = first["link"]
        assert link.startswith(service.url + "/r/")
        token = link.rsplit("/", 1)[1]

    with service.client() as recipient:  # no account: the link is the credential
        # What a mail scanner fetches (the page, its document, the JSON) records nothing.
        assert recipient.get(link.removeprefix(service.url)).status_code == 200
        assert recipient.head(link.removeprefix(service.url)).status_code == 200
        assert recipient.get(f"/api/links/{token}/file").status_code == 200
        r = recipient.get(f"/api/links/{token}")
        assert r.status_code == 200, r.text
        assert r.json()["reference"] == "01/QĐ-UBND" and r.json()["opened_at"] is None
        # The page, loaded in a browser, posts the opening (static/link.js): recorded once.
        page = recipient.get(link.removeprefix(service.url)).text
        assert f'data-open="/api/links/{token}/open"' in page and "/static/link.js" in page
        opened = recipient.post(f"/api/links/{token}/open").json()["opened_at"]
        assert opened and recipient.post(f"/api/links/{token}/open").json()["opened_at"] == opened
        r = recipient.get(f"/api/links/{token}")
        assert r.json()["opened_at"] == opened and r.json()["acknowledged_at"] is None
        # Acknowledging needs the name and position the recipient types: refused without.
        r = recipient.post(f"/api/links/{token}/acknowledge", json={"name": "Lý Văn Tâm"})
        assert r.status_code == 400 and r.json()["field"] == "position", r.text
        assert r.json()["message_vi"] == "Cần nhập chức vụ của người xác nhận"
        assert recipient.get(f"/api/links/{token}").json()["acknowledged_at"] is None
        who = {"name": " Lý  Văn Tâm ", "position": "Chánh Văn phòng"}
        r = recipient.post(f"/api/links/{token}/acknowledge", json=who)
        assert r.status_code == 200 and r.json()["acknowledged_at"]
        assert (r.json()["acknowledged_by"], r.json()["acknowledged_position"]) == (
            "Lý Văn Tâm",
            "Chánh Văn phòng",
        )
        received = recipient.get(f"/api/links/{token}/file").content
        assert recipient.get(f"/api/links/{'0' * 40}").status_code == 404

    second = issued["recipients"][1]
    with service.client() as browser:  # the page the link opens, in Vietnamese
        page = browser.get(second["link"].removeprefix(service.url))
        assert page.status_code == 200
        assert f"Văn bản gửi đến {second['name']}" in page.text
        assert "01/QĐ-UBND" in page.text and "Xác nhận đã nhận văn bản" in page.text
        assert page.text.count('<img src="/r/') == decision["page_count"]  # pages inline
        # Its footer talks of the link, not of uploading files the page does not take.
        assert "Tệp tải lên" not in page.text and "xin đừng chuyển tiếp" in page.text
        assert "<script" not in page.text.split("</title>")[0]
        image = browser.get(f"/r/{second['link'].rsplit('/', 1)[1]}/trang/1.png")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        form = second["link"].removeprefix(service.url)
        page = browser.post(form, data={"name": "Trịnh Quốc Huy", "position": ""})
        assert page.status_code == 400 and 'aria-invalid="true"' in page.text
        assert "Cần nhập chức vụ của người xác nhận" in page.text
        assert 'value="Trịnh Quốc Huy"' in page.text  # what was typed stays
        page = browser.post(form, data={"name": "Trịnh Quốc Huy", "position": "Phó Giám đốc"})
        assert page.status_code == 200 and "Đã xác nhận nhận được văn bản lúc" in page.text
        assert "người xác nhận: Trịnh Quốc Huy (Phó Giám đốc)" in page.text

    with service.client("signer") as signer:  # an issued document is signed no more
        again = signer.post(f"{path}/sign", **service.key(CHAIR_P12))
    assert again.status_code == 409 and again.json()["field"] == "document_id"
    assert again.json()["message_vi"] == (
        "Văn bản đang ở trạng thái “đã ban hành”; chỉ ký văn bản ở trạng thái “dự thảo”"
    )

    with service.client("van_thu") as van_thu:
        state = van_thu.get(f"{path}/recipients").json()
    assert all(s["opened_at"] and s["acknowledged_at"] for s in state[:2])
    assert [s["acknowledged_by"] for s in state[:2]] == ["Lý Văn Tâm", "Trịnh Quốc Huy"]
    assert all(s["opened_at"] is None for s in state[2:])  # the others have not opened theirs

    with service.client() as anyone:
        r = anyone.post("/api/verify", files={"file": ("qd.pdf", received, "application/pdf")})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["indication"] == "TOTAL_PASSED", report["message"]
    assert len(report["signatures"]) == 2
    assert report["registry"]["number"] == "01/QĐ-UBND"
    assert report["registry"]["status"] == "in force"

    with service.services.sessions() as session:
        counter = session.get(NumberCounter, (BODY, "QĐ", 2026))
        actions = [
            a.action for a in session.query(AuditEntry).filter_by(document_id=decision["id"])
        ]
    assert counter is not None and counter.last == 1
    assert actions == ["send", "sign", "issue"] + ["open", "acknowledge"] * 2


def test_a_deputy_signs_the_decision_kt_when_the_clerk_names_her(service: Service) -> None:
    """ND 30 ô 7: the clerk names the Phó Chủ tịch as the QĐ's signer (2032, a year of its own);
    the block reads KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / her name, she signs it and the chair may not.
    An unknown signer is refused at the field, with nothing generated."""
    year, proposal = 2032, {"reference": "15/TTr-CAHP", "date": "2032-11-20"}
    with service.client("clerk") as clerk:
        r = clerk.post(
            "/api/assessments/workbook", files={"file": ("phieu.xlsx", workbook(year), XLSX)}
        )
        assert r.status_code == 201, r.text
        for assessment in r.json():
            assert clerk.post(f"/api/assessments/{assessment['id']}/score").status_code == 200
        request = {"body": BODY, "year": year, "proposal": proposal}
        refused = clerk.post("/api/dossiers?wait=true", json={**request, "signer": "giam-doc"})
        assert refused.status_code == 400, refused.text
        assert refused.json()["field"] == "signer"
        assert clerk.get("/api/documents", params={"dossier": f"{year}/{BODY}"}).json() == []
        r = clerk.post("/api/dossiers?wait=true", json={**request, "signer": "pho-chu-tich"})
        assert r.status_code == 201, r.text
        decision = one(r.json(), "quyet-dinh")
        assert clerk.post(f"/api/documents/{decision['id']}/send").status_code == 200
        pages = PdfReader(io.BytesIO(clerk.get(decision["file"]).content)).pages
    text = "".join(page.extract_text() for page in pages)
    block = text[text.rindex("KT. CHỦ TỊCH") :]
    assert "PHÓ CHỦ TỊCH" in block and "Lê Thị Hồng Nhung" in block
    assert "TM. ỦY BAN NHÂN DÂN" not in text and "Trần Minh Khôi" not in text

    path = f"/api/documents/{decision['id']}/sign"
    with service.client("signer") as chair:
        assert chair.post(path, **service.key(CHAIR_P12)).status_code == 403
    # She registered her own signature image once (`hoso users signature`): it is what her
    # signature shows when she uploads none.
    with service.services.sessions.begin() as session:
        register_signature_image(session, "phochutich.haiphong", signature_png(size=(577, 199)))
    with service.client("other_signer") as deputy:
        r = deputy.post(path, **service.key("ubnd-hai-phong--pho-chu-tich"))
        assert r.status_code == 200, r.text
        signed = PdfReader(io.BytesIO(deputy.get(decision["file"]).content))
    assert r.json()["status"] == "signed"
    assert r.json()["signer_info"] == "Phó Chủ tịch Lê Thị Hồng Nhung"
    (widget,) = [f for f in signed.get_fields().values() if f.get("/T") == "chu_ky"]
    assert (577, 199) in _images(widget.indirect_reference.get_object()["/AP"]["/N"])
