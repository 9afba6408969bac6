"""ND 30's rules around the seal, as pure functions: which body a name is, which fields may be
filled between the chair and the seal."""

from __future__ import annotations

import pytest

from signing import nd30

HEADER = nd30.normalise_name("ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG Số: /QĐ-UBND")


@pytest.mark.parametrize(
    "organisation",
    [
        "TEST Ủy ban nhân dân thành phố Hải Phòng",
        "Uỷ ban nhân dân thành phố Hải Phòng",
        "UBND TP Hải Phòng",
        "UBND TP. HẢI PHÒNG",
        "ỦY BAN NHÂN DÂN  THÀNH PHỐ\u00a0HẢI PHÒNG",
    ],
)
def test_the_same_body_however_its_certificate_spells_it(organisation: str) -> None:
    assert nd30.names_body(HEADER, organisation)


@pytest.mark.parametrize(
    "organisation",
    ["TEST Ủy ban nhân dân tỉnh Bắc Ninh", "Công an thành phố Hải Phòng", "", None],
)
def test_another_body_or_none_is_not_the_header_s(organisation: str | None) -> None:
    assert not nd30.names_body(HEADER, organisation)


def test_old_and_new_tone_placement_compare_equal() -> None:
    assert nd30.normalise_name("Thanh Hoá") == nd30.normalise_name("THANH HÓA")
    assert nd30.normalise_name("Uỷ ban") == nd30.normalise_name("Ủy ban")


def test_only_the_blanks_may_be_filled_between_chair_and_seal() -> None:
    before = {"so": "", "ngay": "", "thang": "", "so_p2": "", "ghi_chu": ""}
    blanks = {**before, "so": "06", "ngay": "05", "thang": "12", "so_p2": "06"}
    assert nd30.filled_between(before, blanks) == []
    assert nd30.filled_between(before, {**blanks, "ghi_chu": "Điều 1. …"}) == ["ghi_chu"]
    assert nd30.filled_between(before, {**blanks, "new": "x"}) == ["new"]
