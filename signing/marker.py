"""The visible test marker (dấu tài liệu thử nghiệm) on what the development PKI signs (pyHanko
adapter): its certificates carry "TEST" in their names (signing/pki.py), and a PDF signed with
one shows, in red on page 1, that it has no legal value.

The marker goes into the revision that the signature itself covers, written into the
incremental writer before pyHanko signs: added after a certification it would be a page change
that DocMDP FILL_FORMS forbids, so the chair's signature carries it (and every issued copy with
it) and the organisation's seal does not add it again. It sits in the top margin of page 1,
where ND 30 places nothing above the header: two lines of Liberation Serif Bold 9 pt, the first
baseline 8 mm below the page's top edge, the second 11 pt lower, so the marker ends about 12.5 mm
down, well above the header at the 20 mm margin. Deciding where else a marker might go (other
pages, other documents) is not this module's job.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree
from pyhanko.stamp import BaseStamp, BaseStampStyle

from docgen.stamp import MM
from signing.fonts import SERIF_BOLD, SerifFont

LINES = ("TÀI LIỆU THỬ NGHIỆM", "ký bằng chứng thư số TEST, không có giá trị pháp lý")
SIZE = 9  # pt
LEADING = 11  # pt, baseline to baseline
RED = (0.8, 0.0, 0.0)
FIRST_BASELINE = 8 * MM  # below the page's top edge
BAND = 14 * MM  # the marker's box: the top 14 mm of the page, clear of the 20 mm margin's text
TEST_PREFIX = "TEST "  # how the development PKI names every certificate (signing/pki.py)


def is_test_certificate(certificate: x509.Certificate) -> bool:
    """Whether `certificate` is one of the development PKI's: its common name starts with
    "TEST "."""
    name = certificate.subject.native.get("common_name", "")
    return isinstance(name, str) and name.startswith(TEST_PREFIX)


class _Marker(BaseStamp):
    """The marker's lines, each centred in a box `width` wide and BAND high."""

    def __init__(self, writer: IncrementalPdfFileWriter, *, width: float) -> None:
        super().__init__(
            writer,
            BaseStampStyle(border_width=0),
            box=layout.BoxConstraints(width=width, height=BAND),
        )

    def _render_inner_content(self) -> list[bytes]:
        engine: Any = SerifFont(str(SERIF_BOLD), font_size=SIZE).create_font_engine(self.writer)
        self.set_resource(ResourceType.FONT, generic.NameObject("/HosoTest"), engine.as_resource())
        ops = [b"BT /HosoTest %d Tf %g %g %g rg" % (SIZE, *RED)]
        for n, line in enumerate(LINES):
            shaped = engine.shape(line)
            x = (self.box.width - shaped.x_advance * SIZE) / 2
            y = BAND - FIRST_BASELINE - n * LEADING
            # Tm, not Td: each shaped line ends with its own Td past its last glyph.
            ops.append(b"1 0 0 1 %g %g Tm %s" % (x, y, shaped.graphics_ops))
        ops.append(b"ET")
        return ops


def mark_test_document(
    writer: IncrementalPdfFileWriter,
    certificate: x509.Certificate,
    *,
    keep_clear: tuple[float, float, float, float] | None = None,
) -> None:
    """Put the marker on page 1 of `writer` if `certificate` is a test certificate.

    Centred on the page; with `keep_clear` (the box of a signature at the top right, as on an
    attachment), centred in the part of the page left of that box instead.
    """
    if not is_test_certificate(certificate):
        return
    page, _ = writer.find_page_for_modification(0)  # type: ignore[no-untyped-call]
    box = find_inherited_value_in_tree(page.get_object(), "/MediaBox", "/Parent")  # type: ignore[no-untyped-call]
    x1, y1, x2, y2 = (float(v) for v in box)
    left, right, top = min(x1, x2), max(x1, x2), max(y1, y2)
    if keep_clear is not None:
        right = min(right, keep_clear[0])
    stamp = _Marker(writer, width=right - left)
    stamp.apply(0, round(left), round(top - BAND))
