"""`decide`: the PDF rules on top of each signature's AdES result, as a pure function."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signing.verdict import Indication, SignatureCheck, baseline_level, decide

PASSED = SignatureCheck(
    field="chu_ky",
    kind="signature",
    signer="TEST Trần Minh Khôi",
    organisation="TEST Ủy ban nhân dân thành phố Hải Phòng",
    signing_time=dt.datetime(2026, 12, 5, 2, 30, tzinfo=dt.UTC),
    timestamp_time=dt.datetime(2026, 12, 5, 2, 30, 1, tzinfo=dt.UTC),
    intact=True,
    valid=True,
    trusted=True,
    revocation="good",
    coverage="ENTIRE_REVISION",
    modification="FORM_FILLING",
    certifying=True,
    docmdp_ok=True,
    indication=Indication.TOTAL_PASSED,
    sub_indication=None,
    message="valid",
)
SEAL = replace(PASSED, field="con_dau", certifying=False, modification="NONE")
TIMESTAMP = replace(
    PASSED, field="ts", kind="document timestamp", certifying=False, modification="NONE"
)


def test_the_issued_document_passes() -> None:
    report = decide("h", [PASSED, SEAL])
    assert report.passed and report.sub_indication is None


def test_an_archived_record_passes_with_lta_updates_after_the_seal() -> None:
    report = decide("h", [PASSED, replace(SEAL, modification="LTA_UPDATES"), TIMESTAMP])
    assert report.passed


@pytest.mark.parametrize("after_seal", ["FORM_FILLING", "ANNOTATIONS", "OTHER"])
def test_anything_but_validation_data_after_the_last_signature_fails(after_seal: str) -> None:
    report = decide("h", [PASSED, replace(SEAL, modification=after_seal)])
    assert (report.indication, report.sub_indication) == (
        Indication.TOTAL_FAILED,
        "FORMAT_FAILURE",
    )
    assert report.message.startswith("con_dau:") and after_seal in report.message


def test_more_than_form_filling_after_an_earlier_signature_fails() -> None:
    report = decide("h", [replace(PASSED, modification="ANNOTATIONS"), SEAL])
    assert report.indication is Indication.TOTAL_FAILED
    assert report.message.startswith("chu_ky:")


def test_a_certification_broken_by_what_followed_fails() -> None:
    report = decide("h", [replace(PASSED, docmdp_ok=False), SEAL])
    assert report.indication is Indication.TOTAL_FAILED


def test_a_signature_that_does_not_cover_its_revision_fails() -> None:
    report = decide("h", [replace(PASSED, coverage="CONTIGUOUS_BLOCK_FROM_START"), SEAL])
    assert (report.indication, report.sub_indication) == (
        Indication.TOTAL_FAILED,
        "FORMAT_FAILURE",
    )


def test_no_signature_is_not_a_pass() -> None:
    assert decide("h", []).sub_indication == "NO_SIGNATURE_FOUND"
    only_timestamp = decide("h", [TIMESTAMP])
    assert only_timestamp.indication is Indication.INDETERMINATE


def test_a_failure_outranks_an_indeterminate_result() -> None:
    unsure = replace(
        PASSED, indication=Indication.INDETERMINATE, sub_indication="TRY_LATER", message="later"
    )
    broken = replace(
        SEAL, indication=Indication.TOTAL_FAILED, sub_indication="HASH_FAILURE", message="x"
    )
    report = decide("h", [unsure, broken])
    assert (report.indication, report.sub_indication) == (
        Indication.TOTAL_FAILED,
        "HASH_FAILURE",
    )


INDICATIONS = st.sampled_from(list(Indication))
LEVELS = st.sampled_from(["NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER"])


@given(st.lists(st.tuples(INDICATIONS, LEVELS, st.booleans()), min_size=1, max_size=4))
def test_the_file_passes_only_when_every_signature_passes(
    parts: list[tuple[Indication, str, bool]],
) -> None:
    checks = [
        replace(
            PASSED,
            field=f"s{n}",
            indication=indication,
            sub_indication=None if indication is Indication.TOTAL_PASSED else "X",
            modification=level,
            docmdp_ok=docmdp,
        )
        for n, (indication, level, docmdp) in enumerate(parts)
    ]
    report = decide("h", checks)
    if report.passed:
        assert all(c.indication is Indication.TOTAL_PASSED for c in report.signatures)
        assert all(c.docmdp_ok for c in checks)
        assert checks[-1].modification in ("NONE", "LTA_UPDATES")
    else:
        assert report.sub_indication and report.message


SIG, STAMP = ("signature", True), ("document timestamp", True)


@pytest.mark.parametrize(
    ("parts", "revocation_data", "level"),
    [
        ([], False, None),
        ([STAMP], True, None),
        ([SIG, ("signature", False)], True, "B-B"),
        ([SIG, SIG], False, "B-T"),
        ([SIG, SIG, STAMP], False, "B-T"),
        ([SIG, SIG], True, "B-LT"),
        ([SIG, STAMP, SIG], True, "B-LT"),
        ([SIG, SIG, STAMP], True, "B-LTA"),
        ([SIG, SIG, STAMP, STAMP], True, "B-LTA"),
    ],
)
def test_the_baseline_level_follows_the_file_structure(
    parts: list[tuple[str, bool]], revocation_data: bool, level: str | None
) -> None:
    assert baseline_level(parts, revocation_data=revocation_data) == level
