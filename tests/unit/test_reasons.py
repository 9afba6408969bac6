"""`signing.reasons`: the Vietnamese (and English) of a verdict, from its sub-indication and
what is true of the signature."""

from __future__ import annotations

import datetime as dt

import pytest

from signing import reasons
from signing.reasons import Expiry, Facts, explain, reason

VIETNAM = dt.timezone(dt.timedelta(hours=7))


@pytest.mark.parametrize("sub", sorted(reasons.REASONS))
def test_every_reason_is_said_both_ways(sub: str) -> None:
    en, vi = reason(sub)
    assert en and vi and en != vi and "{" not in en + vi


def test_a_validation_as_of_another_time_does_not_say_now() -> None:
    at = dt.datetime(2022, 6, 1, 9, 0, tzinfo=VIETNAM)
    en, vi = reason("CERTIFICATE_CHAIN_GENERAL_FAILURE", moment=at)
    assert "now" not in en and "as of 2022-06-01 09:00" in en
    assert "lúc này" not in vi and "tại thời điểm 09:00 ngày 01/06/2022" in vi
    assert "lúc này" in reason("CERTIFICATE_CHAIN_GENERAL_FAILURE")[1]


def test_sha1_and_an_expired_certificate_are_named_with_its_date() -> None:
    en, vi = explain(
        "CRYPTO_CONSTRAINTS_FAILURE",
        Facts(
            weak_algorithms=("SHA-1",),
            expired=(Expiry("signer", dt.datetime(2019, 1, 14, 7, 16, tzinfo=dt.UTC)),),
        ),
    )
    assert vi == (
        "chữ ký dùng thuật toán SHA-1, không còn được chấp nhận vì không còn an toàn; "
        "chứng thư số của người ký đã hết hạn ngày 14/01/2019"
    )
    assert "SHA-1" in en and "expired on 14/01/2019" in en


def test_a_chain_to_a_configured_root_with_unknown_revocation_is_not_untrusted() -> None:
    _, vi = explain(
        "CERTIFICATE_CHAIN_GENERAL_FAILURE", Facts(reaches_root=True, revocation_unknown=True)
    )
    assert vi.startswith("chứng thư số được cấp bởi tổ chức chứng thực tin cậy")
    assert "không do tổ chức chứng thực được tin cậy cấp" not in vi


def test_a_legacy_format_and_a_missing_issuer() -> None:
    _, vi = explain(
        "CRYPTO_CONSTRAINTS_FAILURE",
        Facts(legacy_format="adbe.pkcs7.sha1", missing_issuer="CA2 (NACENCOMM SCT)"),
    )
    assert vi.startswith("chữ ký dùng định dạng adbe.pkcs7.sha1 cũ, không còn được chấp nhận")
    assert "tổ chức cấp CA2 (NACENCOMM SCT)" in vi


def test_no_fact_falls_back_to_the_sub_indication_and_an_unknown_one_is_named() -> None:
    assert explain("HASH_FAILURE", Facts()) == reason("HASH_FAILURE")
    assert reason("SOMETHING_NEW")[1] == "lỗi kiểm tra (SOMETHING_NEW)"
    assert reason(None)[1] == "không rõ lý do"
