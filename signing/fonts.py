"""Liberation Serif for the text pyHanko draws into our signatures and forms: embedded TrueType
subsets, since pyHanko's default font (Courier, WinAnsi) would lose the Vietnamese marks.
Liberation Serif is metrically Times New Roman, the font ND 30 asks for.

Two fixes to pyHanko 0.38's glyph accumulator live here, shared by every module that writes
text: the font file is read once into memory, and the glyph widths are written in the unit
PDF reads them in. Which text goes where is the callers' business.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

SERIF = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
SERIF_BOLD = SERIF.with_name("LiberationSerif-Bold.ttf")
SERIF_ITALIC = SERIF.with_name("LiberationSerif-Italic.ttf")


@cache
def font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


class _ThousandthsOfEm(GlyphAccumulator):
    """pyHanko 0.38 writes a TrueType font's glyph widths (/W) in font units, but PDF reads them
    in thousandths of an em: with Liberation Serif (2048 units) every glyph would advance twice
    its width. Shaping in 1000 units per em makes the widths, the TJ adjustments and the
    advances agree. The font descriptor's metrics have the same unit and the same fault
    (viewers would select, and poppler would box, text twice its height): scaled here too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._font_units: int = self.units_per_em
        self.units_per_em = 1000
        self.hb_font.scale = (1000, 1000)
        descriptor = self.cidfont_obj._font_descriptor
        for key in ("/Ascent", "/Descent", "/CapHeight"):
            descriptor[key] = self._thousandths(descriptor[key])
        descriptor["/FontBBox"] = generic.ArrayObject(
            [self._thousandths(v) for v in descriptor["/FontBBox"]]
        )

    def _thousandths(self, value: Any) -> Any:
        return generic.NumberObject(round(int(value) * 1000 / self._font_units))  # type: ignore[no-untyped-call]

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        if glyph_id not in self._glyphs:
            cid, width = super()._get_cid_and_width(glyph_id)
            self._glyphs[glyph_id] = (cid, round(width * 1000 / self._font_units))
        return self._glyphs[glyph_id]


class SerifFont(GlyphAccumulatorFactory):
    """A font read once into memory (pyHanko's factory opens the file and never closes it),
    with widths PDF reads right: for text laid out by pyHanko (text stamps) or by us from the
    shaped advances."""

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return _ThousandthsOfEm(
            writer=writer,
            font_handle=io.BytesIO(font_bytes(self.font_file)),
            font_size=self.font_size,
            obj_stream=obj_stream,
        )
