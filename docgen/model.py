"""The data hoso works on: criteria sets, issuing bodies, unit assessments, recognition policies.

Input shapes are pydantic models (frozen, unknown keys refused) so that every file a clerk
writes is checked the same way and its JSON Schema can be published (`hoso schema`). All text
is NFC-normalised on the way in. Semantic checks that need a criteria set (is this sub-item
known, is this score above its maximum) live in `scoring.validate`, not here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from docgen.vn import nfc

# Characters no document text needs and that would break or disguise one: C0/C1 controls but
# tab and line breaks (a NUL makes the .docx XML invalid), and the bidirectional overrides
# that reorder what a reader sees.
_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    found = _HIDDEN.search(text)
    if found is not None:
        raise ValueError(f"contains the invisible control character U+{ord(found[0]):04X}")
    return text


Text = Annotated[str, AfterValidator(nfc), AfterValidator(_visible)]

# A number of points, from a JSON number or a decimal string. Pydantic states a Decimal's
# string as any string; the published schema (`hoso schema`, the API's) says which strings.
DECIMAL_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
Number = Annotated[
    Decimal,
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": DECIMAL_PATTERN}]}),
]

UnitType = Literal["xa", "phuong", "dac_khu", "co_quan", "doanh_nghiep", "co_so_giao_duc"]
Mode = Literal["xay_dung", "duy_tri"]
# Phân loại phong trào toàn dân bảo vệ ANTQ (QĐ 510/QĐ-BCA-V05), best first.
MovementRating = Literal["xuat_sac", "kha", "trung_binh", "yeu"]
RATING_ORDER: tuple[MovementRating, ...] = ("yeu", "trung_binh", "kha", "xuat_sac")
RATING_LABELS: dict[str, str] = {
    "xuat_sac": "Xuất sắc",
    "kha": "Khá",
    "trung_binh": "Trung bình",
    "yeu": "Yếu",
}
UNIT_TYPE_LABELS: dict[str, str] = {
    "xa": "xã",
    "phuong": "phường",
    "dac_khu": "đặc khu",
    "co_quan": "cơ quan",
    "doanh_nghiep": "doanh nghiệp",
    "co_so_giao_duc": "cơ sở giáo dục",
}
MODE_LABELS: dict[str, str] = {"xay_dung": "năm xây dựng", "duy_tri": "năm duy trì"}
# A verdict as a list, a table or a page says it: a unit in its maintenance year is not
# recognised anew but keeps its title or loses it (seeds/003 §III.1.2; issue 13, item 8).
VERDICT_LABELS: dict[tuple[str, bool], tuple[str, str]] = {
    ("xay_dung", True): ("Đủ điều kiện", "Đủ điều kiện công nhận"),
    ("xay_dung", False): ("Chưa đủ điều kiện", "Chưa đủ điều kiện công nhận"),
    ("duy_tri", True): ("Giữ vững", "Giữ vững danh hiệu"),
    ("duy_tri", False): ("Không giữ vững", "Không giữ vững danh hiệu"),
}


def verdict_label(
    mode: str, recognised: bool, *, shortfalls: Sequence[str] = (), full: bool = False
) -> str:
    """'Đủ điều kiện', 'Chưa đủ điều kiện: …', 'Giữ vững' or 'Không giữ vững: …' for a unit
    assessed in `mode` (an unknown mode reads as a build year); `full` adds what the verdict
    is about ('… công nhận', '… danh hiệu'); the shortfalls follow a verdict that is not met."""
    short, long = VERDICT_LABELS[("duy_tri" if mode == "duy_tri" else "xay_dung", recognised)]
    label = long if full else short
    return f"{label}: {'; '.join(shortfalls)}" if shortfalls and not recognised else label


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- criteria sets (data files in docgen/criteria/) -------------------------------------------


class Figure(_Frozen):
    """A raw figure a numeric rule needs, e.g. the number of reoffenders."""

    id: str
    label: Text
    unit: Literal["count", "percent"]
    part_of: str | None = None
    """The figure this one counts a part of ("Trong đó: …"): it cannot be larger."""


class Condition(_Frozen):
    """One bound on a figure, or on the percentage of two count figures (`ratio`)."""

    figure: str | None = None
    ratio: tuple[str, str] | None = None
    at_least: Number | None = None
    at_most: Number | None = None
    at_least_maintenance: Number | None = None
    at_most_maintenance: Number | None = None

    @model_validator(mode="after")
    def _one_subject_one_bound(self) -> Condition:
        if (self.figure is None) == (self.ratio is None):
            raise ValueError("a condition names either `figure` or `ratio`")
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("a condition has either `at_least` or `at_most`")
        return self


class Rule(_Frozen):
    """How the software decides a numeric sub-item. See docgen/criteria/README.md."""

    kind: Literal["thresholds", "recidivism", "crime_trend"]
    confirm: bool = False
    figures: tuple[Figure, ...]
    conditions: tuple[Condition, ...] = ()


class Item(_Frozen):
    """A sub-item "- … (N điểm)" of a criterion."""

    id: str
    points: Number
    text: Text
    text_maintenance: Text | None = None
    rule: Rule | None = None

    def text_for(self, mode: Mode) -> str:
        if mode == "duy_tri" and self.text_maintenance:
            return self.text_maintenance
        return self.text


class Criterion(_Frozen):
    """A tiêu chí."""

    id: int
    points: Number
    items: tuple[Item, ...]


class Group(_Frozen):
    """A nhóm tiêu chí."""

    id: str
    title: Text
    criteria: tuple[Criterion, ...]


class Source(_Frozen):
    document: Text
    transcribed_from: Text
    corrections: tuple[Text, ...] = ()


class CriteriaSet(_Frozen):
    """A Bộ tiêu chí: groups of criteria of sub-items, with their points."""

    id: str
    title: Text
    unit_types: tuple[UnitType, ...]
    source: Source
    applies_from: dt.date | None = None
    """The date the set takes effect (QĐ 3554: 19/5/2025): an assessment of an earlier year was
    scored with the set of its time and is refused with this one."""
    total_points: Number
    groups: tuple[Group, ...]

    def criteria(self) -> list[Criterion]:
        return [c for g in self.groups for c in g.criteria]

    def items(self) -> dict[str, Item]:
        return {i.id: i for c in self.criteria() for i in c.items}


# --- issuing bodies (samples/bodies/) ------------------------------------------------------------


class Signer(_Frozen):
    id: str
    name: Text
    title: Text  # chức vụ: "CHỦ TỊCH"
    authority: Text | None = None  # quyền hạn: "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"; none
    # when the head of a body led by one person signs in their own name (GIÁM ĐỐC)


class IssuingBody(_Frozen):
    """A cơ quan ban hành: UBND or Công an of a xã, phường, tỉnh or thành phố."""

    id: str
    name: Text
    header_name: Text
    parent_header: Text | None = None
    abbreviation: Text
    place: Text
    kind: Literal["ubnd", "cong_an"]
    level: Literal["tinh", "huyen", "xa"]
    parent: str | None = None
    government: str | None = None
    province: Text
    signers: tuple[Signer, ...]
    recipients: tuple[Text, ...]
    source: Text
    emails: dict[Text, str] = Field(default_factory=dict)
    """E-mail address of each recipient its documents name (a Nơi nhận line's body, or one
    Điều 3 names), by that name as the recipient list writes it; a recipient not here gets
    no mail, and the văn thư is shown so."""


# --- one unit's assessment in one year -----------------------------------------------------------


class Unit(_Frozen):
    """The unit being assessed (xã, phường, cơ quan, …)."""

    name: Text = Field(min_length=1)
    type: UnitType
    issuing_body: str = Field(
        min_length=1, description="id of the issuing body the unit belongs to"
    )
    abbreviation: Text | None = Field(
        default=None, description="chữ viết tắt of the unit in its số ký hiệu (e.g. THPTBS)"
    )
    place: Text | None = Field(default=None, description="địa danh of the unit's documents")
    head: Text | None = Field(default=None, description="name of the unit's head, who signs")
    head_title: Text | None = Field(
        default=None,
        description="chức vụ of the head in the signature block (default by type: CHỦ TỊCH, "
        "HIỆU TRƯỞNG, GIÁM ĐỐC)",
    )


class Gates(_Frozen):
    """Entry conditions from the year before (seeds/000 III.12, seeds/001 III.1)."""

    antt_last_year: bool = Field(description="Đạt tiêu chuẩn “An toàn về ANTT” năm trước")
    movement_rating_last_year: MovementRating = Field(
        description="Phân loại phong trào toàn dân bảo vệ ANTQ năm trước"
    )
    recognised_last_year: bool | None = Field(
        default=None,
        description="Năm trước đạt điển hình (được công nhận hoặc duy trì): only such a unit "
        "has a maintenance year (duy_tri); one that lost the title builds again (xay_dung)",
    )


class Override(_Frozen):
    """A score the clerk sets by hand instead of the computed one, with the reason kept."""

    points: Number
    reason: Text


class Answer(_Frozen):
    """The answer for one sub-item: yes/no with evidence, or the raw figures its rule needs."""

    met: bool | None = Field(default=None, description="Đạt / không đạt (yes/no sub-items)")
    figures: dict[str, Number] = Field(default_factory=dict)
    evidence: Text = ""
    appraised: Number | None = Field(default=None, description="Điểm thẩm định")
    override: Override | None = None


class Expected(_Frozen):
    """What a sample documents as its expected outcome, worked out by hand from the criteria."""

    total: Number
    recognised: bool
    failing_items: tuple[str, ...] = ()
    note: Text = ""


class Assessment(_Frozen):
    """One unit's self-assessment (and optional appraisal) against a criteria set in one year."""

    unit: Unit
    year: int = Field(ge=2000, le=2100)
    mode: Mode
    first_recognised_year: int | None = Field(
        default=None, description="Năm được công nhận lần đầu (bắt buộc với năm duy trì)"
    )
    gates: Gates
    items: dict[str, Answer]
    expected: Expected | None = None


# --- recognition policy ---------------------------------------------------------------------------


class Policy(_Frozen):
    """Which units are recognised. QĐ 3554's own rule is unpublished, so this is configuration."""

    name: Text
    all_criteria_full: bool = True
    min_total: Number | None = None
    mandatory_criteria: tuple[int, ...] = ()
    antt_required: bool = True
    min_rating_last_year: MovementRating | None = "kha"
    threshold_overrides: bool = Field(
        default=False,
        description="may a unit be recognised when points given by hand (override, appraisal) "
        "lift a sub-item whose figures break its hard threshold (không quá 6%, giảm ít nhất 6%)",
    )


DEFAULT_POLICY = Policy(
    name="Đạt đủ tiêu chí trong Bộ tiêu chí (mặc định; điều kiện năm trước: An toàn về ANTT, "
    "phong trào từ loại Khá trở lên)",
)
