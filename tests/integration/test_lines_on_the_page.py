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

from docgen import lines

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
