"""The signer's step of ND 30 with the key held elsewhere (pyHanko adapter): prepare → sign the
digest on the signer's side → finish.

The key of a chair lives on their USB token or in a remote signing service (VNPT SmartCA,
Viettel MySign, …), under their sole control: the server never holds it. `prepare` makes the
very revision `signing.sign.sign_draft` makes (the same checks on the draft and on the
certificate, the signer's image, the seal field beside it, certification with form filling
allowed), with pyHanko's interrupted signing: the /ByteRange digest is computed, the CMS signed
attributes are built around it, and what the key must sign is their SHA-256
(`PreparedSignature.to_be_signed`). `finish` takes the signature value and the certificate
that came back, refuses a certificate other than the prepared one and a value that is not a
signature of these attributes by that certificate's key, adds the RFC 3161 signature timestamp
(remote providers return a bare signature) and embeds the CMS container (PAdES B-T, as
`sign_draft`; the validation data of both signatures go in when the văn thư issues, as today).
`check_signed` reads the result back with `verify_pdf`.

Left out: where a prepared signature is kept, how long it lives and that it is used once (the
registry's business: api/workflow/remote_signing.py), and how the digest reaches the key (CSC API,
the
signing agent: signing/csc.py and api/).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from asn1crypto import cms, x509
from cryptography.exceptions import InvalidSignature
from PIL import Image
from pyhanko.sign import signers, timestamps
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

from docgen.errors import CertificateRejected, SigningError, TimestampUnavailable
from signing import nd30, sign
from signing.verify import verify_pdf

DIGEST = "sha256"


@dataclass(frozen=True)
class PreparedSignature:
    """A signature of the signer's step, prepared for a key held elsewhere: everything `finish`
    needs, as bytes and numbers (kept by the registry between the two steps)."""

    pdf: bytes
    """The draft with the signer's new revision, its /Contents still empty."""
    document_digest: bytes
    """SHA-256 of the revision over its /ByteRange."""
    region: tuple[int, int]
    """Where in `pdf` the CMS container goes (start and end of the reserved hex string)."""
    signed_attributes: bytes
    """DER of the CMS signed attributes (the document digest, signing-certificate-v2, …)."""
    certificate: bytes
    """DER of the signer's certificate the attributes name."""
    chain: tuple[bytes, ...] = ()
    """DER of the CA certificates sent with it, embedded in the container."""

    @property
    def to_be_signed(self) -> bytes:
        """The hash the key signs: SHA-256 of the signed attributes (CSC signHash's `hash`)."""
        return hashlib.sha256(self.signed_attributes).digest()

    def signature_algorithm(self) -> str:
        """The OID of the signature algorithm the key must use (CSC `signAlgo`)."""
        oid: str = _placeholder(self).get_signature_mechanism_for_digest(DIGEST)["algorithm"].dotted
        return oid


def _certificate(der: bytes) -> x509.Certificate:
    return x509.Certificate.load(der)


def _placeholder(prepared: PreparedSignature, value: bytes | None = None) -> signers.Signer:
    certificate = _certificate(prepared.certificate)
    registry = SimpleCertificateStore.from_certs([_certificate(c) for c in prepared.chain])  # type: ignore[no-untyped-call]
    size = certificate.public_key.bit_size // 8
    # An ECDSA value is at most twice the key length plus its DER framing.
    blank = 2 * size + 9 if certificate.public_key.algorithm == "ec" else size
    return signers.ExternalSigner(
        signing_cert=certificate, cert_registry=registry, signature_value=value or blank
    )


def prepare(
    pdf: bytes,
    certificate: x509.Certificate,
    *,
    chain: Sequence[x509.Certificate] = (),
    signature: Image.Image,
    placement: sign.Placement,
    context: ValidationContext,
) -> PreparedSignature:
    """The signer's revision of `pdf` for `certificate`, with the hash its key must sign; the
    same checks as `sign_draft` (the draft's form, the certificate now: valid, trusted, not
    revoked)."""
    empty = PreparedSignature(
        pdf=b"",
        document_digest=b"",
        region=(0, 0),
        signed_attributes=b"",
        certificate=certificate.dump(),
        chain=tuple(c.dump() for c in chain),
    )
    placeholder = _placeholder(empty)
    writer, pdf_signer = sign.draft_signer(
        pdf, placeholder, signature=signature, placement=placement, context=context
    )
    reserved = sign.reserved_size(placeholder, timestamped=True)

    async def run() -> tuple[PreparedByteRangeDigest, cms.CMSAttributes, bytes]:
        digest, _, output = await pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=reserved
        )
        attributes = await placeholder.signed_attrs(
            digest.document_digest,
            DIGEST,
            attr_settings=PdfCMSSignedAttributes(
                signing_time=dt.datetime.now(dt.UTC),
                cades_signed_attrs=pdf_signer.signature_meta.cades_signed_attr_spec,
            ),
            use_pades=True,
        )
        output.seek(0)
        return digest, attributes, output.read()

    try:
        digest, attributes, prepared_pdf = asyncio.run(run())
    except SigningError:
        raise
    except Exception as exc:  # pyHanko raises many kinds; ours carry the field
        raise SigningError(
            f"cannot prepare the signature: {exc}",
            field="document",
            message_vi=f"Không chuẩn bị được chữ ký: {exc}",
        ) from exc
    return PreparedSignature(
        pdf=prepared_pdf,
        document_digest=digest.document_digest,
        region=(digest.reserved_region_start, digest.reserved_region_end),
        signed_attributes=attributes.dump(),
        certificate=empty.certificate,
        chain=empty.chain,
    )


def check_value(prepared: PreparedSignature, *, certificate: bytes, value: bytes) -> None:
    """Refuse a certificate other than the prepared one, and a value that is not its key's
    signature of the prepared attributes (a signature of another digest, of another draft)."""
    if certificate != prepared.certificate:
        name = _name(certificate)
        raise CertificateRejected(
            f"the signature came with the certificate of {name}, not the one it was prepared for",
            message_vi=f"Chữ ký gửi về kèm chứng thư số của {name}, không phải chứng thư số "
            "đã dùng khi chuẩn bị ký",
            field="certificate",
        )
    placeholder = _placeholder(prepared)
    signer_certificate = _certificate(prepared.certificate)
    try:
        DefaultSignatureValidator().validate_signature(
            value,
            prepared.signed_attributes,
            signer_certificate.public_key,
            placeholder.get_signature_mechanism_for_digest(DIGEST),
        )
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise SigningError(
            "the signature value is not a signature of the prepared document by this "
            "certificate's key",
            message_vi="Giá trị chữ ký không phải chữ ký của văn bản đã chuẩn bị bằng khóa "
            "của chứng thư số này",
            field="signature",
        ) from exc


def _name(der: bytes) -> str:
    try:
        name: str = _certificate(der).subject.native.get("common_name", "?")
    except ValueError:
        return "?"
    return name


def finish(prepared: PreparedSignature, *, certificate: bytes, value: bytes, tsa_url: str) -> bytes:
    """The signed draft: `value` checked (`check_value`), packed with the prepared attributes
    and an RFC 3161 signature timestamp from `tsa_url` into the reserved place."""
    check_value(prepared, certificate=certificate, value=value)
    signer = _placeholder(prepared, value)
    output = io.BytesIO(prepared.pdf)

    async def run() -> None:
        async with aiohttp.ClientSession() as session:
            container = await signer.async_sign_prescribed_attributes(
                DIGEST,
                signed_attrs=cms.CMSAttributes.load(prepared.signed_attributes),
                timestamper=timestamps.HTTPTimeStamper(tsa_url, session=session),
            )
        start, end = prepared.region
        digest = PreparedByteRangeDigest(prepared.document_digest, start, end)
        await PdfTBSDocument.async_finish_signing(output, digest, container)

    try:
        asyncio.run(run())
    except Exception as exc:
        if sign.from_the_tsa(exc):
            raise TimestampUnavailable(
                f"the timestamp authority at {tsa_url} failed: {exc}",
                field="tsa",
                message_vi=f"Máy chủ cấp dấu thời gian {tsa_url} không phục vụ được: {exc}",
            ) from exc
        raise SigningError(
            f"cannot finish the signature: {exc}",
            field="document",
            message_vi=f"Không hoàn tất được chữ ký: {exc}",
        ) from exc
    return output.getvalue()


def check_signed(pdf: bytes, trust_roots: Sequence[x509.Certificate]) -> None:
    """Refuse a signed draft whose signer's signature does not verify now (`verify_pdf`):
    intact, a valid signature by a trusted certificate that is not revoked, timestamped."""
    report = verify_pdf(pdf, trust_roots)
    check = next((c for c in report.signatures if c.field == nd30.SIGNER_FIELD), None)
    if (
        check is None
        or not (check.intact and check.valid and check.trusted)
        or check.revocation == "revoked"
        or check.timestamp_time is None
    ):
        why = check.message if check is not None else "no signer's signature"
        why_vi = check.message_vi if check is not None else "không có chữ ký của người ký"
        raise SigningError(
            f"the signed draft does not verify: {why}",
            message_vi=f"Văn bản sau khi ký không kiểm tra được: {why_vi}",
            field="signature",
        )
