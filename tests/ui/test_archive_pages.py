"""Lưu trữ in a real browser: the archivist of Hải Phòng searches the issued documents by year
and by a word of the trích yếu typed without diacritics, downloads the year's export and finds
in it what an archive export promises (the PDFs, SHA256SUMS, the Phụ lục VI metadata and a
passing report each), runs the integrity check and reads its clean report; a search field
typed wrong and an export of a year without documents are refused beside their forms; a clerk
is refused the page.

Its documents are its own: the 2029 dossier of Hải Phòng, whose Kế hoạch and Quyết định the
chair signs and the văn thư issues through the API (the Kế hoạch then sealed for the archive),
so that no 2026 document of the other modules changes. The damaged store is tested on a store
of its own (tests/integration/test_archive_check.py): this one is the session's.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from api.registry.db import Document, User
from api.workflow import documents as workflow
from api.workflow.users import Actor
from docgen import inputs
from tests.api.service import BODY, CHAIR_P12, MEETING, ROLES, SEAL_P12, Service, dossier
from tests.conftest import REPO
from tests.ui.conftest import Visit

pytestmark = pytest.mark.slow

YEAR = 2029  # 2026: the API tests; 2027: the clerk pages; 2028: the office pages
UNITS = ("phuong-le-chan-2026-toi-pham.yaml", "phuong-an-bien-2026-xay-dung.yaml")
KEYS = {"signer": CHAIR_P12, "other_signer": "ubnd-hai-phong--pho-chu-tich"}
SLOW = 180_000  # ms: an export or a check validates every signature again


def _assessments() -> list[dict[str, Any]]:
    """Two wards of Hải Phòng, as the JSON import takes them, assessed for 2029."""
    loaded = inputs.load_paths([REPO / "samples" / "assessments" / name for name in UNITS])
    out = []
    for x in loaded:
        data: dict[str, Any] = x.assessment.model_dump(mode="json", exclude_none=True)
        data["year"] = YEAR
        out.append(data)
    return out


def _actor(service: Service, role: str) -> Actor:
    with service.services.sessions() as session:
        user = session.scalar(select(User).where(User.login == ROLES[role][0]))
        assert user is not None
        return Actor.of(user)


def issued_this_year(service: Service) -> dict[str, dict[str, Any]]:
    """The Kế hoạch of YEAR (issued, then sealed for the archive) and Quyết định (issued) of Hải
    Phòng, made once for the session: kind → the document as the API shows it."""
    if f"archive-{YEAR}" in service.cache:
        made: dict[str, dict[str, Any]] = service.cache[f"archive-{YEAR}"]
        return made
    dossier(service)  # the session's units and 2026 dossier come first, as elsewhere
    meeting = {
        **MEETING,
        "start": f"{YEAR}-11-18T08:00:00",
        "end": f"{YEAR}-11-18T10:30:00",
    }
    with service.client("clerk") as clerk:
        r = clerk.post("/api/assessments", json=_assessments())
        assert r.status_code == 201, r.text
        for a in r.json():
            assert clerk.post(f"/api/assessments/{a['id']}/score").status_code == 200
        r = clerk.post(
            "/api/dossiers?wait=true",
            json={
                "body": BODY,
                "year": YEAR,
                "proposal": {"reference": "15/TTr-CAHP", "date": f"{YEAR}-11-20"},
                "meeting": meeting,
            },
        )
        assert r.status_code == 201, r.text
        generated = {d["kind"]: d for d in r.json()}
    clerk_actor = _actor(service, "clerk")
    made = {}
    for kind, day in (("ke-hoach", f"{YEAR}-02-10"), ("quyet-dinh", f"{YEAR}-12-05")):
        document_id = generated[kind]["id"]
        workflow.send_for_signature(service.services, clerk_actor, document_id)
        with service.services.sessions() as session:
            row = session.get(Document, document_id)
            assert row is not None
            who = next(r for r, v in ROLES.items() if v[1] == row.signer_name and r in KEYS)
        path = f"/api/documents/{document_id}"
        with service.client(who) as signer:
            r = signer.post(f"{path}/sign", **service.key(KEYS[who]))
            assert r.status_code == 200, r.text
        with service.client("van_thu") as van_thu:
            key = service.key(SEAL_P12)
            r = van_thu.post(f"{path}/issue", files=key["files"], data={**key["data"], "date": day})
            assert r.status_code == 200, r.text
            assert r.json()["reference"] == f"01/{generated[kind]['type_code']}-UBND"
            if kind == "ke-hoach":
                r = van_thu.post(f"{path}/archive")
                assert r.status_code == 200 and r.json()["status"] == "archived", r.text
            made[kind] = van_thu.get(path).json()
    service.cache[f"archive-{YEAR}"] = made
    return made


def _rows(visit: Visit) -> list[list[str]]:
    rows = visit.page.locator("table.records tbody tr")
    return [
        [cell.strip() for cell in rows.nth(n).locator("td").all_inner_texts()]
        for n in range(rows.count())
    ]


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def test_the_archivist_searches_exports_and_checks(service: Service, visit: Visit) -> None:
    made = issued_this_year(service)
    plan, decision = made["ke-hoach"], made["quyet-dinh"]
    page = visit.page
    visit.sign_in("archivist")
    page.goto("/luu-tru")
    assert page.get_by_role("heading", name="Lưu trữ", exact=True).is_visible()
    visit.shot("luu-tru")

    # By year: the two records of the year, newest first, with their status and file.
    page.get_by_label("Năm", exact=True).fill(str(YEAR))
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_load_state()
    assert f"nam={YEAR}" in page.url
    rows = _rows(visit)
    assert [r[0] for r in rows] == ["01/QĐ-UBND", "01/KH-UBND"], rows
    assert rows[0][1] == f"05/12/{YEAR}" and rows[1][1] == f"10/02/{YEAR}"
    assert rows[0][2].startswith(decision["subject"])
    assert [r[3] for r in rows] == ["Đã ban hành", "Đã lưu trữ"]
    assert page.get_by_text("Tìm thấy 2 văn bản.").is_visible()
    link = page.locator("table.records tbody tr").nth(1).get_by_role("link", name="Tải về")
    assert link.get_attribute("href") == f"/tai-lieu/{plan['id']}.pdf"
    visit.shot("luu-tru-theo-nam")

    # By a word of the trích yếu, typed without diacritics nor capitals, and the type.
    page.get_by_label("Năm", exact=True).fill("")
    page.get_by_label("Loại văn bản").select_option("KH")
    page.get_by_label("Trích yếu").fill(f"nam {YEAR}")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_load_state()
    assert [r[0] for r in _rows(visit)] == ["01/KH-UBND"]
    page.get_by_label("Loại văn bản").select_option("")
    page.get_by_label("Trích yếu").fill("ve viec cong nhan")  # "Về việc công nhận …"
    page.get_by_label("Năm", exact=True).fill(str(YEAR))
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_load_state()
    assert [r[0] for r in _rows(visit)] == ["01/QĐ-UBND"]
    visit.shot("luu-tru-theo-trich-yeu")

    # A số that is not one: refused beside the form, no table.
    page.get_by_label("Số", exact=True).fill("mười")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Tìm kiếm").click()
    assert navigation.value is not None and navigation.value.status == 422
    assert page.get_by_role("alert").inner_text().startswith("Số văn bản là một số")
    assert page.locator("table.records").count() == 0
    visit.shot("luu-tru-so-sai")

    # The year's export: a ZIP with the two records, checksums, metadata and reports.
    page.goto("/luu-tru")
    page.get_by_label("Theo năm").select_option(str(YEAR))
    with page.expect_download(timeout=SLOW) as downloading:
        page.get_by_role("button", name="Tải gói của năm").click()
    download = downloading.value
    assert download.suggested_filename == f"hoso-{YEAR}.zip"
    with open(download.path(), "rb") as f:
        files = _unzip(f.read())
    folder = f"{YEAR}/{BODY}"
    pdfs = sorted(
        n for n in files if n.endswith(".pdf") and not n.startswith(("reports/", "phieu-theo-doi/"))
    )
    assert pdfs == [f"{folder}/01-kh-ubnd.pdf", f"{folder}/01-qd-ubnd.pdf"]
    assert sorted(n for n in files if n.startswith("phieu-theo-doi/")) == [
        f"phieu-theo-doi/{n}" for n in pdfs
    ]
    sums = {}
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    assert set(sums) == set(files) - {"SHA256SUMS"}
    assert all(hashlib.sha256(files[n]).hexdigest() == d for n, d in sums.items())
    assert sums[f"{folder}/01-kh-ubnd.pdf"] == plan["sha256"]  # the archived file
    assert sums[f"{folder}/01-qd-ubnd.pdf"] == decision["sha256"]
    documents = {d["file"]: d for d in json.loads(files["metadata.json"])["documents"]}
    record = documents[f"{folder}/01-qd-ubnd.pdf"]["metadata"]
    assert record["CodeNumber"] == "01" and record["CodeNotation"] == "QĐ-UBND"
    assert record["IssuedDate"] == f"{YEAR}-12-05" and record["Subject"] == decision["subject"]
    assert record["OrganName"] == "Ủy ban nhân dân thành phố Hải Phòng"
    assert documents[f"{folder}/01-kh-ubnd.pdf"]["metadata"]["TypeName"] == "Kế hoạch"
    for name in pdfs:
        report = json.loads(files[f"reports/{name.removesuffix('.pdf')}.json"])
        assert report["indication"] == "TOTAL_PASSED", (name, report["message"])

    # A year without a record: the reason beside the export's forms.
    answer = page.goto("/luu-tru/xuat?nam=2031")
    assert answer is not None and answer.status == 404
    assert "không có văn bản đã ban hành nào năm 2031" in page.get_by_role("alert").inner_text()
    visit.shot("luu-tru-xuat-khong-co")

    # The integrity check of the body's files: clean.
    page.goto("/luu-tru")
    with page.expect_navigation(timeout=SLOW):
        page.get_by_role("button", name="Kiểm tra toàn vẹn").click()
    verdict = page.locator(".report").inner_text()
    assert verdict.startswith("Đã kiểm tra") and verdict.endswith("không có sai lệch."), verdict
    assert page.locator("ul.problems").count() == 0
    page.get_by_text("Các tệp đã kiểm tra").click()
    checked = page.locator("details.files li").all_inner_texts()
    assert any(t.startswith("01/KH-UBND (bản lưu trữ) — nguyên vẹn") for t in checked), checked
    assert any(t.startswith("Văn bản #") and "(dự thảo) — nguyên vẹn" in t for t in checked)
    visit.shot("luu-tru-kiem-tra")


def test_a_clerk_is_refused_the_archive(service: Service, visit: Visit) -> None:
    visit.sign_in("clerk")
    answer = visit.page.goto("/luu-tru")
    assert answer is not None and answer.status == 403
    refusal = visit.page.get_by_role("alert").inner_text()
    assert refusal.startswith("Vai trò chuyên viên không được tra cứu hồ sơ lưu trữ")
    answer = visit.page.goto(f"/luu-tru/xuat?nam={YEAR}")
    assert answer is not None and answer.status == 403
    visit.shot("luu-tru-chuyen-vien")
