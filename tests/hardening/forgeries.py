# mypy: disable-error-code="no-untyped-call"
"""Forgeries an outsider makes with certificates the verifier trusts: built from our own issued
Quyết định with the development PKI's keys (another body's seal, an expired key, the Phó Chủ
tịch), each a reproducible recipe. Unlike `tests.hardening.attacks`, whose builders need only
the file, these sign: each builder takes the `Setting` (its keys, TSA and root) and the issued
(or archived) file.

The cases of issue 12: a signature added after the seal that re-opens the form, a seal made
today with a key whose certificate expired years ago, a planted text field filled between the
chair and the seal (shadow hide-and-replace), the wrong body's seal, and the smaller ones (a ZIP
after %%EOF, hidden bytes in /Contents' padding, the file cut back to the chair's revision, a
change of /Info only).
"""

from __future__ import annotations

import datetime as dt
import io
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from unittest import mock

from asn1crypto import crl
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.validation.dss import DocumentSecurityStore

from signing import archive, images, issue, nd30, pki, sign
from tests.signing_setting import ORGANISATION, Setting, signed_by

FAILED = "TOTAL_FAILED"


def key(setting: Setting, label: str) -> signers.SimpleSigner:
    return sign.load_pkcs12(setting.p12(label), pki.TEST_PASSPHRASE)


def _sign_unchecked(
    pdf: bytes,
    signer: signers.Signer,
    setting: Setting,
    *,
    field: str,
    new_field: bool,
) -> bytes:
    """A PAdES signature with a timestamp, by pyHanko directly: no check of the certificate
    before signing (a forger uses no hoso command)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamps.HTTPTimeStamper(setting.urls["tsa"]),
        new_field_spec=SigFieldSpec(field) if new_field else None,
    )
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, existing_fields_only=not new_field, output=out)
    return out.getvalue()


def _with_crls(setting: Setting, pdf: bytes, signer: signers.Signer) -> bytes:
    """`pdf` with the signer's certificates and the issuing CA's current CRL in the DSS: what a
    forger adds for a key whose certificate has expired (no OCSP responder answers for it)."""
    with urllib.request.urlopen(setting.urls["crl"]) as answer:
        current = crl.CertificateList.load(answer.read())
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    assert signer.signing_cert is not None
    DocumentSecurityStore.supply_dss_in_writer(
        writer,
        None,
        certs=[signer.signing_cert, *signer.cert_registry],
        crls=[current],
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _validation_data(setting: Setting, pdf: bytes, label: str) -> bytes:
    if label == "expired":
        return _with_crls(setting, pdf, key(setting, label))
    return archive.with_validation_data(pdf, context=setting.context())


def countersigned(label: str) -> Callable[[Setting, bytes], bytes]:
    """The số changed to 99 after the seal, then a new invisible signature by `label` with a
    timestamp and its validation data: the seal becomes an "earlier" signature."""

    def build(setting: Setting, pdf: bytes) -> bytes:
        changed = issue.fill_fields(pdf, {"so": "99"})
        signed = _sign_unchecked(
            changed, key(setting, label), setting, field="Signature2", new_field=True
        )
        return _validation_data(setting, signed, label)

    return build


def sealed_with(label: str, *, checked: bool) -> Callable[[Setting, bytes], bytes]:
    """The chair's signed draft (`pdf` cut back to its first revision) issued again with the
    seal key of `label`: through `signing.issue` when `checked`, else by pyHanko directly."""

    def build(setting: Setting, pdf: bytes) -> bytes:
        draft = chair_revision(pdf)
        if checked:
            return issue.issue(
                draft,
                key(setting, label),
                number=6,
                day=dt.date(2026, 12, 5),
                seal_image=images.seal_image(images.seal_png(ORGANISATION)),
                tsa_url=setting.urls["tsa"],
                context=setting.context(),
            )
        filled = issue.fill_fields(draft, {"so": "06", "ngay": "05", "thang": "12"})
        if label == "expired":  # the chair's validation data first: the expired key has none
            filled = archive.with_validation_data(filled, context=setting.context())
        signed = _sign_unchecked(
            filled, key(setting, label), setting, field=sign.SEAL_FIELD, new_field=False
        )
        return _validation_data(setting, signed, label)

    return build


def countersigned_before_seal(label: str) -> Callable[[Setting, bytes], bytes]:
    """The chair's signed draft with số and ngày, a signature by `label` in a new field, then
    the seal: an extra signature ND 30's two steps do not have."""

    def build(setting: Setting, pdf: bytes) -> bytes:
        filled = issue.fill_fields(chair_revision(pdf), {"so": "06", "ngay": "05", "thang": "12"})
        extra = _sign_unchecked(
            filled, key(setting, label), setting, field="Signature2", new_field=True
        )
        sealed = _sign_unchecked(
            extra, key(setting, "ubnd-hai-phong"), setting, field=sign.SEAL_FIELD, new_field=False
        )
        return archive.with_validation_data(sealed, context=setting.context())

    return build


def chair_revision(pdf: bytes) -> bytes:
    """The file as the chair's signature left it: the bytes its /ByteRange covers."""
    reader = PdfFileReader(io.BytesIO(pdf))
    first = reader.embedded_signatures[0]
    *_, start, length = first.byte_range
    return pdf[: start + length]


# ---- the planted field (shadow hide-and-replace through the form) ----------------------------

PLANTED = "ghi_chu"


def plant_field(draft: bytes) -> bytes:
    """The draft with an extra empty text field over the middle of page 1 (Điều 1–2)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(draft))
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    widget = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Widget"),
            generic.NameObject("/FT"): generic.NameObject("/Tx"),
            generic.NameObject("/T"): generic.TextStringObject(PLANTED),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.FloatObject(v) for v in (60, 250, 540, 450)]
            ),
            generic.NameObject("/F"): generic.NumberObject(4),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            generic.NameObject("/P"): page_ref,
        }
    )
    ref = writer.add_object(widget)
    page["/Annots"].append(ref)
    form = writer.root["/AcroForm"]
    form["/Fields"].append(ref)
    for holder, name in ((page, "/Annots"), (writer.root, "/AcroForm"), (form, "/Fields")):
        raw = holder.raw_get(name)
        if isinstance(raw, generic.IndirectObject):
            writer.mark_update(raw)
    writer.mark_update(page_ref)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_planted(setting: Setting) -> bytes:
    """The chair's signature on the planted draft (`setting.draft`), as a signing tool that
    does not check the form would make it (hoso refuses: `nd30.check_draft_form`)."""
    with mock.patch.object(nd30, "check_draft_form", lambda pdf: None):
        return signed_by(setting, "ubnd-hai-phong--chu-tich")


def reveal_planted(setting: Setting, signed: bytes) -> bytes:
    """The chair-signed planted draft: the planted field filled with an opaque white box and
    replacement text, the số and ngày filled, then sealed through `signing.issue`."""
    filled = issue.fill_fields(signed, {"so": "06", "ngay": "05", "thang": "12"})
    writer = IncrementalPdfFileWriter(io.BytesIO(filled))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if str(field["/T"]) != PLANTED:
            continue
        appearance = generic.StreamObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/XObject"),
                generic.NameObject("/Subtype"): generic.NameObject("/Form"),
                generic.NameObject("/BBox"): generic.ArrayObject(
                    [generic.FloatObject(v) for v in (0, 0, 480, 200)]
                ),
            },
            stream_data=b"1 g 0 0 480 200 re f",
        )
        field["/V"] = generic.TextStringObject("Điều 1. Công nhận đơn vị khác")
        field["/AP"] = generic.DictionaryObject(
            {generic.NameObject("/N"): writer.add_object(appearance)}
        )
        writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)
    sealed = issue.seal(
        out.getvalue(),
        key(setting, "ubnd-hai-phong"),
        seal_image=images.seal_image(images.seal_png(ORGANISATION)),
        tsa_url=setting.urls["tsa"],
        context=setting.context(),
    )
    return archive.with_validation_data(sealed, context=setting.context())


# ---- the smaller ones ----------------------------------------------------------------------


def zip_appended(_: Setting, pdf: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive_file:
        archive_file.writestr("payload.txt", "hidden")
    return pdf + buffer.getvalue()


def garbage_appended(_: Setting, pdf: bytes) -> bytes:
    return pdf + b"garbage after the end of the file\n"


def padding_data(_: Setting, pdf: bytes) -> bytes:
    """Non-zero bytes hidden in the zero padding of the seal's /Contents."""
    reader = PdfFileReader(io.BytesIO(pdf))
    seal = next(s for s in reader.embedded_signatures if s.field_name == sign.SEAL_FIELD)
    *_, start_second, _ = seal.byte_range
    hidden = b"48494444454e"  # "HIDDEN", hex
    at = start_second - 1 - len(hidden) - 10  # inside the padding, before the closing '>'
    assert set(pdf[at : at + len(hidden)]) == {ord("0")}
    return pdf[:at] + hidden + pdf[at + len(hidden) :]


def cut_to_chair(_: Setting, pdf: bytes) -> bytes:
    return chair_revision(pdf)


def info_changed(_: Setting, pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = generic.DictionaryObject(
        {generic.NameObject("/Title"): generic.TextStringObject("Quyết định khác")}
    )
    writer.set_info(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class Forgery:
    """One forged file: its recipe and what a verifier must answer."""

    name: str
    build: Callable[[Setting, bytes], bytes]
    sub_indications: frozenset[str]
    indication: str = FAILED
    archived: bool = False
    """Built from the archived (B-LTA) record instead of the issued (B-LT) one."""
