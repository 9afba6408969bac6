"""The rules of ND 30's two-step signature that the signature formats themselves do not state,
shared by the signing steps (which refuse to break them) and verification (which refuses files
that break them):

- the form of a draft holds only the blanks the template left for the văn thư (the số and the
  day and month, found again from the draft's own text by `docgen.stamp.blank_fields`): a field
  planted anywhere else could be filled after the chair signs and hide what the chair saw;
- between the chair's signature and the seal only those blanks are filled;
- the seal is the organisation's signature of the body the document's header names.

Pure apart from reading the PDF given as bytes; no clock, no network. Left out: the registry's
record of who may seal for which body (the registry's business, api/).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from pypdf import PdfReader

from docgen import stamp
from docgen.errors import CertificateRejected, SigningError

SIGNER_FIELD = "chu_ky"
SEAL_FIELD = "con_dau"
BLANKS = re.compile(r"(so|ngay|thang|nam)(_p\d+)?")
"""The names of the fields the văn thư fills: the số and the date, on page 1 and on a phụ lục."""

TOLERANCE = 1.0  # pt: rectangles are written with three decimals by the stamp


def draft_form_problems(pdf: bytes | PdfReader) -> list[str]:
    """What in the draft's form is not the blanks its own text calls for: an extra field (any
    name, any type), a blank missing, or a blank moved. Empty when the form is as the stamp made
    it; a draft without a form and without blanks is fine. `pdf` may be a reader already
    parsed (to read the draft once for this check and the signature's placement)."""
    reader = pdf if isinstance(pdf, PdfReader) else PdfReader(io.BytesIO(pdf))
    expected: dict[str, tuple[int, tuple[float, ...]]] = {}
    for index, page in enumerate(reader.pages):
        suffix = f"_p{index + 1}" if index else ""
        for name, blank in stamp.blank_fields(page, suffix=suffix).items():
            expected[name] = (index, tuple(blank))
    pages = {
        p.indirect_reference.idnum: i for i, p in enumerate(reader.pages) if p.indirect_reference
    }
    found: dict[str, tuple[int | None, tuple[float, ...], str]] = {}
    root: Any = reader.trailer["/Root"]
    form = root.get_object().get("/AcroForm")
    for ref in form.get_object().get("/Fields", []) if form is not None else []:
        field = ref.get_object()
        where = field.get("/P")
        found[str(field.get("/T", ""))] = (
            pages.get(where.idnum) if where is not None else None,
            tuple(float(v) for v in field.get("/Rect", ())),
            str(field.get("/FT", "")),
        )
    problems = [
        f"field '{name}' is not a blank of the template" for name in found.keys() - expected.keys()
    ]
    problems += [f"the blank '{name}' has no field" for name in expected.keys() - found.keys()]
    for name in expected.keys() & found.keys():
        (page_index, rect), (at, box, kind) = expected[name], found[name]
        if kind != "/Tx" or at != page_index or not _close(rect, box):
            problems.append(f"field '{name}' is not where the template's blank is")
    return sorted(problems)


def _close(a: Iterable[float], b: Iterable[float]) -> bool:
    a, b = list(a), list(b)
    return len(a) == len(b) == 4 and all(abs(x - y) <= TOLERANCE for x, y in zip(a, b, strict=True))


def check_draft_form(pdf: bytes | PdfReader) -> None:
    """Refuse to sign a draft whose form holds anything but the template's blanks."""
    problems = draft_form_problems(pdf)
    if problems:
        raise SigningError(
            "the draft's form is not the one its template makes: " + "; ".join(problems),
            message_vi="Không ký: dự thảo có trường biểu mẫu không do mẫu văn bản tạo ra "
            "(có thể dùng để che hoặc thay nội dung sau khi ký): " + "; ".join(problems),
            field="document",
        )


def filled_between(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """The fields whose value changed from `before` to `after` other than the số and ngày
    blanks and the signature fields: what must not be filled between the chair and the seal."""
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    return sorted(
        name
        for name in changed
        if not BLANKS.fullmatch(name) and name not in (SIGNER_FIELD, SEAL_FIELD)
    )


# The old tone placement ("Uỷ ban", "Hoà") is still common in certificates: one spelling.
_TONES = {
    f"{pair[0]}{old}": f"{new}{pair[1]}"
    for pair, marks in (("uy", "ýỳỷỹỵ"), ("oa", "áàảãạ"), ("oe", "éèẻẽẹ"))
    for old, new in zip(marks, ("úùủũụ" if pair[0] == "u" else "óòỏõọ"), strict=True)
}
_ABBREVIATIONS = (("ubnd ", "ủy ban nhân dân "), ("tp. ", "thành phố "), ("tp ", "thành phố "))


def normalise_name(name: str) -> str:
    """A body's name as compared: NFC, case-folded, one tone placement, the usual
    abbreviations written out (UBND, TP), one space between words, without the development
    PKI's "TEST " prefix."""
    text = " ".join(unicodedata.normalize("NFC", name).casefold().split()) + " "
    for old, new in _TONES.items():
        text = text.replace(old, new)
    for short, full in _ABBREVIATIONS:
        text = text.replace(" " + short, " " + full)
        text = full + text[len(short) :] if text.startswith(short) else text
    return text.strip().removeprefix("test ")


def header_text(pdf: bytes) -> str:
    """The left column of page 1's header (the issuing body and the số), normalised: the text
    from the top of the page down to the "Số:" line, left of where the Quốc hiệu starts, in
    reading order."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fragments = stamp.text_fragments(page)
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    number = stamp.header_number(page)  # a draft's "Số:" is its field's, not the page's text
    bottom = (
        number[1] + 3
        if number is not None
        else next((f.y for text, f in fragments if text.startswith("Số")), height * 0.8)
    )
    right = next(
        (f.x for text, f in fragments if normalise_name(text).startswith("cộng hòa")), width / 2
    )
    column = [
        (-found.y, found.x, text)
        for text, found in fragments
        if found.y >= bottom - 1 and found.x < right - 1
    ]
    return normalise_name(" ".join(text for *_, text in sorted(column)))


def names_body(header: str, organisation: str | None) -> bool:
    """Whether the header names the organisation of a certificate."""
    return bool(organisation) and normalise_name(organisation or "") in header


def check_seal_body(pdf: bytes, organisation: str | None) -> None:
    """Refuse a seal certificate whose organisation is not the body the document names."""
    header = header_text(pdf)
    if not names_body(header, organisation):
        raise CertificateRejected(
            f"the seal certificate is of {organisation!r}, not of the body this document's "
            f"header names ({header!r})",
            message_vi=f"Chứng thư số của con dấu thuộc “{organisation}”, không phải cơ quan "
            "ban hành ghi ở phần đầu văn bản",
            field="certificate",
        )
