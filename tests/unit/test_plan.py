"""The Kế hoạch against the seeds, part by part (issue 13, item 6): which parts each real plan
has, and that the generated one has the parts they share, in seed 000's order, with the
bodies and deadlines of its plan file."""

from __future__ import annotations

import re

import pytest

from docgen import dossier, inputs
from docgen import plan as plans
from docgen.errors import ConfigError
from tests.conftest import REPO, need_shared

KINDS = {
    "MỤC ĐÍCH": "purpose",
    "NỘI DUNG": "content",
    "ĐỐI TƯỢNG": "scope",
    "ĐỊA BÀN": "scope",
    "KINH PHÍ": "funding",
    "PHÂN CÔNG": "assignments",
    "TỔ CHỨC THỰC HIỆN": "organisation",
}
SEEDS = {
    "000": ["purpose", "content", "assignments", "organisation"],  # Hải Phòng, 06/KH-UBND
    "001": ["purpose", "content", "scope", "assignments", "organisation"],  # phường Bỉm Sơn
    "002": ["purpose", "content", "organisation"],
    "003": ["purpose", "content", "assignments", "organisation"],
    "004": ["purpose", "scope", "content", "funding", "assignments", "organisation"],
}
BODIES = inputs.load_bodies(REPO / "samples" / "bodies")


def parts(headings: list[str]) -> list[str]:
    return [next(k for word, k in KINDS.items() if word in h) for h in headings]


def seed_headings(number: str) -> list[str]:
    (path,) = need_shared("seeds").glob(f"{number}_*.txt")
    found = re.findall(r"^[#*\s]*((?:I|II|III|IV|V|VI)\.\s+[^*\n]+)", path.read_text("utf-8"), re.M)
    return [h.strip() for h in found]


@pytest.mark.parametrize("number", sorted(SEEDS))
def test_which_parts_each_seed_has(number: str) -> None:
    assert parts(seed_headings(number)) == SEEDS[number]


def test_the_generated_plan_has_every_part_most_seeds_have_in_seed_000s_order() -> None:
    common = [k for k in SEEDS["000"] if sum(k in p for p in SEEDS.values()) >= 4]
    assert common == ["purpose", "content", "assignments", "organisation"]
    for body in ("ubnd-hai-phong", "ubnd-bim-son"):
        plan = inputs.load_plan(REPO / "samples" / "plans", body, 2026)
        ctx = dossier.plan(BODIES[body], year=2026, plan_file=plan, police=None)
        assert parts([s["heading"] for s in ctx["sections"]]) == common, body


def _hai_phong() -> dict[str, object]:
    plan = inputs.load_plan(REPO / "samples" / "plans", "ubnd-hai-phong", 2026)
    return dossier.plan(
        BODIES["ubnd-hai-phong"], year=2026, plan_file=plan, police=BODIES["ca-hai-phong"]
    )


def test_the_hai_phong_plan_is_as_complete_as_seed_000() -> None:
    ctx = _hai_phong()
    purpose, content, assignments, organisation = ctx["sections"]  # type: ignore[misc]
    assert len(purpose["paragraphs"]) == 4
    numbered = [p["text"] for p in content["paragraphs"] if re.match(r"\d+\. ", p["text"])]
    assert len(numbered) >= 6
    bodies = [p["text"] for p in assignments["paragraphs"] if p["bold"]]
    assert len(bodies) == 12
    assert (
        bodies[0] == "1. Công an thành phố"
        and bodies[1] == "2. Văn phòng Ủy ban nhân dân thành phố"
    )
    duties = " ".join(p["text"] for p in assignments["paragraphs"])
    # Hải Phòng's deadlines (seed 000), not Bỉm Sơn's (seed 001: 20/02, 05/11).
    for deadline in ("15/01", "01/12", "30/01", "20/12"):
        assert f"trước ngày {deadline} hằng năm" in duties
    assert "20/02" not in duties and "05/11" not in duties
    assert "đặc khu" in str(ctx["subject"])  # Hải Phòng has đặc khu
    assert "Giao Công an thành phố chủ trì" in organisation["paragraphs"][1]["text"]
    assert "Chỉ tiêu năm 2026" in " ".join(p["text"] for p in content["paragraphs"])


def test_a_province_without_special_zones_and_a_ward_get_their_own_defaults() -> None:
    lai_chau = dossier.plan(BODIES["ubnd-lai-chau"], year=2026)
    assert "đặc khu" not in str(lai_chau["subject"])
    bim_son = dossier.plan(
        BODIES["ubnd-bim-son"],
        year=2026,
        plan_file=inputs.load_plan(REPO / "samples" / "plans", "ubnd-bim-son", 2026),
        police=BODIES["ca-bim-son"],
    )
    assignments = bim_son["sections"][2]["paragraphs"]
    assert assignments[0]["text"] == "1. Công an phường"
    assert any("Văn phòng HĐND và UBND phường" in p["text"] for p in assignments)
    assert "trước ngày 20/02" in " ".join(p["text"] for p in assignments)


def test_a_plan_file_of_another_body_is_refused() -> None:
    plan = plans.PlanFile(body="ubnd-bim-son", year=2026)
    with pytest.raises(ConfigError) as refused:
        dossier.plan(BODIES["ubnd-hai-phong"], year=2026, plan_file=plan)
    assert refused.value.field == "plan.body"
