"""The verdict of a signed PDF, as data: each signature's check (`SignatureCheck`), the file's
`Report`, and `decide`, which turns the checks of the pyHanko adapter (signing/verify.py) and
the file's structure (signing/structure.py) into an ETSI EN 319 102-1 style indication
(TOTAL_PASSED, INDETERMINATE, TOTAL_FAILED) with a sub-indication.

Pure: checks and structure facts in, a report out. The PDF rules sit here on top of AdES: every
signature must cover a whole revision; after the certifying signature only what its DocMDP level
allows; after the organisation's seal of an ND 30 document (or, in any other file, after the
last signature) only validation data and document timestamps (B-LT/B-LTA), so that a số or an
image changed after the seal, a signature added after it, or an overlay added after signing,
never passes; and ND 30's own rules (signing/nd30.py): only the số and ngày filled between the
chair and the seal, the seal the body's own, a signed draft never read as an issued decision.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from pyhanko.sign.diff_analysis import ModificationLevel

from signing import nd30, reasons
from signing.structure import Structure

VIETNAM = dt.timezone(dt.timedelta(hours=7))


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


def failed(
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
    shape = structure or Structure()
    signed = [i for i, c in enumerate(checks) if c.kind == "signature"]
    if not signed:
        return Report(
            sha256,
            tuple(checks),
            Indication.INDETERMINATE,
            "NO_SIGNATURE_FOUND",
            "the file carries no signature",
        )
    if shape.trailing_bytes:
        return Report(
            sha256,
            tuple(checks),
            Indication.TOTAL_FAILED,
            "FORMAT_FAILURE",
            f"{shape.trailing_bytes} bytes of other data follow the end of the PDF",
            message_vi=f"sau phần kết thúc của tệp PDF có thêm {shape.trailing_bytes} byte "
            f"dữ liệu khác",
        )
    # After the organisation's seal an ND 30 document gains only validation data and document
    # timestamps: the rule belongs to the seal field itself, not to whichever signature is
    # last (else a signature added after the seal would re-open the form).
    seal = next(
        (i for i in signed if shape.seal_field and checks[i].field == nd30.SEAL_FIELD), None
    )
    issued = (seal is not None) if shape.seal_field else None
    last = seal if seal is not None else signed[-1]
    judged = tuple(
        _nd30(_judge(c, AFTER_LAST if i >= last else AFTER_EARLIER), i, seal=seal, shape=shape)
        for i, c in enumerate(checks)
    )
    failed = next((c for c in judged if c.indication is Indication.TOTAL_FAILED), None)
    if failed is None and shape.seal_field and seal is None:
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
    check: SignatureCheck, index: int, *, seal: int | None, shape: Structure
) -> SignatureCheck:
    """`check` failed for what ND 30's two steps forbid around the seal, else `check` itself."""
    if check.kind != "signature" or check.indication is Indication.TOTAL_FAILED:
        return check
    if check.field in shape.hidden_padding:
        return failed(
            check,
            "FORMAT_FAILURE",
            "hidden data in the unused space of the signature",
            "có dữ liệu ẩn trong phần trống của chữ ký",
        )
    if not shape.seal_field:
        return check
    if seal is not None and index > seal:
        return failed(
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
    if shape.filled_before_seal:
        return failed(
            check,
            "FORMAT_FAILURE",
            "fields other than the số and ngày were filled before the seal: "
            + ", ".join(shape.filled_before_seal),
            "các trường khác ngoài số và ngày đã được điền trước khi đóng dấu: "
            + ", ".join(shape.filled_before_seal),
        )
    if shape.info_changed:
        return failed(
            check,
            "FORMAT_FAILURE",
            "the metadata was changed after the seal: " + ", ".join(shape.info_changed),
            "thông tin mô tả (metadata) của tệp đã bị thay đổi sau khi đóng dấu: "
            + ", ".join(shape.info_changed),
        )
    if not nd30.names_body(shape.header, check.organisation):
        return failed(
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
        return failed(
            check,
            "FORMAT_FAILURE",
            "the signature does not cover a whole revision",
            "chữ ký không bao trùm trọn một phiên bản của tệp",
        )
    if check.docmdp_ok is False:
        return failed(
            check,
            "FORMAT_FAILURE",
            f"the document was changed after this signature in a way its certification "
            f"does not permit ({check.modification})",
            "văn bản đã bị thay đổi sau chữ ký này theo cách mà chữ ký chứng nhận không cho phép",
        )
    if ModificationLevel[check.modification] > allowed:
        return failed(
            check,
            "FORMAT_FAILURE",
            f"the document was changed after this signature ({check.modification}); "
            f"only {allowed.name} may follow it",
            "văn bản đã bị thay đổi sau chữ ký này theo cách không được phép",
        )
    return check
