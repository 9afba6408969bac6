"""The pure parts of the API: codes as people type them, sizes in both languages, statuses, the
page's verdict and match sentences, the HTTP status of each domain error."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.registry.lookup import normalise_code, status_text, status_vi
from api.routes.errors import UnsupportedUpload, UploadError, UploadTooLarge, http_status, size_text
from api.workflow import wording
from docgen.errors import ConfigError, HosoError, InvalidAssessment
from signing.verdict import Indication, Report, SignatureCheck, decide
from tests.api.conftest import RECORD, REPLACED, REVOKED

CODES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=10, max_size=10)


@given(CODES)
def test_a_printed_code_is_found_however_it_is_typed(letters: str) -> None:
    printed = f"{letters[:5]}-{letters[5:]}"
    for typed in (printed, printed.lower(), letters, f" {letters[:5]} {letters[5:]} "):
        assert normalise_code(typed) == printed


@given(st.text())
def test_normalising_is_idempotent(text: str) -> None:
    once = normalise_code(text)
    assert normalise_code(once) == once


@pytest.mark.parametrize(
    ("size", "en", "vi"),
    [
        (20 * 1024 * 1024, "20 MiB", "20 MiB"),
        (1536, "1.5 KiB", "1,5 KiB"),
        (4096, "4 KiB", "4 KiB"),
        (1000, "1000 bytes", "1.000 byte"),
    ],
)
def test_sizes_for_people(size: int, en: str, vi: str) -> None:
    assert size_text(size) == (en, vi)


def test_statuses() -> None:
    assert (status_text(RECORD), status_vi(RECORD)) == ("in force", "Đang có hiệu lực")
    assert (status_text(REVOKED), status_vi(REVOKED)) == ("revoked", "Đã bị thu hồi")
    assert status_text(REPLACED) == "replaced by 07/QĐ-UBND"
    assert status_vi(REPLACED) == "Đã được thay thế bởi 07/QĐ-UBND"


def test_http_status_of_each_error() -> None:
    assert http_status(UploadTooLarge("x")) == 413
    assert http_status(UnsupportedUpload("x")) == 415
    assert http_status(UploadError("x")) == 422
    assert http_status(InvalidAssessment([])) == 422
    assert http_status(ConfigError("x")) == 503
    assert http_status(HosoError("x")) == 400


def check(indication: Indication, sub: str | None = None, **changes: object) -> SignatureCheck:
    values: dict[str, object] = {
        "field": "chu_ky",
        "kind": "signature",
        "signer": "TEST Trần Minh Khôi",
        "organisation": None,
        "signing_time": dt.datetime(2026, 12, 5, 2, 3, 4, tzinfo=dt.UTC),
        "timestamp_time": dt.datetime(2026, 12, 5, 2, 3, 5, tzinfo=dt.UTC),
        "intact": True,
        "valid": True,
        "trusted": True,
        "revocation": "good",
        "coverage": "ENTIRE_FILE",
        "modification": "NONE",
        "certifying": True,
        "docmdp_ok": True,
        "indication": indication,
        "sub_indication": sub,
        "message": "m",
    }
    values.update(changes)
    return SignatureCheck(**values)  # type: ignore[arg-type]


def test_the_verdict_in_one_sentence() -> None:
    passed = decide("0" * 64, [check(Indication.TOTAL_PASSED)])
    assert wording.verdict(passed) == wording.Verdict(
        "green",
        "Văn bản hợp lệ: chữ ký số đúng, chứng thư số được tin cậy và văn bản không bị thay "
        "đổi sau khi ký.",
    )
    failed = decide("0" * 64, [check(Indication.TOTAL_FAILED, "HASH_FAILURE", intact=False)])
    assert wording.verdict(failed).tone == "red"
    assert wording.verdict(failed).sentence.startswith("Văn bản KHÔNG hợp lệ: nội dung")
    unknown = decide("0" * 64, [check(Indication.INDETERMINATE, "TRY_LATER")])
    assert wording.verdict(unknown).sentence == (
        "Chưa xác định được: chưa có dữ liệu thu hồi của chứng thư số, hãy thử lại sau."
    )
    empty = Report("0" * 64, (), Indication.INDETERMINATE, "NO_SIGNATURE_FOUND", "none")
    assert wording.verdict(empty).tone == "amber"
    odd = decide("0" * 64, [check(Indication.TOTAL_FAILED, "SOMETHING_NEW")])
    assert "SOMETHING_NEW" in wording.verdict(odd).sentence


def test_a_signature_in_words() -> None:
    view = wording.signature_view(check(Indication.TOTAL_PASSED))
    assert (view.title, view.tone, view.verdict) == (
        "Chữ ký của người có thẩm quyền",
        "green",
        "Hợp lệ",
    )
    lines = {line.label: line.value for line in view.lines}
    assert lines["Thời điểm ký (người ký khai)"] == (
        "09:03:04 ngày 05 tháng 12 năm 2026 (giờ Việt Nam)"
    )
    assert not any(line.bad for line in view.lines)
    bad = wording.signature_view(check(Indication.TOTAL_FAILED, "REVOKED", revocation="revoked"))
    assert bad.verdict == "Không hợp lệ: chứng thư số của người ký đã bị thu hồi trước thời điểm ký"
    assert [line.label for line in bad.lines if line.bad] == ["Tình trạng thu hồi chứng thư số"]


def test_whether_the_file_is_the_registered_one() -> None:
    assert wording.match(RECORD, RECORD).tone == "green"
    assert wording.match(RECORD).sentence == (
        "Tệp này trùng khớp từng bit với văn bản 06/QĐ-UBND đã đăng ký (đang có hiệu lực)."
    )
    assert "không phải văn bản 06/QĐ-UBND" in wording.match(REVOKED, RECORD).sentence
    assert "không trùng khớp với bản đã đăng ký" in wording.match(None, RECORD).sentence
    assert wording.match(None).tone == "amber"


def test_every_check_and_report_has_its_vietnamese_message() -> None:
    """Built anywhere (the adapter, `decide`, a test), a check and a report say it in
    Vietnamese: given, or from the one table of reasons by sub-indication."""
    assert check(Indication.TOTAL_PASSED).message_vi == "hợp lệ"
    unknown = check(Indication.INDETERMINATE, "TRY_LATER")
    assert unknown.message_vi == wording.REASONS["TRY_LATER"]
    report = decide("0" * 64, [unknown])
    assert report.message_vi == f"chu_ky: {wording.REASONS['TRY_LATER']}"
    assert report.as_data()["message_vi"] == report.message_vi
    assert decide("0" * 64, [check(Indication.TOTAL_PASSED)]).message_vi == (
        "mọi chữ ký số đều hợp lệ"
    )
    assert decide("0" * 64, []).message_vi == "tệp không có chữ ký số nào"
    # `decide` failing a passed signature replaces its Vietnamese too, never keeps "hợp lệ".
    changed = decide("0" * 64, [check(Indication.TOTAL_PASSED, coverage="UNCLEAR")])
    assert changed.signatures[0].message_vi == "chữ ký không bao trùm trọn một phiên bản của tệp"
    assert wording.reason("FORMAT_FAILURE") == wording.REASONS["FORMAT_FAILURE"]


def test_the_citizen_reads_one_plain_sentence_first() -> None:
    body = "Ủy ban nhân dân thành phố Hải Phòng"
    passed = decide("0" * 64, [check(Indication.TOTAL_PASSED, organisation=f"TEST {body}")])
    assert wording.citizen(passed, RECORD) == wording.Verdict(
        "green",
        f"Tệp này là văn bản số 06/QĐ-UBND ngày 05/12/2026 của {body}, hợp lệ: chữ ký số đúng "
        f"và nội dung không bị thay đổi sau khi ký.",
    )
    revoked = wording.citizen(passed, REVOKED)
    assert revoked.tone == "amber"
    assert revoked.sentence.endswith(
        "hợp lệ: chữ ký số đúng và nội dung không bị thay đổi sau "
        "khi ký. Lưu ý: văn bản này đã bị thu hồi."
    )
    # Without a registry record, who sealed it comes from the last signature's certificate.
    assert wording.citizen(passed, None).sentence.startswith(
        f"Tệp này là văn bản do TEST {body} ký số, hợp lệ"
    )
    altered = decide("0" * 64, [check(Indication.TOTAL_FAILED, "HASH_FAILURE", intact=False)])
    assert wording.citizen(altered, RECORD).sentence == (
        f"Tệp này KHÔNG hợp lệ: nội dung đã bị thay đổi sau khi ký, nên không còn là văn bản "
        f"số 06/QĐ-UBND ngày 05/12/2026 của {body} đã được ký."
    )
    assert wording.citizen(altered, None).sentence == (
        "Tệp này KHÔNG hợp lệ: nội dung đã bị thay đổi sau khi TEST Trần Minh Khôi ký."
    )
    stale = decide(
        "0" * 64,
        [
            check(
                Indication.INDETERMINATE,
                "OUT_OF_BOUNDS_NO_POE",
                message_vi="chứng thư số của người ký đã hết hạn ngày 20/11/2024",
            )
        ],
    )
    sentence = wording.citizen(stale, RECORD)
    assert sentence.tone == "amber"
    assert sentence.sentence.endswith(": chứng thư số của người ký đã hết hạn ngày 20/11/2024.")
    assert "chu_ky" not in sentence.sentence  # the field's name is for the details
    assert wording.technical(stale) == (
        "Kết luận theo ETSI EN 319 102-1: INDETERMINATE / OUT_OF_BOUNDS_NO_POE",
        "chu_ky: INDETERMINATE / OUT_OF_BOUNDS_NO_POE",
    )


def test_the_nd30_rules_say_why_in_vietnamese() -> None:
    """The verdicts `decide` adds on top of each signature carry their own Vietnamese: a
    signed draft, a signature after the seal, another body's seal, data after %%EOF."""
    from signing.structure import Structure

    chair = check(Indication.TOTAL_PASSED)
    seal = check(
        Indication.TOTAL_PASSED,
        field="con_dau",
        certifying=False,
        organisation="TEST Ủy ban nhân dân tỉnh Bắc Ninh",
    )
    draft = decide("0" * 64, [chair], Structure(seal_field=True))
    assert draft.message_vi == "đã ký, chưa ban hành — chưa có số và con dấu của cơ quan"
    assert wording.citizen(draft, None) == wording.Verdict(
        "amber",
        "Tệp này là dự thảo đã được TEST Trần Minh Khôi ký nhưng chưa ban hành: chưa có số và "
        "con dấu của cơ quan.",
    )
    assert wording.citizen(draft, RECORD).sentence.endswith(
        "chưa có số và con dấu của cơ quan, nên chưa phải văn bản số 06/QĐ-UBND ngày 05/12/2026 "
        "của Ủy ban nhân dân thành phố Hải Phòng."
    )
    header = "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG"
    wrong_body = decide("0" * 64, [chair, seal], Structure(seal_field=True, header=header))
    assert wrong_body.indication is Indication.TOTAL_FAILED
    assert wrong_body.message_vi == (
        "con_dau: con dấu là của TEST Ủy ban nhân dân tỉnh Bắc Ninh, không phải của cơ quan "
        "ban hành ghi ở đầu văn bản"
    )
    later = replace(seal, field="them", signer="TEST Lê Văn Phó")
    after = decide(
        "0" * 64,
        [chair, replace(seal, organisation=header), later],
        Structure(seal_field=True, header=header),
    )
    assert after.signatures[2].message_vi.startswith("có chữ ký được thêm sau con dấu của cơ quan")
    zip_after = decide("0" * 64, [chair], Structure(trailing_bytes=22))
    assert zip_after.message_vi == "sau phần kết thúc của tệp PDF có thêm 22 byte dữ liệu khác"
