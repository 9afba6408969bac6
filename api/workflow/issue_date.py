"""The ngày ban hành of an issue (pure): today in Vietnam unless the văn thư gives another day,
which must lie in a window around today and in the year the document prints.

The window: at most `days_back` days before today (default 30: a paper document entered late,
a weekend's backlog) and at most `days_ahead` after (default 0: a document is never dated in the
future). Whatever the window, the day's year must be the year the draft prints after "năm": the
số is taken in the series of that year and the registry records that day, so the number, the
registry's date and the printed year always agree (a draft made for another year is
regenerated rather than issued with a date its text contradicts). 1901-01-01 and 9999-12-31
therefore never pass.
"""

from __future__ import annotations

import datetime as dt

from docgen.errors import HosoError

VIETNAM = dt.timezone(dt.timedelta(hours=7))  # Asia/Ho_Chi_Minh: no daylight saving since 1975


class InvalidIssueDate(HosoError):
    """A ngày ban hành outside the window, or of another year than the one the document prints."""

    code = "invalid_issue_date"


def today() -> dt.date:
    """Today's date in Vietnam (the server's clock may run in UTC)."""
    return dt.datetime.now(VIETNAM).date()


def issue_day(
    given: dt.date | None,
    *,
    today: dt.date,
    printed_year: int | None,
    days_back: int = 30,
    days_ahead: int = 0,
) -> dt.date:
    """`given`, or `today`, once checked; InvalidIssueDate (field "date") otherwise.
    `printed_year` is the year after "năm" in the document (None: not known, e.g. a PDF the CLI
    issues from outside the registry)."""
    day = given or today
    earliest, latest = today - dt.timedelta(days=days_back), today + dt.timedelta(days=days_ahead)
    if not earliest <= day <= latest:
        raise InvalidIssueDate(
            f"date: {day.isoformat()} is outside the issue window, {earliest.isoformat()} to "
            f"{latest.isoformat()} ({days_back} days back, {days_ahead} ahead of today)",
            message_vi=f"Ngày ban hành {_shown(day)} phải từ {_shown(earliest)} "
            f"đến {_shown(latest)}",
            field="date",
        )
    if printed_year is not None and day.year != printed_year:
        raise InvalidIssueDate(
            f"date: {day.isoformat()} is not in {printed_year}, the year the document prints",
            message_vi=f"Ngày ban hành {_shown(day)} phải thuộc năm {printed_year}, năm "
            "ghi trên văn bản; muốn ban hành năm khác, hãy tạo lại dự thảo",
            field="date",
        )
    return day


def _shown(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"
