"""What is true of a signature beyond the sub-indication pyHanko stops at, so that the verdict
says why in words a reader can act on: whether its certificates chain soundly to a configured
root (pyHanko reports "not trusted" for every failure, including an expired certificate or
revocation data that is simply missing), which of them expired and when, which algorithms are no
longer accepted, whose certificate is missing, and the signatures in a format pyHanko does not
validate (adbe.pkcs7.sha1, adbe.x509.rsa_sha1), which it skips as if they were not there.

Adapters over pyHanko's certificate validator and asn1crypto; nothing here decides a verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from asn1crypto import cms, x509
from pyhanko.pdf_utils.generic import parse_pdf_date
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import generic_cms
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.registry import CertificateRegistry, PathBuilder, TrustManager
from pyhanko_certvalidator.validate import async_validate_path

from signing.reasons import Expiry

WEAK = {"md5": "MD5", "sha1": "SHA-1"}
# Signature formats of ISO 32000 that pyHanko 0.38 skips while enumerating signatures.
LEGACY = {"/adbe.pkcs7.sha1", "/adbe.x509.rsa_sha1"}


@dataclass(frozen=True)
class Chain:
    """The signer certificate's chain as far as it goes."""

    reaches_root: bool  # every certificate soundly signed by the next, up to a configured root
    expired: tuple[Expiry, ...]  # those of the chain that expired before the validation time
    missing_issuer: str | None  # the first issuer whose certificate no one has
    forged: bool = False  # named by a root's name, yet a link's signature does not verify


def _common_name(name: x509.Name) -> str:
    """'CA2 (NACENCOMM SCT)': the common name and, beside it, the organisation."""
    native = name.native
    common, organisation = native.get("common_name"), native.get("organization_name")
    if common and organisation and organisation != common:
        return f"{common} ({organisation})"
    return str(common or organisation or name.human_friendly)


def _expired(
    cert: x509.Certificate, members: Iterable[x509.Certificate], moment: dt.datetime
) -> tuple[Expiry, ...]:
    return tuple(
        Expiry(
            "signer" if member.dump() == cert.dump() else _common_name(member.subject),
            member.not_valid_after,
        )
        for member in sorted(members, key=lambda m: m.not_valid_after)
        if member.not_valid_after < moment
    )


def _missing_issuer(
    cert: x509.Certificate, certs: Sequence[x509.Certificate], trust: TrustManager
) -> str | None:
    """Walk up by issuer name; the first issuer that is neither given nor a root."""
    by_subject = {c.subject.dump(): c for c in certs}
    seen = set()
    while cert.issuer != cert.subject and cert.issuer.dump() not in seen:
        seen.add(cert.issuer.dump())
        if any(True for _ in trust.find_potential_issuers(cert)):
            return None
        issuer = by_subject.get(cert.issuer.dump())
        if issuer is None:
            return _common_name(cert.issuer)
        cert = issuer
    return None


async def chain(
    cert: x509.Certificate,
    certs: Iterable[x509.Certificate],
    trust: TrustManager,
    moment: dt.datetime,
) -> Chain:
    """The chain of `cert` built from `certs` (the signature's and the DSS's) to a root of
    `trust`, checked as of a time inside every certificate's validity, revocation aside (the
    sub-indication already says what revocation data lacked)."""
    given = list(certs)
    paths: list[ValidationPath] = []
    try:
        paths = await PathBuilder(trust, CertificateRegistry.build(given)).async_build_paths(cert)
    except Exception:  # no path at all: say whose certificate is missing below
        paths = []
    if not paths:
        return Chain(False, _expired(cert, [cert], moment), _missing_issuer(cert, given, trust))
    path = paths[0]
    members = list(path.iter_certs(include_root=False))
    expired = _expired(cert, members, moment)
    inside = min([moment, *(m.not_valid_after for m in members)]) - dt.timedelta(seconds=1)
    context = ValidationContext(
        trust_manager=trust,
        other_certs=given,
        moment=inside,
        revocation_mode="soft-fail",
        allow_fetching=False,
    )
    try:
        await async_validate_path(context, path)
    except Exception:  # a forged or altered link: the chain does not reach the root
        return Chain(False, expired, None, forged=True)
    return Chain(True, expired, None)


def authority(cert: x509.Certificate | None) -> str | None:
    """Who a certificate names, for a reader: its common name and organisation."""
    return None if cert is None else _common_name(cert.subject)


def weak_algorithms(embedded: EmbeddedPdfSignature) -> tuple[str, ...]:
    """The digest algorithms of the signature and of its certificates no longer accepted."""
    names = [embedded.md_algorithm]
    algorithms = [embedded.signer_info["signature_algorithm"]]
    for choice in embedded.signed_data["certificates"] or ():
        if choice.name == "certificate":
            algorithms.append(choice.chosen["signature_algorithm"])
    for algorithm in algorithms:
        try:
            names.append(algorithm.hash_algo)
        except ValueError:  # a bare "rsassa_pkcs1v15" names no digest: the digest named it
            continue
    return tuple(dict.fromkeys(WEAK[n] for n in names if n in WEAK))


@dataclass(frozen=True)
class Legacy:
    """A filled signature field pyHanko does not enumerate."""

    field: str
    sub_filter: str
    signer: x509.Certificate | None
    certs: tuple[x509.Certificate, ...]
    signing_time: dt.datetime | None
    end: int  # where its byte range ends: its place in the file's order
    whole_file: bool
    intact: bool
    valid: bool
    problem: str | None  # why it could not be read at all


def legacy_signatures(reader: PdfFileReader, pdf: bytes) -> list[Legacy]:
    """Every filled /Sig field whose /SubFilter pyHanko skips (it enumerates only
    adbe.pkcs7.detached, ETSI.CAdES.detached and ETSI.RFC3161), with what can be checked of
    it without pyHanko: whether the digest it signs is the file's and its value verifies."""
    found = []
    for name, sig_ref, _field in enumerate_sig_fields(reader, filled_status=True):
        sig = sig_ref.get_object()
        sub_filter = str(sig.get("/SubFilter", "/(none)"))
        if sub_filter in ("/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/ETSI.RFC3161"):
            continue
        found.append(_legacy(str(name), sub_filter, sig, pdf))
    return found


def _legacy(name: str, sub_filter: str, sig: object, pdf: bytes) -> Legacy:
    signer: x509.Certificate | None = None
    certs: tuple[x509.Certificate, ...] = ()
    when: dt.datetime | None = None
    intact, valid, problem = False, False, None
    end, whole = 0, False
    try:
        byte_range = [int(x) for x in sig["/ByteRange"]]  # type: ignore[index]
        start1, len1, start2, len2 = byte_range
        end, whole = start2 + len2, start2 + len2 == len(pdf)
        signed = pdf[start1 : start1 + len1] + pdf[start2 : start2 + len2]
        content = cms.ContentInfo.load(bytes(sig["/Contents"]))  # type: ignore[index]
        data: cms.SignedData = content["content"]
        certs = tuple(c.chosen for c in data["certificates"] if c.name == "certificate")
        info = data["signer_infos"][0]
        sid = info["sid"].chosen
        signer = next(
            (
                c
                for c in certs
                if (sid.native == c.key_identifier)
                or (
                    isinstance(sid, cms.IssuerAndSerialNumber)
                    and c.issuer == sid["issuer"]
                    and c.serial_number == sid["serial_number"].native
                )
            ),
            None,
        )
        when = generic_cms.extract_self_reported_ts(info)
        if when is None and "/M" in sig:  # type: ignore[operator]
            when = parse_pdf_date(str(sig["/M"]), strict=False)  # type: ignore[index]
        digest_name = info["digest_algorithm"]["algorithm"].native
        if sub_filter == "/adbe.pkcs7.sha1" and signer is not None:
            # The signed content is the SHA-1 digest of the byte ranges (ISO 32000-1 § 12.8.3.3).
            encapsulated = data["encap_content_info"]["content"].native or b""
            intact = encapsulated == hashlib.sha1(signed).digest()
            _, valid = generic_cms.validate_sig_integrity(
                info, signer, "data", hashlib.new(digest_name, encapsulated).digest()
            )
        else:
            problem = f"the {sub_filter[1:]} format is not supported"
    except Exception as exc:  # a hostile or broken field is a result
        problem = f"the signature cannot be read: {exc}"
    return Legacy(name, sub_filter[1:], signer, certs, when, end, whole, intact, valid, problem)


def names(cert: x509.Certificate | None) -> tuple[str | None, str | None]:
    """The common name and organisation of a certificate's subject."""
    if cert is None:
        return None, None
    subject = cert.subject.native
    return subject.get("common_name"), subject.get("organization_name")
