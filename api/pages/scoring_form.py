"""The scoring form of the web pages (pure): an assessment shown as form values and read back,
the live preview of points while the clerk types, and the problems of an input in Vietnamese
beside the field or the workbook cell they name."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from docgen import criteria, inputs, scoring, sheet, vn
from docgen.errors import InvalidAssessment, Problem
from docgen.model import (
    Answer,
    CriteriaSet,
    Mode,
    Policy,
    Rule,
    verdict_label,
)

ITEM_FIELDS = {
    "met": ("met", "Đạt (Có/Không)"),
    "evidence": ("evidence", "Minh chứng"),
    "override.points": ("op", "Điểm điều chỉnh"),
    "override": ("op", "Điểm điều chỉnh"),
    "override.reason": ("or", "Lý do điều chỉnh"),
    "appraised": ("ap", "Điểm thẩm định"),
}
HEADER_LABELS = dict(sheet.HEADER_FIELDS)
FORM_HEAD = (
    "mode",
    "first_recognised_year",
    "gates.antt_last_year",
    "gates.movement_rating_last_year",
)
"""The fields of the form above the criteria table (the unit and the year stay as imported)."""


# --- problems in Vietnamese -----------------------------------------------------------------------

_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), vi)
    for p, vi in (
        (r"missing: answer yes \(đạt\) or no \(chưa đạt\)", "Thiếu: chọn Có (đạt) hoặc Không"),
        (r"missing: this sub-item also needs a yes/no answer", "Thiếu: cần chọn thêm Có/Không"),
        (r"missing: an override needs a reason", "Cần ghi lý do điều chỉnh điểm"),
        (r"missing: every sub-item needs an answer", "Thiếu: nội dung nào cũng cần trả lời"),
        (r"missing: a maintenance year .*", "Thiếu: năm duy trì cần năm được công nhận lần đầu"),
        (r"missing: (.+)", r"Thiếu số liệu: \1"),
        (r"this sub-item takes no figures", "Nội dung này không nhận số liệu"),
        (r"unknown figure \(known: (.+)\)", r"Số liệu không thuộc nội dung này (có: \1)"),
        (r"is not a number", "Không phải là số"),
        (
            r"(\S+) is beyond any real figure \(over 10⁹\)",
            r"\1 vượt quá mọi số liệu thực tế (trên 10⁹)",
        ),
        (r"(\S+) is not a whole number of 0 or more", r"\1 không phải số nguyên từ 0 trở lên"),
        (r"(\S+) % is outside 0–100", r"\1% nằm ngoài khoảng 0–100"),
        (r"(\S+) is more than (\S+) \((\S+)\)", r"\1 lớn hơn \2 (\3)"),
        (r"(\S+) is negative; scores run from 0 to (\S+)", r"\1 là số âm; điểm từ 0 đến \2"),
        (
            r"(\S+) is above the sub-item maximum of (\S+) points",
            r"\1 vượt quá điểm tối đa của nội dung (\2 điểm)",
        ),
        (r"(\S+) is not a whole or half point", r"\1 không phải điểm nguyên hoặc nửa điểm"),
        (r"(\S+) is not before the assessed year (\S+)", r"\1 không trước năm đánh giá \2"),
        (r"a build year .*", "Năm xây dựng không có năm công nhận trước; chọn năm duy trì"),
        (r"unknown sub-item for '(.+)'", r"Nội dung không có trong bộ tiêu chí '\1'"),
        (r"'(.+)' is not assessed with the criteria set '(.+)'", r"Loại '\1' không chấm theo '\2'"),
        (r"the unit belongs to (.+), not to (.+)", r"Đơn vị thuộc \1, không thuộc \2"),
        (r"the unit and the year stay as imported", "Đơn vị và năm giữ như khi nhập"),
        (r"not a \.yaml, .*", "Không phải tệp .xlsx, .yaml hoặc .json"),
        (r"not a readable \.xlsx workbook.*", "Không đọc được tệp .xlsx này"),
        (r"no assessment in the file", "Tệp không có phiếu chấm điểm của đơn vị nào"),
        (r"no assessment files found", "Không tìm thấy tệp chấm điểm nào"),
        (r"not UTF-8 text.*", "Tệp không phải văn bản UTF-8"),
        (r"cannot be read: .*", "Không đọc được nội dung tệp"),
        (r"Field required", "Thiếu: cần nhập"),
        (r"Input should be a valid boolean.*", "Chọn Có hoặc Không"),
        (r"Input should be a valid (decimal|number|integer).*", "Phải là một số"),
        (r"Decimal input should be .*", "Phải là một số"),
        (r"Input should be a finite number", "Phải là một số"),
        (r"Input should be greater than or equal to (\S+)", r"Phải từ \1 trở lên"),
        (r"Input should be less than or equal to (\S+)", r"Phải nhỏ hơn hoặc bằng \1"),
        (r"Input should be (.+)", r"Giá trị không hợp lệ: phải là \1"),
        (r"String should have at least .*", "Không được để trống"),
        (r"String should have at most (\d+) characters?", r"Dài quá \1 ký tự"),
        (
            r"Value error, contains the invisible control character (U\+[0-9A-F]{4})",
            r"Có ký tự điều khiển ẩn \1: hãy xóa ký tự này",
        ),
        (r"Extra inputs are not permitted", "Trường này không được phép"),
    )
]


UNTRANSLATED = "Giá trị không hợp lệ ("
"""How a message no pattern knows begins: the English follows in brackets."""


def message_vi(message: str) -> str:
    """A problem's English message (docgen.scoring, pydantic) in Vietnamese."""
    for pattern, vi in _MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(vi, message).replace("' or '", "' hoặc '")
    return f"{UNTRANSLATED}{message})"


def _figure_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for set_id in criteria.SET_IDS:
        for item in criteria.load(set_id).items().values():
            for fig in item.rule.figures if item.rule else ():
                labels.setdefault(fig.id, fig.label)
    return labels


_ITEM_PATH = re.compile(r"items\.(\d+\.\d+)(?:\.(.+))?")


def field_of(path: str) -> tuple[str, str]:
    """A problem's field path ('items.5.2.figures.officers') as the form's field name and as
    words: ('i.5.2.f.officers', 'Nội dung 5.2 · Tổng số cán bộ, …')."""
    found = _ITEM_PATH.fullmatch(path)
    if found is None:
        return path, HEADER_LABELS.get(path, path)
    item, rest = found.group(1), found.group(2) or ""
    where = f"Nội dung {item}"
    if rest in ITEM_FIELDS:
        name, label = ITEM_FIELDS[rest]
        return f"i.{item}.{name}", f"{where} · {label}"
    if rest.startswith("figures."):
        fig = rest.removeprefix("figures.")
        return f"i.{item}.f.{fig}", f"{where} · {_figure_labels().get(fig, fig)}"
    return f"i.{item}", where


_CELL = re.compile(r"^(.*) \[([A-Z]{1,3}[0-9]{1,7})\]$")


def located(p: Problem) -> dict[str, str]:
    """An upload's problem as a row of the report: sheet (unit), cell, field, message."""
    parts = p.location.split(" › ")
    last, cell = parts[-1], ""
    found = _CELL.match(last)
    if found:
        last, cell = found.group(1), found.group(2)
    if len(parts) == 1:
        return {"sheet": parts[0], "cell": cell, "field": "", "message": message_vi(p.message)}
    return {
        "sheet": " › ".join(parts[1:-1]) if len(parts) > 2 else parts[0],
        "cell": cell,
        "field": field_of(last)[1],
        "message": message_vi(p.message),
    }


def errors_by_field(problems: Sequence[Problem]) -> tuple[dict[str, str], list[str]]:
    """Problems of the form's assessment by the field they belong beside, and those of no
    field of the form."""
    beside: dict[str, str] = {}
    rest: list[str] = []
    for p in problems:
        path = p.location.split(" › ")[-1]
        name, label = field_of(path)
        if name in beside:
            continue
        if name.startswith("i.") or name in FORM_HEAD:
            beside[name] = message_vi(p.message)
        else:
            rest.append(f"{label}: {message_vi(p.message)}")
    return beside, rest


# --- the scoring form -------------------------------------------------------------------------


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _number(value: str) -> str | None:
    value = value.strip().replace(",", ".")
    return value or None


def values_of(data: Mapping[str, Any], cs: CriteriaSet) -> dict[str, str]:
    """The form's fields filled from a stored assessment."""
    gates = data.get("gates") or {}
    antt = gates.get("antt_last_year")
    values = {
        "mode": _text(data.get("mode")),
        "first_recognised_year": _text(data.get("first_recognised_year")),
        "gates.antt_last_year": "" if antt is None else ("co" if antt else "khong"),
        "gates.movement_rating_last_year": _text(gates.get("movement_rating_last_year")),
    }
    items = data.get("items") or {}
    for item_id in cs.items():
        answer = items.get(item_id) or {}
        key = f"i.{item_id}."
        met = answer.get("met")
        values[key + "met"] = "" if met is None else ("co" if met else "khong")
        for fig, amount in (answer.get("figures") or {}).items():
            values[f"{key}f.{fig}"] = _text(amount)
        values[key + "evidence"] = _text(answer.get("evidence"))
        override = answer.get("override") or {}
        values[key + "op"] = _text(override.get("points"))
        values[key + "or"] = _text(override.get("reason"))
        values[key + "ap"] = _text(answer.get("appraised"))
    return values


def form_values(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}


def raw_of(stored: Mapping[str, Any], values: Mapping[str, str], cs: CriteriaSet) -> dict[str, Any]:
    """The assessment the form describes: the stored one (its unit and year) with the mode,
    the entry conditions and every sub-item's answer as the clerk gave them."""
    editable = ("mode", "first_recognised_year", "gates", "items")
    raw: dict[str, Any] = {k: v for k, v in stored.items() if k not in editable}
    raw["mode"] = values.get("mode", "").strip() or None
    first = values.get("first_recognised_year", "").strip()
    if first:
        raw["first_recognised_year"] = first
    antt = values.get("gates.antt_last_year", "")
    raw["gates"] = {
        "antt_last_year": {"co": True, "khong": False}.get(antt),
        "movement_rating_last_year": values.get("gates.movement_rating_last_year") or None,
    }
    # The form has no field for it: a unit's recorded "recognised last year" stays as imported.
    recognised = (stored.get("gates") or {}).get("recognised_last_year")
    if recognised is not None:
        raw["gates"]["recognised_last_year"] = recognised
    items: dict[str, Any] = {}
    for item in cs.items().values():
        key = f"i.{item.id}."
        answer: dict[str, Any] = {}
        met = values.get(key + "met", "")
        if met in ("co", "khong"):
            answer["met"] = met == "co"
        figures = {
            fig.id: amount
            for fig in (item.rule.figures if item.rule else ())
            if (amount := _number(values.get(f"{key}f.{fig.id}", ""))) is not None
        }
        if figures:
            answer["figures"] = figures
        evidence = values.get(key + "evidence", "").strip()
        if evidence:
            answer["evidence"] = evidence
        points = _number(values.get(key + "op", ""))
        reason = values.get(key + "or", "").strip()
        if points is not None or reason:
            answer["override"] = {"reason": reason} | ({"points": points} if points else {})
        appraised = _number(values.get(key + "ap", ""))
        if appraised is not None:
            answer["appraised"] = appraised
        items[item.id] = answer
    raw["items"] = items
    return raw


def _scorable(item_rule: Rule | None, answer: Answer) -> bool:
    """Whether `scoring.score_item` can score this answer (what it needs is there)."""
    if item_rule is None:
        return answer.met is not None
    return all(
        f.id in answer.figures and answer.figures[f.id].is_finite() for f in item_rule.figures
    )


def preview(raw: Mapping[str, Any], cs: CriteriaSet, policy: Policy) -> dict[str, Any]:
    """Every sub-item's points and reason, the sums and the verdict of the form as it stands;
    the sub-items with a problem count nothing and say what is wrong."""
    problems: Sequence[Problem] = ()
    loaded: inputs.Loaded | None = None
    try:
        loaded = inputs.check(dict(raw), "form")
    except InvalidAssessment as exc:
        problems = exc.problems
    errors, others = errors_by_field(problems)
    mode: Mode = "duy_tri" if raw.get("mode") == "duy_tri" else "xay_dung"
    lines: dict[str, dict[str, str]] = {}
    crit_self: dict[int, Decimal] = defaultdict(Decimal)
    crit_final: dict[int, Decimal] = defaultdict(Decimal)
    for group in cs.groups:
        for crit in group.criteria:
            for item in crit.items:
                answer_raw = raw["items"].get(item.id, {})
                bad = {n: m for n, m in errors.items() if n.startswith(f"i.{item.id}.")}
                bad.update({n: m for n, m in errors.items() if n == f"i.{item.id}"})
                line = {"points": "", "reason": "", "problem": ""}
                try:
                    answer = Answer.model_validate(answer_raw)
                except ValidationError:
                    answer = None
                if bad or answer is None or not _scorable(item.rule, answer):
                    line["problem"] = next(iter(bad.values()), "Chưa đủ dữ liệu để tính điểm")
                else:
                    scored = scoring.score_item(item, answer, mode)
                    crit_self[crit.id] += scored.self_points
                    crit_final[crit.id] += scored.final
                    line["points"] = vn.number(scored.self_points)
                    line["reason"] = scored.reason
                lines[item.id] = line
    total = sum(crit_self.values(), Decimal(0))
    final = sum(crit_final.values(), Decimal(0))
    if loaded is None:
        count = len(problems)
        verdict = f"Chưa tính được kết quả: dữ liệu còn {count} lỗi"
        recognised = None
    else:
        result = scoring.score(loaded.assessment, loaded.criteria, policy)
        recognised = result.verdict.recognised
        verdict = verdict_label(
            loaded.assessment.mode,
            recognised,
            shortfalls=result.verdict.shortfalls,
            full=recognised,  # "Đủ điều kiện công nhận", "Chưa đủ điều kiện: …"
        )
    return {
        "items": lines,
        "criteria": {str(c.id): vn.number(crit_self[c.id]) for c in cs.criteria()},
        "groups": {
            g.id: vn.number(sum((crit_self[c.id] for c in g.criteria), Decimal(0)))
            for g in cs.groups
        },
        "total": vn.number(total),
        "final": vn.number(final),
        "max": vn.number(cs.total_points),
        "complete": not problems,
        "recognised": recognised,
        "verdict": verdict,
        "errors": errors,
        "others": others,
    }


def criteria_view(cs: CriteriaSet, mode: str) -> list[dict[str, Any]]:
    return [
        {
            "id": g.id,
            "title": g.title,
            "max": vn.number(sum((c.points for c in g.criteria), Decimal(0))),
            "criteria": [
                {
                    "id": c.id,
                    "max": vn.number(c.points),
                    "items": [
                        {
                            "id": i.id,
                            "text": i.text_for("duy_tri" if mode == "duy_tri" else "xay_dung"),
                            "max": vn.number(i.points),
                            "needs_met": i.rule is None or i.rule.confirm,
                            "figures": [
                                {
                                    "name": f"i.{i.id}.f.{f.id}",
                                    "label": f.label,
                                    "percent": f.unit == "percent",
                                }
                                for f in (i.rule.figures if i.rule else ())
                            ],
                        }
                        for i in c.items
                    ],
                }
                for c in g.criteria
            ],
        }
        for g in cs.groups
    ]
