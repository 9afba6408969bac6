"""The appraisal meeting's rules, in the model: a meeting that breaks one cannot be made, and
every rule broken is named by its field, in English and in Vietnamese."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import TypeAdapter

from docgen.errors import InvalidMeeting
from docgen.meeting import Meeting

GOOD: dict[str, Any] = {
    "start": dt.datetime(2026, 11, 25, 8, 0),
    "end": dt.datetime(2026, 11, 25, 10, 30),
    "place": "Hội trường Công an thành phố",
    "attendees": ("Đại diện Ủy ban nhân dân thành phố",),
    "secretary": "Đặng Quốc Việt",
    "votes_for": 9,
    "votes_total": 11,
}


def refused(**changes: Any) -> InvalidMeeting:
    with pytest.raises(InvalidMeeting) as caught:
        Meeting(**{**GOOD, **changes})
    return caught.value


def test_a_meeting_that_keeps_the_rules_is_made() -> None:
    assert Meeting(**GOOD).votes_total == 11
    assert Meeting(**{**GOOD, "votes_for": 0}).votes_for == 0
    assert Meeting(**{**GOOD, "votes_for": 11}).votes_for == 11


def test_no_votes_at_all_is_refused_naming_the_field() -> None:
    exc = refused(votes_total=0, votes_for=0)
    assert [p.field for p in exc.problems] == ["votes_total"]
    assert exc.field == "votes_total" and exc.code == "invalid_meeting"
    assert exc.message_vi == "votes_total: Tổng số phiếu phải lớn hơn 0"
    assert "more than 0, not 0" in exc.message


@pytest.mark.parametrize(
    ("changes", "field", "vi"),
    [
        ({"end": dt.datetime(2026, 11, 25, 8, 0)}, "end", "Giờ kết thúc phải sau giờ bắt đầu"),
        (
            {"end": dt.datetime(2026, 11, 25, 10, 30, tzinfo=dt.UTC)},
            "end",
            "Ghi giờ bắt đầu và giờ kết thúc cùng một cách",
        ),
        ({"place": "  "}, "place", "Thiếu: cần nhập"),
        ({"attendees": ("", " ")}, "attendees", "Ghi thành phần tham dự"),
        ({"secretary": ""}, "secretary", "Thiếu: cần nhập"),
        ({"votes_for": 12}, "votes_for", "Số phiếu đồng ý từ 0 đến tổng số phiếu"),
        ({"votes_for": -1}, "votes_for", "Số phiếu đồng ý từ 0 đến tổng số phiếu"),
        ({"votes_total": -3}, "votes_total", "Tổng số phiếu phải lớn hơn 0"),
    ],
)
def test_each_rule_names_its_field(changes: dict[str, Any], field: str, vi: str) -> None:
    exc = refused(**changes)
    assert exc.problems[0].field == field
    assert exc.problems[0].message_vi.startswith(vi)


def test_every_rule_broken_is_named_at_once() -> None:
    exc = refused(end=GOOD["start"], place="", votes_for=12)
    assert [p.field for p in exc.problems] == ["end", "place", "votes_for"]


def test_pydantic_lets_the_rules_through_unchanged() -> None:
    """YAML and JSON reach the model through pydantic: the same exception, not a 500."""
    data = {**GOOD, "votes_total": 0, "votes_for": 0}
    with pytest.raises(InvalidMeeting) as caught:
        TypeAdapter(Meeting).validate_python(data)
    assert caught.value.field == "votes_total"
    assert caught.value.under("meeting.").field == "meeting.votes_total"
