"""Documents end to end: templates filled by docxtpl, converted by the real LibreOffice pool,
checked with poppler's tools as a reader of the PDF would see them."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from docgen import dossier, generate, inputs, render, vn
from docgen.convert import ConverterPool
from docgen.errors import TemplateError
from tests.conftest import REPO

pytestmark = pytest.mark.slow
BODIES = inputs.load_bodies(REPO / "samples" / "bodies")
RESULTS = inputs.score_all(
    inputs.load_paths([REPO / "samples" / "assessments"]), inputs.load_policies(None)
)
PROPOSAL = dossier.Reference(15, "TTr-CATP", dt.date(2026, 11, 20), "Công an thành phố Hải Phòng")
DECISION = dossier.Reference(1, "QĐ-UBND", dt.date(2026, 12, 5), "")
MEETING = inputs.load_meeting(REPO / "samples" / "meetings" / "ca-hai-phong-2026.yaml")
MM = 72 / 25.4
ISSUED = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
STAMP_WORDS = {"Mã", "xác", "minh:"}
CODE = r"[A-Z2-7]{5}-[A-Z2-7]{5}"


def verify_url(code: str) -> str:
    return f"https://xacminh.example.vn/v/{code}"


def plan_hai_phong(**changes: object) -> list[generate.Planned]:
    """The sample dossier of UBND thành phố Hải Phòng for 2026, with `changes` to its inputs."""
    given: dict[str, object] = {
        "proposal": PROPOSAL,
        "decision": DECISION,
        "meeting": MEETING,
        "plan_file": inputs.load_plan(REPO / "samples" / "plans", "ubnd-hai-phong", 2026),
    }
    given.update(changes)
    return generate.plan(
        BODIES["ubnd-hai-phong"], BODIES["ca-hai-phong"], RESULTS, year=2026, **given
    )  # type: ignore[arg-type]


def text(pdf: Path, *args: str) -> str:
    run = subprocess.run(
        ["pdftotext", "-layout", *args, str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return unicodedata.normalize("NFC", run.stdout)


def flat(pdf: Path, *args: str) -> str:
    """The text on one line, with words rejoined where a line broke after a hyphen."""
    return re.sub(r"(\w)- (\w)", r"\1-\2", " ".join(text(pdf, *args).split()))


def test_decision_header_title_and_recipients(dossier_dir: Path) -> None:
    pdf = dossier_dir / "quyet-dinh.pdf"
    page = text(pdf, "-f", "1", "-l", "1")
    joined = flat(pdf, "-f", "1", "-l", "1")
    for expected in (
        "ỦY BAN NHÂN DÂN THÀNH PHỐ",
        "HẢI PHÒNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "QUYẾT ĐỊNH",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG",
        "QUYẾT ĐỊNH:",
        "Theo đề nghị của Giám đốc Công an thành phố Hải Phòng tại Tờ trình số 15/TTr-CATP "
        "ngày 20 tháng 11 năm 2026.",
        "Nơi nhận:",
        "- Như Điều 3;",
        "- Bộ Công an (qua V05);",
        "- Lưu: VT, NC.",
        "Trần Minh Khôi",
    ):
        assert expected in joined, expected
    assert re.search(r"Số:\s+/QĐ-UBND", page)
    assert re.search(r"Hải Phòng, ngày\s+tháng\s+năm 2026", page)
    assert "Điều 1." in joined and "Điều 3." in joined
    # Issued by the Chủ tịch in his own authority: signed CHỦ TỊCH, not on behalf of the UBND.
    assert "TM." not in joined and "L.Thụy" not in joined


def test_decision_annex_lists_the_recognised_units(dossier_dir: Path) -> None:
    annex = flat(dossier_dir / "quyet-dinh.pdf", "-f", "2")
    assert "Phụ lục" in annex
    assert (
        "DANH SÁCH ĐƠN VỊ ĐIỂN HÌNH VỀ PHONG TRÀO TOÀN DÂN BẢO VỆ AN NINH TỔ QUỐC NĂM 2026" in annex
    )
    assert re.search(r"\(Kèm theo Quyết định số\s+/QĐ-UBND ngày\s+tháng\s+năm 2026", annex)
    assert "Xã Yết Kiêu" in annex and "Phường An Biên" in annex
    assert "Phường Lê Chân" not in annex  # not recognised
    # In its maintenance year Ngô Quyền keeps the title (the Thông báo), is not recognised anew.
    assert "Ngô Quyền" not in annex and "Ngô Quyền" not in flat(dossier_dir / "to-trinh.pdf")
    assert "Công nhận 02 đơn vị" in flat(dossier_dir / "quyet-dinh.pdf", "-f", "1", "-l", "1")


def test_a_unit_in_its_maintenance_year_gets_no_new_certificate(dossier_dir: Path) -> None:
    assert (dossier_dir / "phuong-an-bien" / "giay-chung-nhan.pdf").is_file()
    assert (dossier_dir / "phuong-ngo-quyen" / "bao-cao.pdf").is_file()
    assert not (dossier_dir / "phuong-ngo-quyen" / "giay-chung-nhan.pdf").exists()
    assert "Ngô Quyền" in flat(dossier_dir / "thong-bao.pdf")


def test_certificate_is_landscape_and_cites_the_decision(dossier_dir: Path) -> None:
    pdf = dossier_dir / "xa-yet-kieu" / "giay-chung-nhan.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "841.89 x 595.3" in info  # A4 landscape
    joined = flat(pdf)
    assert "GIẤY CHỨNG NHẬN" in joined and "XÃ YẾT KIÊU" in joined
    assert (
        "(Theo Quyết định số 01/QĐ-UBND ngày 05 tháng 12 năm 2026 của Chủ tịch UBND thành "
        "phố Hải Phòng)" in joined
    )


def test_report_table_has_every_sub_item(dossier_dir: Path) -> None:
    joined = flat(dossier_dir / "phuong-le-chan" / "bao-cao.pdf")
    assert "BÁO CÁO" in joined and "Kính gửi: Ủy ban nhân dân thành phố Hải Phòng" in joined
    for item in ("1.1", "13.1", "19.4", "20.1"):
        assert f" {item} " in joined
    assert "Tổng số điểm tự chấm: 94 điểm/100 điểm" in joined
    assert "chưa đủ điều kiện đề nghị công nhận" in joined


def test_every_pdf_is_a4_with_fonts_embedded_and_text_inside_the_margins(
    dossier_dir: Path,
) -> None:
    pdfs = sorted(dossier_dir.rglob("*.pdf"))
    assert len(pdfs) == 1 + 2 * 7 + 1 + 1 + 1 + 2 + 1  # KH, BĐK+BC per unit, BB, TTr, QĐ, GCN, TB
    for pdf in pdfs:
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        rows = fonts.splitlines()[2:]
        assert rows and all(row.split()[-5] == "yes" for row in rows), (pdf, fonts)
        html = subprocess.run(
            ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True
        ).stdout
        width, height = map(
            float, re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html).groups()
        )  # type: ignore[union-attr]
        assert {round(width), round(height)} == {595, 842}
        portrait = width < height
        left, right = (30, 15) if portrait else (20, 20)
        words = re.finditer(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', html
        )
        for m in words:
            if m[5] in STAMP_WORDS or "/v/" in m[5] or re.fullmatch(CODE, m[5]):
                continue  # the verification stamp lives in the bottom margin on purpose
            x0, y0, x1, y1 = map(float, m.groups()[:4])
            assert x0 >= (left - 3) * MM and x1 <= width - (right - 3) * MM, (pdf, m.group())
            assert y0 >= 9 * MM and y1 <= height - 15 * MM, (pdf, m.group())


def test_page_numbers_from_page_two(dossier_dir: Path) -> None:
    pdf = dossier_dir / "phuong-le-chan" / "bao-cao.pdf"
    first = text(pdf, "-f", "1", "-l", "1").strip().splitlines()[0]
    second = text(pdf, "-f", "2", "-l", "2").strip().splitlines()[0]
    assert first.strip() != "1"
    assert second.strip() == "2"


def long_decision(pool: ConverterPool, tmp_path: Path, count: int) -> tuple[Path, int]:
    """A QĐ whose phụ lục lists `count` units with names long enough to wrap; PDF and pages."""
    ctx = dossier.decision(
        BODIES["ubnd-hai-phong"],
        [r for r in RESULTS if r.verdict.recognised],
        year=2026,
        proposal=PROPOSAL,
    )
    ctx["units"] = [
        dict(
            ctx["units"][0],
            index=str(n),
            name=f"Trường Trung học cơ sở Nguyễn Bỉnh Khiêm số {n}, phường Ngô Quyền",
        )
        for n in range(1, count + 1)
    ]
    pdf = tmp_path / "qd.pdf"
    pdf.write_bytes(pool.convert(render.render("quyet-dinh.docx", ctx), name="qd"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return pdf, int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]


def test_a_40_unit_annex_spans_pages_with_repeated_headers(
    pool: ConverterPool, tmp_path: Path
) -> None:
    pdf, pages = long_decision(pool, tmp_path, 40)
    assert pages >= 3
    annex = [text(pdf, "-f", str(n), "-l", str(n)) for n in range(2, pages + 1)]
    assert all("STT" in t and "Tên đơn vị" in t for t in annex)
    assert "số 40," in annex[-1] and "số 1," in annex[0]


def test_the_annex_restarts_page_numbers(pool: ConverterPool, tmp_path: Path) -> None:
    pdf, _ = long_decision(pool, tmp_path, 40)
    first_lines = [
        text(pdf, "-f", str(n), "-l", str(n)).strip().splitlines()[0].strip() for n in (2, 3)
    ]
    assert first_lines[0] == "Phụ lục"  # the annex's first page shows no number
    assert first_lines[1] == "2"  # and its second page is its page 2


def pdf_text(pool: ConverterPool, tmp_path: Path, name: str, ctx: dict[str, object]) -> str:
    pdf = tmp_path / f"{Path(name).stem}.pdf"
    pdf.write_bytes(pool.convert(render.render(name, ctx), name=Path(name).stem))
    return flat(pdf)


def test_every_template_renders_with_every_optional_field_empty(
    pool: ConverterPool, tmp_path: Path
) -> None:
    for name, ctx in generate.sample_contexts().items():
        empty = {k: [] if isinstance(v, list) else v for k, v in ctx.items()}
        if "body" in empty:
            empty["body"] = dict(ctx["body"], parent_header=None)
        if "signer" in empty:
            empty["signer"] = dict(ctx["signer"], authority=None, name="")
        printed = pdf_text(pool, tmp_path, name, empty)
        assert "None" not in printed and "{{" not in printed and "{%" not in printed, name
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in printed, name


def test_every_template_renders_with_every_list_long(pool: ConverterPool, tmp_path: Path) -> None:
    """Every list of every context 40 items long: all of them printed, tables across pages."""
    for name, ctx in generate.sample_contexts().items():
        long: dict[str, object] = dict(ctx)
        expected: dict[str, tuple[str, int]] = {}
        printed_keys = render.variables(name)  # not the data kept for others ("article_3")
        for key, value in ctx.items():
            if not isinstance(value, list) or not value or key not in printed_keys:
                continue
            first = value[0]
            if isinstance(first, str):
                long[key] = [f"{first} [{key}-{n}]" for n in range(1, 41)]
                expected[key] = (f"[{key}-40]", 1)
            else:
                long[key] = [first] * 40
                marker = next(
                    (v for v in first.values() if isinstance(v, str) and len(v) > 3), None
                )
                if marker:
                    expected[key] = (" ".join(marker.split()), 40)
        printed = pdf_text(pool, tmp_path, name, long)
        assert expected or name == "giay-chung-nhan.docx", name  # the GCN has no list
        for key, (marker, times) in expected.items():
            assert printed.count(marker) >= times, (name, key, marker)


def test_same_data_same_docx_bytes() -> None:
    ctx = dossier.decision(
        BODIES["ubnd-hai-phong"],
        RESULTS[:0] + [r for r in RESULTS if r.verdict.recognised],
        year=2026,
        proposal=PROPOSAL,
    )
    assert render.render("quyet-dinh.docx", ctx) == render.render("quyet-dinh.docx", ctx)


def test_missing_citation_stops_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="missing the Tờ trình"):
        plan_hai_phong(proposal=None)
    assert not any(tmp_path.iterdir())


def test_a_failed_build_leaves_the_output_folder_untouched(
    pool: ConverterPool, tmp_path: Path
) -> None:
    planned = plan_hai_phong()
    broken = generate.Planned("2026/x/bad", "quyet-dinh.docx", "bad", {"number": "1"})
    with pytest.raises(TemplateError, match="undefined"):
        generate.build(
            [*planned[:2], broken], pool, tmp_path, issued_at=ISSUED, verify_url=verify_url
        )
    assert list(tmp_path.iterdir()) == []


def test_templates_use_only_variables_the_data_model_provides() -> None:
    for name, ctx in generate.sample_contexts().items():
        assert render.variables(name) <= set(ctx), name
        assert render.variables(name)


def test_template_with_an_unknown_variable_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="'subject' is undefined"):
        ctx = dict(generate.sample_contexts()["to-trinh.docx"])
        del ctx["subject"]
        render.render("to-trinh.docx", ctx)


def test_minutes_have_no_date_line_and_sign_secretary_left_chair_right(dossier_dir: Path) -> None:
    pdf = dossier_dir / "bien-ban.pdf"
    page = text(pdf)
    joined = flat(pdf)
    assert "BIÊN BẢN" in joined and "CÔNG AN THÀNH PHỐ HẢI" in joined and "BỘ CÔNG AN" in joined
    assert re.search(r"Số:\s+/BB-CATP", page)
    assert not re.search(r"ngày\s+tháng\s+năm 2026", page.split("BIÊN BẢN")[0])
    for label in (
        "Thời gian bắt đầu: 08 giờ 00 phút, ngày 25 tháng 11 năm 2026.",
        "Địa điểm: Hội trường Công an thành phố Hải Phòng.",
        "Thành phần tham dự:",
        "Chủ trì: Đỗ Quang Vinh, Giám đốc Công an thành phố Hải Phòng.",
        "Thư ký: Nguyễn Thị Minh Hà, Thiếu tá, cán bộ Phòng PV01",
        "Phường Ngô Quyền 100 10/12 (83,3%) đề nghị giữ vững",  # each unit its own vote
        "Phường An Biên 100 11/12 (91,7%) đề nghị công nhận",
        "Xã Yết Kiêu 100 12/12 (100%) đề nghị công nhận",
        "Vắng mặt: Đại diện Sở Văn hóa, Thể thao và Du lịch (có lý do).",
        "Phường Lê Chân chưa đủ điều kiện đề nghị công nhận: Tiêu chí",
        "Cuộc họp kết thúc vào 10 giờ 30 phút",
        "- Lưu: VT, Hồ sơ.",
    ):
        assert label in joined, label
    # Thẩm định only for a unit the meeting appraised (Đông Ngàn's file has appraised scores).
    assert re.search(r"Phường Lê Chân 94 Chưa đủ điều kiện", joined)
    assert re.search(r"Phường Kiến An 97 Không giữ vững", joined)  # its duy trì year
    roles = next(line for line in page.splitlines() if "THƯ KÝ" in line)
    assert roles.index("THƯ KÝ") < roles.index("CHỦ TỌA")


def test_plan_registration_and_notice(dossier_dir: Path) -> None:
    plan = flat(dossier_dir / "ke-hoach.pdf")
    assert "KẾ HOẠCH" in plan and "I. MỤC ĐÍCH, YÊU CẦU" in plan
    # Hải Phòng's deadlines (seed 000), not Bỉm Sơn's (20/02, 05/11).
    assert "đăng ký xây dựng đơn vị điển hình trước ngày 15/01 hằng năm" in plan
    assert "trước ngày 01/12 hằng năm" in plan and "20/02" not in plan
    registration = flat(dossier_dir / "phuong-kien-an" / "ban-dang-ky.pdf")
    assert (
        "BẢN ĐĂNG KÝ" in registration
        and "Kính gửi: Ủy ban nhân dân thành phố Hải Phòng" in registration
    )
    assert "đạt loại Xuất sắc" in registration
    notice = flat(dossier_dir / "thong-bao.pdf")
    assert "THÔNG BÁO" in notice and "Phường Ngô Quyền" in notice
    # Every unit in its maintenance year is announced, kept or not, and the loss explained.
    assert re.search(r"Phường Ngô Quyền Phường 100 Giữ vững", notice)
    assert re.search(r"Phường Kiến An Phường [\d,]+ Không giữ vững", notice)
    assert "Phường Kiến An không giữ vững danh hiệu: Tiêu chí" in notice


def test_date_rule_in_print_for_every_day_and_month(pool: ConverterPool, tmp_path: Path) -> None:
    """Every date of a leap year, printed through a template and read back from the PDF."""
    days = [dt.date(2028, 1, 1) + dt.timedelta(days=n) for n in range(366)]
    ctx = dict(generate.sample_contexts()["thong-bao.docx"])
    ctx["units"] = [
        {
            "index": str(n),
            "name": vn.place_date("Hải Phòng", d),
            "kind": "",
            "points": "",
            "note": "",
        }
        for n, d in enumerate(days, start=1)
    ]
    pdf = tmp_path / "dates.pdf"
    pdf.write_bytes(pool.convert(render.render("thong-bao.docx", ctx), name="dates"))
    printed = re.findall(r"Hải Phòng, ngày (\d+) tháng (\d+) năm (\d+)", flat(pdf))
    assert len(printed) == 366
    for (day, month, year), d in zip(printed, days, strict=True):
        assert (int(day), int(month), int(year)) == (d.day, d.month, d.year)
        assert len(day) == 2 and len(month) == (2 if d.month in (1, 2, 10, 11, 12) else 1)


def test_same_data_same_pdf_bytes(pool: ConverterPool, tmp_path: Path) -> None:
    planned = [
        p for p in plan_hai_phong() if p.template in ("quyet-dinh.docx", "giay-chung-nhan.docx")
    ]
    runs = []
    for n in (1, 2):
        generate.build(planned, pool, tmp_path / str(n), issued_at=ISSUED, verify_url=verify_url)
        runs.append(
            {
                p.relative_to(tmp_path / str(n)): p.read_bytes()
                for p in sorted((tmp_path / str(n)).rglob("*.*"))
            }
        )
    assert len(runs[0]) == 2 * len(planned) == 6
    assert runs[0] == runs[1]
