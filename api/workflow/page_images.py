"""A PDF's page as a PNG image, by poppler's `pdftoppm` (adapter): what the signed-in pages'
previews and a recipient's page show, so that a document reads on any screen without a PDF
viewer. Left out: caching (the callers' own), other formats and resolutions."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from docgen.errors import ConfigError


def page_png(pdf: bytes, page: int, *, dpi: int = 60) -> bytes | None:
    """Page `page` (from 1) of `pdf` as a PNG at `dpi` (poppler's pdftoppm); None past the
    last page or for a file poppler cannot read."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise ConfigError(
            "poppler-utils (pdftoppm) is not installed: no page images",
            message_vi="Máy chủ chưa cài poppler-utils (pdftoppm) để xem trước trang",
            field="pdftoppm",
        )
    with tempfile.TemporaryDirectory(prefix="hoso-page-") as tmp:
        source, out = Path(tmp) / "in.pdf", Path(tmp) / "page"
        source.write_bytes(pdf)
        args = ["-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
        try:
            done = subprocess.run(
                [exe, *args, str(source), str(out)], capture_output=True, timeout=60, check=False
            )
        except subprocess.TimeoutExpired:
            return None
        png = out.with_suffix(".png")
        if done.returncode != 0 or not png.is_file():
            return None
        return png.read_bytes()
