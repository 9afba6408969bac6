from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from docgen import criteria, scoring
from docgen.errors import InvalidAssessment
from docgen.model import DEFAULT_POLICY, Assessment, CriteriaSet, Policy
from tests.conftest import full_marks

XA = criteria.load("xa_phuong")
CQ = criteria.load("co_quan")


def run(
    raw: dict[str, Any], cs: CriteriaSet = XA, policy: Policy = DEFAULT_POLICY
) -> scoring.AssessmentResult:
    return scoring.score(Assessment.model_validate(raw), cs, policy)


def with_item(cs: CriteriaSet, item_id: str, answer: dict[str, Any], **top: Any) -> dict[str, Any]:
    raw = full_marks(cs, **top)
    raw["items"][item_id] = answer
    return raw


def item(result: scoring.AssessmentResult, item_id: str) -> scoring.ItemScore:
    return next(i for i in result.item_scores() if i.id == item_id)


def test_full_marks_scores_the_whole_set(criteria_set: CriteriaSet) -> None:
    result = run(full_marks(criteria_set), criteria_set)
    assert result.self_points == result.final == criteria_set.total_points
    assert result.verdict.recognised
    assert result.verdict.shortfalls == ()
    assert all(i.reason.startswith("Đạt") for i in result.item_scores())


@pytest.mark.parametrize(
    ("released", "reoffenders", "ok"),
    [
        (25, 2, False),  # 8 %
        (50, 3, True),  # 6 % exactly
        (100, 6, True),
        (100, 7, False),
        (20, 1, True),  # 5 %
        (20, 2, False),  # 10 %
        (19, 1, True),  # fewer than 20: at most one
        (19, 2, False),
        (1, 1, True),
        (0, 0, True),  # none: held
    ],
)
def test_recidivism_rule(released: int, reoffenders: int, ok: bool) -> None:
    assert scoring.recidivism(released, reoffenders)[0] is ok
    answer = {"met": True, "figures": {"released": released, "reoffenders": reoffenders}}
    result = run(with_item(XA, "13.1", answer))
    assert item(result, "13.1").self_points == (Decimal(5) if ok else 0)
    assert result.verdict.recognised is ok


@pytest.mark.parametrize(
    ("previous", "current", "ok"),
    [
        (9, 9, True),  # fewer than 10: no increase
        (9, 10, False),
        (0, 0, True),
        (10, 9, True),  # 10–19: at least one fewer
        (10, 10, False),
        (15, 15, False),
        (15, 14, True),
        (19, 18, True),
        (20, 19, False),  # 20 or more: at least 6 % fewer; 5 %
        (20, 18, True),  # 10 %
        (50, 47, True),  # 6 % exactly
        (50, 48, False),  # 4 %
        (100, 94, True),
        (100, 95, False),
    ],
)
def test_crime_trend_rule(previous: int, current: int, ok: bool) -> None:
    assert scoring.crime_trend(previous, current)[0] is ok
    figures = {"crimes_previous_year": previous, "crimes_this_year": current}
    result = run(with_item(XA, "19.4", {"figures": figures}))
    assert item(result, "19.4").self_points == (Decimal(6) if ok else 0)


def test_reason_names_the_figures_and_the_bound() -> None:
    result = run(
        with_item(XA, "13.1", {"met": True, "figures": {"released": 25, "reoffenders": 2}})
    )
    reason = item(result, "13.1").reason
    assert reason.startswith("Không đạt")
    assert "2/25" in reason and "8%" in reason and "6%" in reason
    assert "Tiêu chí 13 đạt 0/5 điểm" in result.verdict.shortfalls


@pytest.mark.parametrize(("mode", "ok"), [("xay_dung", False), ("duy_tri", True)])
def test_officers_95_percent_only_in_maintenance_years(mode: str, ok: bool) -> None:
    top: dict[str, Any] = {"mode": mode}
    if mode == "duy_tri":
        top["first_recognised_year"] = 2025
    raw = with_item(XA, "5.2", {"figures": {"officers": 20, "officers_good": 19}}, **top)
    result = run(raw)
    assert item(result, "5.2").self_points == (Decimal(2) if ok else 0)
    assert "95%" in item(result, "5.2").reason


def test_officers_below_95_percent_fail_even_in_maintenance_years() -> None:
    raw = with_item(
        XA,
        "5.2",
        {"figures": {"officers": 40, "officers_good": 37}},
        mode="duy_tri",
        first_recognised_year=2024,
    )
    assert item(run(raw), "5.2").self_points == 0  # 92,5 %


@pytest.mark.parametrize(
    ("mode", "count", "ok"),
    [("xay_dung", 3, True), ("xay_dung", 2, False), ("duy_tri", 2, True), ("duy_tri", 1, False)],
)
def test_commendations_3_or_2_in_maintenance(mode: str, count: int, ok: bool) -> None:
    top: dict[str, Any] = {"mode": mode}
    if mode == "duy_tri":
        top["first_recognised_year"] = 2025
    result = run(with_item(XA, "9.1", {"figures": {"commendations": count}}, **top))
    assert item(result, "9.1").self_points == (Decimal(3) if ok else 0)


def test_maintenance_text_is_used_in_maintenance_years() -> None:
    raw = full_marks(XA, mode="duy_tri", first_recognised_year=2025)
    scored = item(run(raw), "8.1")
    assert scored.text == XA.items()["8.1"].text_maintenance
    assert item(run(full_marks(XA)), "8.1").text == XA.items()["8.1"].text


def test_zero_denominator_holds_vacuously() -> None:
    raw = with_item(
        XA, "12.1", {"met": True, "figures": {"conditional_businesses": 0, "signed_commitments": 0}}
    )
    assert item(run(raw), "12.1").self_points == 2


def test_confirm_no_fails_a_numeric_item_with_a_qualitative_part() -> None:
    raw = with_item(XA, "13.1", {"met": False, "figures": {"released": 0, "reoffenders": 0}})
    scored = item(run(raw), "13.1")
    assert scored.self_points == 0 and "chưa đạt" in scored.reason


def test_yes_no_items() -> None:
    result = run(with_item(XA, "14.2", {"met": False, "evidence": "Xếp loại Khá"}))
    scored = item(result, "14.2")
    assert scored.self_points == 0 and scored.evidence == "Xếp loại Khá"
    assert result.final == 94


def test_override_replaces_the_computed_points_and_keeps_the_reason() -> None:
    answer = {"met": False, "override": {"points": 1.5, "reason": "Đã khắc phục một phần"}}
    scored = item(run(with_item(XA, "4.3", answer)), "4.3")
    assert scored.computed == 0
    assert scored.self_points == Decimal("1.5")
    assert scored.override_reason == "Đã khắc phục một phần"
    assert "1,5 điểm" in scored.reason


def test_appraised_scores_decide() -> None:
    raw = full_marks(XA)
    raw["items"]["10.1"]["appraised"] = 1
    raw["items"]["16.2"]["appraised"] = Decimal("0.5")
    result = run(raw)
    assert result.self_points == 100
    assert result.final == Decimal("97.5")
    assert result.appraised
    assert not result.verdict.recognised
    c10 = next(c for c in result.criteria() if c.id == 10)
    assert c10.appraised == 3 and c10.self_points == 5


def test_gates_and_policies() -> None:
    raw = full_marks(CQ, gates={"antt_last_year": False, "movement_rating_last_year": "trung_binh"})
    v = run(raw, CQ).verdict
    assert not v.recognised
    assert len(v.shortfalls) == 2
    assert "An toàn về ANTT" in v.shortfalls[0] and "Trung bình" in v.shortfalls[1]
    no_gates = Policy(name="không xét điều kiện", antt_required=False, min_rating_last_year=None)
    assert run(raw, CQ, no_gates).verdict.recognised


def test_min_total_and_mandatory_criteria_policy() -> None:
    raw = with_item(XA, "14.2", {"met": False})  # 94 points, criterion 14 short
    lenient = Policy(name="tối thiểu 90 điểm", all_criteria_full=False, min_total=Decimal(90))
    assert run(raw, policy=lenient).verdict.recognised
    strict = Policy(
        name="90 điểm, tiêu chí 14 bắt buộc",
        all_criteria_full=False,
        min_total=Decimal(90),
        mandatory_criteria=(14,),
    )
    verdict = run(raw, policy=strict).verdict
    assert not verdict.recognised and verdict.policy == strict.name
    assert verdict.shortfalls == ("Tiêu chí 14 đạt 6/12 điểm",)
    high = Policy(name="tối thiểu 95", all_criteria_full=False, min_total=Decimal(95))
    assert run(raw, policy=high).verdict.shortfalls == (
        "Tổng điểm 94 thấp hơn mức tối thiểu 95 điểm",
    )


def problems_of(raw: dict[str, Any], cs: CriteriaSet = XA) -> list[str]:
    return [str(p) for p in scoring.validate(Assessment.model_validate(raw), cs)]


def test_every_problem_is_reported_at_once() -> None:
    raw = full_marks(XA, mode="duy_tri")
    items = raw["items"]
    items["99.1"] = {"met": True}
    del items["1.2"]
    items["4.1"] = {"met": True, "override": {"points": 3, "reason": "x"}}
    items["4.2"] = {"met": True, "override": {"points": 1, "reason": "  "}}
    items["4.3"] = {"met": True, "appraised": -1}
    items["6.1"] = {"met": True, "appraised": Decimal("0.3")}
    items["10.1"] = {"figures": {"propaganda_rounds": Decimal("4.5"), "propaganda_coverage": 101}}
    items["13.1"] = {"met": True, "figures": {"released": 10, "reoffenders": 11}}
    items["7.1"] = {"figures": {"x": 1}}
    items["9.1"] = {"figures": {}}
    problems = problems_of(raw)
    expected = [
        "first_recognised_year: missing",
        "items.99.1: unknown sub-item",
        "items.1.2: missing",
        "items.4.1.override.points: 3 is above the sub-item maximum of 2",
        "items.4.2.override.reason: missing",
        "items.4.3.appraised: -1 is negative",
        "items.6.1.appraised: 0.3 is not a whole or half point",
        "items.10.1.figures.propaganda_rounds: 4.5 is not a whole number",
        "items.10.1.figures.propaganda_coverage: 101 % is outside 0–100",
        "items.13.1.figures.reoffenders: 11 is more than released",
        "items.7.1.met: missing",
        "items.7.1.figures.x: this sub-item takes no figures",
        "items.9.1.figures.commendations: missing",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert len(problems) == len(expected)
    with pytest.raises(InvalidAssessment) as exc:
        scoring.score(Assessment.model_validate(raw), XA, DEFAULT_POLICY)
    assert len(exc.value.problems) == len(expected)


def test_unit_type_must_match_the_set_and_years_must_make_sense() -> None:
    raw = full_marks(
        XA,
        unit={"name": "Trường", "type": "co_so_giao_duc", "issuing_body": "x"},
        first_recognised_year=2025,
    )
    problems = problems_of(raw)
    assert any(p.startswith("unit.type") for p in problems)
    assert any(p.startswith("first_recognised_year: a build year") for p in problems)
    late = full_marks(XA, mode="duy_tri", first_recognised_year=2026)
    assert problems_of(late) == ["first_recognised_year: 2026 is not before the assessed year 2026"]


def test_an_override_cannot_pass_a_broken_threshold_unless_the_policy_allows_it() -> None:
    """QĐ 3554: "không quá 6%" is a threshold; 2 of 25 reoffenders (8 %) fails it whatever
    points are written by hand. The verdict names the override and the rule it overrides."""
    answer = {
        "met": True,
        "figures": {"released": 25, "reoffenders": 2},
        "override": {"points": 5, "reason": "hai đối tượng đã chuyển đi nơi khác"},
    }
    raw = with_item(XA, "13.1", answer)
    refused = run(raw)
    assert item(refused, "13.1").self_points == 5 and item(refused, "13.1").lifted
    assert not refused.verdict.recognised
    (why,) = refused.verdict.shortfalls
    assert why.startswith("Nội dung 13.1 không đạt ngưỡng bắt buộc (")
    assert "8%" in why and "hai đối tượng đã chuyển đi nơi khác" in why
    assert why.endswith("chính sách công nhận không cho phép")
    lenient = DEFAULT_POLICY.model_copy(update={"threshold_overrides": True})
    allowed = run(raw, policy=lenient)
    assert allowed.verdict.recognised and allowed.verdict.shortfalls == ()
    assert allowed.verdict.notes[0].startswith("Nội dung 13.1 không đạt ngưỡng bắt buộc")
    # An override of a yes/no sub-item, or one lowering points, is no threshold lifted.
    lowered = {
        **answer,
        "figures": {"released": 25, "reoffenders": 1},
        "override": {"points": 4, "reason": "trừ điểm theo thẩm định"},
    }
    assert not item(run(with_item(XA, "13.1", lowered)), "13.1").lifted


def test_more_camera_models_than_movement_models_is_an_input_error() -> None:
    """TC16: the “Camera an ninh” models are among the movement models ("trong đó")."""
    figures = {"dan_van_kheo_models": 1, "movement_models": 2, "camera_models": 3}
    with pytest.raises(InvalidAssessment) as refused:
        run(with_item(XA, "16.1", {"figures": figures}))
    (problem,) = refused.value.problems
    assert problem.location.endswith("16.1.figures.camera_models")
    assert "3 is more than movement_models (2)" in problem.message
    assert item(run(with_item(XA, "16.1", {"figures": {**figures, "camera_models": 2}})), "16.1")


def test_maintenance_is_only_for_a_unit_recognised_the_year_before() -> None:
    """Seed 001: the maintenance thresholds are for units that were typical the year before.
    A unit that lost the title is scored as a build year, its first recognition kept."""
    gates = {"antt_last_year": True, "movement_rating_last_year": "kha"}
    lost = {**gates, "recognised_last_year": False}
    with pytest.raises(InvalidAssessment) as refused:
        run(full_marks(XA, mode="duy_tri", first_recognised_year=2024, gates=lost))
    (problem,) = refused.value.problems
    assert problem.location == "mode" and "builds again (xay_dung)" in problem.message
    rebuilt = run(full_marks(XA, mode="xay_dung", first_recognised_year=2024, gates=lost))
    assert rebuilt.verdict.recognised and rebuilt.assessment.first_recognised_year == 2024
    # Still refused: a build year claiming an earlier recognition without saying it was lost.
    with pytest.raises(InvalidAssessment, match=r"gates\.recognised_last_year: false"):
        run(full_marks(XA, mode="xay_dung", first_recognised_year=2024))
    kept = {**gates, "recognised_last_year": True}
    assert run(full_marks(XA, mode="duy_tri", first_recognised_year=2024, gates=kept))


def test_an_assessment_of_a_year_before_the_criteria_set_is_refused() -> None:
    """QĐ 3554 applies from 19/5/2025; a 2024 assessment was scored with QĐ 9745."""
    assert XA.applies_from is not None and XA.applies_from.isoformat() == "2025-05-19"
    with pytest.raises(InvalidAssessment) as refused:
        run(full_marks(XA, year=2024))
    (problem,) = refused.value.problems
    assert problem.location == "year"
    assert "2024 is before the criteria set 'xa_phuong' applies" in problem.message
    assert "from 19/05/2025" in problem.message and "QĐ 9745/QĐ-BCA-V05" in problem.message
    assert run(full_marks(XA, year=2025)).verdict.recognised
