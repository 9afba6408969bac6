"""Assessment in, scored result out: points and a reason in words for every sub-item, sums per
criterion and group, and the recognition verdict under a named policy.

Pure functions with exact arithmetic (Decimal; scores move in half points). `validate` lists
every problem of an input at once; `score` refuses an input with any problem, so nothing is ever
scored from a bad file. Reading files is `docgen.inputs`' job, not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from docgen import vn
from docgen.errors import InvalidAssessment, Problem
from docgen.model import (
    RATING_LABELS,
    RATING_ORDER,
    Answer,
    Assessment,
    Condition,
    CriteriaSet,
    Figure,
    Item,
    Mode,
    Policy,
)

HALF = Decimal("0.5")
ZERO = Decimal(0)


@dataclass(frozen=True)
class ItemScore:
    """One sub-item: the computed points, the self score (after any override), the appraisal."""

    id: str
    text: str
    max_points: Decimal
    computed: Decimal
    self_points: Decimal
    appraised: Decimal | None
    reason: str
    evidence: str
    override_reason: str | None
    broken_threshold: str | None = None
    """What a numeric rule (a hard threshold: "không quá 6%", "giảm ít nhất 6%") found when the
    figures failed it: an override or appraisal may change the points, not that finding."""

    @property
    def lifted(self) -> bool:
        """Points given by hand to a sub-item whose figures break its threshold."""
        return self.broken_threshold is not None and self.final > self.computed

    @property
    def final(self) -> Decimal:
        """The score that counts: the appraised one where given, else the self score."""
        return self.self_points if self.appraised is None else self.appraised


@dataclass(frozen=True)
class CriterionScore:
    id: int
    max_points: Decimal
    items: tuple[ItemScore, ...]

    @property
    def self_points(self) -> Decimal:
        return sum((i.self_points for i in self.items), ZERO)

    @property
    def final(self) -> Decimal:
        return sum((i.final for i in self.items), ZERO)

    @property
    def appraised(self) -> Decimal | None:
        if all(i.appraised is None for i in self.items):
            return None
        return self.final

    @property
    def achieved(self) -> bool:
        return self.final == self.max_points


@dataclass(frozen=True)
class GroupScore:
    id: str
    title: str
    max_points: Decimal
    criteria: tuple[CriterionScore, ...]

    @property
    def self_points(self) -> Decimal:
        return sum((c.self_points for c in self.criteria), ZERO)

    @property
    def final(self) -> Decimal:
        return sum((c.final for c in self.criteria), ZERO)


@dataclass(frozen=True)
class Verdict:
    """Whether the unit is recognised, under which policy, and every reason it falls short."""

    recognised: bool
    policy: str
    shortfalls: tuple[str, ...]
    notes: tuple[str, ...] = ()
    """What the verdict accepted by the policy's leave: a threshold overridden by hand."""


@dataclass(frozen=True)
class AssessmentResult:
    assessment: Assessment
    criteria_set: str
    max_points: Decimal
    groups: tuple[GroupScore, ...]
    verdict: Verdict

    @property
    def self_points(self) -> Decimal:
        return sum((g.self_points for g in self.groups), ZERO)

    @property
    def final(self) -> Decimal:
        return sum((g.final for g in self.groups), ZERO)

    @property
    def appraised(self) -> bool:
        return any(i.appraised is not None for i in self.item_scores())

    def criteria(self) -> list[CriterionScore]:
        return [c for g in self.groups for c in g.criteria]

    def item_scores(self) -> list[ItemScore]:
        return [i for c in self.criteria() for i in c.items]


# --- validation -----------------------------------------------------------------------------------


def _check_points(value: Decimal, maximum: Decimal, where: str) -> list[Problem]:
    if not value.is_finite():
        return [Problem(where, "is not a number")]
    if value < 0:
        return [Problem(where, f"{value} is negative; scores run from 0 to {maximum}")]
    if value > maximum:
        return [Problem(where, f"{value} is above the sub-item maximum of {maximum} points")]
    if value % HALF:
        return [Problem(where, f"{value} is not a whole or half point")]
    return []


FIGURE_LIMIT = Decimal(10) ** 9
"""No figure of a unit (people, cases, per cent) comes near a billion; a larger one is a typo
and would only overflow the formatting of the reason."""


def _check_answer(item: Item, answer: Answer, where: str) -> list[Problem]:
    problems: list[Problem] = []
    rule = item.rule
    if rule is None:
        if answer.met is None:
            problems.append(Problem(f"{where}.met", "missing: answer yes (đạt) or no (chưa đạt)"))
        for fid in answer.figures:
            problems.append(Problem(f"{where}.figures.{fid}", "this sub-item takes no figures"))
    else:
        if rule.confirm and answer.met is None:
            problems.append(
                Problem(f"{where}.met", "missing: this sub-item also needs a yes/no answer")
            )
        declared = {f.id: f for f in rule.figures}
        for fid in answer.figures:
            if fid not in declared:
                known = ", ".join(declared)
                problems.append(
                    Problem(f"{where}.figures.{fid}", f"unknown figure (known: {known})")
                )
        for fid, fig in declared.items():
            value = answer.figures.get(fid)
            loc = f"{where}.figures.{fid}"
            if value is None:
                problems.append(Problem(loc, f"missing: {fig.label}"))
            elif not value.is_finite():
                problems.append(Problem(loc, "is not a number"))
            elif abs(value) > FIGURE_LIMIT:
                problems.append(Problem(loc, f"{value} is beyond any real figure (over 10⁹)"))
            elif fig.unit == "count" and (value < 0 or value != value.to_integral_value()):
                problems.append(Problem(loc, f"{value} is not a whole number of 0 or more"))
            elif fig.unit == "percent" and not ZERO <= value <= 100:
                problems.append(Problem(loc, f"{value} % is outside 0–100"))
        if not problems:
            problems += _check_ratios(item, answer, where)
    if answer.override is not None:
        problems += _check_points(answer.override.points, item.points, f"{where}.override.points")
        if not answer.override.reason.strip():
            problems.append(
                Problem(f"{where}.override.reason", "missing: an override needs a reason")
            )
    if answer.appraised is not None:
        problems += _check_points(answer.appraised, item.points, f"{where}.appraised")
    return problems


def _check_ratios(item: Item, answer: Answer, where: str) -> list[Problem]:
    assert item.rule is not None
    pairs = [c.ratio for c in item.rule.conditions if c.ratio is not None]
    pairs += [(fig.id, fig.part_of) for fig in item.rule.figures if fig.part_of is not None]
    if item.rule.kind == "recidivism":
        pairs.append(("reoffenders", "released"))
    f = answer.figures
    return [
        Problem(f"{where}.figures.{num}", f"{f[num]} is more than {den} ({f[den]})")
        for num, den in pairs
        if f[num] > f[den]
    ]


def validate(assessment: Assessment, criteria: CriteriaSet) -> list[Problem]:
    """Every problem of `assessment` against `criteria`, with the field path of each."""
    problems: list[Problem] = []
    if assessment.unit.type not in criteria.unit_types:
        problems.append(
            Problem(
                "unit.type",
                f"'{assessment.unit.type}' is not assessed with the criteria set '{criteria.id}'",
            )
        )
    start = criteria.applies_from
    if start is not None and assessment.year < start.year:
        problems.append(
            Problem(
                "year",
                f"{assessment.year} is before the criteria set '{criteria.id}' applies "
                f"({criteria.source.document}, from {start:%d/%m/%Y}); an assessment of "
                f"{assessment.year} is scored with the set of its time (QĐ 9745/QĐ-BCA-V05 of "
                "28/12/2022), which hoso does not hold",
            )
        )
    first = assessment.first_recognised_year
    last_year = assessment.gates.recognised_last_year
    if assessment.mode == "duy_tri" and last_year is False:
        # Seed 001: maintenance thresholds are for units "đã đạt điển hình … của năm trước đó".
        problems.append(
            Problem(
                "mode",
                "a maintenance year (duy_tri) is only for a unit recognised the year before "
                "(gates.recognised_last_year is false): a unit that lost the title builds "
                "again (xay_dung)",
            )
        )
    elif assessment.mode == "duy_tri":
        if first is None:
            problems.append(
                Problem(
                    "first_recognised_year",
                    "missing: a maintenance year (duy_tri) needs "
                    "the year the unit was first recognised",
                )
            )
        elif first >= assessment.year:
            problems.append(
                Problem(
                    "first_recognised_year",
                    f"{first} is not before the assessed year {assessment.year}",
                )
            )
    elif first is not None and last_year is not False:
        problems.append(
            Problem(
                "first_recognised_year",
                "a build year (xay_dung) has no earlier recognition; use mode duy_tri, or "
                "gates.recognised_last_year: false for a unit that lost the title",
            )
        )
    elif first is not None and first >= assessment.year:
        problems.append(
            Problem(
                "first_recognised_year",
                f"{first} is not before the assessed year {assessment.year}",
            )
        )
    items = criteria.items()
    for item_id in assessment.items:
        if item_id not in items:
            problems.append(Problem(f"items.{item_id}", f"unknown sub-item for '{criteria.id}'"))
    for item_id, item in items.items():
        answer = assessment.items.get(item_id)
        if answer is None:
            problems.append(Problem(f"items.{item_id}", "missing: every sub-item needs an answer"))
        else:
            problems += _check_answer(item, answer, f"items.{item_id}")
    return problems


# --- rules ----------------------------------------------------------------------------------------


def _pct(num: Decimal, den: Decimal) -> str:
    return vn.number(num * 100 / den, max_decimals=2) + "%"


def _n(value: Decimal) -> str:
    return vn.number(value)


def _condition(
    cond: Condition, figures: dict[str, Decimal], declared: dict[str, Figure], mode: Mode
) -> tuple[bool, str]:
    lower = cond.at_least is not None
    bound = cond.at_least if lower else cond.at_most
    seasonal = cond.at_least_maintenance if lower else cond.at_most_maintenance
    suffix = ""
    if mode == "duy_tri" and seasonal is not None:
        bound, suffix = seasonal, " (năm duy trì)"
    assert bound is not None
    ok_sym, bad_sym, need = ("≥", "<", "ít nhất") if lower else ("≤", ">", "nhiều nhất")

    def holds(left: Decimal, right: Decimal) -> bool:
        return left >= right if lower else left <= right

    if cond.ratio is not None:
        num_id, den_id = cond.ratio
        num, den = figures[num_id], figures[den_id]
        if den == 0:
            return True, f"{declared[den_id].label}: 0, không có đối tượng phải đạt tỉ lệ"
        ok = holds(num * 100, bound * den)
        shown = f"{declared[num_id].label}: {_n(num)}/{_n(den)} = {_pct(num, den)}"
        return ok, f"{shown} {ok_sym if ok else bad_sym} {_n(bound)}%{suffix}"
    assert cond.figure is not None
    value, fig = figures[cond.figure], declared[cond.figure]
    unit = "%" if fig.unit == "percent" else ""
    ok = holds(value, bound)
    shown = f"{fig.label}: {_n(value)}{unit}"
    if ok:
        return True, f"{shown} {ok_sym} {_n(bound)}{unit}{suffix}"
    return False, f"{shown}, yêu cầu {need} {_n(bound)}{unit}{suffix}"


def recidivism(released: int, reoffenders: int) -> tuple[bool, str]:
    """Tiêu chí 13 (xã): ≥ 20 released → ≤ 6 % reoffend; fewer → at most 1; none → held."""
    if released == 0:
        return True, "địa bàn không có đối tượng, duy trì giữ vững"
    if released >= 20:
        ok = reoffenders * 100 <= 6 * released
        rate = _pct(Decimal(reoffenders), Decimal(released))
        return ok, (
            f"{reoffenders}/{released} đối tượng tái phạm = {rate} "
            f"{'≤' if ok else '>'} 6% (địa bàn có từ 20 đối tượng trở lên)"
        )
    ok = reoffenders <= 1
    return ok, (
        f"{reoffenders} đối tượng tái phạm trong {released} đối tượng "
        f"{'≤' if ok else '>'} 01 (địa bàn có dưới 20 đối tượng)"
    )


def crime_trend(previous: int, current: int) -> tuple[bool, str]:
    """Tiêu chí 19 (xã): < 10 last year → no increase; 10–19 → ≥ 1 fewer; ≥ 20 → ≥ 6 % fewer."""
    shown = f"{current} vụ phạm tội về TTXH, cùng kỳ năm trước {previous} vụ"
    if previous < 10:
        ok = current <= previous
        return ok, f"{shown}; địa bàn dưới 10 vụ {'không tăng' if ok else 'tăng, phải không tăng'}"
    if previous < 20:
        ok = current <= previous - 1
        return ok, (
            f"{shown}; địa bàn từ 10 đến dưới 20 vụ "
            f"{'giảm ít nhất 01 vụ' if ok else 'phải giảm ít nhất 01 vụ'}"
        )
    ok = (previous - current) * 100 >= 6 * previous
    change = _pct(Decimal(previous - current), Decimal(previous))
    return ok, (
        f"{shown}, giảm {change}; địa bàn từ 20 vụ trở lên "
        f"{'giảm ít nhất 6%' if ok else 'phải giảm ít nhất 6%'}"
    )


def score_item(item: Item, answer: Answer, mode: Mode) -> ItemScore:
    """Points and the reason in words for one valid answer."""
    rule = item.rule
    if rule is None:
        assert answer.met is not None
        ok = answer.met
        reason = "đơn vị xác nhận đã thực hiện" if ok else "đơn vị xác nhận chưa thực hiện"
    else:
        f = answer.figures
        if rule.kind == "recidivism":
            ok, reason = recidivism(int(f["released"]), int(f["reoffenders"]))
        elif rule.kind == "crime_trend":
            ok, reason = crime_trend(int(f["crimes_previous_year"]), int(f["crimes_this_year"]))
        else:
            declared = {fig.id: fig for fig in rule.figures}
            results = [_condition(c, f, declared, mode) for c in rule.conditions]
            ok = all(r for r, _ in results)
            reason = "; ".join(text for _, text in results)
        if answer.met is False:
            ok = False
            reason += "; đơn vị xác nhận chưa đạt phần nội dung còn lại"
    computed = item.points if ok else ZERO
    broken = reason if rule is not None and not ok else None
    reason = f"{'Đạt' if ok else 'Không đạt'}: {reason}"
    self_points, override_reason = computed, None
    if answer.override is not None:
        self_points, override_reason = answer.override.points, answer.override.reason
        reason += f". Điều chỉnh thành {vn.points(self_points)}: {override_reason}"
    if answer.appraised is not None and answer.appraised != self_points:
        reason += f". Thẩm định: {vn.points(answer.appraised)}"
    return ItemScore(
        id=item.id,
        text=item.text_for(mode),
        max_points=item.points,
        computed=computed,
        self_points=self_points,
        appraised=answer.appraised,
        reason=reason,
        evidence=answer.evidence,
        override_reason=override_reason,
        broken_threshold=broken,
    )


# --- verdict --------------------------------------------------------------------------------------


def decide(
    assessment: Assessment, criteria: tuple[CriterionScore, ...], total: Decimal, policy: Policy
) -> Verdict:
    """Apply `policy`; name every reason the unit falls short."""
    shortfalls: list[str] = []
    gates = assessment.gates
    if policy.antt_required and not gates.antt_last_year:
        shortfalls.append("Năm trước chưa đạt tiêu chuẩn “An toàn về ANTT”")
    minimum = policy.min_rating_last_year
    rating = gates.movement_rating_last_year
    if minimum is not None and RATING_ORDER.index(rating) < RATING_ORDER.index(minimum):
        shortfalls.append(
            f"Năm trước phong trào xếp loại {RATING_LABELS[rating]}, "
            f"yêu cầu từ loại {RATING_LABELS[minimum]} trở lên"
        )
    for c in criteria:
        if not c.achieved and (policy.all_criteria_full or c.id in policy.mandatory_criteria):
            shortfalls.append(f"Tiêu chí {c.id} đạt {vn.number(c.final)}/{vn.points(c.max_points)}")
    notes: list[str] = []
    for c in criteria:
        for i in c.items:
            if not i.lifted:
                continue
            why = i.override_reason or "điểm thẩm định"
            text = (
                f"Nội dung {i.id} không đạt ngưỡng bắt buộc ({i.broken_threshold}) nhưng được "
                f"điều chỉnh thành {vn.points(i.final)} ({why})"
            )
            if policy.threshold_overrides:
                notes.append(text + "; chính sách công nhận cho phép")
            else:
                shortfalls.append(text + "; chính sách công nhận không cho phép")
    if policy.min_total is not None and total < policy.min_total:
        shortfalls.append(
            f"Tổng điểm {vn.number(total)} thấp hơn mức tối thiểu {vn.points(policy.min_total)}"
        )
    return Verdict(
        recognised=not shortfalls,
        policy=policy.name,
        shortfalls=tuple(shortfalls),
        notes=tuple(notes),
    )


def score(assessment: Assessment, criteria: CriteriaSet, policy: Policy) -> AssessmentResult:
    """Score a valid assessment; raise `InvalidAssessment` with every problem otherwise."""
    InvalidAssessment.collect(validate(assessment, criteria))
    groups = tuple(
        GroupScore(
            id=g.id,
            title=g.title,
            max_points=sum((c.points for c in g.criteria), ZERO),
            criteria=tuple(
                CriterionScore(
                    id=c.id,
                    max_points=c.points,
                    items=tuple(
                        score_item(i, assessment.items[i.id], assessment.mode) for i in c.items
                    ),
                )
                for c in g.criteria
            ),
        )
        for g in criteria.groups
    )
    all_criteria = tuple(c for g in groups for c in g.criteria)
    total = sum((c.final for c in all_criteria), ZERO)
    return AssessmentResult(
        assessment=assessment,
        criteria_set=criteria.id,
        max_points=criteria.total_points,
        groups=groups,
        verdict=decide(assessment, all_criteria, total, policy),
    )
