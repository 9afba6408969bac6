from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from docgen import criteria, inputs, scoring, sheet
from docgen.errors import InvalidAssessment
from docgen.model import DEFAULT_POLICY, Assessment
from tests.conftest import full_marks

XA = criteria.load("xa_phuong")
CQ = criteria.load("co_quan")


def rows_by_key(ws: object) -> dict[str, int]:
    return {row[0].value: row[0].row for row in ws.iter_rows() if row[0].value}  # type: ignore[attr-defined]


def test_blank_workbook_has_a_row_per_sub_item_and_figure() -> None:
    wb = load_workbook(io.BytesIO(sheet.new_workbook("xa_phuong", units=2)))
    assert wb.sheetnames == ["Hướng dẫn", "Đơn vị 1", "Đơn vị 2"]
    keys = rows_by_key(wb["Đơn vị 1"])
    assert set(XA.items()) <= set(keys)
    assert "13.1/released" in keys and "19.4/crimes_previous_year" in keys


def test_score_columns_have_data_validation_up_to_the_item_maximum() -> None:
    wb = load_workbook(io.BytesIO(sheet.new_workbook("co_quan")))
    ws = wb["Đơn vị 1"]
    row = rows_by_key(ws)["8.1"]  # a 4-point sub-item
    rules = [dv for dv in ws.data_validations.dataValidation if f"G{row}" in dv.sqref]
    assert len(rules) == 1
    assert (rules[0].type, rules[0].formula1, rules[0].formula2) == ("decimal", "0", "4")
    assert f"I{row}" in rules[0].sqref
    yes_no = [dv for dv in ws.data_validations.dataValidation if f"D{row}" in dv.sqref]
    assert yes_no[0].formula1 == '"Có,Không"'


def test_filled_by_hand_then_scored(tmp_path: Path) -> None:
    wb = load_workbook(io.BytesIO(sheet.new_workbook("co_quan")))
    ws = wb["Đơn vị 1"]
    for key, value in [
        ("unit.name", "Trường THCS Lê Lợi"),
        ("unit.type", "co_so_giao_duc"),
        ("unit.issuing_body", "ubnd-bim-son"),
        ("year", 2026),
        ("mode", "xay_dung"),
        ("gates.antt_last_year", "Có"),
        ("gates.movement_rating_last_year", "kha"),
    ]:
        ws.cell(rows_by_key(ws)[key], 3, value)
    keys = rows_by_key(ws)
    for item_id, item in CQ.items().items():
        if item.rule is None or item.rule.confirm:
            ws.cell(keys[item_id], 4, "Có")
        for fig in item.rule.figures if item.rule else ():
            ws.cell(keys[f"{item_id}/{fig.id}"], 5, 100 if fig.unit == "percent" else 3)
    ws.cell(keys["11.1"], 4, "Không")
    ws.cell(keys["11.1"], 6, "Còn 01 đơn tồn đọng")
    ws.cell(keys["12.1"], 9, 1.5)  # appraised
    path = tmp_path / "book.xlsx"
    wb.save(path)
    (loaded,) = inputs.load_paths([path])
    assert loaded.origin == f"{path} › Đơn vị 1 (Trường THCS Lê Lợi)"
    result = scoring.score(loaded.assessment, loaded.criteria, DEFAULT_POLICY)
    assert result.self_points == 46
    assert result.final == Decimal("44.5")
    assert not result.verdict.recognised


def test_problems_point_at_cells(tmp_path: Path) -> None:
    raw = full_marks(XA)
    book = sheet.new_workbook("xa_phuong", assessments=[Assessment.model_validate(raw)])
    wb = load_workbook(io.BytesIO(book))
    ws = wb["Đơn vị 1"]
    keys = rows_by_key(ws)
    ws.cell(keys["5.2/officers_good"], 5, 99)
    ws.cell(keys["4.1"], 7, 1)  # override without a reason
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    with pytest.raises(InvalidAssessment) as exc:
        inputs.load_paths([path])
    text = [str(p) for p in exc.value.problems]
    assert text == [
        f"{path} › Đơn vị 1 (Đơn vị thử) › items.4.1.override.reason [H{keys['4.1']}]: "
        "missing: an override needs a reason",
        f"{path} › Đơn vị 1 (Đơn vị thử) › items.5.2.figures.officers_good "
        f"[E{keys['5.2/officers_good']}]: 99 is more than officers (10)",
    ]


def test_round_trip_keeps_every_answer(criteria_set: criteria.CriteriaSet) -> None:
    raw = full_marks(criteria_set)
    first = next(iter(raw["items"]))
    raw["items"][first].update(evidence="Nghị quyết số 12-NQ/ĐU", appraised=Decimal("0.5"))
    original = Assessment.model_validate(raw)
    book = sheet.new_workbook(criteria_set.id, assessments=[original])
    ((_, back, _),) = sheet.read_workbook(book, "x.xlsx")
    assert Assessment.model_validate(back) == original


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InvalidAssessment, match=r"not a readable \.xlsx workbook"):
        inputs.load_paths([path])
