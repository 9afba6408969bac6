"""A verification report in plain Vietnamese, as the public page shows it: one verdict with its
colour, and each signature's facts in words a recipient understands.

Pure: a `Report` (and registry records) in, strings out. The English reasons of
`signing.verify` stay for the API and the CLI; the page says the same things here, by
sub-indication.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from api.registry.lookup import RegistryRecord, status_vi
from docgen import vn
from signing import reasons
from signing.verify import Indication, Report, SignatureCheck

VIETNAM = dt.timezone(dt.timedelta(hours=7))

Tone = Literal["green", "amber", "red"]

# Why a signature did not pass, by ETSI EN 319 102-1 sub-indication: the core's table, so that
# the page, the CLI and the JSON never say the same thing two ways.
REASONS = {sub: reasons.reason_vi(sub) for sub in reasons.REASONS}

FIELDS = {
    "chu_ky": "Chữ ký của người có thẩm quyền",
    "con_dau": "Chữ ký số của cơ quan, tổ chức",
    "chu_ky_to_chuc": "Chữ ký số của cơ quan, tổ chức (phụ lục)",
}

REVOCATION = {
    "good": "Chưa bị thu hồi",
    "revoked": "Đã bị thu hồi",
    "unknown": "Chưa xác định được",
    "not checked": "Chưa kiểm tra",
}

COVERAGE = {
    "ENTIRE_FILE": "Toàn bộ tệp",
    "ENTIRE_REVISION": "Toàn bộ văn bản tại thời điểm ký",
    "CONTIGUOUS_BLOCK_FROM_START": "Chỉ một phần tệp",
    "UNCLEAR": "Không xác định",
}

CHANGES = {
    "NONE": "Không có",
    "LTA_UPDATES": "Chỉ bổ sung dữ liệu kiểm tra và dấu thời gian (được phép)",
    "FORM_FILLING": "Điền số, ngày và ký tiếp (được phép)",
    "ANNOTATIONS": "Thêm ghi chú",
    "OTHER": "Có thay đổi nội dung",
}

INDICATION = {
    Indication.TOTAL_PASSED: "Hợp lệ",
    Indication.INDETERMINATE: "Chưa xác định được",
    Indication.TOTAL_FAILED: "Không hợp lệ",
}

TONE: dict[Indication, Tone] = {
    Indication.TOTAL_PASSED: "green",
    Indication.INDETERMINATE: "amber",
    Indication.TOTAL_FAILED: "red",
}


@dataclass(frozen=True)
class Verdict:
    """The page's headline: a colour and one sentence."""

    tone: Tone
    sentence: str


@dataclass(frozen=True)
class Line:
    label: str
    value: str
    bad: bool = False


@dataclass(frozen=True)
class SignatureView:
    """One signature as the page lists it."""

    title: str
    tone: Tone
    verdict: str
    lines: tuple[Line, ...]


def reason(sub_indication: str | None) -> str:
    return reasons.reason_vi(sub_indication)


def why(report: Report) -> str:
    """The reason the file's verdict came from, in Vietnamese, without the field's name."""
    worst = next(
        (
            c
            for c in report.signatures
            if c.indication is report.indication and c.sub_indication == report.sub_indication
        ),
        None,
    )
    return worst.message_vi if worst is not None else report.message_vi


def verdict(report: Report) -> Verdict:
    """'Văn bản hợp lệ: …', 'Chưa xác định được: …' or 'Văn bản KHÔNG hợp lệ: …'."""
    signatures = sum(1 for c in report.signatures if c.kind == "signature")
    if report.indication is Indication.TOTAL_PASSED:
        which = "chữ ký số đúng" if signatures == 1 else f"{signatures} chữ ký số đều đúng"
        return Verdict(
            "green",
            f"Văn bản hợp lệ: {which}, chứng thư số được tin cậy và văn bản không bị thay đổi "
            f"sau khi ký.",
        )
    if report.indication is Indication.INDETERMINATE:
        return Verdict("amber", f"Chưa xác định được: {why(report)}.")
    return Verdict("red", f"Văn bản KHÔNG hợp lệ: {why(report)}.")


# Sub-indications that mean the bytes are not what was signed, whatever else failed.
ALTERED = {"HASH_FAILURE", "SIG_CRYPTO_FAILURE", "FORMAT_FAILURE"}


def altered(report: Report) -> bool:
    """Whether the file was changed after signing (rather than, say, a certificate failing)."""
    signatures = [c for c in report.signatures if c.kind == "signature"]
    return report.sub_indication in ALTERED or any(
        not (c.intact and c.valid) or c.sub_indication in ALTERED for c in signatures
    )


def _issuer(report: Report) -> str | None:
    """Who sealed the file as its certificates say: the last signature's organisation."""
    signatures = [c for c in report.signatures if c.kind == "signature"]
    if not signatures:
        return None
    last = signatures[-1]
    return last.organisation or last.signer


def citizen(report: Report, record: RegistryRecord | None) -> Verdict:
    """The one plain sentence a citizen reads first: which document (số, ngày, who issued
    it, from the registry when the page knows it, else from the seal's certificate), and
    whether it is valid and why, in everyday words. The technical details come after it."""
    if record is not None:
        document = (
            f"văn bản số {record.number} ngày {record.date:%d/%m/%Y} của {record.issuing_body}"
        )
    else:
        body = _issuer(report)
        document = f"văn bản do {body} ký số" if body else "văn bản"
    if report.indication is Indication.TOTAL_PASSED:
        sentence = (
            f"Tệp này là {document}, hợp lệ: chữ ký số đúng và nội dung không bị thay đổi "
            f"sau khi ký."
        )
        if record is not None and record.status != "in force":
            # Genuine, but no longer in force: the reader must not stop at "hợp lệ".
            return Verdict("amber", f"{sentence} Lưu ý: văn bản này {status_vi(record).lower()}.")
        return Verdict("green", sentence)
    if not report.signatures:
        return Verdict(
            "amber",
            f"Tệp này không có chữ ký số nào, nên không xác minh được là {document}."
            if record is not None
            else "Tệp này không có chữ ký số nào, nên không xác minh được ai đã ban hành và "
            "nội dung có bị thay đổi hay không.",
        )
    if report.signed_draft:
        signer = report.signatures[0].signer or "người có thẩm quyền"
        return Verdict(
            "amber",
            f"Tệp này là dự thảo đã được {signer} ký nhưng chưa ban hành: chưa có số và con "
            f"dấu của cơ quan" + (f", nên chưa phải {document}." if record is not None else "."),
        )
    if altered(report):
        body = _issuer(report)
        return Verdict(
            "red",
            f"Tệp này KHÔNG hợp lệ: nội dung đã bị thay đổi sau khi ký, nên không còn là "
            f"{document} đã được ký."
            if record is not None
            else f"Tệp này KHÔNG hợp lệ: nội dung đã bị thay đổi sau khi "
            f"{body + ' ' if body else ''}ký.",
        )
    if report.indication is Indication.INDETERMINATE:
        return Verdict(
            "amber",
            f"Chưa xác định được tệp này có phải {document} hợp lệ hay không: {why(report)}.",
        )
    return Verdict("red", f"Tệp này KHÔNG hợp lệ ({document}): {why(report)}.")


def technical(report: Report) -> tuple[str, ...]:
    """The file's ETSI codes and the signatures' ones, for the folded technical details."""
    sub = f" / {report.sub_indication}" if report.sub_indication else ""
    lines = [f"Kết luận theo ETSI EN 319 102-1: {report.indication.value}{sub}"]
    for c in report.signatures:
        code = f" / {c.sub_indication}" if c.sub_indication else ""
        lines.append(f"{c.field}: {c.indication.value}{code}")
    return tuple(lines)


LEVELS = {
    "B-B": "chữ ký số không có dấu thời gian",
    "B-T": "chữ ký số có dấu thời gian; tệp chưa mang dữ liệu kiểm tra chứng thư số",
    "B-LT": "tệp mang theo dữ liệu kiểm tra chứng thư số (OCSP, CRL), kiểm tra được mà không "
    "cần kết nối tới nơi cấp",
    "B-LTA": "bản lưu trữ có dấu thời gian tài liệu, vẫn kiểm tra được sau khi chứng thư số "
    "hết hạn",
}


def level(value: str | None) -> str | None:
    """'Mức PAdES B-LT: tệp mang theo …' for the file's baseline level."""
    return None if value is None else f"Mức PAdES {value}: {LEVELS[value]}."


def when(value: dt.datetime | None) -> str:
    """'14:05:09 ngày 05 tháng 12 năm 2026 (giờ Việt Nam)'."""
    if value is None:
        return "—"
    local = value.astimezone(VIETNAM)
    return f"{local:%H:%M:%S} {vn.nd30_date(local.date())} (giờ Việt Nam)"


# asn1crypto's names of a certificate's subject fields (`Name.human_friendly`), as a person
# reads them here.
SUBJECT_FIELDS = {
    "Common Name": "Tên",
    "Organizational Unit": "Đơn vị",
    "Organization Identifier": "Mã tổ chức",
    "Organization": "Tổ chức",
    "Locality": "Địa phương",
    "State/Province": "Tỉnh, thành phố",
    "Country": "Quốc gia",
    "Title": "Chức danh",
    "Serial Number": "Số hiệu",
    "Email Address": "Thư điện tử",
    "Given Name": "Tên",
    "Surname": "Họ",
    "User ID": "Mã định danh",
}


def subject_vi(subject: str) -> str:
    """'Tên: TEST Trần Minh Khôi, Tổ chức: …' for asn1crypto's 'Common Name: …, Organization:
    …'; a field it does not know keeps its name."""
    parts = []
    for part in subject.split(", "):
        label, sep, value = part.partition(": ")
        parts.append(f"{SUBJECT_FIELDS.get(label, label)}{sep}{value}" if sep else part)
    return ", ".join(parts)


def yes_no(value: bool) -> str:
    return "Có" if value else "Không"


def signature_view(check: SignatureCheck) -> SignatureView:
    timestamp = check.kind == "document timestamp"
    title = (
        "Dấu thời gian lưu trữ"
        if timestamp
        else FIELDS.get(check.field, f"Chữ ký số ({check.field})")
    )
    lines = [
        Line("Người ký" if not timestamp else "Đơn vị cấp dấu thời gian", check.signer or "—"),
    ]
    if check.organisation and check.organisation != check.signer:
        lines.append(Line("Cơ quan, tổ chức", check.organisation))
    if not timestamp:
        lines.append(Line("Thời điểm ký (người ký khai)", when(check.signing_time)))
    lines += [
        Line(
            "Dấu thời gian",
            when(check.timestamp_time)
            + (
                f", do {check.timestamp_authority} cấp"
                if check.timestamp_authority and check.timestamp_time and not timestamp
                else ""
            ),
        ),
        Line("Nội dung còn nguyên vẹn", yes_no(check.intact), bad=not check.intact),
        Line("Chữ ký đúng", yes_no(check.valid), bad=not check.valid),
        Line("Chứng thư số được tin cậy", yes_no(check.trusted), bad=not check.trusted),
        Line(
            "Tình trạng thu hồi chứng thư số",
            REVOCATION.get(check.revocation, check.revocation),
            bad=check.revocation != "good",
        ),
        Line("Phạm vi được ký", COVERAGE.get(check.coverage, check.coverage)),
        Line(
            "Thay đổi sau khi ký",
            CHANGES.get(check.modification, check.modification),
            bad=check.indication is Indication.TOTAL_FAILED
            and check.sub_indication == "FORMAT_FAILURE",
        ),
    ]
    result = INDICATION[check.indication]
    if check.indication is not Indication.TOTAL_PASSED:
        result += f": {check.message_vi or reason(check.sub_indication)}"
    return SignatureView(title, TONE[check.indication], result, tuple(lines))


STATUS_TONE: dict[str, Tone] = {"in force": "green", "revoked": "red", "replaced": "amber"}


def status_tone(record: RegistryRecord) -> Tone:
    return STATUS_TONE[record.status]


def match(registered: RegistryRecord | None, expected: RegistryRecord | None = None) -> Verdict:
    """Whether the uploaded file is the registered document (`expected`: the one whose page
    the file was uploaded on)."""
    if registered is not None and (expected is None or registered == expected):
        return Verdict(
            "green",
            f"Tệp này trùng khớp từng bit với văn bản {registered.number} đã đăng ký "
            f"({status_vi(registered).lower()}).",
        )
    if registered is not None and expected is not None:
        return Verdict(
            "amber",
            f"Tệp này là văn bản {registered.number} đã đăng ký, không phải văn bản "
            f"{expected.number} của trang này.",
        )
    if expected is not None:
        return Verdict(
            "amber",
            f"Tệp này không trùng khớp với bản đã đăng ký của văn bản {expected.number}: "
            f"có thể là một bản khác, bản đã lưu trữ hoặc đã bị chỉnh sửa.",
        )
    return Verdict("amber", "Tệp này không trùng khớp với văn bản nào trong sổ đăng ký.")
