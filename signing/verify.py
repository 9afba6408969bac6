"""The verification core: what a recipient, an archivist or a court needs to know about a signed
PDF, as data (used by `hoso verify` and the verification endpoint).

Per signature: who signed, for which organisation, when (claimed and timestamped), whether the
signed bytes are intact, the certificate chain trusted and not revoked, what the signature covers
and what changed after it. Overall: an ETSI EN 319 102-1 style indication (TOTAL_PASSED,
INDETERMINATE, TOTAL_FAILED) with a sub-indication.

This module is the pyHanko adapter. pyHanko's AdES validation with time (EN 319 102-1 § 5.5,
the DSS as local knowledge) decides the cryptography, trust, revocation and time of each
signature, now or, for what cannot be decided now, as of what proves when it existed: the
document timestamp that covers it (the evidence record of § 5.6.3: each timestamp judged as of
the next, the last one now) or its own signature timestamp (past signature validation,
§ 5.6.2.4: what keeps a B-LT file valid offline). It does not judge what was changed after a
signature: `signing.verdict.decide` (pure) adds the PDF and ND 30 rules on top.

Left out: the registry match (whether the file is a registered issued document) belongs to the
registry; this module knows only the file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from asn1crypto import crl, ocsp, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import generic_cms
from pyhanko.sign.validation.ades import ades_timestamp_validation, ades_with_time_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import (
    EmbeddedPdfSignature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

from signing import facts, hexstrings, legacy, reasons, structure
from signing.roots import load_root_files, load_roots
from signing.verdict import (
    VIETNAM,
    Indication,
    Report,
    SignatureCheck,
    baseline_level,
    decide,
    failed,
)

__all__ = ["Indication", "Report", "SignatureCheck", "load_root_files", "load_roots", "verify_pdf"]

hexstrings.install()  # a signature's /Contents read in one slice, not byte by byte


# ---- the pyHanko adapter ----------------------------------------------------------------------


def _spec(
    trust_roots: Sequence[x509.Certificate], *, online: bool, past: bool = False
) -> PdfSignatureValidationSpec:
    """pyHanko's validation policy. `past`: the past signature validation of EN 319 102-1
    § 5.6.2.4, as of a time proven by a timestamp, where revocation data issued after that time
    and saying "good" proves the certificate was good then (what B-LT files carry)."""
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=list(trust_roots)),
        revinfo_policy=CertRevTrustPolicy(
            RevocationCheckingPolicy.from_legacy("hard-fail"), retroactive_revinfo=past
        ),
    )
    rule = (
        RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
        if online
        else RevinfoOnlineFetchingRule.LOCAL_ONLY
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=rule),
        )
    )


_REVOKED = {"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"}
_UNKNOWN = {"TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NO_POE"}


def _dss_knowledge(dss: DocumentSecurityStore | None) -> LocalKnowledge:
    """What the document security store holds, as pyHanko's local knowledge (what its own
    LTA validation does privately, repeated here for the validation with time)."""
    if dss is None:
        return LocalKnowledge()
    return LocalKnowledge(
        known_ocsps=[
            container
            for ref in dss.ocsps
            for container in OCSPContainer.load_multi(ocsp.OCSPResponse.load(ref.get_object().data))
        ],
        known_crls=[
            CRLContainer(crl.CertificateList.load(ref.get_object().data)) for ref in dss.crls
        ],
        known_certs=list(dss.load_certs()),
    )


async def _check_signature(
    embedded: EmbeddedPdfSignature,
    spec: PdfSignatureValidationSpec,
    timing: ValidationTimingInfo,
    *,
    knowledge: LocalKnowledge,
) -> SignatureCheck:
    embedded.compute_integrity_info()  # type: ignore[no-untyped-call]
    signature_spec = replace(spec.signature_validation_spec, local_knowledge=knowledge)
    result: Any = await ades_with_time_validation(
        embedded.signed_data,
        signature_spec,
        timing_info=timing,
        raw_digest=embedded.compute_digest(),
        extra_status_kwargs=embedded.summarise_integrity_info(),
        status_cls=PdfSignatureStatus,
    )
    status: Any = result.api_status
    sub = result.ades_subindic
    signer, organisation = facts.names(embedded.signer_cert)
    indication = {
        "PASSED": Indication.TOTAL_PASSED,
        "INDETERMINATE": Indication.INDETERMINATE,
        "FAILED": Indication.TOTAL_FAILED,
    }[sub.status.name]
    sub_name: str | None = None if indication is Indication.TOTAL_PASSED else sub.standard_name
    trusted = bool(getattr(status, "trusted", False))
    revocation = (
        "revoked"
        if sub.standard_name in _REVOKED
        else "unknown"
        if sub.standard_name in _UNKNOWN
        else "good"
        if trusted
        else "not checked"
    )
    # pyHanko's AdES result carries the signature timestamp only when the signature itself got
    # far enough (`timestamp_validity`); one that stopped earlier (SHA-1, a missing chain)
    # still has a timestamp worth reporting, validated on its own.
    ts = getattr(status, "timestamp_validity", None)
    if ts is None and indication is not Indication.TOTAL_PASSED and structure.timestamped(embedded):
        ts = await _validated_timestamp(embedded, signature_spec, timing)
    message, message_vi = reasons.PASSED
    if indication is not Indication.TOTAL_PASSED:
        moment = timing.validation_time
        chain = (
            await facts.chain(
                embedded.signer_cert,
                [*embedded.other_embedded_certs, *knowledge.known_certs],
                spec.signature_validation_spec.cert_validation_policy.trust_manager,
                moment,
            )
            if embedded.signer_cert is not None
            else facts.Chain(False, (), None)
        )
        if chain.reaches_root and not trusted:
            trusted = True  # sound up to a configured root: what failed is said below
            if sub_name in ("CERTIFICATE_CHAIN_GENERAL_FAILURE", "TRY_LATER"):
                revocation = "unknown"
        if sub_name == "CERTIFICATE_CHAIN_GENERAL_FAILURE" and chain.expired and ts is None:
            # pyHanko's name for an expired certificate with nothing to prove the signature
            # older: EN 319 102-1 calls it OUT_OF_BOUNDS_NO_POE.
            sub_name = "OUT_OF_BOUNDS_NO_POE"
        message, message_vi = reasons.explain(
            sub_name,
            reasons.Facts(
                weak_algorithms=facts.weak_algorithms(embedded),
                expired=chain.expired,
                missing_issuer=chain.missing_issuer,
                reaches_root=chain.reaches_root,
                forged=chain.forged,
                revocation_unknown=revocation == "unknown",
                moment=moment if timing.point_in_time_validation else None,
            ),
        )
        if sub_name not in reasons.REASONS and result.failure_msg:
            message = f"{message}: {result.failure_msg}"  # pyHanko's words for the rare ones
    return SignatureCheck(
        # pyHanko's name is a TextStringObject tied to the parsed file: `asdict` in `as_data`
        # would deep-copy the whole PDF with it.
        field=str(embedded.field_name),
        kind="signature",
        signer=signer,
        organisation=organisation,
        signing_time=embedded.self_reported_timestamp,
        timestamp_time=ts.timestamp if ts is not None else None,
        intact=bool(getattr(status, "intact", False)),
        valid=bool(getattr(status, "valid", False)),
        trusted=trusted,
        revocation=revocation,
        coverage=getattr(status.coverage, "name", "UNCLEAR"),
        modification=getattr(status.modification_level, "name", "OTHER"),
        certifying=embedded.docmdp_level is not None,
        docmdp_ok=status.docmdp_ok if status is not None else None,
        indication=indication,
        sub_indication=sub_name,
        message=message,
        message_vi=message_vi,
        timestamp_authority=facts.authority(ts.signing_cert) if ts is not None else None,
    )


async def _validated_timestamp(
    embedded: EmbeddedPdfSignature, spec: SignatureValidationSpec, timing: ValidationTimingInfo
) -> Any:
    """The signature timestamp's status when its token is intact and its signature verifies
    (whether its authority is trusted is the signature's verdict's business), else None."""
    try:
        for token in generic_cms.extract_tst_data_iter(embedded.signer_info, signed=False):
            found: Any = await ades_timestamp_validation(
                tst_signed_data=token,
                validation_spec=spec,
                timing_info=timing,
                expected_tst_imprint=generic_cms.message_imprint_checker(embedded.signer_info),
            )
            status = found.api_status
            if status is not None and status.intact and status.valid:
                return status
    except Exception:  # a malformed token: there is no timestamp to report
        return None
    return None


async def _check_timestamp(
    embedded: EmbeddedPdfSignature, context: ValidationContext
) -> SignatureCheck:
    status = await async_validate_pdf_timestamp(embedded, context)
    signer, organisation = facts.names(embedded.signer_cert)
    ok = status.intact and status.valid and status.trusted
    return SignatureCheck(
        field=str(embedded.field_name),
        kind="document timestamp",
        signer=signer,
        organisation=organisation,
        signing_time=None,
        timestamp_time=status.timestamp,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        revocation="good" if ok else "unknown",
        coverage=getattr(status.coverage, "name", "UNCLEAR"),
        modification=getattr(status.modification_level, "name", "OTHER"),
        certifying=False,
        docmdp_ok=None,
        indication=Indication.TOTAL_PASSED
        if ok
        else Indication.TOTAL_FAILED
        if not (status.intact and status.valid)
        else Indication.INDETERMINATE,
        sub_indication=None
        if ok
        else "HASH_FAILURE"
        if not status.intact
        else "SIG_CRYPTO_FAILURE"
        if not status.valid
        else "NO_CERTIFICATE_CHAIN_FOUND",
        message="valid" if ok else "the document timestamp does not validate",
        message_vi=reasons.PASSED[1]
        if ok
        else "dấu thời gian tài liệu không còn khớp với nội dung tệp"
        if not status.intact
        else "chữ ký của dấu thời gian tài liệu không đúng"
        if not status.valid
        else "dấu thời gian tài liệu không do đơn vị cấp dấu thời gian được tin cậy cấp",
        timestamp_authority=facts.authority(embedded.signer_cert),
    )


def _broken(field: str, exc: Exception) -> SignatureCheck:
    return SignatureCheck(
        field=field,
        kind="signature",
        signer=None,
        organisation=None,
        signing_time=None,
        timestamp_time=None,
        intact=False,
        valid=False,
        trusted=False,
        revocation="not checked",
        coverage=SignatureCoverageLevel.UNCLEAR.name,
        modification=ModificationLevel.OTHER.name,
        certifying=False,
        docmdp_ok=None,
        indication=Indication.TOTAL_FAILED,
        sub_indication="FORMAT_FAILURE",
        message=f"the signature cannot be processed: {exc}",
        message_vi="chữ ký bị hỏng hoặc đã bị sửa đổi, không xử lý được",
    )


def _evidence(
    embedded: EmbeddedPdfSignature, everything: Sequence[EmbeddedPdfSignature]
) -> list[dt.datetime]:
    """The times of the document timestamps added after `embedded`, oldest first."""
    times = []
    for other in everything:
        if other.sig_object_type == "/DocTimeStamp" and (
            other.signed_revision > embedded.signed_revision
        ):
            tst_info = other.signed_data["encap_content_info"]["content"].parsed
            times.append(tst_info["gen_time"].native)
    return sorted(times)


async def _verify(
    pdf: bytes,
    trust_roots: Sequence[x509.Certificate],
    *,
    online: bool,
    moment: dt.datetime,
    historical: bool,
) -> Report:
    sha256 = hashlib.sha256(pdf).hexdigest()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded_all = list(reader.embedded_signatures)
    except Exception as exc:  # any parse failure of an untrusted file is a result
        return Report(
            sha256,
            (),
            Indication.TOTAL_FAILED,
            "FORMAT_FAILURE",
            f"not a readable PDF: {exc}",
        )
    dss: DocumentSecurityStore | None
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        knowledge = _dss_knowledge(dss)
    except NoDSSFoundError:
        dss, knowledge = None, LocalKnowledge()
    except Exception as exc:  # a hostile DSS (not DER, a decompression bomb) is a result too
        return Report(
            sha256,
            (),
            Indication.TOTAL_FAILED,
            "FORMAT_FAILURE",
            f"unreadable validation data (DSS): {exc}",
        )

    async def check(
        embedded: EmbeddedPdfSignature,
        *,
        at: dt.datetime,
        fetch: bool,
        historical: bool,
        past: bool = False,
    ) -> SignatureCheck:
        if embedded.sig_object_type == "/DocTimeStamp":
            # The timestamp's own chain is checked with what the DSS holds.
            settings: dict[str, Any] = {
                "trust_roots": list(trust_roots),
                "moment": at,
                "allow_fetching": fetch,
                "revocation_mode": "hard-fail",
            }
            context = (
                dss.as_validation_context(settings)
                if dss is not None
                else ValidationContext(**settings)
            )
            return await _check_timestamp(embedded, context)
        return await _check_signature(
            embedded,
            _spec(trust_roots, online=fetch, past=past),
            ValidationTimingInfo(at, at, point_in_time_validation=historical),
            knowledge=knowledge,
        )

    checks: list[SignatureCheck] = []
    for embedded in embedded_all:
        try:
            found = await _checked(embedded, embedded_all, check, moment, online, historical)
        except Exception as exc:  # a malformed signature is a failed signature
            found = _broken(str(embedded.field_name or "?"), exc)
        checks.append(found)
    shape = structure.read(pdf, reader, embedded_all)
    level = baseline_level(
        [
            (c.kind, c.kind != "signature" or structure.timestamped(e))
            for c, e in zip(checks, embedded_all, strict=True)
        ],
        revocation_data=dss is not None and bool(dss.ocsps or dss.crls),
    )
    checks = legacy.in_file_order(
        checks, embedded_all, await legacy.checks(reader, pdf, trust_roots, moment)
    )
    return replace(decide(sha256, checks, shape), level=level)


async def _checked(
    embedded: EmbeddedPdfSignature,
    everything: Sequence[EmbeddedPdfSignature],
    check: Callable[..., Awaitable[SignatureCheck]],
    moment: dt.datetime,
    online: bool,
    historical: bool,
) -> SignatureCheck:
    """One signature or document timestamp: now; else as of what proves when it existed."""
    # From what the file carries first: pyHanko drops the local revocation data when a fetch
    # fails, so a record whose services are gone must be checked offline.
    found = await check(embedded, at=moment, fetch=False, historical=historical)
    if online and found.indication is Indication.INDETERMINATE:
        found = await check(embedded, at=moment, fetch=True, historical=historical)
    if embedded.sig_object_type == "/DocTimeStamp":
        return found
    stamped = structure.timestamp_time(embedded)
    if found.indication is not Indication.TOTAL_FAILED and stamped is not None:
        # ND 30 and EN 319 102-1: the signing time the timestamp proves must fall inside the
        # signer certificate's validity (pyHanko 0.38 checks only its start).
        failed = _outside_validity(found, embedded, stamped)
        if failed is not None:
            return failed
    # The evidence record (EN 319 102-1 § 5.6.3): a document timestamp over this signature
    # proves it existed then, so what cannot be decided now (an expired certificate, stale
    # revocation data) is decided as of that time, from the data the file carried. The
    # timestamp itself is judged in turn, up to the last one, which must hold now. (pyHanko's
    # own LTA validation does not go back in time when revocation data is merely stale: it
    # calls that a chain failure.)
    for proof in _evidence(embedded, everything):
        if found.indication is not Indication.INDETERMINATE:
            return found
        found = await check(embedded, at=proof, fetch=False, historical=True)
    if found.indication is Indication.INDETERMINATE and stamped is not None:
        # B-LT: the signature timestamp is the proof of existence, and the revocation data the
        # file carries, issued after it, proves the certificates good at that time (past
        # signature validation, § 5.6.2.4), as long as the timestamp's own certificate holds.
        past: SignatureCheck = await check(
            embedded, at=stamped, fetch=False, historical=True, past=True
        )
        if past.indication is Indication.TOTAL_PASSED and structure.timestamp_holds(
            embedded, moment
        ):
            return past
    return found


def _outside_validity(
    found: SignatureCheck, embedded: EmbeddedPdfSignature, stamped: dt.datetime
) -> SignatureCheck | None:
    cert = embedded.signer_cert
    if cert is None:
        return None
    if stamped > cert.not_valid_after:
        return failed(
            found,
            "EXPIRED",
            f"signed at {stamped:%Y-%m-%d %H:%M} UTC (timestamp) with a certificate that "
            f"expired on {cert.not_valid_after:%d/%m/%Y}",
            f"được ký lúc {stamped.astimezone(VIETNAM):%H:%M ngày %d/%m/%Y} (theo dấu thời gian) "
            f"bằng chứng thư số đã hết hạn ngày "
            f"{cert.not_valid_after.astimezone(VIETNAM):%d/%m/%Y}",
        )
    if stamped < cert.not_valid_before:
        return failed(
            found,
            "NOT_YET_VALID",
            f"signed at {stamped:%Y-%m-%d %H:%M} UTC (timestamp), before the certificate "
            f"became valid on {cert.not_valid_before:%d/%m/%Y}",
            f"được ký lúc {stamped.astimezone(VIETNAM):%H:%M ngày %d/%m/%Y} (theo dấu thời gian), "
            f"trước khi chứng thư số có hiệu lực ngày "
            f"{cert.not_valid_before.astimezone(VIETNAM):%d/%m/%Y}",
        )
    return None


def verify_pdf(
    pdf: bytes,
    trust_roots: Sequence[x509.Certificate],
    *,
    online: bool = True,
    moment: dt.datetime | None = None,
) -> Report:
    """Validate every signature of `pdf` against `trust_roots`; never raises for a bad file.

    `online` allows fetching OCSP responses and CRLs that the file does not carry; `moment`
    validates as of another time (an archive check in the future, or the past)."""
    when = moment or dt.datetime.now(dt.UTC)
    return asyncio.run(
        _verify(pdf, trust_roots, online=online, moment=when, historical=moment is not None)
    )
