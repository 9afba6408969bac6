"""The verification core: what a recipient, an archivist or a court needs to know about a signed
PDF, as data (used by `hoso verify` and the verification endpoint).

Per signature: who signed, for which organisation, when (claimed and timestamped), whether the
signed bytes are intact, the certificate chain trusted and not revoked, what the signature covers
and what changed after it. Overall: an ETSI EN 319 102-1 style indication (TOTAL_PASSED,
INDETERMINATE, TOTAL_FAILED) with a sub-indication.

Two sources meet here. pyHanko's AdES validation with time (EN 319 102-1 § 5.5, the DSS as
local knowledge) decides the cryptography, trust, revocation and time of each signature, now or,
for what cannot be decided now, as of the document timestamp that covers it (the evidence
record of § 5.6.3: each timestamp judged as of the next, the last one now). It does not judge
what was changed after a signature, so `decide` (pure) adds the PDF rules on top: every
signature must cover a
whole revision; after the certifying signature only what its DocMDP level allows; after the last
signature only validation data and document timestamps (B-LT/B-LTA), so that a số or an image
changed after the seal, or an overlay added after signing, never passes.

Left out: the registry match (whether the file is a registered issued document) belongs to the
registry; this module knows only the file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from asn1crypto import cms, core, crl, ocsp, pem, x509
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

from docgen.errors import ConfigError
from signing import facts, hexstrings, nd30, reasons
from signing.structure import Structure
from signing.structure import read as read_structure

VIETNAM = dt.timezone(dt.timedelta(hours=7))

hexstrings.install()  # a signature's /Contents read in one slice, not byte by byte


class Indication(enum.StrEnum):
    """ETSI EN 319 102-1 § 5.1.3 main indications."""

    TOTAL_PASSED = "TOTAL_PASSED"
    INDETERMINATE = "INDETERMINATE"
    TOTAL_FAILED = "TOTAL_FAILED"


# What may follow a signature, by its position (pyHanko's levels, in increasing order).
AFTER_LAST = ModificationLevel.LTA_UPDATES  # DSS and document timestamps only
AFTER_EARLIER = ModificationLevel.FORM_FILLING  # the số, ngày and the later signatures


@dataclass(frozen=True)
class SignatureCheck:
    """One signature or document timestamp of the file, as the validators saw it."""

    field: str
    kind: str  # "signature" or "document timestamp"
    signer: str | None
    organisation: str | None
    signing_time: dt.datetime | None  # as the signer claims it
    timestamp_time: dt.datetime | None  # the RFC 3161 time (signature or document timestamp)
    intact: bool
    valid: bool
    trusted: bool
    revocation: str  # "good", "revoked", "unknown" or "not checked"
    coverage: str  # "ENTIRE_FILE", "ENTIRE_REVISION", "CONTIGUOUS_BLOCK_FROM_START", "UNCLEAR"
    modification: str  # "NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER"
    certifying: bool
    docmdp_ok: bool | None
    indication: Indication
    sub_indication: str | None
    message: str
    message_vi: str = ""  # the same in Vietnamese; by sub-indication when left empty
    timestamp_authority: str | None = None  # who made the signature timestamp, if any

    def __post_init__(self) -> None:
        if not self.message_vi:
            vi = reasons.PASSED[1] if self.indication is Indication.TOTAL_PASSED else None
            object.__setattr__(self, "message_vi", vi or reasons.reason_vi(self.sub_indication))


@dataclass(frozen=True)
class Report:
    """The whole file: its hash, every signature, and the overall indication."""

    sha256: str
    signatures: tuple[SignatureCheck, ...]
    indication: Indication
    sub_indication: str | None
    message: str
    level: str | None = None  # the PAdES baseline level of the file's structure: `baseline_level`
    issued: bool | None = None
    """For an ND 30 document of ours (it has the seal field): whether the seal is signed."""
    message_vi: str = ""  # the same in Vietnamese: from the check that decided, when left empty

    def __post_init__(self) -> None:
        if not self.message_vi:
            object.__setattr__(self, "message_vi", _verdict_vi(self))

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    @property
    def signed_draft(self) -> bool:
        """A signed draft whose every signature holds: what ND 30's first step leaves, valid as
        such (an archive check of a document not issued yet), never as an issued decision."""
        return self.issued is False and all(
            c.indication is Indication.TOTAL_PASSED for c in self.signatures
        )

    def as_data(self) -> dict[str, Any]:
        """JSON-ready: times in ISO 8601 with the Vietnam offset, enums as their names."""

        def plain(value: Any) -> Any:
            if isinstance(value, dt.datetime):
                return value.astimezone(VIETNAM).isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return str(value) if isinstance(value, enum.Enum) else value

        data: dict[str, Any] = plain(asdict(self))
        data["passed"] = self.passed
        return data


def _verdict_vi(report: Report) -> str:
    """The Vietnamese of the file's message, from the check its verdict came from."""
    if report.indication is Indication.TOTAL_PASSED:
        return reasons.EVERY_SIGNATURE_VALID[1]
    worst = next(
        (
            c
            for c in report.signatures
            if c.indication is report.indication and c.sub_indication == report.sub_indication
        ),
        None,
    )
    if worst is None:
        return reasons.reason_vi(report.sub_indication)
    return f"{worst.field}: {worst.message_vi}"


# ---- the pure part: from per-signature results to the file's verdict -------------------------


def _failed(
    check: SignatureCheck, sub: str, message: str, message_vi: str | None = None
) -> SignatureCheck:
    return replace(
        check,
        indication=Indication.TOTAL_FAILED,
        sub_indication=sub,
        message=message,
        message_vi=message_vi or reasons.reason_vi(sub),
    )


def decide(
    sha256: str, checks: Sequence[SignatureCheck], structure: Structure | None = None
) -> Report:
    """The file's verdict from its signatures in file order (the PDF rules on top of AdES) and
    its `structure` (ND 30's rules for a document with the organisation's seal field)."""
    facts = structure or Structure()
    signed = [i for i, c in enumerate(checks) if c.kind == "signature"]
    if not signed:
        return Report(
            sha256,
            tuple(checks),
            Indication.INDETERMINATE,
            "NO_SIGNATURE_FOUND",
            "the file carries no signature",
        )
    if facts.trailing_bytes:
        return Report(
            sha256,
            tuple(checks),
            Indication.TOTAL_FAILED,
            "FORMAT_FAILURE",
            f"{facts.trailing_bytes} bytes of other data follow the end of the PDF",
            message_vi=f"sau phần kết thúc của tệp PDF có thêm {facts.trailing_bytes} byte "
            f"dữ liệu khác",
        )
    # After the organisation's seal an ND 30 document gains only validation data and document
    # timestamps: the rule belongs to the seal field itself, not to whichever signature is
    # last (else a signature added after the seal would re-open the form).
    seal = next(
        (i for i in signed if facts.seal_field and checks[i].field == nd30.SEAL_FIELD), None
    )
    issued = (seal is not None) if facts.seal_field else None
    last = seal if seal is not None else signed[-1]
    judged = tuple(
        _nd30(_judge(c, AFTER_LAST if i >= last else AFTER_EARLIER), i, seal=seal, facts=facts)
        for i, c in enumerate(checks)
    )
    failed = next((c for c in judged if c.indication is Indication.TOTAL_FAILED), None)
    if failed is None and facts.seal_field and seal is None:
        # A signed draft (genuine or cut back from an issued file): the chair's signature may
        # hold, but the văn thư has not given it its số, ngày and seal. Never the verdict of
        # an issued decision.
        return Report(
            sha256,
            judged,
            Indication.INDETERMINATE,
            "SIG_CONSTRAINTS_FAILURE",
            "signed but not issued: the document has no số and no organisation's seal yet",
            issued=issued,
            message_vi="đã ký, chưa ban hành — chưa có số và con dấu của cơ quan",
        )
    for level in (Indication.TOTAL_FAILED, Indication.INDETERMINATE):
        worst = next((c for c in judged if c.indication is level), None)
        if worst is not None:
            message = f"{worst.field}: {worst.message}"
            return Report(sha256, judged, level, worst.sub_indication, message, issued=issued)
    return Report(
        sha256, judged, Indication.TOTAL_PASSED, None, "every signature is valid", issued=issued
    )


def _nd30(
    check: SignatureCheck, index: int, *, seal: int | None, facts: Structure
) -> SignatureCheck:
    """`check` failed for what ND 30's two steps forbid around the seal, else `check` itself."""
    if check.kind != "signature" or check.indication is Indication.TOTAL_FAILED:
        return check
    if check.field in facts.hidden_padding:
        return _failed(
            check,
            "FORMAT_FAILURE",
            "hidden data in the unused space of the signature",
            "có dữ liệu ẩn trong phần trống của chữ ký",
        )
    if not facts.seal_field:
        return check
    if seal is not None and index > seal:
        return _failed(
            check,
            "FORMAT_FAILURE",
            f"a signature was added after the organisation's seal (by {check.signer}, "
            f"{check.organisation}); after the seal only validation data may follow",
            f"có chữ ký được thêm sau con dấu của cơ quan (của {check.signer}, "
            f"{check.organisation}); sau con dấu chỉ được bổ sung dữ liệu kiểm tra",
        )
    if check.field not in (nd30.SIGNER_FIELD, nd30.SEAL_FIELD):
        return replace(
            check,
            indication=Indication.INDETERMINATE,
            sub_indication="SIG_CONSTRAINTS_FAILURE",
            message=f"an extra signature (by {check.signer}, {check.organisation}) that "
            "ND 30's two steps do not have",
            message_vi=f"có thêm chữ ký (của {check.signer}, {check.organisation}) ngoài hai "
            "bước ký theo Nghị định 30",
        )
    if index != seal:
        return check
    if facts.filled_before_seal:
        return _failed(
            check,
            "FORMAT_FAILURE",
            "fields other than the số and ngày were filled before the seal: "
            + ", ".join(facts.filled_before_seal),
            "các trường khác ngoài số và ngày đã được điền trước khi đóng dấu: "
            + ", ".join(facts.filled_before_seal),
        )
    if facts.info_changed:
        return _failed(
            check,
            "FORMAT_FAILURE",
            "the metadata was changed after the seal: " + ", ".join(facts.info_changed),
            "thông tin mô tả (metadata) của tệp đã bị thay đổi sau khi đóng dấu: "
            + ", ".join(facts.info_changed),
        )
    if not nd30.names_body(facts.header, check.organisation):
        return _failed(
            check,
            "SIG_CONSTRAINTS_FAILURE",
            f"the seal is of {check.organisation}, not of the issuing body the document "
            "names in its header",
            f"con dấu là của {check.organisation}, không phải của cơ quan ban hành ghi ở đầu "
            "văn bản",
        )
    return check


def baseline_level(parts: Sequence[tuple[str, bool]], *, revocation_data: bool) -> str | None:
    """The PAdES baseline level (ETSI EN 319 142-1 § 6) that the file's structure reaches, from
    its signatures in file order as (kind, has a signature timestamp) and whether its DSS holds
    revocation data: B-B, B-T when every signature is timestamped, B-LT with the validation
    data, B-LTA when a document timestamp follows the last signature. Structure only: whether
    the signatures hold is the indication's business. None for a file without a signature."""
    signatures = [i for i, (kind, _) in enumerate(parts) if kind == "signature"]
    if not signatures:
        return None
    if not all(parts[i][1] for i in signatures):
        return "B-B"
    if not revocation_data:
        return "B-T"
    if any(kind == "document timestamp" for kind, _ in parts[signatures[-1] + 1 :]):
        return "B-LTA"
    return "B-LT"


def _judge(check: SignatureCheck, allowed: ModificationLevel) -> SignatureCheck:
    """`check` failed if it covers too little or too much changed after it."""
    if check.indication is Indication.TOTAL_FAILED:
        return check  # already failed on its own: keep that reason
    if check.coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        return _failed(
            check,
            "FORMAT_FAILURE",
            "the signature does not cover a whole revision",
            "chữ ký không bao trùm trọn một phiên bản của tệp",
        )
    if check.docmdp_ok is False:
        return _failed(
            check,
            "FORMAT_FAILURE",
            f"the document was changed after this signature in a way its certification "
            f"does not permit ({check.modification})",
            "văn bản đã bị thay đổi sau chữ ký này theo cách mà chữ ký chứng nhận không cho phép",
        )
    if ModificationLevel[check.modification] > allowed:
        return _failed(
            check,
            "FORMAT_FAILURE",
            f"the document was changed after this signature ({check.modification}); "
            f"only {allowed.name} may follow it",
            "văn bản đã bị thay đổi sau chữ ký này theo cách không được phép",
        )
    return check


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


def _names(cert: x509.Certificate | None) -> tuple[str | None, str | None]:
    if cert is None:
        return None, None
    subject = cert.subject.native
    return subject.get("common_name"), subject.get("organization_name")


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
    signer, organisation = _names(embedded.signer_cert)
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
    if ts is None and indication is not Indication.TOTAL_PASSED and _timestamped(embedded):
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
    signer, organisation = _names(embedded.signer_cert)
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
    structure = read_structure(pdf, reader, embedded_all)
    level = baseline_level(
        [
            (c.kind, c.kind != "signature" or _timestamped(e))
            for c, e in zip(checks, embedded_all, strict=True)
        ],
        revocation_data=dss is not None and bool(dss.ocsps or dss.crls),
    )
    checks = _in_file_order(
        checks, embedded_all, await _legacy_checks(reader, pdf, trust_roots, moment)
    )
    return replace(decide(sha256, checks, structure), level=level)


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
    stamped = _token_time(embedded)
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
        if past.indication is Indication.TOTAL_PASSED and _tsa_holds(embedded, moment):
            return past
    return found


def _token_time(embedded: EmbeddedPdfSignature) -> dt.datetime | None:
    """The time in the signature's RFC 3161 token, or None (its validity is checked apart)."""
    try:
        attributes = embedded.signer_info["unsigned_attrs"]
        if isinstance(attributes, core.Void):
            return None
        for attribute in attributes:
            if attribute["type"].native == "signature_time_stamp_token":
                token = attribute["values"][0]
                tst_info = token["content"]["encap_content_info"]["content"].parsed
                when: dt.datetime = tst_info["gen_time"].native
                return when
    except Exception:  # a malformed token: the signature's own check fails on it
        return None
    return None


def _tsa_certificate(embedded: EmbeddedPdfSignature) -> x509.Certificate | None:
    try:
        for attribute in embedded.signer_info["unsigned_attrs"]:
            if attribute["type"].native == "signature_time_stamp_token":
                signed_data = attribute["values"][0]["content"]
                serial = signed_data["signer_infos"][0]["sid"].chosen["serial_number"].native
                for cert in signed_data["certificates"]:
                    if cert.chosen.serial_number == serial:
                        found: x509.Certificate = cert.chosen
                        return found
    except Exception:
        return None
    return None


def _tsa_holds(embedded: EmbeddedPdfSignature, moment: dt.datetime) -> bool:
    """Whether the signature timestamp's certificate is still within its validity at `moment`
    (after that, only a document timestamp keeps the proof alive: B-LTA)."""
    tsa = _tsa_certificate(embedded)
    return tsa is not None and tsa.not_valid_after >= moment


def _outside_validity(
    found: SignatureCheck, embedded: EmbeddedPdfSignature, stamped: dt.datetime
) -> SignatureCheck | None:
    cert = embedded.signer_cert
    if cert is None:
        return None
    if stamped > cert.not_valid_after:
        return _failed(
            found,
            "EXPIRED",
            f"signed at {stamped:%Y-%m-%d %H:%M} UTC (timestamp) with a certificate that "
            f"expired on {cert.not_valid_after:%d/%m/%Y}",
            f"được ký lúc {stamped.astimezone(VIETNAM):%H:%M ngày %d/%m/%Y} (theo dấu thời gian) "
            f"bằng chứng thư số đã hết hạn ngày "
            f"{cert.not_valid_after.astimezone(VIETNAM):%d/%m/%Y}",
        )
    if stamped < cert.not_valid_before:
        return _failed(
            found,
            "NOT_YET_VALID",
            f"signed at {stamped:%Y-%m-%d %H:%M} UTC (timestamp), before the certificate "
            f"became valid on {cert.not_valid_before:%d/%m/%Y}",
            f"được ký lúc {stamped.astimezone(VIETNAM):%H:%M ngày %d/%m/%Y} (theo dấu thời gian), "
            f"trước khi chứng thư số có hiệu lực ngày "
            f"{cert.not_valid_before.astimezone(VIETNAM):%d/%m/%Y}",
        )
    return None


async def _legacy_checks(
    reader: PdfFileReader,
    pdf: bytes,
    trust_roots: Sequence[x509.Certificate],
    moment: dt.datetime,
) -> list[tuple[int, SignatureCheck]]:
    """The signatures pyHanko skips for their /SubFilter, each with where its byte range
    ends: never invisible, never passed. An adbe.pkcs7.sha1 signature (SHA-1 of the file, as
    tax declarations of the 2010s carry) is INDETERMINATE for its algorithm once its digest and
    value are checked; any other unknown format cannot be processed (FORMAT_FAILURE)."""
    try:
        found = facts.legacy_signatures(reader, pdf)
    except Exception:  # an unreadable form: the signatures pyHanko found speak for the file
        return []
    if not found:
        return []
    trust = SimpleTrustManager.build(trust_roots=list(trust_roots))
    checks = []
    for legacy in found:
        indication, sub = Indication.INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE"
        message, message_vi = reasons.explain(sub, reasons.Facts(legacy_format=legacy.sub_filter))
        chain = facts.Chain(False, (), None)
        if legacy.problem is not None:
            indication, sub = Indication.TOTAL_FAILED, "FORMAT_FAILURE"
            message = f"{legacy.problem}; it cannot be validated"
            message_vi = (
                f"chữ ký dùng định dạng {legacy.sub_filter}, không kiểm tra được"
                if "not supported" in legacy.problem
                else "chữ ký bị hỏng, không đọc được"
            )
        elif not legacy.intact or not legacy.valid:
            indication = Indication.TOTAL_FAILED
            sub = "HASH_FAILURE" if not legacy.intact else "SIG_CRYPTO_FAILURE"
            message, message_vi = reasons.reason(sub)
        elif legacy.signer is not None:
            chain = await facts.chain(legacy.signer, legacy.certs, trust, moment)
            more_en, more_vi = reasons.explain(
                None,
                reasons.Facts(expired=chain.expired, missing_issuer=chain.missing_issuer),
            )
            if chain.expired or chain.missing_issuer:
                message, message_vi = f"{message}; {more_en}", f"{message_vi}; {more_vi}"
        signer, organisation = _names(legacy.signer)
        checks.append(
            (
                legacy.end,
                SignatureCheck(
                    field=legacy.field,
                    kind="signature",
                    signer=signer,
                    organisation=organisation,
                    signing_time=legacy.signing_time,
                    timestamp_time=None,
                    intact=legacy.intact,
                    valid=legacy.valid,
                    trusted=chain.reaches_root,
                    revocation="not checked",
                    coverage="ENTIRE_FILE" if legacy.whole_file else "UNCLEAR",
                    # Nothing after it when it covers the whole file; otherwise what was
                    # changed is not analysed for a format pyHanko does not read.
                    modification="NONE" if legacy.whole_file else "OTHER",
                    certifying=False,
                    docmdp_ok=None,
                    indication=indication,
                    sub_indication=sub,
                    message=message,
                    message_vi=message_vi,
                ),
            )
        )
    return checks


def _in_file_order(
    checks: Sequence[SignatureCheck],
    embedded: Sequence[EmbeddedPdfSignature],
    legacy: Sequence[tuple[int, SignatureCheck]],
) -> list[SignatureCheck]:
    """`checks` (of `embedded`) and the legacy ones merged by where their byte ranges end."""
    if not legacy:
        return list(checks)

    def end(e: EmbeddedPdfSignature) -> int:
        return int(e.byte_range[2]) + int(e.byte_range[3])

    placed = [(end(e), i, c) for i, (e, c) in enumerate(zip(embedded, checks, strict=True))]
    placed += [(at, len(placed) + i, c) for i, (at, c) in enumerate(legacy)]
    return [c for _, _, c in sorted(placed, key=lambda p: (p[0], p[1]))]


def _timestamped(embedded: EmbeddedPdfSignature) -> bool:
    """Whether the signature carries an RFC 3161 signature timestamp (an unsigned attribute)."""
    try:
        attributes = embedded.signer_info["unsigned_attrs"]
        if isinstance(attributes, core.Void):
            return False
        return any(a["type"].native == "signature_time_stamp_token" for a in attributes)
    except Exception:  # a malformed signature: its check has already failed
        return False


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


ROOT_FILES = ("*.pem", "*.crt", "*.cer", "*.der", "*.p7b", "*.p7c")


def _certificates(data: bytes) -> list[x509.Certificate]:
    """The certificates of one file: PEM (one or several blocks, CERTIFICATE or PKCS7) or DER
    (a certificate, or a PKCS#7 bundle as NEAC publishes its .p7b)."""
    blocks = (
        [(kind, der) for kind, _, der in pem.unarmor(data, multiple=True)]
        if pem.detect(data)
        else [("", data)]
    )
    found: list[x509.Certificate] = []
    for kind, der in blocks:
        if kind in ("", "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
            try:
                certificate = x509.Certificate.load(der)
                certificate.native  # noqa: B018 (parse it all now: a bad file is refused here)
                found.append(certificate)
                continue
            except ValueError:
                if kind:
                    raise
        bundle = cms.ContentInfo.load(der)
        for choice in bundle["content"]["certificates"] or ():
            if choice.name == "certificate":
                found.append(choice.chosen)
    return found


def load_root_files(folder: Path) -> list[tuple[Path, x509.Certificate]]:
    """Every certificate in `folder` with the file it came from, each once (several roots may
    be configured at once: the national roots G2 and G3, Ban Cơ yếu G2, …)."""
    seen: set[bytes] = set()
    roots: list[tuple[Path, x509.Certificate]] = []
    for path in sorted({p for pattern in ROOT_FILES for p in folder.glob(pattern)}):
        try:
            certificates = _certificates(path.read_bytes())
        except Exception as exc:  # name the file: the operator put it there
            raise ConfigError(
                f"{path} in the trust roots folder is not a certificate (PEM, DER or PKCS#7): "
                f"{exc}",
                message_vi=f"Tệp {path} trong thư mục chứng thư gốc tin cậy không phải chứng "
                f"thư số (PEM, DER hoặc PKCS#7)",
                field="trust_roots_dir",
            ) from exc
        for certificate in certificates:
            if certificate.sha256 not in seen:
                seen.add(certificate.sha256)
                roots.append((path, certificate))
    return roots


def load_roots(folder: Path) -> list[x509.Certificate]:
    """Every certificate in `folder` (*.pem, *.crt, *.cer, *.der, *.p7b; PEM or DER): the
    roots a verifier trusts."""
    roots = [certificate for _, certificate in load_root_files(folder)]
    if not roots:
        raise ConfigError(
            f"no certificate in the trust roots folder {folder}",
            message_vi=f"Thư mục chứng thư gốc tin cậy {folder} không có chứng thư nào",
            field="trust_roots_dir",
        )
    return roots
