"""README's document pictures (docs/img/*.png) from the output of `hoso demo --output OUT`:
page images by poppler's pdftoppm at 60 dpi (the GCN, landscape, at 50), the Kế hoạch as a
two-page spread, and the issued QĐ's signature and seal cropped at 150 dpi around the seal field.

Usage: .venv/bin/python scripts/pictures.py OUT   (writes docs/img/ of this checkout)
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from signing.sign import SEAL_FIELD

IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
BODY = Path("2026") / "ubnd-hai-phong"
PAGES = {  # picture: (file under the dossier, page, dpi)
    "quyet-dinh.png": ("quyet-dinh.pdf", 1, 60),
    "phu-luc.png": ("quyet-dinh.pdf", 2, 60),
    "to-trinh.png": ("to-trinh.pdf", 1, 60),
    "bien-ban.png": ("bien-ban.pdf", 1, 60),
    "bao-cao.png": ("phuong-an-bien/bao-cao.pdf", 1, 60),
    "giay-chung-nhan.png": ("phuong-an-bien/giay-chung-nhan.pdf", 1, 50),
}


def page_image(pdf: Path, page: int, dpi: int) -> Image.Image:
    run = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf)],
        capture_output=True,
        check=True,
    )
    return Image.open(io.BytesIO(run.stdout)).convert("RGB")


def spread(pdf: Path, dpi: int = 60, gap: int = 8) -> Image.Image:
    left, right = page_image(pdf, 1, dpi), page_image(pdf, 2, dpi)
    out = Image.new("RGB", (left.width + gap + right.width, left.height), "white")
    out.paste(left, (0, 0))
    out.paste(right, (left.width + gap, 0))
    return out


def seal_crop(pdf: Path, dpi: int = 150) -> Image.Image:
    """The seal field and the signature beside it, with a margin, from the issued file."""
    reader = PdfReader(pdf)
    for number, page in enumerate(reader.pages, start=1):
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot.get("/T") == SEAL_FIELD:
                x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
                height = float(page.mediabox.height)
                image = page_image(pdf, number, dpi)
                scale = dpi / 72
                box = (x1 + 10, height - y2 + 5, x2 + 125, height - y1 - 5)
                return image.crop(tuple(round(v * scale) for v in box))  # type: ignore[arg-type]
    raise SystemExit(f"{pdf}: no seal field")


def main(out: Path) -> None:
    dossier, signed = out / "dossiers" / BODY, out / "ky-so" / BODY
    for name, (source, page, dpi) in PAGES.items():
        page_image(dossier / source, page, dpi).save(IMG / name)
    spread(dossier / "ke-hoach.pdf").save(IMG / "ke-hoach.png")
    issued = signed / "quyet-dinh-ban-hanh.pdf"
    page_image(issued, 1, 60).save(IMG / "quyet-dinh-ban-hanh.png")
    seal_crop(issued).save(IMG / "chu-ky-va-dau.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
