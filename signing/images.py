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
