"""Where the seal and the QR code land, measured on the page images poppler renders (issue 13,
items 4 and 5): the seal covers about the left third of the chair's signature (ND 30 Phụ lục
I, ô 8), and the QR code stays inside a printer's margin without touching the text."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from signing import sign
from tests.signing_setting import CHAIR, CHAIR_TITLE, Setting, issued, signed_by

pytestmark = pytest.mark.slow
DPI = 150
PX_MM = DPI / 25.4


def page_image(pdf: bytes, page: int) -> Image.Image:
    """Page `page` (1-based) of `pdf` as poppler renders it, RGB."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.pdf"
        path.write_bytes(pdf)
        run = subprocess.run(
            ["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-png", str(path)],
            capture_output=True,
            check=True,
        )
    return Image.open(io.BytesIO(run.stdout)).convert("RGB")


def extent(image: Image.Image, box: tuple[int, int, int, int], ink: str) -> tuple[int, int] | None:
    """The leftmost and rightmost columns inside `box` (pixels) with `ink` ("blue" strokes of
    the signature, "red" of the seal), or None."""
    x0, y0, x1, y1 = box
    px = image.load()
    assert px is not None
    cols = []
    for x in range(max(0, x0), min(image.width, x1)):
        for y in range(max(0, y0), min(image.height, y1)):
            r, g, b = px[x, y]  # type: ignore[misc]
            blue = b > 110 and b > r + 60 and b > g + 40
            red = r > 140 and r > g + 80 and r > b + 80
            if blue if ink == "blue" else red:
                cols.append(x)
                break
    return (min(cols), max(cols)) if cols else None


def test_the_seal_covers_about_the_left_third_of_the_signature(setting: Setting) -> None:
    signed = signed_by(setting, "ubnd-hai-phong--chu-tich")
    done = issued(setting, signed)
    placement = sign.find_placement(setting.draft, title=CHAIR_TITLE, name=CHAIR)
    page = placement.page + 1
    before, after = page_image(signed, page), page_image(done, page)
    height_pt = before.height / DPI * 72
    x1, y1, x2, y2 = placement.box
    # The rows of the signature box, and 30 mm either side for the seal.
    top, bottom = round((height_pt - y2) / 72 * DPI), round((height_pt - y1) / 72 * DPI)
    wide = round(30 * PX_MM)
    signature = extent(before, (round(x1 / 72 * DPI), top, round(x2 / 72 * DPI), bottom), "blue")
    around = (round(x1 / 72 * DPI) - wide, top - wide, round(x2 / 72 * DPI), bottom + wide)
    seal = extent(after, around, "red")
    assert signature is not None and seal is not None
    assert extent(before, around, "red") is None  # the red is the seal's
    (sig_left, sig_right), (seal_left, seal_right) = signature, seal
    covered = (min(seal_right, sig_right) - max(seal_left, sig_left)) / (sig_right - sig_left)
    assert 0.25 <= covered <= 0.40, (
        covered
    )  # "khoảng 1/3": 0.28 here, 0.53 with the seal centred on the left third
    assert seal_left < sig_left  # on the signature's left
    # The seal is the real 40 mm sample seal, drawn at its actual size.
    assert abs((seal_right - seal_left) / PX_MM - 40) < 1.5


def test_the_qr_code_is_inside_the_printable_area_and_clear_of_the_text(
    dossier_dir: Path,
) -> None:
    for pdf in [dossier_dir / "quyet-dinh.pdf", dossier_dir / "to-trinh.pdf"]:
        image = page_image(pdf.read_bytes(), 1).convert("L")
        px = image.load()
        assert px is not None
        # The QR code: the dark pixels below the text area (20 mm margin), left of the middle.
        x0, x1 = round(28 * PX_MM), round(48 * PX_MM)
        rows = [
            y
            for y in range(image.height - round(20 * PX_MM), image.height)
            if any(px[x, y] < 100 for x in range(x0, x1))  # type: ignore[operator]
        ]
        assert rows, pdf
        qr_top, qr_bottom = min(rows), max(rows)
        assert (image.height - qr_bottom) / PX_MM >= 5, pdf  # ≥ 5 mm from the page's edge
        # No word of the text (the stamp's own words aside) reaches down to the QR code's top.
        html = subprocess.run(
            ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for m in re.finditer(
            r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', html
        ):
            if (
                m[4] in {"Mã", "xác", "minh:"}
                or "/v/" in m[4]
                or re.fullmatch(r"[A-Z2-7-]{11}", m[4])
            ):
                continue
            bottom_px = float(m[3]) / 72 * DPI
            assert bottom_px < qr_top, (pdf, m[4], (qr_top - bottom_px) / PX_MM)
