"""Random and mutated assessments: the engine returns a consistent result or a validation
error, never another exception."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from docgen import criteria, scoring
from docgen.errors import InvalidAssessment
from docgen.model import DEFAULT_POLICY, Assessment
from tests.conftest import full_marks

SETS = [criteria.load(s) for s in criteria.SET_IDS]

numbers = st.one_of(
    st.integers(min_value=-5, max_value=250),
    st.decimals(min_value=-2, max_value=120, places=2, allow_nan=False, allow_infinity=False),
    st.just(Decimal("NaN")),
)
junk = st.one_of(
    st.none(), st.booleans(), st.text(max_size=5), numbers, st.lists(st.integers(), max_size=2)
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[int, dict[str, Any]]:
    index = draw(st.integers(0, len(SETS) - 1))
    cs = SETS[index]
    raw = copy.deepcopy(full_marks(cs))
    ids = sorted(cs.items())
    for item_id in draw(st.lists(st.sampled_from(ids), max_size=8, unique=True)):
        answer = raw["items"][item_id]
        change = draw(st.sampled_from(["met", "figure", "appraised", "override", "drop", "junk"]))
        if change == "met":
            answer["met"] = draw(st.one_of(st.booleans(), st.none()))
        elif change == "figure":
            name = draw(st.sampled_from([*answer.get("figures", {}), "unknown"]))
            answer.setdefault("figures", {})[name] = draw(numbers)
        elif change == "appraised":
            answer["appraised"] = draw(numbers)
        elif change == "override":
            answer["override"] = {
                "points": draw(numbers),
                "reason": draw(st.sampled_from(["", " ", "lý do"])),
            }
        elif change == "drop":
            del raw["items"][item_id]
        else:
            raw["items"][item_id] = draw(junk)
    if draw(st.booleans()):
        raw["mode"] = "duy_tri"
        raw["first_recognised_year"] = draw(st.one_of(st.none(), st.integers(2000, 2030)))
    if draw(st.integers(0, 9)) == 0:
        raw[draw(st.sampled_from(["unit", "year", "gates", "items", "extra"]))] = draw(junk)
    return index, raw


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(mutated())
def test_engine_returns_a_consistent_result_or_a_validation_error(
    case: tuple[int, dict[str, Any]],
) -> None:
    index, raw = case
    cs = SETS[index]
    try:
        assessment = Assessment.model_validate(raw)
        result = scoring.score(assessment, cs, DEFAULT_POLICY)
    except (ValidationError, InvalidAssessment):
        return
    items = result.item_scores()
    assert len(items) == len(cs.items())
    for i in items:
        assert 0 <= i.self_points <= i.max_points
        assert 0 <= i.final <= i.max_points
        assert i.computed in (0, i.max_points)
    for c in result.criteria():
        assert c.self_points == sum(i.self_points for i in c.items) <= c.max_points
        assert c.final == sum(i.final for i in c.items)
    for g in result.groups:
        assert g.final == sum(c.final for c in g.criteria)
    assert result.final == sum(g.final for g in result.groups) == sum(i.final for i in items)
    assert 0 <= result.final <= result.max_points == cs.total_points
    assert result.verdict.recognised == (not result.verdict.shortfalls)
    if result.verdict.recognised:
        assert result.final == cs.total_points
