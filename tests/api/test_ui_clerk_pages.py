"""The clerk's pages without a browser or LibreOffice: FastAPI's test client on an app of its own
(SQLite in a temporary folder), signed in with the web password. The workbook upload refuses a
bad cell with nothing recorded, the scoring form shows a missing override reason beside the
field and keeps the stored input, the live preview recomputes, `update_assessment` keeps the
unit and year, the previews of a file answer only users of the bodies that may see it, and
"Trình ký" puts the draft into its signer's queue."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from api.app import workflow_app
from api.pages import dossier as ui_dossier
from api.registry.db import Assessment, Document
from api.settings import Settings
from api.workflow import access, assessments
from api.workflow import documents as workflow
from api.workflow.services import Services
from api.workflow.users import Actor, add_user, set_password
from docgen import inputs, sheet
from docgen.errors import Forbidden, InvalidAssessment
from tests.api.conftest import TestClient
from tests.api.service import workbook
from tests.conftest import REPO, need

PASSWORD = "mat-khau-thu-nghiem"
BODY = "ubnd-hai-phong"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
USERS = {
    "clerk": ("chuyenvien.haiphong", "Nguyễn Thị Lan", "clerk", BODY),
    "signer": ("chutich.haiphong", "Trần Minh Khôi", "signer", BODY),
    "other_clerk": ("chuyenvien.bacninh", "Lý Thị Thu", "clerk", "ubnd-bac-ninh"),
}


def with_error(data: bytes) -> tuple[bytes, str]:
    """The workbook with the appraised score of sub-item 1.1 of the first unit above its
    maximum; returns it and the cell."""
    book = load_workbook(io.BytesIO(data))
    ws = book["Đơn vị 1"]
    row = next(r for r in ws.iter_rows() if r[0].value == "1.1")
    row[8].value = 3
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), row[8].coordinate


def pdf(pages: int) -> bytes:
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=A4)
    for n in range(1, pages + 1):
        drawing.drawString(72, 720, f"Trang {n}")
        drawing.showPage()
    drawing.save()
    return out.getvalue()


@dataclass
class Site:
    app: Any
    actors: dict[str, Actor]
    clients: list[TestClient] = field(default_factory=list)

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def client(self, who: str) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        client.__enter__()
        self.clients.append(client)
        page = client.get("/dang-nhap")
        token = csrf(page.text)
        r = client.post(
            "/dang-nhap",
            data={"csrf": token, "login": USERS[who][0], "password": PASSWORD, "next": "/"},
        )
        assert r.status_code == 303, r.text
        return client


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)


@pytest.fixture
def site(tmp_path: Path, throwaway_roots: Path) -> Iterator[Site]:
    app = workflow_app(Settings(data_dir=tmp_path / "data", trust_roots_dir=throwaway_roots))
    actors = {}
    with app.state.services.sessions.begin() as session:
        for role, (login, name, kind, body) in USERS.items():
            actors[role], _ = add_user(session, login=login, name=name, role=kind, body=body)
            set_password(session, login, PASSWORD)
    made = Site(app, actors)
    yield made
    for client in made.clients:
        client.__exit__(None, None, None)


def _import(site: Site) -> list[int]:
    return assessments.import_assessments(
        site.services, site.actors["clerk"], inputs.load_bytes(workbook(2027), "phieu.xlsx")
    )


def test_a_workbook_with_one_bad_cell_is_refused_whole_naming_sheet_and_cell(site: Site) -> None:
    bad, cell = with_error(workbook(2027))
    clerk = site.client("clerk")
    page = clerk.get("/cham-diem")
    r = clerk.post(
        "/cham-diem/nhap",
        data={"csrf": csrf(page.text)},
        files={"file": ("phieu.xlsx", bad, XLSX)},
    )
    assert r.status_code == 422
    assert "Chưa nhập: tệp phieu.xlsx có 1 lỗi" in r.text
    assert "Đơn vị 1 (Phường Lê Chân)" in r.text and f">{cell}<" in r.text
    assert "Nội dung 1.1 · Điểm thẩm định" in r.text
    assert "3 vượt quá điểm tối đa của nội dung (1 điểm)" in r.text
    assert assessments.list_assessments(site.services, site.actors["clerk"]) == []

    r = clerk.post(
        "/cham-diem/nhap",
        data={"csrf": csrf(page.text)},
        files={"file": ("phieu.xlsx", workbook(2027), XLSX)},
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/cham-diem?nam=2027&da_nhap=")
    listed = clerk.get(r.headers["location"]).text
    assert "Đã nhập 2 đơn vị" in listed and "Phường An Biên" in listed


def test_the_form_keeps_the_input_when_an_override_has_no_reason(site: Site) -> None:
    le_chan, _ = _import(site)
    clerk = site.client("clerk")
    page = clerk.get(f"/cham-diem/{le_chan}")
    assert page.status_code == 200
    assert 'data-points="19.4">0<' in page.text  # 48 crimes after 50: less than 6 % fewer
    form = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    form.update(
        {
            "mode": "xay_dung",
            "gates.antt_last_year": "co",
            "gates.movement_rating_last_year": "kha",
            "i.19.4.op": "6",
            "action": "save",
        }
    )
    form.update({f"i.{k}.met": "co" for k in _met_items()})
    r = clerk.post(f"/cham-diem/{le_chan}", data=form)
    assert r.status_code == 422
    assert 'data-error="i.19.4.or">Cần ghi lý do điều chỉnh điểm</span>' in r.text, (
        "the message stands beside the reason's field"
    )
    stored = assessments.get_assessment(site.services, site.actors["clerk"], le_chan)
    assert "override" not in stored.input["items"]["19.4"]

    form["i.19.4.or"] = "Số vụ giảm do chuyển địa bàn quản lý"
    r = clerk.post(f"/cham-diem/{le_chan}", data={**form, "action": "score"})
    assert r.status_code == 303
    stored = assessments.get_assessment(site.services, site.actors["clerk"], le_chan)
    assert stored.result is not None and stored.result["final"] == 100
    assert stored.input["items"]["19.4"]["override"]["reason"].startswith("Số vụ giảm")


def _met_items() -> list[str]:
    from docgen import criteria

    cs = criteria.load("xa_phuong")
    return [i.id for i in cs.items().values() if i.rule is None or i.rule.confirm]


def test_the_preview_recomputes_without_saving(site: Site) -> None:
    le_chan, _ = _import(site)
    clerk = site.client("clerk")
    page = clerk.get(f"/cham-diem/{le_chan}")
    form = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', page.text))
    form.update(
        {
            "mode": "xay_dung",
            "gates.antt_last_year": "co",
            "gates.movement_rating_last_year": "kha",
        }
    )
    form.update({f"i.{k}.met": "co" for k in _met_items()})
    r = clerk.post(f"/cham-diem/{le_chan}/xem-truoc", data=form)
    assert r.status_code == 200, r.text
    assert r.json()["total"] == "94" and r.json()["complete"]
    form["i.19.4.f.crimes_this_year"] = "40"  # 20 % fewer
    live = clerk.post(f"/cham-diem/{le_chan}/xem-truoc", data=form).json()
    assert live["total"] == "100" and live["items"]["19.4"]["points"] == "6"
    assert live["verdict"] == "Đủ điều kiện công nhận"
    form["i.5.2.f.officers"] = ""
    live = clerk.post(f"/cham-diem/{le_chan}/xem-truoc", data=form).json()
    assert live["errors"]["i.5.2.f.officers"].startswith("Thiếu số liệu")
    assert live["items"]["5.2"]["points"] == "" and live["total"] == "98"
    stored = assessments.get_assessment(site.services, site.actors["clerk"], le_chan)
    assert stored.input["items"]["19.4"]["figures"]["crimes_this_year"] == "48"


def test_update_assessment_keeps_unit_and_year_and_is_for_clerks(site: Site) -> None:
    le_chan, _ = _import(site)
    svc, clerk = site.services, site.actors["clerk"]
    stored = assessments.get_assessment(svc, clerk, le_chan).input
    with pytest.raises(InvalidAssessment, match="stay as imported"):
        assessments.update_assessment(svc, clerk, le_chan, {**stored, "year": 2028})
    with pytest.raises(Forbidden, match="clerk"):
        assessments.update_assessment(svc, site.actors["signer"], le_chan, stored)
    assessments.score(svc, clerk, le_chan)
    row = assessments.update_assessment(svc, clerk, le_chan, stored)
    assert row.result is None  # scored again before it counts


def test_other_roles_and_bodies_get_a_page_not_the_form(site: Site) -> None:
    le_chan, _ = _import(site)
    signer = site.client("signer")
    r = signer.get("/cham-diem")
    assert r.status_code == 403 and "Vai trò người ký không được chấm điểm" in r.text
    other = site.client("other_clerk")
    r = other.get(f"/cham-diem/{le_chan}")
    assert r.status_code == 404 and "Không có kết quả chấm điểm" in r.text


def test_previews_answer_users_who_may_see_the_document(site: Site) -> None:
    need(shutil.which("pdftoppm") is not None, "poppler-utils missing: make setup installs it")
    svc = site.services
    with svc.sessions.begin() as session:
        document = Document(
            issuing_body_id=BODY,
            type_code="QĐ",
            year=2027,
            notation="QĐ-UBND",
            dossier=f"2027/{BODY}",
            kind="quyet-dinh",
            title="Quyết định công nhận",
            signer_name="Trần Minh Khôi",
            sha256=svc.drafts.put(pdf(2)),
            page_count=2,
        )
        session.add(document)
        session.flush()
        document_id = document.id
    clerk = site.client("clerk")
    r = clerk.get(f"/tai-lieu/{document_id}.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-disposition"].startswith("inline")
    r = clerk.get(f"/tai-lieu/{document_id}/trang/2.png")
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    again = clerk.get(
        f"/tai-lieu/{document_id}/trang/2.png", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304
    assert clerk.get(f"/tai-lieu/{document_id}/trang/3.png").status_code == 404
    other = site.client("other_clerk")
    assert other.get(f"/tai-lieu/{document_id}/trang/1.png").status_code == 404
    assert other.get(f"/tai-lieu/{document_id}.pdf").status_code == 404
    signed_out = TestClient(site.app, follow_redirects=False)
    assert signed_out.get(f"/tai-lieu/{document_id}.pdf").status_code == 303

    page = clerk.get(f"/ho-so/2027/{BODY}")
    assert page.status_code == 200 and f'src="/tai-lieu/{document_id}/trang/1.png"' in page.text
    r = clerk.post(f"/tai-lieu/{document_id}/trinh-ky", data={"csrf": csrf(page.text)})
    assert r.status_code == 303
    queue = workflow.signing_queue(svc, site.actors["signer"])
    assert [d.id for d in queue] == [document_id]
    overview = site.client("signer").get("/tong-quan?nam=2027").text
    assert "Ký Quyết định công nhận" in overview and 'href="/ky-so"' in overview


def test_generation_form_problems_stand_beside_their_fields(site: Site) -> None:
    _import(site)
    clerk = site.client("clerk")
    page = clerk.get(f"/ho-so/2027/{BODY}")
    assert page.status_code == 200 and "Tạo hồ sơ" in page.text
    # Who signs the QĐ: the Chủ tịch (TM.) unless the clerk names the Phó Chủ tịch (KT.).
    assert '<option value="chu-tich">Trần Minh Khôi — TM. ỦY BAN NHÂN DÂN, CHỦ TỊCH' in page.text
    assert (
        '<option value="pho-chu-tich">Lê Thị Hồng Nhung — KT. CHỦ TỊCH, PHÓ CHỦ TỊCH' in page.text
    )
    r = clerk.post(
        f"/ho-so/2027/{BODY}/tao",
        data={
            "csrf": csrf(page.text),
            "signer": "pho-chu-tich",
            "proposal_ref": "TTr 15",
            "proposal_date": "2027-11-20",
            "meeting_start": "2027-11-18T08:00",
            "meeting_end": "2027-11-18T07:00",
            "votes_for": "12",
            "votes_total": "11",
        },
    )
    assert r.status_code == 422
    for name, message in (
        ("proposal_ref", "Ghi số ký hiệu dạng 15/TTr-CAHP"),
        ("meeting_end", "Giờ kết thúc phải sau giờ bắt đầu"),
        ("meeting_place", "Thiếu: cần nhập"),
        ("votes_for", "Số phiếu đồng ý từ 0 đến tổng số phiếu"),
    ):
        assert f'data-error="{name}">{message}</span>' in r.text
    assert 'value="TTr 15"' in r.text  # what was typed stays
    assert '<option value="pho-chu-tich" selected>' in r.text
    assert access.list_documents(site.services, site.actors["clerk"]) == []


def test_the_overview_shows_steps_deadlines_and_work(site: Site) -> None:
    _import(site)
    text = site.client("clerk").get("/tong-quan?nam=2027").text
    assert "Hạn đăng ký xây dựng đơn vị điển hình:</span> trước ngày 20 tháng 02 năm 2027" in text
    assert "ngày 05 tháng 11 năm 2027" in text
    assert re.search(r"Đã đăng ký</th><td class=\"num\">2<", text)
    assert "Chấm điểm Phường Lê Chân năm 2027" in text
    assert "Tạo hồ sơ năm 2027" in text


def test_a_blank_workbook_reads_back_as_five_units_with_every_answer_missing(site: Site) -> None:
    r = site.client("clerk").get("/cham-diem/phieu-xa-phuong.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    entries = sheet.read_workbook(r.content, "phieu.xlsx")
    assert len(entries) == 5
    assert site.client("clerk").get("/cham-diem/phieu-khac.xlsx").status_code == 404


NO_VOTES = {  # a meeting whose vote has no ballots: the Biên bản cannot print a share
    "start": "2027-11-18T08:00",
    "end": "2027-11-18T10:00",
    "place": "Hội trường Công an thành phố Hải Phòng",
    "secretary": "Đặng Quốc Việt",
    "votes_for": 0,
    "votes_total": 0,
}


def test_a_meeting_without_votes_is_refused_by_the_form_and_the_api(site: Site) -> None:
    """The model's rule, the same message through both doors, and nothing generated."""
    _import(site)
    clerk = site.client("clerk")
    page = clerk.get(f"/ho-so/2027/{BODY}")
    form = {
        "csrf": csrf(page.text),
        "proposal_ref": "15/TTr-CAHP",
        "proposal_date": "2027-11-20",
        **{f"meeting_{k}": str(v) for k, v in NO_VOTES.items() if not k.startswith("votes")},
        "meeting_attendees": "Đại diện Văn phòng Ủy ban nhân dân thành phố",
        "votes_for": "0",
        "votes_total": "0",
    }
    r = clerk.post(f"/ho-so/2027/{BODY}/tao", data=form)
    assert r.status_code == 422
    assert 'data-error="votes_total">Tổng số phiếu phải lớn hơn 0</span>' in r.text
    assert 'data-error="votes_for"></span>' in r.text  # 0 of 0 breaks only the total's rule
    with site.app.state.services.sessions.begin() as session:
        _, token = add_user(
            session, login="chuyenvien2.haiphong", name="Ngô Thị Hoa", role="clerk", body=BODY
        )
    with TestClient(site.app, headers={"Authorization": f"Bearer {token}"}) as api:
        r = api.post(
            "/api/dossiers?wait=true",
            json={
                "body": BODY,
                "year": 2027,
                "proposal": {"reference": "15/TTr-CAHP", "date": "2027-11-20"},
                "meeting": {**NO_VOTES, "attendees": ["Đại diện Văn phòng"]},
            },
        )
    assert r.status_code == 422, r.text
    error = r.json()
    assert (error["code"], error["field"]) == ("invalid_meeting", "meeting.votes_total")
    assert error["message_vi"] == "meeting.votes_total: Tổng số phiếu phải lớn hơn 0"
    assert access.list_documents(site.services, site.actors["clerk"]) == []


def test_a_dossier_with_nothing_to_build_from_is_a_conflict(site: Site) -> None:
    """No assessment of the year yet: 409 (the request collides with the registry's state),
    not a 400 as if the request were malformed."""
    with site.app.state.services.sessions.begin() as session:
        _, token = add_user(
            session, login="chuyenvien3.haiphong", name="Ngô Thị Hoa", role="clerk", body=BODY
        )
    with TestClient(site.app, headers={"Authorization": f"Bearer {token}"}) as api:
        r = api.post("/api/dossiers?wait=true", json={"body": BODY, "year": 2027})
    assert r.status_code == 409, r.text
    assert (r.json()["code"], r.json()["field"]) == ("conflict", "year")


def test_the_dossier_page_says_which_documents_a_dossier_lacks_and_why(site: Site) -> None:
    """Bắc Ninh's sample: no unit qualifies and none is in its maintenance year, so the dossier
    has no Tờ trình, QĐ, GCN or Thông báo: the page says so (as `hoso generate` does), while
    Hải Phòng's, with An Biên recognised, lacks only the Thông báo."""
    samples = REPO / "samples" / "assessments"
    bac_ninh = [
        samples / f"{name}.yaml"
        for name in (
            "phuong-dong-ngan-2026-tham-dinh",
            "phuong-kinh-bac-2026-toi-pham",
            "phuong-vu-ninh-2026-dieu-kien",
            "so-tu-phap-bac-ninh-2026",
        )
    ]
    assessments.import_assessments(
        site.services, site.actors["other_clerk"], inputs.load_paths(bac_ninh)
    )
    page = site.client("other_clerk").get("/ho-so/2026/ubnd-bac-ninh")
    assert page.status_code == 200, page.text
    lacks = page.text.split('id="khong-co"', 1)[1].split("</section>", 1)[0]
    assert "Văn bản hồ sơ không có" in lacks
    assert (
        "Không có đơn vị nào đủ điều kiện công nhận năm 2026 (4 đơn vị đã chấm): hồ sơ không "
        "có Tờ trình, Quyết định công nhận và Giấy chứng nhận." in lacks
    )
    assert "hồ sơ không có Thông báo duy trì" in lacks

    _import(site)
    page = site.client("clerk").get(f"/ho-so/2027/{BODY}")
    lacks = page.text.split('id="khong-co"', 1)[1].split("</section>", 1)[0]
    assert "Thông báo duy trì" in lacks and "Tờ trình" not in lacks
    # The QĐ field's hint is no made-up decision (there is no QĐ 120 of Hải Phòng).
    hint = re.search(r'id="decision_ref"[^>]*', page.text)
    assert hint and 'placeholder="ví dụ 01/QĐ-UBND"' in hint.group(0), hint
    assert "120/QĐ" not in page.text


def test_units_in_their_maintenance_year_read_kept_or_not_kept(site: Site) -> None:
    """Issue 13: Ngô Quyền, keeping its title in 2026, reads "Giữ vững" on the Chấm điểm and
    Hồ sơ pages, not "Đủ điều kiện"; Kiến An reads "Không giữ vững" with its reason
    (criterion 9)."""
    samples = REPO / "samples" / "assessments"
    paths = [samples / f"phuong-{n}-2026-duy-tri.yaml" for n in ("ngo-quyen", "kien-an")]
    clerk_actor = site.actors["clerk"]
    for made in assessments.import_assessments(
        site.services, clerk_actor, inputs.load_paths(paths)
    ):
        assessments.score(site.services, clerk_actor, made)
    clerk = site.client("clerk")
    for url in ("/cham-diem", f"/ho-so/2026/{BODY}"):
        page = clerk.get(url)
        assert page.status_code == 200, page.text
        text = re.sub(r"<[^>]+>", " ", page.text)
        kept = re.search(r"Phường Ngô Quyền\s.*?(Giữ vững|Đủ điều kiện)", text, re.S)
        lost = re.search(r"Phường Kiến An\s.*?(Không giữ vững|Chưa đủ điều kiện)", text, re.S)
        assert kept and kept.group(1) == "Giữ vững", url
        assert lost and lost.group(1) == "Không giữ vững", url
        assert "Tiêu chí 9 đạt 0/3 điểm" in text.split("Không giữ vững", 1)[1][:200], url


def test_the_decision_hint_is_the_issued_decision_once_there_is_one(site: Site) -> None:
    issued = Document(kind="quyet-dinh", number=1, notation="QĐ-UBND")
    draft = Document(kind="to-trinh", number=15, notation="TTr-CATP")
    assert ui_dossier._decision_example(site.services, BODY, [draft, issued]) == "01/QĐ-UBND"
    assert ui_dossier._decision_example(site.services, BODY, [draft]) == "ví dụ 01/QĐ-UBND"


def test_the_api_takes_a_change_by_session_cookie_only_from_this_service(site: Site) -> None:
    """The browser sends the session cookie to /api from any site: a change needs the page's
    CSRF token or this service's Origin; reading needs neither."""
    (assessment_id, *_) = _import(site)
    clerk = site.client("clerk")
    token = csrf(clerk.get("/tong-quan").text)
    path = f"/api/assessments/{assessment_id}/score"
    for headers in ({}, {"Origin": "https://evil.example"}, {"X-CSRF-Token": "not-the-token"}):
        r = clerk.post(path, headers=headers)
        assert r.status_code == 403, (headers, r.text)
        assert (r.json()["code"], r.json()["field"]) == ("forbidden", "csrf")
    with site.services.sessions() as session:
        unscored = session.get(Assessment, assessment_id)
        assert unscored is not None and unscored.result is None
    assert clerk.get(f"/api/assessments/{assessment_id}").status_code == 200
    assert clerk.post(path, headers={"Origin": "http://testserver"}).status_code == 200
    assert clerk.post(path, headers={"X-CSRF-Token": token}).status_code == 200


def _copy(site: Site, signed_in: TestClient) -> TestClient:
    """Another browser holding a copy of `signed_in`'s session cookie."""
    copy = TestClient(site.app, follow_redirects=False)
    copy.__enter__()
    site.clients.append(copy)
    copy.cookies.update(signed_in.cookies)
    return copy


def test_signing_out_ends_every_copy_of_the_session(site: Site) -> None:
    clerk = site.client("clerk")
    copy = _copy(site, clerk)
    assert copy.get("/tong-quan").status_code == 200
    assert copy.get("/api/me").status_code == 200
    r = clerk.post("/dang-xuat", data={"csrf": csrf(clerk.get("/tong-quan").text)})
    assert r.status_code == 303
    assert copy.get("/tong-quan").headers["location"].startswith("/dang-nhap")
    assert copy.get("/api/me").status_code == 401
    # Signing in again opens a new session; the old copy stays ended.
    again = site.client("clerk")
    assert again.get("/tong-quan").status_code == 200
    assert copy.get("/api/me").status_code == 401


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(site: Site) -> None:
    clerk = site.client("clerk")
    assert clerk.get("/api/me").status_code == 200
    with site.services.sessions.begin() as session:
        set_password(session, USERS["clerk"][0], "mat-khau-moi-123")
    assert clerk.get("/api/me").status_code == 401
    assert clerk.get("/tong-quan").status_code == 303


def test_the_readme_sample_workbook_is_the_demo_clerks_and_foreign_units_name_body_and_cell(
    site: Site,
) -> None:
    """README's sample `samples/workbooks/xa-phuong.xlsx` holds Hải Phòng's seven units: its
    demo clerk imports them; another body's clerk is refused with both bodies by their names
    and the cell of each unit's Cơ quan quản lý (never the internal code, never "—")."""
    data = (REPO / "samples" / "workbooks" / "xa-phuong.xlsx").read_bytes()
    other = site.client("other_clerk")
    page = other.get("/cham-diem")
    r = other.post(
        "/cham-diem/nhap",
        data={"csrf": csrf(page.text)},
        files={"file": ("xa-phuong.xlsx", data, XLSX)},
    )
    assert r.status_code == 422
    assert "Chưa nhập: tệp xa-phuong.xlsx có 7 lỗi" in r.text
    message = (
        "Đơn vị thuộc Ủy ban nhân dân thành phố Hải Phòng, "
        "không thuộc Ủy ban nhân dân tỉnh Bắc Ninh"
    )
    assert r.text.count(message) == 7
    assert "ubnd-hai-phong" not in r.text and "ubnd-bac-ninh" not in r.text
    cells = re.findall(r'<td class="cell">([^<]*)</td>', r.text)
    assert len(cells) == 7 and all(re.fullmatch(r"[A-Z]+[0-9]+", c) for c in cells), cells

    clerk = site.client("clerk")
    page = clerk.get("/cham-diem")
    r = clerk.post(
        "/cham-diem/nhap",
        data={"csrf": csrf(page.text)},
        files={"file": ("xa-phuong.xlsx", data, XLSX)},
    )
    assert r.status_code == 303, r.text
    listed = clerk.get(r.headers["location"]).text
    assert "Đã nhập 7 đơn vị" in listed and "Phường Ngô Quyền" in listed


def test_the_dossier_form_opens_with_the_last_generations_inputs(site: Site) -> None:
    """What `generate_dossier` records as its audit entry's inputs (api/workflow/last_inputs.py)
    fills
    the Hồ sơ form of that dossier, and of no other year (the browser test checks the form
    after a real generation)."""
    import datetime as dt

    from api.registry.db import AuditEntry
    from api.workflow import last_inputs
    from docgen import dossier

    _import(site)
    meeting = dossier.Meeting(
        start=dt.datetime(2027, 11, 18, 8, 0),
        end=dt.datetime(2027, 11, 18, 10, 30),
        place="Hội trường Công an thành phố Hải Phòng",
        attendees=("Đại diện Văn phòng", "Lãnh đạo Phòng PV01"),
        secretary="Đặng Quốc Việt",
        votes_for=11,
        votes_total=11,
        secretary_position="Thiếu tá",
    )
    proposal = dossier.Reference(15, "TTr-CAHP", dt.date(2027, 11, 20), "Công an")
    inputs = last_inputs.record(
        proposal=proposal, decision=None, meeting=meeting, watermark=True, signer="pho-chu-tich"
    )
    with site.services.sessions.begin() as session:
        session.add(AuditEntry(actor="1", action="generate", detail={"dossier": "2026/x"}))
        session.add(
            AuditEntry(
                actor="1", action="generate", detail={"dossier": f"2027/{BODY}", "inputs": inputs}
            )
        )
    assert last_inputs.last(site.services, body=BODY, year=2027) == inputs
    text = site.client("clerk").get(f"/ho-so/2027/{BODY}").text
    for name, value in (
        ("proposal_ref", "15/TTr-CAHP"),
        ("proposal_date", "2027-11-20"),
        ("meeting_start", "2027-11-18T08:00"),
        ("meeting_end", "2027-11-18T10:30"),
        ("meeting_secretary", "Đặng Quốc Việt"),
        ("meeting_secretary_position", "Thiếu tá"),
        ("votes_total", "11"),
        ("decision_ref", ""),
    ):
        assert re.search(f'name="{name}" type="[a-z-]+" value="{value}"', text), name
    assert "Đại diện Văn phòng\nLãnh đạo Phòng PV01</textarea>" in text
    assert '<option value="pho-chu-tich" selected>' in text
    assert 'name="watermark" value="1" checked' in text
    other_year = site.client("clerk").get(f"/ho-so/2026/{BODY}").text
    assert 'value="15/TTr-CAHP"' not in other_year and "Đặng Quốc Việt" not in other_year
