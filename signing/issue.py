"""The văn thư's step of ND 30's two-step signature (pyHanko adapter): write the số and ngày
ban hành into the fields the draft left for them, then apply the organisation's signature, whose
appearance is the red seal image at actual size over the left third of the signer's image.

Form filling is what the signer's certification (DocMDP FILL_FORMS) allows: the values and their
appearances go in an incremental update, in Liberation Serif embedded by pyHanko (its default
font would lose the Vietnamese marks; digits only here, but the rule holds everywhere).

Last, the certificates, OCSP responses and CRLs of both signatures and their timestamps go into
the DSS (PAdES B-LT, `signing.archive.with_validation_data`): each recipient gets a file that
validates from what it carries, with none of our services reachable.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext

from docgen.errors import SigningError
from signing import images, nd30
from signing.archive import with_validation_data
from signing.fonts import SERIF, SERIF_ITALIC, SerifFont
from signing.sign import MM, SEAL_FIELD, pades_signer, run_signer

# pyHanko's generic PDF objects are untyped; these aliases keep mypy --strict quiet in one place.
PdfDict: Any = generic.DictionaryObject
PdfFloat: Any = generic.FloatObject
SPACE_EM = 0.25  # a space of Liberation Serif, as docgen.stamp sized the blanks
SIZE = 13  # pt: "Số:" and the date line are 13 pt (ND 30 Phụ lục I, ô 3 and 4)


def _fields(writer: IncrementalPdfFileWriter) -> dict[str, generic.IndirectObject]:
    form = writer.root["/AcroForm"]
    return {str(ref.get_object()["/T"]): ref for ref in form["/Fields"]}


def fill_fields(pdf: bytes, values: dict[str, str]) -> bytes:
    """`pdf` with each named text field set to its value, with an embedded-font appearance;
    a value also fills the fields of later pages named after it ("so_p2" for "so")."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields = _fields(writer)
    missing = sorted(set(values) - set(fields))
    if missing:
        raise SigningError(
            f"the document has no field {', '.join(missing)} to fill",
            field="document",
            message_vi=f"Văn bản không có ô {', '.join(missing)} để điền",
        )
    # The header's số is upright, its date line italic (ND 30 Phụ lục I, ô 3 and 4); a phụ
    # lục's "(Kèm theo Quyết định số … ngày …)" is italic throughout.
    upright, italic = (
        SerifFont(str(path), font_size=SIZE).create_font_engine(writer)
        for path in (SERIF, SERIF_ITALIC)
    )
    for name, ref in fields.items():
        base = name.split("_p")[0]
        if base not in values:
            continue
        value = values[base]
        engine = upright if name == "so" else italic
        field = ref.get_object()  # type: ignore[no-untyped-call]
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        # The header's số field carries its label (docgen.stamp.header_number): "Số: 1234".
        label = str(field.get("/TU", "")) if name == "so" else ""
        shown = f"{label} {value}" if label else value
        line = round(y2 - y1 - 3)  # the stamp made each field 3 pt below to the text's size
        shaped = engine.shape(shown)
        # Never clipped: a value wider than its blank (a số of 4 digits in a phụ lục's
        # "Kèm theo Quyết định số …") is set smaller until it fits with a space on each side
        # that has a word beside it (the label's field has none on its left).
        room = x2 - x1 - (0 if label else 1 if base == "so" else 2) * SPACE_EM * line
        size = min(float(line), room / shaped.x_advance) if shaped.x_advance else line
        # On the baseline of the surrounding line (3 pt above the bottom); the số against its
        # "/QĐ-…" as in "Số: 06/QĐ-UBND", the day and month centred between the words.
        spare = x2 - x1 - shaped.x_advance * size
        x, y = (spare if base == "so" else spare / 2), 3
        ops = b"BT /F1 %g Tf 0 g %g %g Td %s ET" % (size, x, y, shaped.graphics_ops)
        appearance = generic.StreamObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/XObject"),
                generic.NameObject("/Subtype"): generic.NameObject("/Form"),
                generic.NameObject("/BBox"): generic.ArrayObject(
                    [PdfFloat(v) for v in (0, 0, x2 - x1, y2 - y1)]
                ),
                generic.NameObject("/Resources"): PdfDict(
                    {
                        generic.NameObject("/Font"): PdfDict(
                            {generic.NameObject("/F1"): engine.as_resource()}
                        )
                    }
                ),
            },
            stream_data=ops,
        )
        field["/V"] = generic.TextStringObject(value)
        field["/AP"] = PdfDict({generic.NameObject("/N"): writer.add_object(appearance)})
        writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def seal(
    pdf: bytes,
    organisation: signers.Signer,
    *,
    seal_image: images.Seal,
    tsa_url: str,
    context: ValidationContext,
) -> bytes:
    """The organisation's PAdES B-T signature in the seal field, shown as the seal image (as
    `signing.images.seal_image` checked it) at its actual size against the field's right edge
    (a third of the way across the signature: `Placement.seal_box`), centred vertically; a
    seal larger than the field is refused."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    ref = _fields(writer).get(SEAL_FIELD)
    if ref is None:
        raise SigningError(
            "the document has no seal field: it was not signed by hoso's signer step",
            message_vi="Văn bản không có ô chữ ký số của cơ quan: chưa qua bước ký của người ký",
            field="document",
        )
    assert organisation.signing_cert is not None
    nd30.check_seal_body(pdf, organisation.signing_cert.subject.native.get("organization_name"))
    x1, y1, x2, y2 = (float(v) for v in ref.get_object()["/Rect"])  # type: ignore[no-untyped-call]
    width, height = seal_image.width_mm * MM, seal_image.height_mm * MM
    if width > x2 - x1 + 0.5 or height > y2 - y1 + 0.5:
        seal_size = f"{seal_image.width_mm:.1f} × {seal_image.height_mm:.1f} mm"
        field_size = f"{(x2 - x1) / MM:.1f} × {(y2 - y1) / MM:.1f} mm"
        raise SigningError(
            f"the seal image is {seal_size}, larger than the field left for it ({field_size})",
            message_vi=f"Ảnh con dấu {seal_size} lớn hơn ô dành cho dấu ({field_size})",
            field="seal",
        )
    image = PdfImage(seal_image.image, writer=writer, box=layout.BoxConstraints(width, height))
    # Drawn at the size it has, not fitted to the field (pyHanko's default shrinks it into the
    # field less a 5 pt margin).
    actual_size = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MAX,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins(),
        inner_content_scaling=layout.InnerScaling.NO_SCALING,
    )
    pdf_signer = pades_signer(
        organisation,
        field=SEAL_FIELD,
        context=context,
        stamp_style=StaticStampStyle(
            background=image,
            background_layout=actual_size,
            border_width=0,
            background_opacity=1.0,
        ),
    )
    return run_signer(pdf_signer, writer, tsa_url, existing_fields_only=True)


def issue(
    signed: bytes,
    organisation: signers.Signer,
    *,
    number: int,
    day: dt.date,
    seal_image: images.Seal,
    tsa_url: str,
    context: ValidationContext,
) -> bytes:
    """Give a signed document its số and ngày, then the organisation's signature, then the
    validation data of both signatures (PAdES B-LT)."""
    filled = fill_fields(
        signed,
        {
            "so": f"{number:02d}",
            "ngay": f"{day.day:02d}",
            "thang": f"{day.month:02d}" if day.month < 3 else str(day.month),
        },
    )
    sealed = seal(filled, organisation, seal_image=seal_image, tsa_url=tsa_url, context=context)
    return with_validation_data(sealed, context=context)
