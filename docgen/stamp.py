"""Marks on a converted PDF, bytes in and bytes out: the QR code and short verification code
that lead to /v/{code}, a diagonal "DỰ THẢO" on drafts, the empty form fields where the văn thư
later writes the số and the ngày, and dates and file identifiers fixed to the issue time so
that the same data gives the same bytes.

The overlay is drawn with reportlab (QR modules from segno as vector squares, Vietnamese text
in the embedded Liberation Serif) and merged with pypdf. The QR sits in the bottom margin of
page 1, left of centre, where ND 30 places nothing on our documents (ô 13, the address line, is
not used). Signing fills the fields and is not this module's job.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import itertools
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from docgen.dossier import ANNEX_NUMBER_BLANK, BLANK
from docgen.errors import FONT_MISSING_VI, StampError

MM = 72 / 25.4
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
)
QR_EDGE_MM = 5.0  # the QR code's distance from the page's bottom edge on portrait pages
SPACE_EM = 0.25  # the advance of a space and a no-break space in Liberation Serif (512/2048)
NUMBER_BLANK = "\u00a0" * 12  # a draft header's "Số: " and blank, as wide as "Số: 01"
NUMBER_FIELD_EM = 5.0  # the header's số field: "Số: 99999" (3.3 em) and room to spare
NUMBER_LABEL = "Số:"  # what that field shows before the số; its /TU, which the fill reads


@cache
def font_name() -> str:
    """The registered name of the embedded Liberation Serif Bold, for reportlab and metrics."""
    for folder in FONT_DIRS:
        path = folder / "LiberationSerif-Bold.ttf"
        if path.exists():
            pdfmetrics.registerFont(TTFont("HosoSerifBold", str(path)))
            return "HosoSerifBold"
    raise StampError(
        "Liberation Serif is missing; run: apt-get install fonts-liberation2",
        field="font",
        message_vi=FONT_MISSING_VI,
    )


def verification_code(document: bytes) -> str:
    """A short code for a document: 10 base32 letters and digits from its hash, 'ABCDE-FGHIJ'."""
    letters = base64.b32encode(hashlib.sha256(document).digest()).decode()[:10]
    return f"{letters[:5]}-{letters[5:]}"


Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Found:
    x: float
    y: float
    size: float
    lead: int = 0  # blanks before the text, drawn in the same piece


def text_fragments(page: object) -> list[tuple[str, Found]]:
    """The text pieces of a page with where each starts (x, y of its baseline) and its size."""
    found: list[tuple[str, Found]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if text.strip():
            x, y = cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]
            found.append((text.strip(), Found(x, y, size, len(text) - len(text.lstrip()))))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return found


def blank_fields(page: object, *, suffix: str = "") -> dict[str, Rect]:
    """Where the blanks of the số and of the day and month of a draft are on a page: on page 1
    the header's, on a phụ lục page its "(Kèm theo Quyết định số …/QĐ-… ngày … tháng …)".

    The draft writes 'Số: ' (or '… số') + blank + '/QĐ-…' and '…ngày' + blank + 'tháng' + blank
    + 'năm'; LibreOffice emits the text around each blank as its own fragment, so each blank
    ends where the next fragment starts, and is as wide as its no-break spaces. Each field is
    named after what it holds, with `suffix` for the pages after the first.
    """
    frags = text_fragments(page)
    rects: dict[str, Rect] = {}
    header = header_number(page) if not suffix else None
    if header is not None:
        rects["so"] = header

    def blank(spaces: int, at: Found, nat: Found) -> Rect:
        # The whole gap: so the value sits centred with a space's width on either side.
        return (nat.x - spaces * SPACE_EM * at.size, nat.y - 3, nat.x, nat.y + at.size)

    for (text, at), (nxt, nat) in itertools.pairwise(frags):
        if abs(at.y - nat.y) >= 1:
            continue
        if text == "Số:" and nxt.startswith("/"):
            rects["so" + suffix] = blank(len(BLANK) + 1, at, nat)  # "Số: " + BLANK
        if text.endswith(" số") and nxt.startswith("/"):
            rects["so" + suffix] = blank(len(ANNEX_NUMBER_BLANK), at, nat)
        if text.endswith("ngày") and nxt == "tháng":
            rects["ngay" + suffix] = blank(len(BLANK), at, nat)
        if text == "tháng" and nxt.startswith("năm"):
            rects["thang" + suffix] = blank(len(BLANK), at, nat)
    return rects


_NOTATION = re.compile(r"/\w+(-\w+)*")  # a ký hiệu after its số: "/QĐ-UBND", "/GCN-CAP"


def header_number(page: object) -> Rect | None:
    """Where the field for "Số: " and the số goes on a page whose draft số line is
    `NUMBER_BLANK` + '/QĐ-…' (`generate.on_page`; the header's, or the GCN's at its foot): right
    up to the ký hiệu, the first one that begins its line, wide enough for "Số: 99999"; None
    for a page without one.

    The field, not the page, carries "Số:" so that the văn thư's "Số: 1234" has one space after
    the label whatever the số's length, and its slack falls outside the line, not inside it."""
    previous: Found | None = None
    for text, at in text_fragments(page):
        alone = previous is None or abs(previous.y - at.y) >= 1
        if alone and _NOTATION.fullmatch(text):
            end = at.x + at.lead * SPACE_EM * at.size  # the "/" after any blank LibreOffice drew
            return (end - NUMBER_FIELD_EM * at.size, at.y - 3, end, at.y + at.size)
        previous = at
    return None


def _label_appearance(writer: PdfWriter, rect: Rect, label: str) -> DictionaryObject:
    """The appearance of a draft's số field: `label` ("Số:") where the page's blank starts,
    in the embedded Liberation Serif at the line's size (13 pt), drawn by reportlab."""
    x1, y1, x2, y2 = rect
    size = round(y2 - y1 - 3)
    buffer = io.BytesIO()
    font = regular_font_name()  # also the initial font: no unembedded Helvetica in resources
    c = canvas.Canvas(buffer, pagesize=(x2 - x1, y2 - y1), invariant=True, initialFontName=font)
    c.setFont(font, size)
    c.drawString(x2 - x1 - len(NUMBER_BLANK) * SPACE_EM * size, 3, label)
    c.save()
    drawn = PdfReader(io.BytesIO(buffer.getvalue())).pages[0]
    form = StreamObject()
    form.set_data(drawn.get_contents().get_data())  # type: ignore[union-attr]
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([FloatObject(v) for v in (0, 0, x2 - x1, y2 - y1)]),
            NameObject("/Resources"): drawn["/Resources"].clone(writer),
        }
    )
    return DictionaryObject({NameObject("/N"): writer._add_object(form)})


@cache
def regular_font_name() -> str:
    """The registered name of the embedded Liberation Serif (upright), for the số's label."""
    for folder in FONT_DIRS:
        path = folder / "LiberationSerif-Regular.ttf"
        if path.exists():
            pdfmetrics.registerFont(TTFont("HosoSerif", str(path)))
            return "HosoSerif"
    raise StampError(
        "Liberation Serif is missing; run: apt-get install fonts-liberation2",
        field="font",
        message_vi=FONT_MISSING_VI,
    )


def _overlay(
    width: float, height: float, *, code: str | None, url: str | None, draft: bool
) -> PdfReader:
    buffer = io.BytesIO()
    font = font_name()
    c = canvas.Canvas(buffer, pagesize=(width, height), invariant=True, initialFontName=font)
    if draft:
        c.saveState()
        c.setFillColor(Color(0.6, 0.6, 0.6, alpha=0.35))
        c.setFont(font, 96)
        c.translate(width / 2, height / 2)
        c.rotate(45)
        c.drawCentredString(0, -30, "DỰ THẢO")
        c.restoreState()
    if code and url:
        qr = segno.make(url, error="m")
        landscape = width > height
        # Inside the printable area (most printers clip the outer 4–5 mm) and below the text
        # area (20 mm bottom margin): 14 mm high from 5 mm up leaves 1 mm to the body text.
        size = (16 if landscape else 14) * MM
        modules = qr.symbol_size(scale=1, border=0)[0]
        unit = size / modules
        x0, y0 = (24 * MM, 12 * MM) if landscape else (30 * MM, QR_EDGE_MM * MM)
        for r, row in enumerate(qr.matrix):
            for col, dark in enumerate(row):
                if dark:
                    c.rect(
                        x0 + col * unit, y0 + size - (r + 1) * unit, unit, unit, stroke=0, fill=1
                    )
        c.setFont(font, 8)
        c.drawString(x0 + size + 2 * MM, y0 + size - 3 * MM, f"Mã xác minh: {code}")
        c.drawString(x0 + size + 2 * MM, y0 + size - 7 * MM, url)
    c.save()
    return PdfReader(io.BytesIO(buffer.getvalue()))


def _add_fields(
    writer: PdfWriter, rects: dict[int, dict[str, Rect]], labelled: Rect | None
) -> None:
    fields = ArrayObject()
    for index, found in rects.items():
        page = writer.pages[index]
        for name, rect in found.items():
            label = NUMBER_LABEL if index == 0 and name == "so" and rect == labelled else None
            widget = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/Widget"),
                    NameObject("/FT"): NameObject("/Tx"),
                    NameObject("/T"): TextStringObject(name),
                    NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
                    NameObject("/F"): NumberObject(4),
                    NameObject("/Q"): NumberObject(1),
                    NameObject("/DA"): TextStringObject("/Helv 13 Tf 0 g"),
                    NameObject("/P"): page.indirect_reference,
                }
            )
            if label is not None:
                widget[NameObject("/TU")] = TextStringObject(label)
                widget[NameObject("/AP")] = _label_appearance(writer, rect, label)
            ref = writer._add_object(widget)  # pypdf has no public call to add a bare widget
            page.setdefault(NameObject("/Annots"), ArrayObject()).append(ref)
            fields.append(ref)
    if fields:
        # No font resource yet: whoever fills the fields at issuance adds an embedded font and
        # the appearance, so that no unembedded font ever enters the document.
        writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
            {
                NameObject("/Fields"): fields,
                NameObject("/DA"): TextStringObject("/Helv 13 Tf 0 g"),
            }
        )


def stamp(
    pdf: bytes,
    *,
    code: str | None = None,
    url: str | None = None,
    draft: bool = False,
    fields: bool = True,
) -> bytes:
    """`pdf` with the QR code and code on page 1, the draft watermark, and the số/ngày fields."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
        writer = PdfWriter(clone_from=reader)
    except Exception as exc:  # pypdf raises many kinds for a file that is not a PDF
        raise StampError(
            f"not a readable PDF ({exc.__class__.__name__})",
            message_vi=f"Không đọc được tệp PDF ({exc.__class__.__name__})",
        ) from exc
    rects = (
        {
            index: blank_fields(page, suffix=f"_p{index + 1}" if index else "")
            for index, page in enumerate(reader.pages)
        }
        if fields
        else {}
    )
    for number, page in enumerate(writer.pages):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        first = number == 0
        if draft or (first and code):
            overlay = _overlay(
                width, height, code=code if first else None, url=url if first else None, draft=draft
            )
            page.merge_page(overlay.pages[0])
    _add_fields(writer, rects, header_number(reader.pages[0]) if fields else None)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _same_length(old: bytes, new: bytes) -> bytes:
    """`new` padded with spaces before its last byte to the length of `old`."""
    if len(new) > len(old):
        raise StampError(
            "cannot fix the PDF's dates in place",
            field="pdf",
            message_vi="Không sửa được ngày giờ của tệp PDF tại chỗ",
        )
    return new[:-1] + b" " * (len(old) - len(new)) + new[-1:]


def fix_times(pdf: bytes, when: dt.datetime) -> bytes:
    """Set LibreOffice's creation dates to `when` and its file identifier to a content hash.

    Each value is replaced by one of the same length, so every cross-reference offset stays
    valid. These are the only parts of LibreOffice's output that vary from run to run (checked
    on 7.4: /CreationDate, xmp:CreateDate, /ID and, for PDF/A, /DocChecksum).
    """
    utc = when.astimezone(dt.UTC)
    pdf_date = f"/CreationDate(D:{utc:%Y%m%d%H%M%S}Z')".encode()
    xmp_date = f"<xmp:CreateDate>{utc:%Y-%m-%dT%H:%M:%SZ}</xmp:CreateDate>".encode()
    out = re.sub(rb"/CreationDate\s*\(D:[^)]*\)", lambda m: _same_length(m[0], pdf_date), pdf)
    out = re.sub(
        rb"<xmp:CreateDate>[^<]*</xmp:CreateDate>", lambda m: _same_length(m[0], xmp_date), out
    )
    id_pattern = rb"(/ID\s*\[\s*<)[0-9A-Fa-f]{32}(>\s*<)[0-9A-Fa-f]{32}(>)"
    checksum = rb"/DocChecksum /[0-9A-F]{32}"
    body = re.sub(checksum, b"", re.sub(id_pattern, b"", out))
    digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
    tag = digest.upper().encode()
    out = re.sub(id_pattern, lambda m: m[1] + tag + m[2] + tag + m[3], out)
    return re.sub(checksum, b"/DocChecksum /" + tag, out)
