"""The `hoso` command as a user runs it: the installed console script, in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from api.cli.users import DEMO_PASSWORD, DEMO_USERS
from tests.conftest import REPO, need
from tests.serving import hoso_serve, sign_in

HOSO = Path(sys.executable).parent / "hoso"
SAMPLES = REPO / "samples" / "assessments"


def hoso(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HOSO), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        # This tree's code, even when the console script was installed from another checkout.
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), **env},
    )


def test_score_prints_a_table_and_the_verdict() -> None:
    run = hoso("score", str(SAMPLES / "phuong-doan-ket-2025-tai-pham.yaml"))
    assert run.returncode == 0, run.stderr
    assert "Phường Đoàn Kết" in run.stdout
    assert "Tiêu chí 13" in run.stdout and "2/25" in run.stdout
    assert "Chưa đủ điều kiện công nhận" in run.stdout and "95 điểm" in run.stdout


def test_score_says_kept_or_not_kept_for_a_maintenance_year() -> None:
    """Issue 13: a unit in its maintenance year keeps its title or loses it; it is not
    "Đủ điều kiện công nhận" anew."""
    kept = hoso("score", str(SAMPLES / "phuong-ngo-quyen-2026-duy-tri.yaml"))
    lost = hoso("score", str(SAMPLES / "phuong-kien-an-2026-duy-tri.yaml"))
    assert kept.returncode == lost.returncode == 0, kept.stderr + lost.stderr
    assert "Giữ vững danh hiệu — 100 điểm" in kept.stdout
    assert "Không giữ vững danh hiệu — 97 điểm" in lost.stdout
    assert "Tiêu chí 9 đạt 0/3 điểm" in lost.stdout
    assert "đủ điều kiện" not in (kept.stdout + lost.stdout).lower()


def test_score_json_covers_every_sample() -> None:
    run = hoso("score", str(SAMPLES), "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    files = sorted(SAMPLES.glob("*.yaml"))
    assert len(data) == len(files)
    for entry in data:
        expected = yaml.safe_load(Path(entry["origin"].split(" (")[0]).read_text("utf-8"))
        assert entry["final"] == float(expected["expected"]["total"])
        assert entry["verdict"]["recognised"] is expected["expected"]["recognised"]
        items = [i for g in entry["groups"] for c in g["criteria"] for i in c["items"]]
        assert all(i["reason"] for i in items)


def test_invalid_input_exits_2_naming_the_field(tmp_path: Path) -> None:
    raw = yaml.safe_load((SAMPLES / "xa-yet-kieu-2026.yaml").read_text("utf-8"))
    raw["items"]["5.2"]["figures"]["officers_good"] = 30
    raw["items"]["4.1"]["override"] = {"points": 9, "reason": "x"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    run = hoso("score", str(bad))
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Dữ liệu không hợp lệ — 2 lỗi" in run.stderr
    assert "items.5.2.figures.officers_good: 30 is more than officers" in run.stderr
    assert "items.4.1.override.points: 9 is above the sub-item maximum of 2" in run.stderr


def test_sheet_new_then_score_reports_the_blank_cells(tmp_path: Path) -> None:
    book = tmp_path / "phieu.xlsx"
    run = hoso("sheet", "new", str(book), "--set", "co_quan", "--units", "2")
    assert run.returncode == 0, run.stderr
    assert book.exists()
    again = hoso("sheet", "new", str(book))
    assert again.returncode == 2 and "đã có; dùng --force để ghi đè" in again.stderr
    blank = hoso("score", str(book))
    assert blank.returncode == 2
    assert "Đơn vị 1 › unit.name [C2]" in blank.stderr
    assert "Đơn vị 2" in blank.stderr


def test_schema_is_published() -> None:
    run = hoso("schema")
    assert run.returncode == 0
    published = (REPO / "docs" / "assessment.schema.json").read_text("utf-8")
    assert json.loads(run.stdout) == json.loads(published)


@pytest.mark.slow
def test_demo_scores_every_sample_and_says_where_to_look(tmp_path: Path) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice missing: make setup installs it")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pki_url = f"http://127.0.0.1:{port}"
    run = hoso(
        "demo",
        "--output",
        str(tmp_path / "out"),
        HOSO_DATA_DIR=str(tmp_path / "data"),
        HOSO_PKI_URL=pki_url,
    )
    assert run.returncode == 0, run.stderr
    assert "đơn vị đã chấm" in run.stdout
    # Issue 13: the table says a maintenance-year unit kept its title or did not.
    rows = {line.split("│")[1].strip(): line for line in run.stdout.splitlines() if "│" in line}
    assert "Giữ vững" in rows["Phường Ngô Quyền"] and "Đủ điều" not in rows["Phường Ngô Quyền"]
    assert "Không giữ vững: Tiêu chí 9" in rows["Phường Kiến An"]
    # The main job ends with the QĐ signed, issued, sealed and verified with the PKI stopped.
    assert "Đã ký, ban hành Số: 01/QĐ-UBND, ngày 05 tháng 12 năm 2026" in run.stdout
    assert "Kết luận: HỢP LỆ (TOTAL_PASSED)" in run.stdout
    signed = tmp_path / "out" / "ky-so" / "2026" / "ubnd-hai-phong"
    for name in ("quyet-dinh", "quyet-dinh-da-ky", "quyet-dinh-ban-hanh", "quyet-dinh-luu-tru"):
        assert (signed / f"{name}.pdf").read_bytes().startswith(b"%PDF"), name
    scores = json.loads((tmp_path / "out" / "scores.json").read_text("utf-8"))
    assert len(scores) == len(list(SAMPLES.glob("*.yaml")))
    assert (tmp_path / "out" / "phieu-cham-diem-xa-phuong.xlsx").stat().st_size > 0
    decision = tmp_path / "out" / "dossiers" / "2026" / "ubnd-hai-phong" / "quyet-dinh.pdf"
    assert decision.read_bytes().startswith(b"%PDF")
    # Delivered: each Nơi nhận has a link that opens the issued QĐ on the service.
    assert "Đã gửi đến" in run.stdout
    found = re.search(r"• Bộ Công an \(qua V05\): \S+/r/([0-9a-f]{40})", run.stdout)
    assert found is not None, run.stdout
    # `hoso serve` as README says, with two workers: the recipient's link opens the issued QĐ
    # and each demo user signs in with the printed test password.
    env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "data"), "HOSO_PKI_URL": pki_url}
    with hoso_serve(env, "--workers", "2") as served:
        with httpx.Client(base_url=served.url, timeout=60) as client:
            page = client.get(f"/r/{found.group(1)}")
        for login, _, role, _, _ in DEMO_USERS:
            with httpx.Client(base_url=served.url, timeout=60) as client:
                assert sign_in(client, login, DEMO_PASSWORD).status_code == 303, login
                assert client.get("/api/me").json()["role"] == role
                assert client.get("/tong-quan").status_code == 200, login
    assert page.status_code == 200, page.text
    assert "Văn bản gửi đến Bộ Công an (qua V05)" in page.text and "01/QĐ-UBND" in page.text
    # The link's token opens the document: the access log keeps the path without it.
    assert any('"GET /r/… HTTP/1.1" 200' in line for line in served.output), served.output
    assert not any(found.group(1) in line for line in served.output)


GENERATE = [
    "generate",
    str(SAMPLES),
    "--year",
    "2026",
    "--body",
    "ubnd-hai-phong",
    "--meeting",
    str(REPO / "samples" / "meetings" / "ca-hai-phong-2026.yaml"),
]


def test_generate_refuses_without_the_citations_and_writes_nothing(tmp_path: Path) -> None:
    run = hoso(*GENERATE, "--out", str(tmp_path / "out"))
    assert run.returncode == 2
    assert "lỗi: Thiếu Tờ trình mà Quyết định trả lời (số ký hiệu và ngày)" in run.stderr
    assert not (tmp_path / "out").exists()
    bad = hoso(*GENERATE, "--proposal", "TTr-CATP", "--proposal-date", "hôm qua")
    assert bad.returncode == 2 and "--proposal cần số ký hiệu dạng 15/TTr-CATP" in bad.stderr


def test_generate_and_demo_take_the_bodies_from_hoso_bodies_dir(tmp_path: Path) -> None:
    # Only Hải Phòng's UBND in the configured folder: its Công an is unknown there.
    bodies = tmp_path / "bodies"
    bodies.mkdir()
    shutil.copy(REPO / "samples" / "bodies" / "ubnd-hai-phong.yaml", bodies)
    run = hoso(*GENERATE, "--out", str(tmp_path / "out"), HOSO_BODIES_DIR=str(bodies))
    assert run.returncode == 2
    assert "Không có Công an nào thuộc cơ quan ban hành 'ubnd-hai-phong'" in run.stderr
    demo = hoso("demo", "--output", str(tmp_path / "demo"), HOSO_BODIES_DIR=str(bodies))
    assert demo.returncode == 2 and "ca-hai-phong" in demo.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "demo").exists()


def test_errors_are_printed_in_vietnamese_with_their_code_the_english_when_asked(
    tmp_path: Path,
) -> None:
    data = {"HOSO_DATA_DIR": str(tmp_path / "data")}
    add = ("users", "add", "luutru.haiphong", "--name", "Đỗ Minh Châu", "--role", "archivist")
    assert hoso(*add, "--body", "ubnd-hai-phong", **data).returncode == 0
    again = hoso(*add, "--body", "ubnd-hai-phong", **data)
    assert again.returncode == 2
    assert again.stderr == "lỗi: Tên đăng nhập đã có [conflict]\n"
    nobody = hoso("users", "signature", "khong.co", str(tmp_path / "khong-co.png"), **data)
    assert nobody.returncode == 2
    assert nobody.stderr == f"lỗi: Không có tệp {tmp_path / 'khong-co.png'} [not_found]\n"
    # --debug (or HOSO_DEBUG=1) adds the English detail, the field and the traceback.
    for asked, env in ((("--debug",), {}), ((), {"HOSO_DEBUG": "1"})):
        detailed = hoso(*asked, *add, "--body", "ubnd-hai-phong", **data, **env)
        assert detailed.returncode == 2
        lines = detailed.stderr.splitlines()
        assert lines[:2] == [
            "lỗi: Tên đăng nhập đã có [conflict]",
            "  (login 'luutru.haiphong' is taken; field: login)",
        ]
        assert "Traceback" in detailed.stderr and "Conflict" in detailed.stderr


def test_a_user_gets_an_email_address_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    data = {"HOSO_DATA_DIR": str(tmp_path / "data")}
    add = ("users", "add", "vanthu.haiphong", "--name", "Phạm Thu Hà", "--role", "van_thu")
    bad = hoso(*add, "--body", "ubnd-hai-phong", "--email", "vanthu@", **data)
    assert bad.returncode == 2
    assert bad.stderr.startswith("lỗi: Địa chỉ thư điện tử 'vanthu@' không hợp lệ")
    mail = "VanThu@UBND-HaiPhong.example.org"
    assert hoso(*add, "--body", "ubnd-hai-phong", "--email", mail, **data).returncode == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'hoso.db'}")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT login, email FROM users")).all()
    assert rows == [("vanthu.haiphong", "VanThu@ubnd-haiphong.example.org")]  # one user
    changed = hoso("users", "email", "vanthu.haiphong", "vt@haiphong.example.org", **data)
    assert changed.returncode == 0, changed.stderr
    with engine.connect() as connection:
        assert connection.execute(text("SELECT email FROM users")).scalar() == (
            "vt@haiphong.example.org"
        )
    engine.dispose()


def test_generate_refuses_a_meeting_without_votes_naming_the_field(tmp_path: Path) -> None:
    raw = yaml.safe_load((REPO / "samples" / "meetings" / "ca-hai-phong-2026.yaml").read_text())
    bad = tmp_path / "hop.yaml"
    bad.write_text(yaml.safe_dump({**raw, "votes_for": 0, "votes_total": 0}), "utf-8")
    args = [a if a != GENERATE[-1] else str(bad) for a in GENERATE]
    run = hoso(*args, "--proposal", "15/TTr-CATP", "--proposal-date", "2026-11-27")
    assert run.returncode == 2
    assert run.stderr.startswith(f"lỗi: Tệp biên bản họp {bad}: votes_total: Tổng số phiếu phải")
    assert "the number of votes" not in run.stderr  # the English only with --debug
    assert "Traceback" not in run.stderr and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_generate_writes_the_dossier(tmp_path: Path) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice missing: make setup installs it")
    run = hoso(
        *GENERATE,
        "--proposal",
        "15/TTr-CATP",
        "--proposal-date",
        "2026-11-27",
        "--final",
        "--out",
        str(tmp_path / "out"),
        HOSO_DATA_DIR=str(tmp_path / "data"),
    )
    assert run.returncode == 0, run.stderr
    assert "Đã ghi 38 tệp" in run.stdout  # no GCN: the QĐ they cite is not issued yet
    folder = tmp_path / "out" / "2026" / "ubnd-hai-phong"
    assert (folder / "quyet-dinh.pdf").read_bytes().startswith(b"%PDF")
    assert not (folder / "xa-yet-kieu" / "giay-chung-nhan.docx").exists()


@pytest.mark.slow
def test_generate_says_when_no_unit_qualifies(tmp_path: Path) -> None:
    need(shutil.which("soffice") is not None, "LibreOffice missing: make setup installs it")
    run = hoso(
        "generate",
        str(SAMPLES),
        "--year",
        "2026",
        "--body",
        "ubnd-bac-ninh",
        "--meeting",
        str(REPO / "samples" / "meetings" / "ca-bac-ninh-2026.yaml"),
        "--out",
        str(tmp_path / "out"),
        HOSO_DATA_DIR=str(tmp_path / "data"),
    )
    assert run.returncode == 0, run.stderr
    assert "hồ sơ không có Tờ trình, Quyết định công nhận và Giấy chứng nhận" in run.stdout
    assert not (tmp_path / "out" / "2026" / "ubnd-bac-ninh" / "to-trinh.pdf").exists()


def test_generate_refuses_a_decision_the_registry_has_not_issued(tmp_path: Path) -> None:
    run = hoso(
        *GENERATE,
        "--proposal",
        "15/TTr-CATP",
        "--proposal-date",
        "2026-11-27",
        "--decision",
        "120/QĐ-UBND",
        "--decision-date",
        "2026-12-05",
        "--out",
        str(tmp_path / "out"),
        HOSO_DATA_DIR=str(tmp_path / "data"),
    )
    assert run.returncode == 2
    assert "Quyết định số 120/QĐ-UBND ngày 05 tháng 12 năm 2026 chưa được ban hành" in run.stderr
    assert not (tmp_path / "out").exists()
    assert not list((tmp_path / "out").glob(".hoso-staging-*"))


def test_templates_check_lists_variables_and_fails_on_unknown_ones(tmp_path: Path) -> None:
    run = hoso("templates", "check")
    assert run.returncode == 0, run.stderr
    assert "quyet-dinh.docx:" in run.stdout and "proposal" in run.stdout
    from docx import Document

    for template in (REPO / "templates" / "vi").glob("*.docx"):
        shutil.copy(template, tmp_path / template.name)
    broken = Document(str(tmp_path / "to-trinh.docx"))
    broken.add_paragraph("{{ ten_don_vi_khong_co }}")
    broken.save(str(tmp_path / "to-trinh.docx"))
    bad = hoso("templates", "check", "--dir", str(tmp_path))
    assert bad.returncode == 2
    assert "to-trinh.docx: biến không có trong dữ liệu: ten_don_vi_khong_co" in bad.stderr


def test_templates_check_refuses_a_label_written_again_before_the_number(tmp_path: Path) -> None:
    """A clerk who types "Số: " before {{ number }} (which carries "Số: " for the số field's
    stamp) would issue "Số: Số: 01/QĐ-…": the check names the template and the placeholder."""
    from docx import Document

    for template in (REPO / "templates" / "vi").glob("*.docx"):
        shutil.copy(template, tmp_path / template.name)
    edited = Document(str(tmp_path / "quyet-dinh.docx"))
    (paragraph,) = {
        p._p: p
        for t in edited.tables
        for c in t._cells
        for p in c.paragraphs
        if p.text == "{{ number }}"
    }.values()
    paragraph.runs[0].text = "Số: " + paragraph.runs[0].text
    edited.save(str(tmp_path / "quyet-dinh.docx"))
    bad = hoso("templates", "check", "--dir", str(tmp_path))
    assert bad.returncode == 2, bad.stdout
    assert "quyet-dinh.docx: «Số:» đứng trước {{ number }}" in bad.stderr
    assert "to-trinh.docx" not in bad.stderr


def test_pki_init_writes_test_certificates(tmp_path: Path) -> None:
    run = hoso("pki", "init", HOSO_DATA_DIR=str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "17 tệp .p12" in run.stdout and "hoso-test" in run.stdout
    assert (tmp_path / "pki" / "certs" / "ubnd-bac-ninh--chu-tich.p12").exists()
    assert (tmp_path / "pki" / "certomancer.yml").exists()


def test_archive_seal_without_a_file_needs_a_year_and_takes_no_out(tmp_path: Path) -> None:
    """The registry-wide sealing (`hoso archive seal` without a file) is refused before it
    touches anything when it lacks --year, or is given --out (its files stay in the store)."""
    data = str(tmp_path / "data")
    no_year = hoso("archive", "seal", HOSO_DATA_DIR=data)
    assert no_year.returncode == 2 and "Cần --year" in no_year.stderr, no_year.stderr
    out = hoso("archive", "seal", "--year", "2026", "--out", "x.pdf", HOSO_DATA_DIR=data)
    assert out.returncode == 2 and "--out chỉ dùng khi chỉ ra một tệp" in out.stderr
    no_out = hoso("archive", "seal", str(tmp_path / "qd.pdf"), HOSO_DATA_DIR=data)
    assert no_out.returncode == 2 and "Cần --out" in no_out.stderr
    assert not (tmp_path / "data").exists()
