"""What a signed PDF's structure says beyond its signatures' cryptography, read for
`signing.verify.decide`: data after the end of the file, bytes hidden in a signature's unused
/Contents, whether it is an ND 30 document of ours (a seal field) and whether that field is
signed, which fields were filled between the chair and the seal, which metadata changed after
the seal, and the issuing body its header names.

Each reading is defensive: the file is untrusted, so a part that cannot be read counts as a
problem of that part, never as an exception. Left out: judging (that is `decide`'s).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from asn1crypto import core, parser
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from signing import nd30

# The /Info keys pyHanko and LibreOffice update on every save: a DSS or a document timestamp
# added after the seal changes them legitimately.
_VOLATILE_INFO = {"/ModDate", "/Producer"}
_EOF = re.compile(rb"%%EOF[ \t\r\n\x00\x0c]*")


@dataclass(frozen=True)
class Structure:
    """The facts `decide` judges besides the signatures themselves."""

    trailing_bytes: int = 0
    """Bytes after the last %%EOF other than whitespace (a ZIP, a second document)."""
    hidden_padding: tuple[str, ...] = ()
    """Signature fields whose /Contents holds non-zero bytes after the CMS container."""
    seal_field: bool = False
    """The document has the organisation's seal field of ND 30's two steps (`con_dau`)."""
    seal_signed: bool = False
    filled_before_seal: tuple[str, ...] = ()
    """Fields filled between the chair's signature and the seal other than số and ngày."""
    info_changed: tuple[str, ...] = ()
    """/Info keys changed after the seal (other than the save time and producer)."""
    header: str = ""
    """The issuing body's column of page 1's header, normalised (`nd30.header_text`)."""


def trailing_bytes(pdf: bytes) -> int:
    """How many bytes follow the last %%EOF and its line end."""
    end = pdf.rfind(b"%%EOF")
    if end < 0:
        return 0
    match = _EOF.match(pdf, end)
    return len(pdf) - (match.end() if match else end)


def hidden_in_padding(embedded: EmbeddedPdfSignature) -> bool:
    """Whether /Contents carries anything but zeros after its DER container."""
    contents = bytes(embedded.sig_object.raw_get("/Contents"))
    try:
        _, _, _, header, body, trailer = parser.parse(contents, strict=False)
    except ValueError:
        return True
    used = len(header) + len(body) + len(trailer)
    return any(contents[used:])


def _field_values(reader: PdfFileReader, revision: int) -> dict[str, str]:
    root = reader.get_historical_resolver(revision).root
    values: dict[str, str] = {}
    form = root.get("/AcroForm")
    if form is None:
        return values
    for ref in form.get("/Fields", []):
        field = ref.get_object() if hasattr(ref, "get_object") else ref
        if field.get("/FT") == "/Sig":  # signatures are judged as signatures
            continue
        value = field.get("/V")
        appearance = field.get("/AP")
        # The appearance counts too: a field can show text its value does not hold.
        values[str(field.get("/T", ""))] = f"{value!r}|{appearance!r}"
    return values


def _info(reader: PdfFileReader, revision: int | None) -> dict[str, str]:
    trailer = (
        reader.trailer_view
        if revision is None
        else reader.get_historical_resolver(revision).trailer_view
    )
    info = trailer.get("/Info")
    if info is None:
        return {}
    return {str(k): str(v) for k, v in info.get_object().items()}


def read(pdf: bytes, reader: PdfFileReader, signatures: list[EmbeddedPdfSignature]) -> Structure:
    """The structure facts of `pdf` (already parsed as `reader`, `signatures` in file order)."""
    hidden = []
    for embedded in signatures:
        try:
            if hidden_in_padding(embedded):
                hidden.append(str(embedded.field_name))
        except Exception:  # an unreadable /Contents fails its signature's own check
            continue
    facts = Structure(trailing_bytes=trailing_bytes(pdf), hidden_padding=tuple(hidden))
    try:
        form = reader.root.get("/AcroForm")
        names = {
            str(ref.get_object().get("/T", "")) for ref in (form.get("/Fields", []) if form else [])
        }
    except Exception:  # an unreadable form: its signatures' checks say what is wrong
        return facts
    if nd30.SEAL_FIELD not in names:
        return facts
    chair = next((s for s in signatures if s.field_name == nd30.SIGNER_FIELD), None)
    seal = next((s for s in signatures if s.field_name == nd30.SEAL_FIELD), None)
    filled: list[str] = []
    changed: list[str] = []
    header = ""
    try:
        if chair is not None and seal is not None:
            filled = nd30.filled_between(
                _field_values(reader, chair.signed_revision),
                _field_values(reader, seal.signed_revision),
            )
        if seal is not None:
            before, after = _info(reader, seal.signed_revision), _info(reader, None)
            changed = sorted(
                k
                for k in before.keys() | after.keys()
                if k not in _VOLATILE_INFO and before.get(k) != after.get(k)
            )
            # Only a seal is checked against the body the header names (signing/verdict.py):
            # the page's text is read for nothing else.
            header = nd30.header_text(pdf)
    except Exception:
        header = ""
    return Structure(
        trailing_bytes=facts.trailing_bytes,
        hidden_padding=facts.hidden_padding,
        seal_field=True,
        seal_signed=seal is not None,
        filled_before_seal=tuple(filled),
        info_changed=tuple(changed),
        header=header,
    )


# ---- the signature timestamp's token, read without validating it -----------------------------


def _token(embedded: EmbeddedPdfSignature) -> Any:
    """The RFC 3161 token in the signature's unsigned attributes, or None."""
    try:
        attributes = embedded.signer_info["unsigned_attrs"]
        if isinstance(attributes, core.Void):
            return None
        for attribute in attributes:
            if attribute["type"].native == "signature_time_stamp_token":
                return attribute["values"][0]
    except Exception:  # a malformed signature: its own check fails on it
        return None
    return None


def timestamped(embedded: EmbeddedPdfSignature) -> bool:
    """Whether the signature carries an RFC 3161 signature timestamp."""
    return _token(embedded) is not None


def timestamp_time(embedded: EmbeddedPdfSignature) -> dt.datetime | None:
    """The time the signature timestamp states (its validity is checked apart)."""
    try:
        when: dt.datetime = (
            _token(embedded)["content"]["encap_content_info"]["content"].parsed["gen_time"].native
        )
    except Exception:  # no token, or a malformed one
        return None
    return when


def timestamp_holds(embedded: EmbeddedPdfSignature, moment: dt.datetime) -> bool:
    """Whether the signature timestamp's certificate is still within its validity at `moment`
    (after that, only a document timestamp keeps the proof alive: B-LTA)."""
    try:
        signed_data = _token(embedded)["content"]
        serial = signed_data["signer_infos"][0]["sid"].chosen["serial_number"].native
        tsa = next(
            c.chosen for c in signed_data["certificates"] if c.chosen.serial_number == serial
        )
    except Exception:  # no token, or no certificate of its signer in it
        return False
    return bool(tsa.not_valid_after >= moment)
