"""The criteria sets of QĐ 3554/QĐ-BCA-V05 shipped as data files beside this module.

Loading checks each file against `model.CriteriaSet` and that its points add up (sub-items to
each criterion, criteria to the total), so a slip in a data file stops the program instead of
mis-scoring a unit. The file format is described in README.md here.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from docgen.errors import ConfigError
from docgen.model import CriteriaSet, UnitType

SET_IDS = ("xa_phuong", "co_quan")


def check_sums(cs: CriteriaSet) -> list[str]:
    """Where the points of `cs` do not add up; empty when they do."""
    problems = []
    for c in cs.criteria():
        items = sum(i.points for i in c.items)
        if items != c.points:
            problems.append(f"tiêu chí {c.id}: sub-items add up to {items}, not {c.points}")
    total = sum(c.points for c in cs.criteria())
    if total != cs.total_points:
        problems.append(f"criteria add up to {total}, not {cs.total_points}")
    return problems


@cache
def load(set_id: str) -> CriteriaSet:
    """The criteria set `set_id` ('xa_phuong' or 'co_quan')."""
    if set_id not in SET_IDS:
        raise ConfigError(
            f"unknown criteria set '{set_id}' (known: {', '.join(SET_IDS)})",
            message_vi=f"Không có bộ tiêu chí '{set_id}'",
            field="criteria_set",
        )
    text = resources.files(__package__).joinpath(f"{set_id}.yaml").read_text(encoding="utf-8")
    cs = CriteriaSet.model_validate(yaml.safe_load(text))
    problems = check_sums(cs)
    if problems:
        raise ConfigError(
            f"criteria set {set_id}: " + "; ".join(problems),
            field=set_id,
            message_vi=f"Bộ tiêu chí {set_id}: " + "; ".join(problems),
        )
    return cs


def for_unit_type(unit_type: UnitType) -> CriteriaSet:
    """The criteria set a unit of `unit_type` is assessed with."""
    for set_id in SET_IDS:
        cs = load(set_id)
        if unit_type in cs.unit_types:
            return cs
    raise ConfigError(
        f"no criteria set for unit type '{unit_type}'",
        field="unit.type",
        message_vi=f"Không có bộ tiêu chí cho loại đơn vị '{unit_type}'",
    )
