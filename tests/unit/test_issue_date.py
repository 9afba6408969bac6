"""The ngày ban hành of an issue: today in Vietnam by default; a given day only inside the
window and in the year the document prints."""

from __future__ import annotations

import datetime as dt

import pytest

from api.settings import Settings
from api.workflow.issue_date import InvalidIssueDate, issue_day

TODAY = dt.date(2026, 12, 7)


def test_without_a_day_it_is_today() -> None:
    assert issue_day(None, today=TODAY, printed_year=2026) == TODAY


@pytest.mark.parametrize("given", [dt.date(1901, 1, 1), dt.date(9999, 12, 31)])
def test_absurd_days_are_refused_naming_the_field(given: dt.date) -> None:
    with pytest.raises(InvalidIssueDate) as caught:
        issue_day(given, today=TODAY, printed_year=2026)
    assert caught.value.field == "date" and caught.value.code == "invalid_issue_date"
    assert "issue window, 2026-11-07 to 2026-12-07" in caught.value.message
    assert "phải từ 07/11/2026 đến 07/12/2026" in caught.value.message_vi


def test_the_window_is_30_days_back_and_none_ahead_by_default() -> None:
    settings = Settings()
    assert (settings.issue_days_back, settings.issue_days_ahead) == (30, 0)
    assert issue_day(dt.date(2026, 11, 7), today=TODAY, printed_year=2026) == dt.date(2026, 11, 7)
    for outside in (dt.date(2026, 11, 6), dt.date(2026, 12, 8)):
        with pytest.raises(InvalidIssueDate):
            issue_day(outside, today=TODAY, printed_year=2026)
    wider = issue_day(dt.date(2026, 12, 9), today=TODAY, printed_year=2026, days_ahead=2)
    assert wider == dt.date(2026, 12, 9)


def test_the_day_must_be_in_the_year_the_document_prints() -> None:
    """A 2026 draft issued on 2 January 2027 would print "năm 2026" under a 2027 số."""
    with pytest.raises(InvalidIssueDate) as caught:
        issue_day(None, today=dt.date(2027, 1, 2), printed_year=2026)
    assert "not in 2026, the year the document prints" in caught.value.message
    assert "phải thuộc năm 2026" in caught.value.message_vi
    # The CLI issuing a file from outside the registry does not know the printed year.
    assert issue_day(None, today=dt.date(2027, 1, 2), printed_year=None) == dt.date(2027, 1, 2)
