"""The organisation's signature on an attachment or phụ lục in a file of its own (pyHanko
adapter): ND 30 (Phụ lục I) has the organisation sign each such file at the top right of
page 1 with no image, only the số và ký hiệu of the document it belongs to and the signing time
(ISO 8601, Vietnam time) in Times New Roman 10 pt, black, upright. The signature is PAdES B-T,
like the organisation's signature on the document itself. A certificate of the development PKI
also puts the red test marker (signing/marker.py) in the top margin, left of this signature.

The text is set in Liberation Serif (metrically Times New Roman), embedded, since pyHanko's
default font would lose the Vietnamese marks. Attachments in the same file as the document are
not signed separately (only the document is), and numbering the document is not this module's
job: the caller passes its số ký hiệu.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec
from pyhanko.stamp import TextStamp, TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from signing import marker
from signing.fonts import SERIF, SerifFont
from signing.sign import MM, pades_signer, run_signer

ATTACHMENT_FIELD = "chu_ky_to_chuc"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SIZE = 10  # pt: ND 30's "cỡ chữ 10" for this text
# pyHanko renders the signing time with strftime in the machine's time zone; this format keeps
# the offset, so that the stamp can show the same instant in Vietnam time.
_PYHANKO_TIME = "%Y-%m-%dT%H:%M:%S%z"


@dataclass(frozen=True)
class _VietnamTimeStyle(TextStampStyle):
    """A text stamp whose %(ts)s is the signing time in Vietnam time, ISO 8601 to the second."""

    def create_stamp(
        self, writer: BasePdfFileWriter, box: layout.BoxConstraints, text_params: dict[str, Any]
    ) -> TextStamp:
        signed = dt.datetime.strptime(text_params["ts"], _PYHANKO_TIME)
        shown = {**text_params, "ts": signed.astimezone(VIETNAM).isoformat(timespec="seconds")}
        return super().create_stamp(writer, box, shown)


def attachment_box(pdf: bytes) -> tuple[int, int, int, int]:
    """The field on page 1: 70 × 10 mm, its right edge on the 15 mm right margin of our
    templates, its top 8 mm below the page's top edge (inside the 20 mm top margin)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    right, top = float(page.right) - 15 * MM, float(page.top) - 8 * MM
    return (round(right - 70 * MM), round(top - 10 * MM), round(right), round(top))


def sign_attachment(
    pdf: bytes,
    organisation: signers.Signer,
    *,
    reference: str,
    tsa_url: str,
    context: ValidationContext,
) -> bytes:
    """The organisation's PAdES B-T signature on a separate attachment file, shown as
    `reference` (the document's số ký hiệu, e.g. "06/QĐ-UBND") over the signing time."""
    assert organisation.signing_cert is not None
    box = attachment_box(pdf)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # Left of the signature at the top right: the bottom margin may hold the QR code (docgen.stamp).
    marker.mark_test_document(writer, organisation.signing_cert, keep_clear=box)
    style = _VietnamTimeStyle(
        stamp_text=f"{reference.replace('%', '%%')}\n%(ts)s",
        timestamp_format=_PYHANKO_TIME,
        text_box_style=TextBoxStyle(
            font=SerifFont(str(SERIF), font_size=SIZE),
            font_size=SIZE,
            leading=12,
            text_color=(0, 0, 0),
            # No margins round the text: pyHanko's 10 pt would not fit two lines in 10 mm.
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN,
                y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=layout.Margins(),
            ),
        ),
        # Flush right and top in the field, never scaled: the size is ND 30's 10 pt.
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins(),
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
        border_width=0,
    )
    pdf_signer = pades_signer(
        organisation,
        field=ATTACHMENT_FIELD,
        context=context,
        stamp_style=style,
        new_field_spec=SigFieldSpec(ATTACHMENT_FIELD, on_page=0, box=box),
    )
    return run_signer(pdf_signer, writer, tsa_url)
