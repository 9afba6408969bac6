"""Why a signature did not pass, in Vietnamese for the people who read the verdict (the CLI,
the JSON `message_vi`, the pages) and in English for the API's `message`: one table by ETSI
EN 319 102-1 sub-indication, and the sentences built from what is true of the file (an algorithm
no longer accepted, a certificate that expired and when, an issuer's certificate that is missing,
a legacy signature format, a validation as of another time).

Pure: facts in, strings out. The page (api/workflow/wording.py) takes its reasons from here, so that
the same signature never reads two ways. Left out: deciding anything; `signing.verify` decides,
this module only says it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

VIETNAM = dt.timezone(dt.timedelta(hours=7))

# (English, Vietnamese) by sub-indication. "{when}" is "now" / "lúc này", or the moment of a
# validation in the past or the future (`hoso verify --at`).
REASONS: dict[str, tuple[str, str]] = {
    "HASH_FAILURE": (
        "the signed content was altered after signing",
        "nội dung văn bản đã bị sửa đổi sau khi ký",
    ),
    "SIG_CRYPTO_FAILURE": (
        "the signature value does not match the signed content",
        "giá trị chữ ký không khớp với nội dung văn bản",
    ),
    "FORMAT_FAILURE": (
        "the file is damaged or was changed after signing in a way that is not allowed",
        "tệp bị hỏng hoặc đã bị thay đổi sau khi ký theo cách không được phép",
    ),
    "REVOKED": (
        "the signer's certificate was revoked before the signing time",
        "chứng thư số của người ký đã bị thu hồi trước thời điểm ký",
    ),
    "REVOKED_NO_POE": (
        "the certificate is revoked and nothing proves the signature came before",
        "chứng thư số đã bị thu hồi và không có bằng chứng chữ ký được tạo trước đó",
    ),
    "REVOKED_CA_NO_POE": (
        "the issuer's certificate is revoked and nothing proves the signature came before",
        "chứng thư số của tổ chức cấp đã bị thu hồi và không có bằng chứng chữ ký được tạo "
        "trước đó",
    ),
    "NO_CERTIFICATE_CHAIN_FOUND": (
        "the certificate does not chain to a trusted root",
        "chứng thư số không do tổ chức chứng thực được tin cậy cấp",
    ),
    "NO_SIGNING_CERTIFICATE_FOUND": (
        "the signer's certificate is not in the signature",
        "chữ ký không mang chứng thư số của người ký",
    ),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": (
        "the certificate chain cannot be validated {when}: its revocation data is neither in "
        "the file nor reachable",
        "chưa kiểm tra được tình trạng chứng thư số {when}: dữ liệu thu hồi không có trong tệp "
        "và không truy cập được",
    ),
    "CHAIN_CONSTRAINTS_FAILURE": (
        "the certificate chain does not meet the validation constraints",
        "chuỗi chứng thư số không đáp ứng các ràng buộc kiểm tra",
    ),
    "SIG_CONSTRAINTS_FAILURE": (
        "the signature does not meet the validation constraints",
        "chữ ký không đáp ứng các ràng buộc kiểm tra",
    ),
    "CRYPTO_CONSTRAINTS_FAILURE": (
        "an algorithm of the signature is no longer accepted as secure",
        "chữ ký dùng thuật toán mật mã không còn được chấp nhận vì không còn an toàn",
    ),
    "CRYPTO_CONSTRAINTS_FAILURE_NO_POE": (
        "an algorithm of the signature is no longer accepted and nothing proves the signature "
        "was made while it was",
        "chữ ký dùng thuật toán mật mã không còn được chấp nhận và không có bằng chứng chữ ký "
        "được tạo khi thuật toán còn được chấp nhận",
    ),
    "EXPIRED": (
        "the signer's certificate had expired when it signed",
        "chứng thư số của người ký đã hết hạn khi ký",
    ),
    "NOT_YET_VALID": (
        "the signer's certificate was not yet valid when it signed",
        "chứng thư số của người ký chưa có hiệu lực khi ký",
    ),
    "TRY_LATER": (
        "revocation data for the certificate is not available yet: try again later",
        "chưa có dữ liệu thu hồi của chứng thư số, hãy thử lại sau",
    ),
    "NO_POE": (
        "nothing in the file proves the signature existed while its certificate was valid",
        "không có bằng chứng chữ ký được tạo khi chứng thư số còn hiệu lực",
    ),
    "OUT_OF_BOUNDS_NO_POE": (
        "the certificate has expired and nothing in the file proves the signature existed before",
        "chứng thư số đã hết hạn và không có bằng chứng chữ ký được tạo trước đó",
    ),
    "OUT_OF_BOUNDS_NOT_REVOKED": (
        "the certificate has expired, but was not revoked",
        "chứng thư số đã hết hạn nhưng chưa bị thu hồi",
    ),
    "TIMESTAMP_ORDER_FAILURE": (
        "the timestamps of the signature are not in a possible order",
        "các dấu thời gian của chữ ký không theo đúng thứ tự",
    ),
    "SIGNED_DATA_NOT_FOUND": (
        "the signed content cannot be found",
        "không tìm thấy nội dung được ký",
    ),
    "POLICY_PROCESSING_ERROR": (
        "the signature policy cannot be processed",
        "không xử lý được chính sách chữ ký",
    ),
    "GENERIC": ("the signature cannot be validated", "không kiểm tra được chữ ký"),
    "NO_SIGNATURE_FOUND": ("the file carries no signature", "tệp không có chữ ký số nào"),
}

PASSED = ("valid", "hợp lệ")
EVERY_SIGNATURE_VALID = ("every signature is valid", "mọi chữ ký số đều hợp lệ")


def _when(moment: dt.datetime | None) -> tuple[str, str]:
    if moment is None:
        return "now", "lúc này"
    local = moment.astimezone(VIETNAM)
    return (
        f"as of {local:%Y-%m-%d %H:%M} (Vietnam time)",
        f"tại thời điểm {local:%H:%M} ngày {local:%d/%m/%Y}",
    )


def reason(sub_indication: str | None, *, moment: dt.datetime | None = None) -> tuple[str, str]:
    """(English, Vietnamese) for a sub-indication; `moment` for a validation not made now."""
    if sub_indication is None:
        return "no reason given", "không rõ lý do"
    en, vi = REASONS.get(
        sub_indication,
        (f"validation error ({sub_indication})", f"lỗi kiểm tra ({sub_indication})"),
    )
    when_en, when_vi = _when(moment)
    return en.replace("{when}", when_en), vi.replace("{when}", when_vi)


def reason_vi(sub_indication: str | None) -> str:
    """The Vietnamese reason alone (the pages' fallback when a check carries none)."""
    return reason(sub_indication)[1]


@dataclass(frozen=True)
class Expiry:
    """A certificate of the signature's chain that expired before the validation time."""

    whose: str  # "signer" or the issuer's common name
    on: dt.datetime


@dataclass(frozen=True)
class Facts:
    """What is true of one signature, beyond its sub-indication, in the words' terms."""

    weak_algorithms: Sequence[str] = ()  # e.g. ("SHA-1",)
    legacy_format: str | None = None  # a /SubFilter pyHanko does not validate
    expired: Sequence[Expiry] = ()
    missing_issuer: str | None = None  # the issuer whose certificate no one has
    reaches_root: bool = False  # the chain is sound up to a configured root
    forged: bool = False  # the chain names a trusted root but a signature in it is false
    revocation_unknown: bool = False
    moment: dt.datetime | None = None  # None: validated now


def _date(value: dt.datetime) -> str:
    return f"{value.astimezone(VIETNAM):%d/%m/%Y}"


def explain(sub_indication: str | None, facts: Facts) -> tuple[str, str]:
    """(English, Vietnamese) sentences that say why, from the most telling fact to the least;
    the sub-indication's own reason when no fact says more."""
    parts: list[tuple[str, str]] = []
    if facts.forged:
        parts.append(
            (
                "a certificate of the signature names a trusted issuer, but that issuer's "
                "signature on it does not verify (altered, forged, or from another system "
                "with the same names)",
                "chứng thư số ghi tên tổ chức cấp được tin cậy nhưng chữ ký của tổ chức đó trên "
                "chứng thư không đúng (chứng thư bị sửa, giả mạo hoặc của một hệ thống khác "
                "trùng tên)",
            )
        )
    elif sub_indication == "NO_CERTIFICATE_CHAIN_FOUND":
        parts.append(reason(sub_indication))
    if facts.legacy_format:
        parts.append(
            (
                f"the signature uses the old {facts.legacy_format} format, no longer accepted",
                f"chữ ký dùng định dạng {facts.legacy_format} cũ, không còn được chấp nhận",
            )
        )
    elif facts.weak_algorithms and sub_indication in (
        "CRYPTO_CONSTRAINTS_FAILURE",
        "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
    ):
        names = ", ".join(facts.weak_algorithms)
        parts.append(
            (
                f"the signature uses {names}, no longer accepted as secure",
                f"chữ ký dùng thuật toán {names}, không còn được chấp nhận vì không còn an toàn",
            )
        )
    for expiry in facts.expired:
        who_en, who_vi = (
            ("the signer's certificate", "chứng thư số của người ký")
            if expiry.whose == "signer"
            else (
                f"the certificate of its issuer {expiry.whose}",
                f"chứng thư số của tổ chức cấp {expiry.whose}",
            )
        )
        parts.append(
            (
                f"{who_en} expired on {_date(expiry.on)}",
                f"{who_vi} đã hết hạn ngày {_date(expiry.on)}",
            )
        )
    if facts.expired and sub_indication == "OUT_OF_BOUNDS_NO_POE":
        parts.append(
            (
                "no timestamp in the file proves the signature was made before",
                "tệp không có dấu thời gian chứng minh chữ ký được tạo trước ngày đó",
            )
        )
    if facts.missing_issuer:
        parts.append(
            (
                f"the certificate of its issuer {facts.missing_issuer} is neither in the file "
                f"nor among the trusted roots",
                f"không có chứng thư số của tổ chức cấp {facts.missing_issuer} trong tệp cũng "
                f"như trong các chứng thư gốc tin cậy",
            )
        )
    if facts.reaches_root and facts.revocation_unknown and not facts.expired:
        when_en, when_vi = _when(facts.moment)
        parts.append(
            (
                f"the certificate chains to a trusted root, but whether it was revoked cannot "
                f"be checked {when_en}: the file carries no revocation data (OCSP, CRL) for it",
                f"chứng thư số được cấp bởi tổ chức chứng thực tin cậy, nhưng chưa kiểm tra "
                f"được tình trạng thu hồi {when_vi}: tệp không mang dữ liệu thu hồi (OCSP, CRL)",
            )
        )
    if not parts:
        return reason(sub_indication, moment=facts.moment)
    return "; ".join(p[0] for p in parts), "; ".join(p[1] for p in parts)
