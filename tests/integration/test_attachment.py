"""The organisation's signature on a phụ lục in a file of its own (ND 30 Phụ lục I, Part II):
PAdES B-T with a key of the development PKI whose OCSP and timestamp services answer on
loopback, placed top right of page 1 and shown as the số ký hiệu and the Vietnam signing time in
embedded Liberation Serif 10 pt; checked by pyHanko's validator and by poppler."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabFont
from reportlab.pdfgen import canvas

from docgen import inputs
from signing import attachment, marker, pki, sign
from signing.fonts import SERIF
from tests.conftest import REPO, need
from tests.signing_setting import pdfsig

pytestmark = pytest.mark.slow
BODIES = inputs.load_bodies(REPO / "samples" / "bodies")
MM = 72 / 25.4
REFERENCE = "06/QĐ-UBND"


def phu_luc(pagesize: tuple[float, float] = A4) -> bytes:
    """A one-page phụ lục as LibreOffice would give it: Vietnamese text in an embedded font."""
    pdfmetrics.registerFont(ReportlabFont("HosoTestSerif", str(SERIF)))
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=pagesize, invariant=True)
    width, height = pagesize
    page.setFont("HosoTestSerif", 14)
    page.drawCentredString(width / 2 + 7.5 * MM, height - 30 * MM, "PHỤ LỤC")
    page.drawString(30 * MM, height - 40 * MM, "Danh sách đơn vị đạt danh hiệu điển hình")
    page.showPage()
    page.save()
    return out.getvalue()


@dataclass(frozen=True)
class Signed:
    """A phụ lục signed by the organisation, and the PKI that checks it."""

    folder: Path
    root: Any
    original: bytes
    pdf: bytes

    def context(self) -> ValidationContext:
        return sign.validation_context([self.root])


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signed]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("pki")
    one_body = {"ubnd-hai-phong": BODIES["ubnd-hai-phong"]}  # fewer keys to generate
    arch = pki.init(folder, one_body, url=f"http://127.0.0.1:{port}")
    root = pki.root_certificate(arch)
    original = phu_luc()
    organisation = sign.load_pkcs12(
        (folder / "certs" / "ubnd-hai-phong.p12").read_bytes(), pki.TEST_PASSPHRASE
    )
    with pki.serve(arch, port=port) as base:  # until the tests are done: they fetch OCSP
        result = attachment.sign_attachment(
            original,
            organisation,
            reference=REFERENCE,
            tsa_url=pki.service_urls(base)["tsa"],
            context=sign.validation_context([root]),
        )
        yield Signed(folder, root, original, result)


def _widget(pdf: bytes) -> Any:
    (annot,) = PdfReader(io.BytesIO(pdf)).pages[0]["/Annots"]
    widget = annot.get_object()
    assert widget["/T"] == attachment.ATTACHMENT_FIELD
    return widget


def test_the_organisation_signs_the_attachment(signed: Signed) -> None:
    assert signed.pdf.startswith(signed.original)  # an incremental update: the input is untouched
    (embedded,) = PdfFileReader(io.BytesIO(signed.pdf)).embedded_signatures
    assert embedded.field_name == attachment.ATTACHMENT_FIELD
    status = asyncio.run(
        async_validate_pdf_signature(
            embedded, signed.context(), ts_validation_context=signed.context()
        )
    )
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert (
        status.signing_cert.subject.native["common_name"]
        == "TEST Ủy ban nhân dân thành phố Hải Phòng"
    )


def test_the_field_sits_top_right_in_the_margins(signed: Signed) -> None:
    x1, y1, x2, y2 = (float(v) for v in _widget(signed.pdf)["/Rect"])
    width, height = A4
    assert width - 20 * MM <= x2 <= width - 15 * MM + 1  # right edge on the right margin
    assert x1 > width / 2  # in the right half
    assert height - 20 * MM <= y1 < y2 <= height - 5 * MM  # inside the 20 mm top margin
    assert y2 - y1 == pytest.approx(10 * MM, abs=1)


def test_the_field_follows_a_landscape_page() -> None:
    width, height = landscape(A4)
    _, _, x2, y2 = attachment.attachment_box(phu_luc(landscape(A4)))
    assert x2 == round(width - 15 * MM) and y2 == round(height - 8 * MM)


def test_it_shows_the_reference_and_the_signing_time_in_vietnam_time(
    signed: Signed, tmp_path: Path
) -> None:
    need(shutil.which("pdftotext") is not None, "poppler-utils missing: make setup installs it")
    pdf = tmp_path / "phu-luc.pdf"
    pdf.write_bytes(signed.pdf)
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert REFERENCE in text
    found = re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", text)
    assert len(found) == 1, text
    shown = dt.datetime.fromisoformat(found[0])
    (embedded,) = PdfFileReader(io.BytesIO(signed.pdf)).embedded_signatures
    claimed = embedded.self_reported_timestamp
    assert claimed is not None
    assert shown == claimed.replace(microsecond=0)  # the same instant as the signature's /M
    status = asyncio.run(
        async_validate_pdf_signature(
            embedded, signed.context(), ts_validation_context=signed.context()
        )
    )
    assert status.timestamp_validity is not None
    assert abs(shown - status.timestamp_validity.timestamp) < dt.timedelta(minutes=1)


def test_the_test_marker_stays_left_of_the_signature(signed: Signed, tmp_path: Path) -> None:
    """Signed with a TEST certificate: the red marker is on page 1, in the top margin, in the
    part of it left of the signature field (the bottom margin may hold the QR code)."""
    need(shutil.which("pdftotext") is not None, "poppler-utils missing: make setup installs it")
    pdf = tmp_path / "phu-luc.pdf"
    pdf.write_bytes(signed.pdf)
    page = ["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"]
    text = subprocess.run(page, capture_output=True, text=True, check=True).stdout
    assert all(line in text for line in marker.LINES), text
    boxes = subprocess.run(
        [*page[:1], "-bbox", *page[1:]], capture_output=True, text=True, check=True
    ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<'
    ours = [
        (float(x1), float(y1), float(x2), float(y2))
        for x1, y1, x2, y2, words in re.findall(pattern, boxes)
        if words in marker.LINES  # poppler boxes each line whole: one /ActualText span
    ]
    assert len(ours) == len(marker.LINES)
    field_left = float(_widget(signed.pdf)["/Rect"][0])
    assert max(x2 for _, _, x2, _ in ours) < field_left - 10 * MM
    assert min(x1 for x1, _, _, _ in ours) > 15 * MM  # printable, off the page's edge
    assert max(y2 for _, _, _, y2 in ours) < 14 * MM  # above the body's 20 mm top margin


def _fonts(xobject: Any) -> Iterator[Any]:
    resources = xobject.get("/Resources", {})
    yield from (f.get_object() for f in resources.get("/Font", {}).values())
    for inner in resources.get("/XObject", {}).values():
        yield from _fonts(inner.get_object())


def test_the_font_is_embedded_with_true_widths(signed: Signed) -> None:
    (font,) = _fonts(_widget(signed.pdf)["/AP"]["/N"].get_object())
    (cid_font,) = (f.get_object() for f in font["/DescendantFonts"])
    assert cid_font["/Subtype"] == "/CIDFontType2"
    assert "LiberationSerif" in cid_font["/BaseFont"]
    assert "/FontFile2" in cid_font["/FontDescriptor"]
    # /W in thousandths of an em (PDF's unit), as the font's own advances: pyHanko alone would
    # write Liberation Serif's 2048-unit values and space every glyph twice as wide.
    serif = TTFont(io.BytesIO(SERIF.read_bytes()))
    per_em, advances = serif["head"].unitsPerEm, serif["hmtx"].metrics
    w = list(cid_font["/W"])
    widths = {
        serif.getGlyphName(gid): width
        for first, run in zip(w[::2], w[1::2], strict=True)
        for gid, width in enumerate(run, start=first)
    }
    assert len(widths) >= len(set(REFERENCE))
    for name, width in widths.items():
        assert width == round(advances[name][0] * 1000 / per_em), name
    assert widths["zero"] == 500  # Times digits are half an em


def test_poppler_pdfsig_finds_the_signature_valid(signed: Signed, tmp_path: Path) -> None:
    report = pdfsig(signed.pdf, signed.folder / "certs" / "root.cert.pem", tmp_path)
    assert "Signer Certificate Common Name: TEST Ủy ban nhân dân thành phố Hải Phòng" in report
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Signature Validation: Signature is Valid." in report
