"""Lines as poppler finds them on the generated PDFs (issue 13): the trích yếu's lines are near
equal and centred, no word group left alone on the last line; the issued số reads "Số: 1234/QĐ-…"
with one space after "Số:" and nothing clipped, for a số of one to four digits."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from docgen import lines, stamp
from signing import issue

pytestmark = pytest.mark.slow
TITLES = {
    "ke-hoach.pdf": "KẾ HOẠCH",
    "to-trinh.pdf": "TỜ TRÌNH",
    "quyet-dinh.pdf": "QUYẾT ĐỊNH",
    "thong-bao.pdf": "THÔNG BÁO",
    "bien-ban.pdf": "BIÊN BẢN",
    "phuong-an-bien/bao-cao.pdf": "BÁO CÁO",
}


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1


def page_lines(pdf: bytes, page: int = 1) -> list[Line]:
    """The lines of page `page` as `pdftotext -bbox-layout` finds them, with each word's box
    (points, from the top left), form field values included."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.pdf"
        path.write_bytes(pdf)
        xml = subprocess.run(
            ["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    found = []
    for block in re.findall(r"<line[^>]*>(.*?)</line>", xml, re.S):
        words = tuple(
            Word(unicodedata.normalize("NFC", t), float(a), float(b), float(c), float(d))
            for a, b, c, d, t in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                r"([^<]*)</word>",
                block,
            )
        )
        if words:
            found.append(Line(words))
    return found


@pytest.mark.parametrize("name", sorted(TITLES))
def test_the_trich_yeu_is_balanced_and_centred_under_the_ten_loai(
    dossier_dir: Path, name: str
) -> None:
    pdf = (dossier_dir / name).read_bytes()
    subject = " ".join(str(PdfReader(io.BytesIO(pdf)).metadata["/Subject"]).split())
    found = page_lines(pdf)
    heading = next(i for i, line in enumerate(found) if line.text == TITLES[name])
    title: list[Line] = []
    for line in found[heading + 1 :]:
        title.append(line)
        if " ".join(x.text for x in title) == subject:
            break
    assert " ".join(x.text for x in title) == subject, (subject, [x.text for x in title])
    assert title == sorted(title, key=lambda x: x.words[0].y0)  # read top to bottom
    widths = [x.x1 - x.x0 for x in title]
    centre = (found[heading].x0 + found[heading].x1) / 2
    # One line if it fits; otherwise the fewest lines, near equal, each centred.
    assert len(title) == len(lines.split(subject)), [x.text for x in title]
    if len(title) > 1:
        assert min(widths) / max(widths) > 0.7, [x.text for x in title]
        assert len(title[-1].words) >= 3  # no word group alone on the last line
    for x in title:
        assert abs((x.x0 + x.x1) / 2 - centre) < 2, x.text


def field_boxes(pdf: bytes, page: int = 1) -> dict[str, tuple[float, float, float, float]]:
    """The form fields of page `page` (1-based), as boxes from the top left like poppler's."""
    found = PdfReader(io.BytesIO(pdf)).pages[page - 1]
    height = float(found.mediabox.height)
    boxes = {}
    for ref in found.get("/Annots", []):
        annot = ref.get_object()
        if "/T" in annot:
            x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
            boxes[str(annot["/T"])] = (x1, height - y2, x2, height - y1)
    return boxes


@pytest.mark.parametrize("number", [1, 12, 123, 1234])
def test_the_issued_so_reads_as_one_run_with_one_space_and_nothing_clipped(
    dossier_dir: Path, number: int
) -> None:
    """The văn thư's fill of the generated QĐ draft (`signing.issue` writes f"{number:02d}")."""
    so = f"{number:02d}"
    draft = (dossier_dir / "quyet-dinh.pdf").read_bytes()
    filled = issue.fill_fields(draft, {"so": so, "ngay": "05", "thang": "12"})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "filled.pdf"
        path.write_bytes(filled)
        layout = subprocess.run(
            ["pdftotext", "-layout", "-f", "1", "-l", "1", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    assert re.search(rf"(^|\s)Số: {so}/QĐ-UBND(\s|$)", unicodedata.normalize("NFC", layout))
    # poppler reads the field's "Số: 1234" as one word, the page's "/QĐ-UBND" as the next
    line = next(x for x in page_lines(filled) if x.words[0].text.startswith("Số:"))
    assert [w.text for w in line.words] == [f"Số: {so}", "/QĐ-UBND"], line.text
    drawn, notation = line.words
    assert abs(notation.x0 - drawn.x1) < 0.6  # "1234/QĐ" touching, as ND 30 writes it
    # At the line's 13 pt, one space wide between "Số:" and the số: not shrunk, not spread.
    expected = stringWidth(f"Số: {so}", stamp.regular_font_name(), 13)
    assert abs((drawn.x1 - drawn.x0) - expected) < 0.6, (drawn, expected)
    # Nothing clipped: all of it inside its field.
    x1, _, x2, _ = field_boxes(filled)["so"]
    assert x1 - 0.5 <= drawn.x0 and drawn.x1 <= x2 + 0.5


@pytest.mark.parametrize("so", ["01", "12", "99"])
def test_a_two_digit_so_in_the_annex_reference_has_one_space_after_so(
    dossier_dir: Path, so: str
) -> None:
    """ "(Kèm theo Quyết định số 01/QĐ-UBND …)" with one space after "số" (the blank used to
    leave two) and the số against its "/QĐ-…", at the line's size."""
    draft = (dossier_dir / "quyet-dinh.pdf").read_bytes()
    filled = issue.fill_fields(draft, {"so": so, "ngay": "05", "thang": "12"})
    line = next(x for x in page_lines(filled, 2) if x.words[0].text == "(Kèm")
    words = [w.text for w in line.words]
    label, number, notation = line.words[words.index("số") : words.index("số") + 3]
    assert number.text == so and notation.text.startswith("/QĐ-"), line.text
    space = stringWidth(" ", stamp.regular_font_name(), 14)
    assert abs((number.x0 - label.x1) - space) < 0.6, (label, number)
    assert abs(notation.x0 - number.x1) < 0.6
    expected = stringWidth(so, stamp.regular_font_name(), 14)
    assert abs((number.x1 - number.x0) - expected) < 0.6  # not shrunk


def test_a_four_digit_so_in_the_annex_reference_is_not_clipped(dossier_dir: Path) -> None:
    """ "(Kèm theo Quyết định số 1234/QĐ-UBND …)": a số wider than the phụ lục's blank is set
    smaller until it fits its field with a space after "số"."""
    draft = (dossier_dir / "quyet-dinh.pdf").read_bytes()
    filled = issue.fill_fields(draft, {"so": "1234", "ngay": "05", "thang": "12"})
    x1, _, x2, _ = field_boxes(filled, 2)["so_p2"]
    line = next(x for x in page_lines(filled, 2) if x.words[0].text == "(Kèm")
    words = [w.text for w in line.words]
    number = line.words[words.index("số") + 1]
    assert number.text == "1234" and line.words[words.index("số") + 2].text.startswith("/QĐ-")
    assert x1 - 0.5 <= number.x0 and number.x1 <= x2 + 0.5
    assert number.x0 - line.words[words.index("số")].x1 > 2  # a space after "số"
