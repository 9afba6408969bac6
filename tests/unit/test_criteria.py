from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest

from docgen import criteria
from docgen.model import CriteriaSet


@pytest.mark.parametrize(
    ("set_id", "groups", "count", "total"), [("xa_phuong", 4, 20, 100), ("co_quan", 4, 12, 50)]
)
def test_shape_of_each_set(set_id: str, groups: int, count: int, total: int) -> None:
    cs = criteria.load(set_id)
    assert len(cs.groups) == groups
    assert [c.id for c in cs.criteria()] == list(range(1, count + 1))
    assert cs.total_points == total
    assert "3554/QĐ-BCA-V05" in cs.source.document


def test_points_add_up(criteria_set: CriteriaSet) -> None:
    assert criteria.check_sums(criteria_set) == []
    for c in criteria_set.criteria():
        assert sum(i.points for i in c.items) == c.points
        assert [i.id for i in c.items] == [f"{c.id}.{n}" for n in range(1, len(c.items) + 1)]
    assert sum(c.points for c in criteria_set.criteria()) == criteria_set.total_points


def test_check_sums_catches_a_slip() -> None:
    cs = criteria.load("xa_phuong")
    group = cs.groups[0]
    first = group.criteria[0]
    broken_item = first.items[0].model_copy(update={"points": Decimal(2)})
    broken = cs.model_copy(
        update={
            "groups": (
                group.model_copy(
                    update={
                        "criteria": (
                            first.model_copy(update={"items": (broken_item, *first.items[1:])}),
                            *group.criteria[1:],
                        )
                    }
                ),
                *cs.groups[1:],
            )
        }
    )
    problems = criteria.check_sums(broken)
    assert problems == ["tiêu chí 1: sub-items add up to 3, not 2"]


def _texts(cs: CriteriaSet) -> list[str]:
    texts = [cs.title, cs.source.document, *(g.title for g in cs.groups)]
    for item in cs.items().values():
        texts.append(item.text)
        if item.text_maintenance:
            texts.append(item.text_maintenance)
        for fig in item.rule.figures if item.rule else ():
            texts.append(fig.label)
    return texts


def test_text_is_nfc_and_clean(criteria_set: CriteriaSet) -> None:
    for text in _texts(criteria_set):
        assert text == unicodedata.normalize("NFC", text)
        assert text.strip() == text and "  " not in text
        assert "điểm)" not in text and "<" not in text and "*" not in text


@pytest.mark.parametrize(
    "slip",
    ["chất hành", " đê ", " kiêu ", "ANTTQ", "tội giác", "kiểm chế", "Ủy ban Nhân dân", " ,"],
)
def test_ocr_slips_are_corrected(criteria_set: CriteriaSet, slip: str) -> None:
    assert not any(slip in text for text in _texts(criteria_set))


def test_maintenance_variants_of_the_xa_set() -> None:
    items = criteria.load("xa_phuong").items()
    with_variant = {i for i, item in items.items() if item.text_maintenance}
    assert with_variant == {"5.2", "8.1", "9.1"}
    assert "95%" in (items["5.2"].text_maintenance or "")
    assert "02 lượt" in (items["9.1"].text_maintenance or "")
    assert "những năm duy trì" not in items["8.1"].text.lower()


def test_numeric_rules_reference_declared_figures(criteria_set: CriteriaSet) -> None:
    for item in criteria_set.items().values():
        if item.rule is None:
            continue
        declared = {f.id for f in item.rule.figures}
        for cond in item.rule.conditions:
            used = {cond.figure} if cond.figure else set(cond.ratio or ())
            assert used <= declared, item.id
        if item.rule.kind == "thresholds":
            assert item.rule.conditions, item.id


def test_the_rules_the_issue_names_are_data() -> None:
    items = criteria.load("xa_phuong").items()
    assert items["13.1"].rule is not None and items["13.1"].rule.kind == "recidivism"
    assert items["19.4"].rule is not None and items["19.4"].rule.kind == "crime_trend"
    assert "không quá 6%" in items["13.1"].text
    (cond,) = items["9.1"].rule.conditions if items["9.1"].rule else ()
    assert (cond.at_least, cond.at_least_maintenance) == (3, 2)
    (ratio,) = items["5.2"].rule.conditions if items["5.2"].rule else ()
    assert (ratio.at_least, ratio.at_least_maintenance) == (100, 95)
    camera = items["16.1"].rule
    assert camera is not None and "camera_models" in {f.id for f in camera.figures}


def test_unknown_set_is_a_config_error() -> None:
    from docgen.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown criteria set 'xa'"):
        criteria.load("xa")


def _seed_text() -> str:
    """The annex of seeds/001 as one line of plain text, for checking the transcription."""
    import re

    from tests.conftest import need_shared

    path = need_shared("seeds") / "001_f808600f7353e38d.txt"
    text = path.read_text(encoding="utf-8")
    text = text[text.index("BỘ TIÊU CHÍ") :]
    text = re.sub(r"\t\d+\n", "\n", text)  # a TỔNG ĐIỂM cell ending a row split by a page break
    text = re.sub(r"<[^>]+>|\*", " ", text)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def test_every_text_is_in_the_seed_once_its_corrections_are_applied(
    criteria_set: CriteriaSet,
) -> None:
    import re

    seed = _seed_text()
    for correction in criteria_set.source.corrections:
        m = re.fullmatch(r"(.+?) → (.+?)(?: \(.*\))?", correction)
        assert m is not None, correction
        seed = seed.replace(m[1], m[2])
    for spaced, tight in ((" ,", ","), (" .", "."), (" ;", ";"), ("( ", "(")):
        seed = seed.replace(spaced, tight)
    for item in criteria_set.items().values():
        assert item.text in seed, item.id
        if item.text_maintenance:
            variant = item.text_maintenance[0].lower() + item.text_maintenance[1:]
            assert variant in seed, item.id
