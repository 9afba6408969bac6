"""Sample signature images for the fictional signers (Pillow): the signer's name written in blue
italic with a flourish, on a transparent background, as ND 30 asks of the image a signer's
digital signature shows (Phụ lục I, II.8: màu xanh, PNG nền trong suốt). Real signers upload
their own scanned signature; these exist so the samples and tests look like the real thing.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf")
BLUE = (20, 40, 160, 255)


def signature_png(name: str, *, width: int = 720, height: int = 240) -> bytes:
    """A transparent PNG of `name` signed in blue."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 86)
    family = name.split()[-1]
    draw.text((width // 2, height // 2 - 10), family, font=font, fill=BLUE, anchor="mm")
    draw.arc((60, height // 2 - 20, width - 60, height - 10), start=10, end=170, fill=BLUE, width=6)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


RED = (200, 20, 30, 255)


def seal_png(organisation: str, *, size_mm: float = 40, dpi: int = 300) -> bytes:
    """A round red seal for a sample organisation, marked TEST, on a transparent background."""
    side = round(size_mm / 25.4 * dpi)
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for inset, width in ((4, 14), (60, 6)):
        draw.ellipse((inset, inset, side - inset, side - inset), outline=RED, width=width)
    bold = str(FONT.with_name("LiberationSerif-Bold.ttf"))
    words = organisation.upper().split()
    half = len(words) // 2
    lines = (" ".join(words[:half]), " ".join(words[half:]))
    size = side // 12
    while size > 8 and max(ImageFont.truetype(bold, size).getlength(t) for t in lines) > side * 0.6:
        size -= 2  # the longest line inside the inner ring
    font = ImageFont.truetype(bold, size)
    draw.text((side // 2, side // 2 - side // 10), "TEST", font=font, fill=RED, anchor="mm")
    for row, line in enumerate(lines):
        draw.text((side // 2, side // 2 + row * side // 9), line, font=font, fill=RED, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
