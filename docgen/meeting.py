"""The appraisal meeting a Biên bản records, and its rules (pure): it ends after it starts, it
has a place, a secretary and at least one attendee, and its vote has a total above zero and a
number in favour between zero and that total (the Biên bản prints the share in favour).

The rules live here, in the model, so that a meeting YAML (`hoso generate --meeting`), the API
(`POST /api/dossiers`) and the page's form refuse the same input with the same located
message: a `Meeting` that breaks one cannot be made. pydantic, which builds it from YAML and
JSON, lets `InvalidMeeting` through as it is raised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from docgen.errors import InvalidMeeting, MeetingProblem

MISSING_VI = "Thiếu: cần nhập"


@dataclass(frozen=True)
class Meeting:
    """The appraisal meeting of the Công an that a Biên bản records."""

    start: dt.datetime
    end: dt.datetime
    place: str
    attendees: tuple[str, ...]
    secretary: str  # the name only, as it is signed: "Nguyễn Thị Minh Hà"
    votes_for: int
    votes_total: int
    secretary_position: str = ""  # "Thiếu tá, cán bộ Phòng PV01"
    absent: tuple[str, ...] = ()
    """Members invited who did not attend, with the reason: "Đồng chí … (đi công tác)"."""
    votes: Mapping[str, int] | None = None
    """The votes for recognising each unit, by the unit's name; `votes_for` for a unit not
    listed (a meeting that voted once on the whole list)."""

    def __post_init__(self) -> None:
        InvalidMeeting.collect(problems(self))


def problems(meeting: Meeting) -> list[MeetingProblem]:
    """Every rule `meeting` breaks, by field, in the order of the form."""
    found: list[MeetingProblem] = []
    start, end = meeting.start, meeting.end
    if (start.tzinfo is None) != (end.tzinfo is None):
        found.append(
            MeetingProblem(
                "end",
                "give both times with a time zone or both without",
                "Ghi giờ bắt đầu và giờ kết thúc cùng một cách (cùng có hoặc cùng không có "
                "múi giờ)",
            )
        )
    elif end <= start:
        found.append(
            MeetingProblem(
                "end", "the meeting must end after it starts", "Giờ kết thúc phải sau giờ bắt đầu"
            )
        )
    if not meeting.place.strip():
        found.append(MeetingProblem("place", "the meeting's place is missing", MISSING_VI))
    if not any(a.strip() for a in meeting.attendees):
        found.append(
            MeetingProblem(
                "attendees",
                "name at least one attendee",
                "Ghi thành phần tham dự, mỗi dòng một thành phần",
            )
        )
    if not meeting.secretary.strip():
        found.append(MeetingProblem("secretary", "the secretary's name is missing", MISSING_VI))
    if meeting.votes_total <= 0:
        found.append(
            MeetingProblem(
                "votes_total",
                f"the number of votes must be more than 0, not {meeting.votes_total}",
                "Tổng số phiếu phải lớn hơn 0",
            )
        )
    if meeting.votes_for < 0 or meeting.votes_for > max(meeting.votes_total, 0):
        found.append(
            MeetingProblem(
                "votes_for",
                f"the votes in favour must be between 0 and the number of votes "
                f"({meeting.votes_total}), not {meeting.votes_for}",
                "Số phiếu đồng ý từ 0 đến tổng số phiếu",
            )
        )
    for unit, count in (meeting.votes or {}).items():
        if count < 0 or count > max(meeting.votes_total, 0):
            found.append(
                MeetingProblem(
                    "votes",
                    f"the votes for {unit} must be between 0 and the number of votes "
                    f"({meeting.votes_total}), not {count}",
                    f"Số phiếu đồng ý của {unit} từ 0 đến tổng số phiếu",
                )
            )
    return found
