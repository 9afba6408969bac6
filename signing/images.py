"""The images a signature shows (Pillow): the checks that a signer's or an organisation's own
image fits ND 30 Phụ lục I, II.8, and the sample images drawn for the fictional signers and the
sample issuing bodies.

ND 30 asks of the signer's image: màu xanh, PNG nền trong suốt; of the seal's: màu đỏ, kích thước
bằng kích thước thực tế, PNG nền trong suốt. So every image given to hoso must be a PNG whose
corners are transparent and whose strokes are blue (signature) or red (seal), and a seal must
carry its resolution (PNG pHYs) so that it can be printed at its real size. Real signers and
bodies supply their own scans; the samples exist so the demo and the tests look like the real
thing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageStat, UnidentifiedImageError

from docgen.errors import SigningError

FONT = Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf")
BLUE = (20, 40, 160, 255)
RED = (200, 20, 30, 255)
MAX_PIXELS = 4096 * 4096  # a 50 mm seal scanned at 1,200 dpi is 2,362 pixels a side
SEAL_MM = (20.0, 50.0)  # the sizes a seal's longer side may have, in mm
SAMPLE_DPI = 300


@dataclass(frozen=True)
class Seal:
    """A checked seal image and its actual size in millimetres."""

    image: Image.Image
    width_mm: float
    height_mm: float


def signature_image(data: bytes) -> Image.Image:
    """The signer's own image, refused unless it is a PNG with a transparent background and
    blue strokes."""
    return _checked(data, field="image", what=("signature image", "Ảnh chữ ký"), ink="blue")


def seal_image(data: bytes) -> Seal:
    """The organisation's seal image, refused unless it is a PNG with a transparent background,
    red strokes and a resolution that gives it a plausible actual size."""
    image = _checked(data, field="seal", what=("seal image", "Ảnh con dấu"), ink="red")
    dpi = image.info.get("dpi")
    if not dpi or min(dpi) < 1:
        raise SigningError(
            "the seal image does not say its resolution (PNG pHYs), so its actual size is "
            "unknown: save it with its dots per inch",
            message_vi="Ảnh con dấu không ghi độ phân giải (dpi) nên không biết kích thước thực "
            "tế: hãy lưu ảnh kèm độ phân giải",
            field="seal",
        )
    width, height = (
        pixels / per_inch * 25.4 for pixels, per_inch in zip(image.size, dpi, strict=True)
    )
    low, high = SEAL_MM
    if not low <= max(width, height) <= high:
        raise SigningError(
            f"the seal image is {width:.1f} × {height:.1f} mm at its resolution; a seal is "
            f"{low:g} to {high:g} mm across: check its dots per inch",
            message_vi=f"Ảnh con dấu có kích thước thực {width:.1f} × {height:.1f} mm theo độ "
            f"phân giải của nó; con dấu rộng từ {low:g} đến {high:g} mm: kiểm tra lại dpi",
            field="seal",
        )
    return Seal(image, width, height)


def _checked(data: bytes, *, field: str, what: tuple[str, str], ink: str) -> Image.Image:
    english, vietnamese = what

    def refuse(problem: str, problem_vi: str) -> SigningError:
        return SigningError(
            f"the {english} {problem}",
            message_vi=f"{vietnamese} {problem_vi}",
            field=field,
        )

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise refuse(
                f"is {image.width} × {image.height} pixels, more than {MAX_PIXELS:,} in all",
                f"quá lớn ({image.width} × {image.height} điểm ảnh)",
            )
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise refuse(
            "is not an image file that can be read", "không phải tệp ảnh đọc được"
        ) from exc
    if image.format != "PNG":
        raise refuse(f"is {image.format}, not PNG", f"là {image.format}, không phải PNG")
    rgba = image.convert("RGBA")
    last_x, last_y = image.width - 1, image.height - 1
    corners = [rgba.getpixel(xy) for xy in ((0, 0), (last_x, 0), (0, last_y), (last_x, last_y))]
    if any(pixel[3] for pixel in corners):  # type: ignore[index]
        raise refuse(
            "has no transparent background (its corners are not transparent)",
            "không có nền trong suốt (các góc ảnh không trong suốt)",
        )
    # The mean colour of the strokes: the pixels at least half opaque.
    strokes = ImageStat.Stat(
        rgba.convert("RGB"), rgba.getchannel("A").point(lambda a: 255 if a >= 128 else 0)
    )
    if not strokes.count[0]:
        raise refuse("is empty: nothing in it is opaque", "trống: không có nét nào")
    red, green, blue = strokes.mean
    fits = blue > max(red, green) + 40 if ink == "blue" else red > max(green, blue) + 60
    if not fits:
        colour = f"#{round(red):02x}{round(green):02x}{round(blue):02x}"
        wanted, wanted_vi = ("blue", "xanh") if ink == "blue" else ("red", "đỏ")
        raise refuse(
            f"is not {wanted}: its strokes average {colour} (ND 30 Phụ lục I, II.8)",
            f"không có màu {wanted_vi}: màu trung bình của nét là {colour} (NĐ 30, Phụ lục I)",
        )
    return image


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


def seal_png(organisation: str, *, size_mm: float = 40, dpi: int = SAMPLE_DPI) -> bytes:
    """A round red seal for a sample organisation, marked TEST, on a transparent background,
    `size_mm` across at the `dpi` it records."""
    side = round(size_mm / 25.4 * dpi)
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for inset, width in ((0, side // 40), (side // 8, side // 90)):
        draw.ellipse((inset, inset, side - 1 - inset, side - 1 - inset), outline=RED, width=width)
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
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def body_seal(folder: Path, body_id: str, organisation: str) -> bytes:
    """The seal image of an issuing body: `<folder>/seals/<body_id>.png` when the body has given
    one (checked when it is used), else the sample seal drawn for it, marked TEST."""
    path = folder / "seals" / f"{body_id}.png"
    return path.read_bytes() if path.is_file() else seal_png(organisation)
