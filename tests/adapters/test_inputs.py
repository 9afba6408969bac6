from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from docgen import criteria, inputs
from docgen.errors import ConfigError, InvalidAssessment
from tests.conftest import full_marks

XA = criteria.load("xa_phuong")


def plain(value: Any) -> Any:
    """Decimals as YAML/JSON numbers, the way a clerk's file holds them."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def write_yaml(path: Path, raw: Any) -> Path:
    path.write_text(yaml.safe_dump(plain(raw), allow_unicode=True), encoding="utf-8")
    return path


def test_yaml_numbers_are_read_exactly(tmp_path: Path) -> None:
    raw = full_marks(XA)
    raw["items"]["4.3"] = {"met": False, "override": {"points": 1.5, "reason": "một phần"}}
    (loaded,) = inputs.load_paths([write_yaml(tmp_path / "a.yaml", raw)])
    override = loaded.assessment.items["4.3"].override
    assert override is not None and override.points == Decimal("1.5")
    assert str(override.points) == "1.5"


def test_json_and_lists_and_folders(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text(json.dumps(plain(full_marks(XA))), encoding="utf-8")
    write_yaml(tmp_path / "two.yml", [full_marks(XA), full_marks(XA)])
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    loaded = inputs.load_paths([tmp_path])
    assert [x.origin.removeprefix(str(tmp_path)) for x in loaded] == [
        "/sub/b.json (Đơn vị thử)",
        "/two.yml[1] (Đơn vị thử)",
        "/two.yml[2] (Đơn vị thử)",
    ]


def test_problems_of_every_file_are_reported_together(tmp_path: Path) -> None:
    good = write_yaml(tmp_path / "good.yaml", full_marks(XA))
    bad = full_marks(XA)
    bad["items"]["5.2"]["figures"]["officers_good"] = 21
    bad["year"] = "hai nghìn"
    write_yaml(tmp_path / "bad.yaml", bad)
    (tmp_path / "utf16.yaml").write_bytes("unit: {name: Phường Bỉm Sơn}".encode("utf-16"))
    dup = tmp_path / "dup.yaml"
    dup.write_text("year: 2026\nyear: 2025\n", encoding="utf-8")
    with pytest.raises(InvalidAssessment) as exc:
        inputs.load_paths([good, tmp_path / "bad.yaml", tmp_path / "utf16.yaml", dup])
    text = [str(p) for p in exc.value.problems]
    assert any("bad.yaml (Đơn vị thử) › year" in t and "integer" in t for t in text), text
    assert any("utf16.yaml: not UTF-8" in t for t in text), text
    assert any("dup.yaml: cannot be read" in t and "duplicate key 'year'" in t for t in text)
    assert len(text) == 3  # the shape error stops bad.yaml before its content is checked


def test_content_problems_carry_file_unit_item_and_field(tmp_path: Path) -> None:
    bad = full_marks(XA)
    bad["items"]["5.2"]["figures"]["officers_good"] = 21
    bad["items"]["10.1"]["figures"]["propaganda_coverage"] = 120
    with pytest.raises(InvalidAssessment) as exc:
        inputs.load_paths([write_yaml(tmp_path / "bad.yaml", bad)])
    assert [str(p) for p in exc.value.problems] == [
        f"{tmp_path}/bad.yaml (Đơn vị thử) › items.5.2.figures.officers_good: "
        "21 is more than officers (10)",
        f"{tmp_path}/bad.yaml (Đơn vị thử) › items.10.1.figures.propaganda_coverage: "
        "120 % is outside 0–100",
    ]


def test_decomposed_unicode_is_normalised(tmp_path: Path) -> None:
    import unicodedata

    raw = full_marks(XA)
    raw["unit"]["name"] = unicodedata.normalize("NFD", "Phường Bỉm Sơn")
    (loaded,) = inputs.load_paths([write_yaml(tmp_path / "nfd.yaml", raw)])
    assert loaded.assessment.unit.name == "Phường Bỉm Sơn"


def test_empty_folder_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(InvalidAssessment, match="no assessment files found"):
        inputs.load_paths([tmp_path])
    other = tmp_path / "a.csv"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(InvalidAssessment, match=r"not a \.yaml"):
        inputs.load_paths([other])


def test_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "xa_phuong: {name: Tối thiểu 90 điểm, all_criteria_full: false, min_total: 90}\n",
        encoding="utf-8",
    )
    policies = inputs.load_policies(path)
    assert policies["xa_phuong"].min_total == 90
    assert policies["co_quan"] == inputs.DEFAULT_POLICY
    path.write_text("xa_phuong: {name: x, min_total: nhiều}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"xa_phuong\.min_total"):
        inputs.load_policies(path)
    path.write_text("xa: {name: x}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        inputs.load_policies(path)


def test_bodies_and_meetings_report_every_problem(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("id: y\nname: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        inputs.load_bodies(tmp_path)
    assert (
        "issuing body" in exc.value.message
        and "header_name: Field required" in exc.value.message
        and "signers: Field required" in exc.value.message
    )
    meeting = tmp_path / "m.yaml"
    meeting.write_text("start: hôm qua\nvotes_for: nhiều\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="meeting file") as exc:
        inputs.load_meeting(meeting)
    assert "start:" in exc.value.message and "votes_for:" in exc.value.message


def test_an_encoding_error_says_line_and_column() -> None:
    from docgen.inputs import parse_data

    raw = 'unit:\n  name: "Phường Đồ Sơn"\n  place: Hải Phòng\n'.encode()
    bad = raw.replace("Hải".encode(), "H\xe1i".encode("latin-1"))  # one Latin-1 byte on line 3
    with pytest.raises(ValueError, match=r"not UTF-8 text \(line 3, column 11: b'\\xe1'\)"):
        parse_data(bad, suffix=".yaml")
