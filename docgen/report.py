"""A scored result as plain data: what `hoso score --json` prints and the API will return.

Numbers stay exact: half points are written as JSON numbers (exact in binary), everything else
as the Decimal's string would be. Pure: result in, dict out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from docgen.scoring import AssessmentResult, CriterionScore, ItemScore


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _item(i: ItemScore) -> dict[str, Any]:
    return {
        "id": i.id,
        "text": i.text,
        "max": _num(i.max_points),
        "computed": _num(i.computed),
        "self": _num(i.self_points),
        "appraised": _num(i.appraised),
        "final": _num(i.final),
        "reason": i.reason,
        "evidence": i.evidence,
        "override_reason": i.override_reason,
    }


def _criterion(c: CriterionScore) -> dict[str, Any]:
    return {
        "id": c.id,
        "max": _num(c.max_points),
        "self": _num(c.self_points),
        "appraised": _num(c.appraised),
        "final": _num(c.final),
        "achieved": c.achieved,
        "items": [_item(i) for i in c.items],
    }


def result_data(result: AssessmentResult, *, origin: str = "") -> dict[str, Any]:
    a = result.assessment
    return {
        "origin": origin,
        "unit": a.unit.model_dump(),
        "year": a.year,
        "mode": a.mode,
        "first_recognised_year": a.first_recognised_year,
        "criteria_set": result.criteria_set,
        "max": _num(result.max_points),
        "self": _num(result.self_points),
        "appraised": result.appraised,
        "final": _num(result.final),
        "verdict": {
            "recognised": result.verdict.recognised,
            "policy": result.verdict.policy,
            "shortfalls": list(result.verdict.shortfalls),
            "notes": list(result.verdict.notes),
        },
        "groups": [
            {
                "id": g.id,
                "title": g.title,
                "max": _num(g.max_points),
                "self": _num(g.self_points),
                "final": _num(g.final),
                "criteria": [_criterion(c) for c in g.criteria],
            }
            for g in result.groups
        ],
    }
