"""The dossier read as a văn thư reads it (issue 13), from the PDFs themselves: who signs and
how the signature block says it, header names that break only between their parts, citations
by số and ngày, room to sign, and wording. Geometry comes from poppler's word boxes."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from docgen import dossier, generate, inputs, render
from docgen.convert import ConverterPool
from tests.conftest import REPO
from tests.integration.test_documents import BODIES, PROPOSAL, RESULTS, flat

pytestmark = pytest.mark.slow
MM = 72 / 25.4


@dataclass(frozen=True)
class Line:
    """A line of words as printed: its top, its left and right ends, its text."""

    top: float
    left: float
    right: float
    text: str


def words(pdf: Path, page: int = 1) -> list[tuple[float, float, float, float, str]]:
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.finditer(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', html
    )
    return [
        (float(m[1]), float(m[2]), float(m[3]), float(m[4]), unicodedata.normalize("NFC", m[5]))
        for m in found
    ]


def lines(found: list[tuple[float, float, float, float, str]]) -> list[Line]:
    """Words on the same baseline (within 2 pt) joined left to right, top to bottom."""
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for w in sorted(found, key=lambda w: (w[1], w[0])):
        if rows and abs(rows[-1][0][1] - w[1]) < 2:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [
        Line(
            row[0][1],
            min(w[0] for w in row),
            max(w[2] for w in row),
            " ".join(w[4] for w in sorted(row)),
        )
        for row in rows
    ]


def signature_block(pdf: Path, page: int = 1) -> list[Line]:
    """The lines right of the page's middle from the "Nơi nhận:" row down (ô 7 of mẫu 1.2,
    1.4), without the verification stamp."""
    found = words(pdf, page)
    anchor = next(w for w in found if w[4] == "Nơi")
    width = max(w[2] for w in found)
    right = [w for w in found if w[1] >= anchor[1] - 2 and w[0] > width / 2]
    return [line for line in lines(right) if "xác minh" not in line.text]


def _recipients(pdf: Path, page: int = 1) -> list[str]:
    """The lines of the Nơi nhận (ô 9b), left of the page's middle from "Nơi nhận:" down."""
    found = words(pdf, page)
    anchor = next(w for w in found if w[4] == "Nơi")
    width = max(w[2] for w in found)
    left = [w for w in found if w[1] >= anchor[1] - 2 and w[2] < width / 2]
    return [line.text for line in lines(left) if "xác minh" not in line.text]


def build(pool: ConverterPool, tmp: Path, name: str, template: str, ctx: dict[str, object]) -> Path:
    pdf = tmp / f"{name}.pdf"
    pdf.write_bytes(pool.convert(render.render(template, ctx), name=name))
    return pdf


HAI_PHONG, CA_HAI_PHONG = BODIES["ubnd-hai-phong"], BODIES["ca-hai-phong"]
MINE = [r for r in RESULTS if r.assessment.unit.issuing_body == "ubnd-hai-phong"]
ISSUED_QD = dossier.Reference(1, "QĐ-UBND", dt.date(2026, 12, 5), HAI_PHONG.name)


# --- item 2: authority line, signature block, phụ lục heading, Nơi nhận ------------------------


@pytest.mark.parametrize(
    ("signer", "block"),
    [
        (None, ["CHỦ TỊCH", "Trần Minh Khôi"]),
        ("pho-chu-tich", ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lê Thị Hồng Nhung"]),
    ],
)
def test_the_decision_is_the_chairs_own_in_every_part(
    pool: ConverterPool, tmp_path: Path, signer: str | None, block: list[str]
) -> None:
    ctx = dossier.decision(
        HAI_PHONG, MINE, year=2026, proposal=PROPOSAL, signer=signer, police=CA_HAI_PHONG
    )
    pdf = build(pool, tmp_path, "qd", "quyet-dinh.docx", ctx)
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in flat(pdf, "-f", "1", "-l", "1")
    assert [line.text for line in signature_block(pdf)] == block
    annex = flat(pdf, "-f", "2")
    assert re.search(
        r"\(Kèm theo Quyết định số\s+/QĐ-UBND ngày\s+tháng\s+năm 2026 của Chủ tịch UBND "
        r"thành phố Hải Phòng\)",
        annex,
    )
    page1 = flat(pdf, "-f", "1", "-l", "1")
    assert _recipients(pdf)[:2] == ["Nơi nhận:", "- Như Điều 3;"]
    assert _recipients(pdf)[-1] == "- Lưu: VT, NC."
    assert "TM." not in page1 + annex


def test_the_plan_is_the_ubnds_signed_on_its_behalf(dossier_dir: Path) -> None:
    pdf = dossier_dir / "ke-hoach.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", _info(pdf))[1])  # type: ignore[index]
    assert [line.text for line in signature_block(pdf, pages)][:3] == [
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Trần Minh Khôi",
    ]


def test_the_certificate_is_signed_as_its_decision(dossier_dir: Path) -> None:
    pdf = dossier_dir / "xa-yet-kieu" / "giay-chung-nhan.pdf"
    text = flat(pdf)
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in text and "TM." not in text
    assert "Đạt điển hình về phong trào toàn dân bảo vệ an ninh Tổ quốc năm 2026" in text
    assert "danh hiệu" not in text
    found = words(pdf)
    place = next(w for w in found if w[4] == "Phòng,")  # "Hải Phòng, ngày … năm 2026"
    middle = max(w[2] for w in found) / 2
    right = [w for w in found if w[1] > place[1] + 2 and w[0] > middle]
    assert [line.text for line in lines(right)] == ["CHỦ TỊCH", "Trần Minh Khôi"]


# --- item 1: the GCN cites the QĐ as issued -----------------------------------------------------


def test_the_certificate_cites_the_issued_decision_not_a_number_of_its_own(
    dossier_dir: Path,
) -> None:
    for unit in ("xa-yet-kieu", "phuong-an-bien"):
        text = flat(dossier_dir / unit / "giay-chung-nhan.pdf")
        assert "Quyết định số 01/QĐ-UBND ngày 05 tháng 12 năm 2026" in text, unit
        assert "120/QĐ" not in text


# --- item 3: header names, số ký hiệu, spaces ---------------------------------------------------


def _header_left(pdf: Path) -> list[str]:
    """The left header column's lines above "Số: …/QĐ-…" (its "Số:" is the form field's)."""
    found = words(pdf)
    top = min(w[1] for w in found if re.match(r"Số:|/\w+-", w[4]))
    middle = max(w[2] for w in found) * 0.55
    return [line.text for line in lines([w for w in found if w[1] < top - 2 and w[2] < middle])]


def test_header_names_break_between_their_parts_only(dossier_dir: Path) -> None:
    assert _header_left(dossier_dir / "quyet-dinh.pdf") == [
        "ỦY BAN NHÂN DÂN",
        "THÀNH PHỐ HẢI PHÒNG",
    ]
    assert _header_left(dossier_dir / "to-trinh.pdf") == [
        "BỘ CÔNG AN",
        "CÔNG AN THÀNH PHỐ HẢI PHÒNG",
    ]
    assert _header_left(dossier_dir / "phuong-ngo-quyen" / "bao-cao.pdf") == [
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG NGÔ QUYỀN",
    ]


def test_no_code_number_splits_at_a_line_end(dossier_dir: Path) -> None:
    for pdf in sorted(dossier_dir.rglob("*.pdf")):
        for n in range(1, 3):
            for line in lines(words(pdf, n)) if n <= _pages(pdf) else []:
                assert not re.search(r"\d+/\S*-$", line.text), (pdf, line.text)


# --- item 9: a name and room to sign ------------------------------------------------------------


def test_unit_documents_leave_room_to_sign_above_a_name(dossier_dir: Path) -> None:
    pdf = dossier_dir / "phuong-ngo-quyen" / "ban-dang-ky.pdf"
    block = signature_block(pdf)
    assert [line.text for line in block] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Lương Văn Sơn"]
    assert block[2].top - block[1].top >= 25 * MM  # the chair signs (and the seal goes) here


def test_a_final_dossier_without_a_signers_name_is_refused_before_writing(
    pool: ConverterPool, tmp_path: Path
) -> None:
    from docgen.errors import TemplateError

    planned = generate.plan(
        HAI_PHONG,
        CA_HAI_PHONG,
        RESULTS,
        year=2026,
        proposal=PROPOSAL,
        decision=None,
        meeting=None,
        partial=True,
    )
    unit_doc = next(p for p in planned if p.template == "ban-dang-ky.docx")
    ctx = dict(unit_doc.context, signer=dict(unit_doc.context["signer"], name=""))
    broken = generate.Planned(unit_doc.path, unit_doc.template, unit_doc.title, ctx, unit_doc.unit)
    with pytest.raises(TemplateError, match="no signer's name"):
        generate.build(
            [broken],
            pool,
            tmp_path,
            issued_at=dt.datetime.now(dt.UTC),
            verify_url=lambda c: c,
            draft=False,
        )
    assert list(tmp_path.iterdir()) == []


# --- item 7 and 10: citations and wording -------------------------------------------------------


def test_the_plan_is_cited_by_number_and_date_and_wording_reads_right(
    pool: ConverterPool, tmp_path: Path
) -> None:
    plan = dossier.Reference(6, "KH-UBND", dt.date(2026, 1, 8), HAI_PHONG.name)
    proposal = flat(
        build(
            pool,
            tmp_path,
            "tt",
            "to-trinh.docx",
            dossier.proposal(CA_HAI_PHONG, HAI_PHONG, MINE, year=2026, plan_ref=plan),
        )
    )
    assert (
        "Kế hoạch số 06/KH-UBND ngày 08 tháng 01 năm 2026 của UBND thành phố Hải Phòng" in proposal
    )
    assert "UBND thành phố (để b/c)" not in proposal and proposal.count("- Như trên;") == 1
    school = next(
        x
        for x in inputs.load_paths([REPO / "samples" / "assessments"])
        if x.assessment.unit.name == "Trường THPT Bỉm Sơn"
    )
    result = inputs.score_all([school], inputs.load_policies(None))[0]
    pdf = build(
        pool,
        tmp_path,
        "bdk",
        "ban-dang-ky.docx",
        dossier.registration(BODIES["ubnd-bim-son"], result, year=2026, plan_ref=plan),
    )
    assert [line.text for line in signature_block(pdf)][:2] == ["HIỆU TRƯỞNG", "Lê Thị Thanh Xuân"]
    assert "THỦ TRƯỞNG ĐƠN VỊ" not in flat(pdf)


def test_wording_across_the_dossier(dossier_dir: Path) -> None:
    everything = {p: flat(p) for p in sorted(dossier_dir.rglob("*.pdf"))}
    for pdf, text in everything.items():
        assert "L.Thụy" not in text and "L.Thụỵ" not in text, pdf
    registration = everything[dossier_dir / "phuong-ngo-quyen" / "ban-dang-ky.pdf"]
    assert "Năm 2025, phường Ngô Quyền đạt" in registration
    report = everything[dossier_dir / "phuong-le-chan" / "bao-cao.pdf"]
    assert re.search(r"chưa đủ điều kiện đề nghị công nhận\./\.", report)
    decision = everything[dossier_dir / "quyet-dinh.pdf"]
    assert "Điều 3. Chánh Văn phòng UBND thành phố Hải Phòng, Giám đốc Công an thành phố" in (
        decision
    )
    assert "có tên tại Điều 1" not in decision


def _info(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout


def _pages(pdf: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _info(pdf))[1])  # type: ignore[index]


# --- item 6: a Kế hoạch as complete as seed 000 -------------------------------------------------


def test_the_plan_has_seed_000s_parts_and_never_a_signature_alone(dossier_dir: Path) -> None:
    pdf = dossier_dir / "ke-hoach.pdf"
    pages = _pages(pdf)
    assert pages >= 4  # seed 000 has six; it was one page and a signature
    text = flat(pdf)
    headings = [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. NỘI DUNG THỰC HIỆN",
        "III. PHÂN CÔNG THỰC HIỆN",
        "IV. TỔ CHỨC THỰC HIỆN",
    ]
    at = [text.index(h) for h in headings]
    assert at == sorted(at)
    assignments = text[at[2] : at[3]]
    assert "1. Công an thành phố" in assignments and "12. Các cơ quan, doanh nghiệp" in assignments
    assert "Đối tượng, thời gian" not in text and "ĐỐI TƯỢNG" not in text
    last = [line.text for line in lines(words(pdf, pages))]
    above = last[: next(n for n, t in enumerate(last) if t.startswith("Nơi nhận"))]
    assert any(t.endswith("./.") for t in above), last  # the text ends on the signature's page


# --- item 12: a .docx a clerk can edit in the house style ---------------------------------------


def test_the_docx_uses_named_styles_carries_its_title_and_the_draft_mark(dossier_dir: Path) -> None:
    from docx import Document

    document = Document(str(dossier_dir / "quyet-dinh.docx"))
    style_of = {p.text.strip(): p.style.name for p in document.paragraphs if p.text.strip()}
    cells = [
        p
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for p in cell.paragraphs
        if p.text.strip()
    ]
    style_of.update({p.text.strip(): p.style.name for p in cells})
    assert style_of["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"] == "Quốc hiệu"
    assert style_of["Độc lập - Tự do - Hạnh phúc"] == "Tiêu ngữ"
    assert style_of["QUYẾT ĐỊNH"] == "Tên loại"
    assert style_of["CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG"] == "Thẩm quyền"
    assert {style_of[t] for t in style_of if t.startswith("Căn cứ")} == {"Căn cứ"}
    assert {style_of[t] for t in style_of if t.startswith("Điều ")} == {"Điều"}
    assert (
        style_of["Nơi nhận:"] == "Nơi nhận" and style_of["- Như Điều 3;"] == "Nơi nhận, danh sách"
    )
    assert style_of["Trần Minh Khôi"] == "Họ tên người ký"
    quoc_hieu = document.styles["Quốc hiệu"]
    assert quoc_hieu.font.bold and quoc_hieu.font.size.pt == 12
    props = document.core_properties
    assert props.title == "Quyết định công nhận" and props.subject.startswith("Về việc công nhận")
    assert props.category == "DỰ THẢO"
    first_header = document.sections[0].first_page_header
    assert "DỰ THẢO" in " ".join(p.text for p in first_header.paragraphs)
    pdf = dossier_dir / "quyet-dinh.pdf"
    assert re.search(r"Title:\s+Quyết định công nhận", _info(pdf))
    top = lines(words(pdf))[0]
    assert top.text == "DỰ THẢO" and top.top < 20 * MM  # in the top margin, above the header
