"""The workbook a clerk fills in instead of writing YAML: one sheet per unit, one row per
sub-item, one row per raw figure a numeric rule needs (openpyxl).

`new_workbook` writes it, blank or pre-filled from assessments; `read_workbook` turns each unit
sheet back into the raw shape `inputs.check` validates, with a map from every field to its cell
so that a problem is reported as 'Đơn vị 1 › items.5.2.figures.officers [E23]'. Column A holds
the machine keys; a clerk types only in the coloured cells.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from docgen import criteria as criteria_sets
from docgen.model import (
    MODE_LABELS,
    RATING_LABELS,
    UNIT_TYPE_LABELS,
    Assessment,
    CriteriaSet,
)

YES, NO = "Có", "Không"
INPUT = PatternFill("solid", fgColor="FFF2CC")
HEADER_FIELDS: tuple[tuple[str, str], ...] = (
    ("unit.name", "Tên đơn vị"),
    ("unit.type", "Loại đơn vị (" + ", ".join(UNIT_TYPE_LABELS) + ")"),
    ("unit.issuing_body", "Cơ quan quản lý (mã, ví dụ ubnd-bim-son)"),
    (
        "unit.abbreviation",
        "Chữ viết tắt của đơn vị trong số ký hiệu (cơ quan, doanh nghiệp, "
        "cơ sở giáo dục; ví dụ THPTBS)",
    ),
    ("unit.place", "Địa danh ghi trên văn bản của đơn vị"),
    ("unit.head", "Họ và tên thủ trưởng đơn vị (người ký)"),
    ("year", "Năm đánh giá"),
    ("mode", "Năm xây dựng (xay_dung) hay năm duy trì (duy_tri)"),
    ("first_recognised_year", "Năm được công nhận lần đầu (chỉ với năm duy trì)"),
    ("gates.antt_last_year", "Năm trước đạt “An toàn về ANTT” (Có/Không)"),
    (
        "gates.movement_rating_last_year",
        "Phân loại phong trào năm trước (" + ", ".join(RATING_LABELS) + ")",
    ),
    (
        "gates.recognised_last_year",
        "Năm trước đạt điển hình (Có/Không; để trống nếu là lần xây dựng đầu tiên)",
    ),
)
COLUMNS = (
    "Mã",
    "Nội dung",
    "Điểm tối đa",
    "Đạt (Có/Không)",
    "Số liệu",
    "Minh chứng",
    "Điểm điều chỉnh",
    "Lý do điều chỉnh",
    "Điểm thẩm định",
)
TABLE_HEADER = "Mã"
WIDTHS = {"A": 18, "B": 70, "C": 10, "D": 12, "E": 10, "F": 40, "G": 12, "H": 30, "I": 12}


def _fmt(value: Decimal | None) -> int | float | None:
    """A Decimal as the number Excel stores; half points are exact in binary."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else (YES if value else NO)


def _add_unit_sheet(wb: Workbook, cs: CriteriaSet, title: str, a: Assessment | None) -> None:
    ws = wb.create_sheet(title)
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    ws["A1"] = "criteria_set"
    ws["B1"] = cs.title
    ws["C1"] = cs.id
    ws["B1"].font = Font(bold=True)
    values: dict[str, object] = {}
    if a is not None:
        values = {
            "unit.name": a.unit.name,
            "unit.type": a.unit.type,
            "unit.issuing_body": a.unit.issuing_body,
            "unit.abbreviation": a.unit.abbreviation,
            "unit.place": a.unit.place,
            "unit.head": a.unit.head,
            "year": a.year,
            "mode": a.mode,
            "first_recognised_year": a.first_recognised_year,
            "gates.antt_last_year": YES if a.gates.antt_last_year else NO,
            "gates.movement_rating_last_year": a.gates.movement_rating_last_year,
            "gates.recognised_last_year": _yes_no(a.gates.recognised_last_year),
        }
    lists = {
        "unit.type": ",".join(cs.unit_types),
        "mode": ",".join(MODE_LABELS),
        "gates.antt_last_year": f"{YES},{NO}",
        "gates.recognised_last_year": f"{YES},{NO}",
        "gates.movement_rating_last_year": ",".join(RATING_LABELS),
    }
    for row, (key, label) in enumerate(HEADER_FIELDS, start=2):
        ws.cell(row, 1, key)
        ws.cell(row, 2, label)
        cell = ws.cell(row, 3, values.get(key))
        cell.fill = INPUT
        if key in lists:
            dv = DataValidation(type="list", formula1=f'"{lists[key]}"', allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(cell)
    row = len(HEADER_FIELDS) + 3
    for col, name in enumerate(COLUMNS, start=1):
        ws.cell(row, col, name).font = Font(bold=True)
    ws.freeze_panes = ws.cell(row + 1, 3)
    yes_no = DataValidation(
        type="list",
        formula1=f'"{YES},{NO}"',
        allow_blank=True,
        error="Chọn Có hoặc Không",
        showErrorMessage=True,
    )
    counts = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        error="Số nguyên từ 0 trở lên",
        showErrorMessage=True,
    )
    percents = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        error="Tỷ lệ từ 0 đến 100",
        showErrorMessage=True,
    )
    for dv in (yes_no, counts, percents):
        ws.add_data_validation(dv)
    score_rules: dict[Decimal, DataValidation] = {}
    wrap = Alignment(wrap_text=True, vertical="top")
    for group in cs.groups:
        row += 1
        ws.cell(row, 2, f"Nhóm {group.id}. {group.title}").font = Font(bold=True)
        for crit in group.criteria:
            row += 1
            ws.cell(row, 2, f"Tiêu chí {crit.id}").font = Font(bold=True)
            ws.cell(row, 3, _fmt(crit.points)).font = Font(bold=True)
            for item in crit.items:
                row += 1
                ans = a.items.get(item.id) if a else None
                ws.cell(row, 1, item.id)
                text = item.text
                if item.text_maintenance:
                    text += f"\n(Năm duy trì: {item.text_maintenance})"
                ws.cell(row, 2, text).alignment = wrap
                ws.cell(row, 3, _fmt(item.points))
                rule = item.rule
                if rule is None or rule.confirm:
                    met = ws.cell(
                        row, 4, None if ans is None or ans.met is None else (YES if ans.met else NO)
                    )
                    met.fill = INPUT
                    yes_no.add(met)
                for col in (6, 7, 8, 9):
                    ws.cell(row, col).fill = INPUT
                if ans is not None:
                    ws.cell(row, 6, ans.evidence or None)
                    if ans.override is not None:
                        ws.cell(row, 7, _fmt(ans.override.points))
                        ws.cell(row, 8, ans.override.reason)
                    ws.cell(row, 9, _fmt(ans.appraised))
                if item.points not in score_rules:
                    dv = DataValidation(
                        type="decimal",
                        operator="between",
                        formula1="0",
                        formula2=str(item.points),
                        allow_blank=True,
                        showErrorMessage=True,
                        error=f"Điểm từ 0 đến {item.points}",
                    )
                    ws.add_data_validation(dv)
                    score_rules[item.points] = dv
                score_rules[item.points].add(ws.cell(row, 7))
                score_rules[item.points].add(ws.cell(row, 9))
                for fig in rule.figures if rule else ():
                    row += 1
                    ws.cell(row, 1, f"{item.id}/{fig.id}")
                    ws.cell(row, 2, f"    {fig.label}")
                    cell = ws.cell(row, 5, _fmt(ans.figures.get(fig.id)) if ans else None)
                    cell.fill = INPUT
                    (percents if fig.unit == "percent" else counts).add(cell)


def new_workbook(set_id: str, *, units: int = 1, assessments: Iterable[Assessment] = ()) -> bytes:
    """An .xlsx with a guide and one sheet per unit: `units` blank ones, or one per assessment."""
    cs = criteria_sets.load(set_id)
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = "Hướng dẫn"
    for row, line in enumerate(
        (
            "PHIẾU CHẤM ĐIỂM " + cs.title.upper(),
            f"Theo {cs.source.document}.",
            "Mỗi trang tính là một đơn vị. Chỉ nhập vào các ô tô màu vàng.",
            "Nội dung định tính: chọn Có/Không ở cột D và ghi minh chứng ở cột F.",
            "Nội dung tính bằng số liệu: nhập số liệu ở cột E; phần mềm tự tính điểm.",
            "Điểm điều chỉnh (cột G) chỉ dùng khi cần thay điểm tính được; "
            "bắt buộc ghi lý do ở cột H.",
            "Điểm thẩm định (cột I) do cơ quan thẩm định nhập.",
            "Không sửa cột A (mã) và không đổi thứ tự dòng.",
        ),
        start=1,
    ):
        guide.cell(row, 1, line)
    guide["A1"].font = Font(bold=True)
    guide.column_dimensions["A"].width = 110
    filled = list(assessments)
    if filled:
        for n, a in enumerate(filled, start=1):
            _add_unit_sheet(wb, cs, f"Đơn vị {n}", a)
    else:
        for n in range(1, units + 1):
            _add_unit_sheet(wb, cs, f"Đơn vị {n}", None)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _value(raw: object) -> object:
    """A cell value as the assessment expects it: text stripped, numbers as Decimal, yes/no."""
    if isinstance(raw, str):
        text = raw.strip()
        if text.casefold() in (YES.casefold(), "yes", "x"):
            return True
        if text.casefold() in (NO.casefold(), "no"):
            return False
        return text or None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    return raw


def _read_sheet(ws: Worksheet) -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = {"unit": {}, "gates": {}, "items": {}}
    cells: dict[str, str] = {}
    in_table = False
    for row in ws.iter_rows():
        key = row[0].value
        if not isinstance(key, str) or not key.strip():
            continue
        key = key.strip()
        if key == TABLE_HEADER:
            in_table = True
            continue
        if not in_table:
            if key == "criteria_set":
                continue
            value: object = row[2].value
            if isinstance(value, str):
                value = value.strip() or None
            if key in ("gates.antt_last_year", "gates.recognised_last_year"):
                value = _value(value)
            head, _, tail = key.partition(".")
            if tail:
                # A key of no known group (the table's "Mã" row overwritten, so that sub-items
                # read as header keys): kept, for the model to refuse it with its cell.
                group = data.get(head)
                if not isinstance(group, dict):
                    group = data[head] = {}
                group[tail] = value
            elif value is not None:
                data[head] = value
            cells[key] = row[2].coordinate
            continue
        item_id, _, figure = key.partition("/")
        answer = data["items"].setdefault(item_id, {})
        if figure:
            amount = _value(row[4].value)
            if amount is not None:
                answer.setdefault("figures", {})[figure] = amount
            cells[f"items.{item_id}.figures.{figure}"] = row[4].coordinate
            continue
        met, evidence, points, reason, appraised = (_value(row[c].value) for c in (3, 5, 6, 7, 8))
        cells[f"items.{item_id}"] = row[0].coordinate
        for name, given, col in (
            ("met", met, 3),
            ("evidence", evidence, 5),
            ("appraised", appraised, 8),
        ):
            if given is not None:
                answer[name] = given
            cells[f"items.{item_id}.{name}"] = row[col].coordinate
        if points is not None or reason is not None:
            answer["override"] = {"points": points, "reason": reason or ""}
        cells[f"items.{item_id}.override.points"] = row[6].coordinate
        cells[f"items.{item_id}.override.reason"] = row[7].coordinate
    return data, cells


def read_workbook(raw: bytes, origin: str) -> list[tuple[str, Any, dict[str, str] | None]]:
    """Each unit sheet of a workbook as (location, raw assessment, field → cell)."""
    try:
        wb = load_workbook(io.BytesIO(raw), data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValueError(f"not a readable .xlsx workbook ({exc.__class__.__name__})") from exc
    return [
        (f"{origin} › {ws.title}", *_read_sheet(ws))
        for ws in wb.worksheets
        if ws["A1"].value == "criteria_set"
    ]
