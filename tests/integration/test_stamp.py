"""Stamping a converted document: QR and code on page 1, the draft watermark, the fields left
for the số and ngày, fixed times — checked on real LibreOffice output."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from docgen import generate, render, stamp
from docgen.convert import ConverterPool
from docgen.errors import StampError
from tests.conftest import need

pytestmark = pytest.mark.slow
WHEN = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def converted() -> dict[str, bytes]:
    need(shutil.which("soffice") is not None, "LibreOffice missing: make setup installs it")
    with ConverterPool(size=1) as pool:
        return {
            name: pool.convert(render.render(name, generate.on_page(ctx)))
            for name, ctx in generate.sample_contexts().items()
        }


def pdftext(pdf: bytes, tmp_path: Path, *pages: str) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_code_and_link_on_page_one_and_watermark_on_every_page(
    converted: dict[str, bytes], tmp_path: Path
) -> None:
    pdf = converted["quyet-dinh.docx"]
    out = stamp.stamp(
        pdf, code="ABCDE-FGH23", url="https://xm.example.vn/v/ABCDE-FGH23", draft=True
    )
    first = pdftext(out, tmp_path, "-f", "1", "-l", "1")
    assert "Mã xác minh: ABCDE-FGH23" in first
    assert "https://xm.example.vn/v/ABCDE-FGH23" in first
    # poppler leaves diagonal text out of pdftotext; pypdf reads it
    pages = PdfReader(io.BytesIO(out)).pages
    assert len(pages) >= 2 and all("DỰ THẢO" in p.extract_text() for p in pages)
    final = stamp.stamp(pdf, code="ABCDE-FGH23", url="https://xm.example.vn/v/ABCDE-FGH23")
    assert not any("DỰ THẢO" in p.extract_text() for p in PdfReader(io.BytesIO(final)).pages)
    assert "ABCDE-FGH23" not in pdftext(final, tmp_path, "-f", "2", "-l", "2")


def test_fields_sit_in_the_blanks_of_the_number_and_date(converted: dict[str, bytes]) -> None:
    out = stamp.stamp(converted["quyet-dinh.docx"])
    reader = PdfReader(io.BytesIO(out))
    page = reader.pages[0]
    widgets = {
        a.get_object()["/T"]: [float(v) for v in a.get_object()["/Rect"]] for a in page["/Annots"]
    }
    assert set(widgets) == {"so", "ngay", "thang"}
    frags = dict((t, f) for t, f in stamp.text_fragments(page))
    notation = next(f for t, f in frags.items() if t.startswith("/QĐ-"))
    # The số's field ends at its ký hiệu and carries "Số:" (the page has no "Số:" of its own),
    # drawn where the page's blank starts; room for "Số: 99999" at 13 pt.
    assert "Số:" not in frags and abs(widgets["so"][2] - notation.x) < 0.5
    assert widgets["so"][2] - widgets["so"][0] >= stringWidth(
        "Số: 99999", stamp.regular_font_name(), 13
    )
    field = next(a.get_object() for a in page["/Annots"] if a.get_object()["/T"] == "so")
    assert field["/TU"] == "Số:" and "/N" in field["/AP"]
    assert "ngay" not in {a.get_object()["/T"] for a in page["/Annots"] if "/AP" in a.get_object()}
    assert widgets["ngay"][2] <= frags["tháng"].x < widgets["thang"][0]
    assert abs(widgets["so"][1] - notation.y) < 5
    assert all(abs(widgets[n][1] - frags["tháng"].y) < 5 for n in ("ngay", "thang"))
    assert reader.trailer["/Root"]["/AcroForm"]["/Fields"]


def test_stamping_and_fixing_times_is_deterministic(converted: dict[str, bytes]) -> None:
    pdf = converted["to-trinh.docx"]
    one = stamp.stamp(stamp.fix_times(pdf, WHEN), code="AAAAA-BBBBB", url="http://x/v/A")
    two = stamp.stamp(stamp.fix_times(pdf, WHEN), code="AAAAA-BBBBB", url="http://x/v/A")
    assert one == two
    info = PdfReader(io.BytesIO(stamp.fix_times(pdf, WHEN))).metadata
    assert info is not None and info["/CreationDate"].startswith("D:20261201093000")


def test_not_a_pdf_is_refused() -> None:
    with pytest.raises(StampError, match="not a readable PDF"):
        stamp.stamp(b"%PDF-1.7 broken")


def test_verification_codes_are_short_and_stable() -> None:
    assert stamp.verification_code(b"a") == stamp.verification_code(b"a")
    assert stamp.verification_code(b"a") != stamp.verification_code(b"b")
    assert len(stamp.verification_code(b"a")) == 11
