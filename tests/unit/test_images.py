"""The checks on a signer's and an organisation's own images (ND 30 Phụ lục I, II.8: the
signature blue, the seal red at its actual size, both PNG on a transparent background): the
samples pass, and each way an image can be wrong is refused with the field and the problem."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from docgen.errors import SigningError
from signing import images

SEAL = "Ủy ban nhân dân thành phố Hải Phòng"


def _png(
    ink: tuple[int, int, int, int] = images.RED,
    *,
    side: int = 472,
    dpi: float | None = 300,
    background: tuple[int, int, int, int] = (0, 0, 0, 0),
    form: str = "PNG",
) -> bytes:
    """A ring in `ink` filling a square of `side` pixels, saved as `form` at `dpi`."""
    mode = "RGBA" if form == "PNG" else "RGB"
    image = Image.new(mode, (side, side), background[:4] if mode == "RGBA" else background[:3])
    outline = ink if mode == "RGBA" else ink[:3]
    ImageDraw.Draw(image).ellipse((0, 0, side - 1, side - 1), outline=outline, width=12)
    out = io.BytesIO()
    image.save(out, format=form, **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def test_the_samples_pass_and_the_seal_has_its_size() -> None:
    assert images.signature_image(images.signature_png("Trần Minh Khôi")).format == "PNG"
    for size, dpi in ((40, 300), (34, 200), (45.5, 600)):
        seal = images.seal_image(images.seal_png(SEAL, size_mm=size, dpi=dpi))
        assert seal.width_mm == pytest.approx(size, abs=0.1)
        assert seal.height_mm == pytest.approx(size, abs=0.1)


def test_a_scanned_blue_signature_and_an_oval_seal_pass() -> None:
    assert images.signature_image(_png((40, 60, 130, 255), dpi=None))
    oval = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    ImageDraw.Draw(oval).ellipse((0, 0, 599, 399), outline=(180, 40, 40), width=10)
    out = io.BytesIO()
    oval.save(out, format="PNG", dpi=(400, 400))
    seal = images.seal_image(out.getvalue())
    assert (seal.width_mm, seal.height_mm) == pytest.approx((38.1, 25.4), abs=0.1)


REFUSED = {
    "not an image": (b"%PDF-1.7 not an image", "is not an image file"),
    "a JPEG": (_png(images.BLUE, background=(255, 255, 255, 255), form="JPEG"), "is JPEG, not PNG"),
    "no transparency": (_png(images.BLUE, background=(255, 255, 255, 255)), "no transparent"),
    "black strokes": (_png((10, 10, 10, 255)), "is not blue: its strokes average #0a0a0a"),
    "red strokes": (_png(images.RED), "is not blue"),
    "nothing drawn": (_png((0, 0, 0, 0)), "is empty"),
    "too many pixels": (_png(images.BLUE, side=4200, dpi=None), "more than 16,777,216 in all"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_signature_image_that_breaks_nd30_is_refused(case: str) -> None:
    data, problem = REFUSED[case]
    with pytest.raises(SigningError) as refused:
        images.signature_image(data)
    assert refused.value.field == "image"
    assert refused.value.message.startswith("the signature image ")
    assert problem in refused.value.message
    assert refused.value.message_vi.startswith("Ảnh chữ ký ")


SEALS_REFUSED = {
    "blue strokes": (_png(images.BLUE), "is not red"),
    "no resolution": (_png(dpi=None), "does not say its resolution"),
    "72 dpi: 166 mm": (_png(dpi=72), "166.5 × 166.5 mm at its resolution"),
    "1200 dpi: 10 mm": (_png(dpi=1200), "10.0 × 10.0 mm at its resolution"),
}


@pytest.mark.parametrize("case", list(SEALS_REFUSED))
def test_a_seal_image_that_breaks_nd30_is_refused(case: str) -> None:
    data, problem = SEALS_REFUSED[case]
    with pytest.raises(SigningError) as refused:
        images.seal_image(data)
    assert refused.value.field == "seal"
    assert problem in refused.value.message
    assert refused.value.message_vi.startswith("Ảnh con dấu ")


def test_a_body_seal_is_its_own_file_or_the_sample(tmp_path: Path) -> None:
    sample = images.body_seal(tmp_path, "ubnd-hai-phong", SEAL)
    assert sample == images.seal_png(SEAL)
    (tmp_path / "seals").mkdir()
    own = _png(dpi=250)
    (tmp_path / "seals" / "ubnd-hai-phong.png").write_bytes(own)
    assert images.body_seal(tmp_path, "ubnd-hai-phong", SEAL) == own
    assert images.body_seal(tmp_path, "ubnd-bac-ninh", "UBND tỉnh Bắc Ninh") != own
