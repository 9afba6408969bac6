"""The signer's step of ND 30's two-step signature (pyHanko adapter).

The chair (or KT. a deputy) certifies the final draft: a PAdES signature (ETSI.CAdES.detached,
signing-certificate-v2, RFC 3161 signature timestamp: B-T) whose DocMDP level still allows the
văn thư to fill the số and ngày and to add the organisation's signature. Its appearance is only
the signer's blue signature image, centred between the chức vụ line and the name (ND 30 Phụ lục
I, II.8); the organisation's empty signature field is created in the same revision, over the
left third of that image, because pyHanko (rightly) refuses new fields after a certification.
A certificate of the development PKI also puts the red test marker on page 1 in that revision
(signing/marker.py).

Before signing, the certificate is checked now: within its validity, fit for signing, chaining
to a trusted root and not revoked (OCSP or CRL, fetched). Every refusal is a SigningError with a
plain message; the input bytes are never modified.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

import aiohttp
from asn1crypto import cms, core, keys, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from PIL import Image
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InvalidCertificateError,
    PathBuildingError,
    PathValidationError,
)
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from docgen import stamp
from docgen.errors import CertificateRejected, KeyUnavailable, SigningError, TimestampUnavailable
from signing import images, marker, nd30

SIGNER_FIELD, SEAL_FIELD = nd30.SIGNER_FIELD, nd30.SEAL_FIELD
MM = 72 / 25.4


@dataclass(frozen=True)
class Placement:
    """Where the signer's image goes: page index and box (x1, y1, x2, y2) in points."""

    page: int
    box: tuple[int, int, int, int]

    def seal_box(self) -> tuple[int, int, int, int]:
        """The seal's field: a square as wide as the largest seal whose right edge is a third
        of the way across the signer's image, in which the văn thư's step draws the body's
        seal at its actual size against that edge (signing/issue.py), whatever that size is:
        so the seal covers about the left third of the signature (ND 30 Phụ lục I, ô 8), not
        half of it as a seal centred on the left third did."""
        x1, y1, x2, y2 = self.box
        right, cy, r = x1 + (x2 - x1) / 3, (y1 + y2) / 2, images.SEAL_MM[1] * MM / 2
        return (round(right - 2 * r), round(cy - r), round(right), round(cy + r))


class _LoadedKeySigner(signers.SimpleSigner):
    """A SimpleSigner that keeps the `cryptography` key object it was loaded with.

    pyHanko 0.38's SimpleSigner.sign_raw parses its DER private key again for every signature
    (serialization.load_der_private_key), and for RSA that includes OpenSSL's key check: about
    44 ms of a 64 ms signature with a 2048-bit key. Reading the PKCS#12 file has already parsed
    and checked the key once, so the key signs with that object; key types other than RSA and
    ECDSA (rare on Vietnamese certificates) keep pyHanko's own path.
    """

    def __init__(self, key: PrivateKeyTypes, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:  # asn1crypto names only the classic combinations
            return super().sign_raw(data, digest_algorithm)
        key = self._key
        if algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algorithm == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            padding, hash_algorithm = process_pss_params(mechanism["parameters"])
            return key.sign(data, padding, hash_algorithm)
        if algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)


def _asn1(certificate: cx509.Certificate) -> x509.Certificate:
    return x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class _Pfx(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """The outer structure of a PKCS#12 file (RFC 7292, PFX), readable without its passphrase."""

    _fields = [  # noqa: RUF012 (asn1crypto's declaration style)
        ("version", core.Integer),
        ("auth_safe", cms.ContentInfo),
        ("mac_data", core.Any, {"optional": True}),
    ]


def is_pkcs12(data: bytes) -> bool:
    """Whether `data` is shaped as a PKCS#12 file: a wrong passphrase and a wrong file are told
    apart before the passphrase is tried (cryptography says "invalid password or data")."""
    try:
        pfx = _Pfx.load(data, strict=True)
        return bool(
            pfx["version"].native == 3
            and pfx["auth_safe"]["content_type"].native in ("data", "signed_data")
        )
    except (ValueError, TypeError, KeyError):
        return False


def load_pkcs12(data: bytes, passphrase: bytes) -> signers.SimpleSigner:
    """The key and certificate of a PKCS#12 file, loaded once per signing run: the key is
    parsed here and signs every document of the run without being parsed again."""
    if not is_pkcs12(data):
        raise KeyUnavailable(
            "not a PKCS#12 key file (.p12, .pfx)",
            message_vi="Tệp đã chọn không phải tệp khóa PKCS#12 (.p12, .pfx)",
            field="p12",
        )
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError) as exc:
        raise KeyUnavailable(
            "cannot open the PKCS#12 file: wrong passphrase",
            message_vi="Sai mật khẩu của tệp khóa PKCS#12",
            field="passphrase",
        ) from exc
    if key is None or certificate is None:
        raise KeyUnavailable(
            "the PKCS#12 file holds no private key with its certificate",
            message_vi="Tệp PKCS#12 không chứa khóa bí mật cùng chứng thư số",
            field="p12",
        )

    # Those the file holds besides its own (ours: the issuing CA), embedded in every signature.
    registry = SimpleCertificateStore.from_certs([_asn1(c) for c in others])  # type: ignore[no-untyped-call]
    return _LoadedKeySigner(
        key,
        signing_cert=_asn1(certificate),
        signing_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=registry,
    )


def check_certificate(
    certificate: x509.Certificate,
    context: ValidationContext,
    *,
    intermediates: list[x509.Certificate] | None = None,
) -> None:
    """Refuse a certificate that is expired, not yet valid, revoked, untrusted or unfit."""
    validator = CertificateValidator(
        certificate, intermediate_certs=intermediates or [], validation_context=context
    )
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))  # type: ignore[no-untyped-call]
    except (PathValidationError, PathBuildingError, InvalidCertificateError) as exc:
        name = certificate.subject.native.get("common_name", "?")
        raise CertificateRejected(
            f"the certificate of {name} cannot sign now: {exc}",
            message_vi=f"Chứng thư số của {name} không dùng để ký được: {exc}",
            field="certificate",
        ) from exc


def find_placement(pdf: bytes | PdfReader, *, title: str, name: str) -> Placement:
    """The box between the chức vụ line and the name on the last page that has both; `pdf` may
    be a reader already parsed (signing.nd30.check_draft_form reads the same one)."""
    reader = pdf if isinstance(pdf, PdfReader) else PdfReader(io.BytesIO(pdf))
    for index in range(len(reader.pages) - 1, -1, -1):
        frags = stamp.text_fragments(reader.pages[index])
        titles = [f for t, f in frags if t == title]
        names = [f for t, f in frags if t == name]
        if titles and names:
            top, bottom = titles[-1], names[-1]
            font = stamp.font_name()
            width = pdfmetrics.stringWidth(title, font, top.size)
            centre = top.x + width / 2
            x1, x2 = round(centre - 28 * MM), round(centre + 28 * MM)
            y1, y2 = round(bottom.y + bottom.size + 2), round(top.y - 4)
            return Placement(index, (x1, y1, x2, y2))
    raise SigningError(
        f"no signature block with '{title}' above '{name}' in the document",
        field="document",
        message_vi=f"Văn bản không có khối chữ ký '{title}' bên trên tên '{name}'",
    )


def sign_draft(
    pdf: bytes,
    signer: signers.Signer,
    *,
    signature: Image.Image,
    placement: Placement,
    tsa_url: str,
    context: ValidationContext,
) -> bytes:
    """The certified draft: the signer's PAdES B-T signature with their image (as
    `signing.images.signature_image` checked it), and the empty field for the organisation's
    seal."""
    writer, pdf_signer = draft_signer(
        pdf, signer, signature=signature, placement=placement, context=context
    )
    return run_signer(pdf_signer, writer, tsa_url)


def draft_signer(
    pdf: bytes,
    signer: signers.Signer,
    *,
    signature: Image.Image,
    placement: Placement,
    context: ValidationContext,
) -> tuple[IncrementalPdfFileWriter, signers.PdfSigner]:
    """The revision the signer certifies, ready to sign: the checks on the draft and the
    certificate, the test marker, the seal field and the signer's image. Shared by signing here
    with a key at hand (`sign_draft`) and by signing elsewhere (signing/external.py), so both
    make the same signature."""
    assert signer.signing_cert is not None
    nd30.check_draft_form(pdf)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    # In the certified revision itself: every issued copy shows it, and nothing added later has
    # to touch the page (FILL_FORMS would not allow it).
    marker.mark_test_document(writer, signer.signing_cert)
    # Once signed, the seal locks the document (/Lock with /P 1): after the organisation's
    # signature only validation data and document timestamps may follow. (A FieldMDP lock of
    # every field as well trips pyHanko 0.38's diff analysis on the DSS update after the seal,
    # which it reads as an update of the locked số field: `decide` enforces the rule instead.)
    fields.append_signature_field(
        writer,
        SigFieldSpec(
            SEAL_FIELD,
            on_page=placement.page,
            box=placement.seal_box(),
            doc_mdp_update_value=MDPPerm.NO_CHANGES,
        ),
    )
    image = PdfImage(signature, writer=writer)
    pdf_signer = pades_signer(
        signer,
        field=SIGNER_FIELD,
        context=context,
        stamp_style=StaticStampStyle(background=image, border_width=0, background_opacity=1.0),
        new_field_spec=SigFieldSpec(SIGNER_FIELD, on_page=placement.page, box=placement.box),
        certify=True,
        docmdp_permissions=MDPPerm.FILL_FORMS,
        use_pades_lta=False,
        embed_validation_info=False,
    )
    return writer, pdf_signer


def pades_signer(
    signer: signers.Signer,
    *,
    field: str,
    context: ValidationContext,
    stamp_style: Any,
    new_field_spec: SigFieldSpec | None = None,
    **options: Any,
) -> signers.PdfSigner:
    """pyHanko's signer for a PAdES signature (ETSI.CAdES.detached, SHA-256) in `field`, once
    the certificate has passed `check_certificate` now; `options` go to the signature's
    metadata (certification, DocMDP level)."""
    assert signer.signing_cert is not None
    check_certificate(signer.signing_cert, context, intermediates=list(signer.cert_registry))
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        validation_context=context,
        **options,
    )
    return signers.PdfSigner(
        meta, signer=signer, stamp_style=stamp_style, new_field_spec=new_field_spec
    )


def reserved_size(signer: signers.Signer, *, timestamped: bool) -> int:
    """Hex digits to reserve in /Contents for the CMS container of one signature.

    Without a reservation pyHanko sizes the container with a dry run: a second private-key
    operation and, unless pre-signing validation fetched one, a dummy timestamp. The DER holds the
    certificates pyHanko embeds (the signer's and its registry's), the signature value (RSA:
    the modulus length; ECDSA: at most twice the key length plus 9), the SignerInfo with its
    signed attributes (under 1.5 KB even with long CA names; 4 KB allowed) and the TSA's token,
    a SignedData of its own with the TSA certificate and often its chain (1.8 KB from the
    development TSA; 8 KB allowed: three 2 KB certificates and the rest). /Contents is hex, so
    twice that. A short guess fails loudly (pyHanko: "Final ByteRange payload larger than
    expected"); a long one costs only zeros in the file.
    """
    assert signer.signing_cert is not None
    certificates = [signer.signing_cert, *signer.cert_registry]
    key_bytes: int = signer.signing_cert.public_key.bit_size // 8
    der = sum(len(c.dump()) for c in certificates) + 2 * key_bytes + 16 + 4096
    if timestamped:
        der += 8192
    return 2 * der


def run_signer(
    pdf_signer: signers.PdfSigner,
    writer: IncrementalPdfFileWriter,
    tsa_url: str | None,
    *,
    existing_fields_only: bool = False,
) -> bytes:
    """Sign with an RFC 3161 timestamp from `tsa_url`; pyHanko's errors become ours.

    The container's size is reserved up front (see `reserved_size`), so the key signs once.
    `tsa_url=None` signs without a timestamp (PAdES B-B): for measurements only, ND 30's
    signatures are B-T.
    """
    out = io.BytesIO()
    reserved = reserved_size(pdf_signer.signer, timestamped=tsa_url is not None)

    async def run() -> None:
        # One HTTP session per signing run, closed when done (pyHanko would leave its own open).
        async with aiohttp.ClientSession() as session:
            if tsa_url is not None:
                stamper = timestamps.HTTPTimeStamper(tsa_url, session=session)
                pdf_signer.default_timestamper = stamper
            await pdf_signer.async_sign_pdf(
                writer,
                existing_fields_only=existing_fields_only,
                bytes_reserved=reserved,
                output=out,
            )

    try:
        asyncio.run(run())
    except Exception as exc:  # pyHanko raises many kinds; the one translator is the caller's
        if from_the_tsa(exc):
            raise TimestampUnavailable(
                f"the timestamp authority at {tsa_url} failed: {exc}",
                field="tsa",
                message_vi=f"Máy chủ cấp dấu thời gian {tsa_url} không phục vụ được: {exc}",
            ) from exc
        raise SigningError(
            f"signing failed: {exc}", field="document", message_vi=f"Ký số không thành công: {exc}"
        ) from exc
    return out.getvalue()


def from_the_tsa(exc: BaseException) -> bool:
    """Whether `exc` is, or was raised while handling, pyHanko's error for a timestamp request
    (the TSA unreachable, an HTTP error, a refusal), by type rather than by its words."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimestampRequestError | aiohttp.ClientError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def validation_context(trust_roots: list[x509.Certificate]) -> ValidationContext:
    """Trust `trust_roots`, fetch OCSP and CRLs over HTTP, and refuse when revocation is unknown."""
    return ValidationContext(
        trust_roots=trust_roots,
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=RequestsFetcherBackend(),
    )
