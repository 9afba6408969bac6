"""Every sample reproduces the totals and verdict its file documents (worked out by hand), and the
samples cover what the foundation issue asks of them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from docgen import inputs, scoring
from docgen.model import DEFAULT_POLICY, IssuingBody
from tests.conftest import REPO, need_shared

ASSESSMENTS = REPO / "samples" / "assessments"
WORKBOOKS = REPO / "samples" / "workbooks"
BODIES = REPO / "samples" / "bodies"
LOADED = inputs.load_paths([ASSESSMENTS])


@pytest.mark.parametrize("loaded", LOADED, ids=lambda x: Path(x.origin.split(" (")[0]).stem)
def test_sample_reproduces_its_documented_result(loaded: inputs.Loaded) -> None:
    expected = loaded.assessment.expected
    assert expected is not None, "every sample documents its expected result"
    result = scoring.score(loaded.assessment, loaded.criteria, DEFAULT_POLICY)
    assert result.final == expected.total
    assert result.verdict.recognised is expected.recognised
    short = sorted(i.id for i in result.item_scores() if i.final < i.max_points)
    assert short == sorted(expected.failing_items)


def test_samples_cover_the_cases_the_issue_names() -> None:
    assert len(LOADED) >= 12
    sets = {x.criteria.id for x in LOADED}
    assert sets == {"xa_phuong", "co_quan"}
    results = [scoring.score(x.assessment, x.criteria, DEFAULT_POLICY) for x in LOADED]
    by_name = {r.assessment.unit.name: r for r in results}
    assert any(r.final == r.max_points and r.verdict.recognised for r in results)
    maintenance = by_name["Phường Ngô Quyền"]
    assert maintenance.assessment.mode == "duy_tri" and maintenance.verdict.recognised
    assert maintenance.assessment.items["5.2"].figures == {"officers": 40, "officers_good": 38}
    assert maintenance.assessment.items["9.1"].figures == {"commendations": 2}
    assert by_name["Phường Đoàn Kết"].assessment.items["13.1"].figures == {
        "released": 25,
        "reoffenders": 2,
    }
    assert by_name["Phường Kinh Bắc"].assessment.items["19.4"].figures == {
        "crimes_previous_year": 15,
        "crimes_this_year": 15,
    }
    gated = [r for r in results if r.final == r.max_points and not r.verdict.recognised]
    assert len(gated) >= 2


def test_workbook_samples_match_their_yaml_twins() -> None:
    books = sorted(WORKBOOKS.glob("*.xlsx"))
    assert books
    by_name = {x.assessment.unit.name: x.assessment for x in LOADED}
    for loaded in inputs.load_paths(books):
        twin = by_name[loaded.assessment.unit.name]
        assert loaded.assessment == twin.model_copy(update={"expected": None})


def _bodies() -> list[IssuingBody]:
    return list(inputs.load_bodies(BODIES).values())


def test_issuing_bodies_of_the_five_seeds() -> None:
    bodies = {b.id: b for b in _bodies()}
    assert {b.name for b in bodies.values()} >= {
        "Ủy ban nhân dân thành phố Hải Phòng",
        "Ủy ban nhân dân phường Bỉm Sơn",
        "Ủy ban nhân dân xã Yết Kiêu",
        "Ủy ban nhân dân tỉnh Bắc Ninh",
        "Ủy ban nhân dân thành phố Lai Châu",
    }
    assert sum(b.kind == "cong_an" for b in bodies.values()) == 5
    for body in bodies.values():
        assert body.recipients[-1].startswith("- Lưu:")
        assert all(r.startswith("- ") and r.endswith(";") for r in body.recipients[:-1])
    used = {x.assessment.unit.issuing_body for x in LOADED}
    assert used <= set(bodies)


def test_signer_names_are_fictional() -> None:
    """No signer of the samples is a person named anywhere in the seeds."""
    seeds = " ".join(p.read_text(encoding="utf-8") for p in need_shared("seeds").glob("*.txt"))
    assert seeds, "../shared/seeds holds no seed"
    names = [s.name for b in _bodies() for s in b.signers]
    assert names
    for name in names:
        assert name not in seeds, name


def test_samples_validate_against_the_published_json_schema() -> None:
    import json

    import jsonschema

    schema = json.loads((REPO / "docs" / "assessment.schema.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(ASSESSMENTS.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(raw)), path
    raw = yaml.safe_load((ASSESSMENTS / "xa-yet-kieu-2026.yaml").read_text(encoding="utf-8"))
    raw["mode"] = "nam_thuong"
    assert list(validator.iter_errors(raw))


@pytest.mark.parametrize(
    "meeting", sorted((REPO / "samples" / "meetings").glob("*.yaml")), ids=lambda p: p.stem
)
def test_every_sample_body_has_a_complete_dossier(meeting: Path) -> None:
    """Each Công an's meeting file leads to a dossier its UBND can build with nothing missing."""
    import datetime as dt

    from docgen import dossier, generate

    bodies = {b.id: b for b in _bodies()}
    police_id, year = meeting.stem.rsplit("-", 1)
    police = bodies[police_id]
    assert police.government is not None
    government = bodies[police.government]
    ref = dossier.Reference(1, "QĐ-UBND", dt.date(int(year), 12, 1), government.name)
    planned = generate.plan(
        government,
        police,
        [scoring.score(x.assessment, x.criteria, DEFAULT_POLICY) for x in LOADED],
        year=int(year),
        proposal=ref,
        decision=ref,
        meeting=inputs.load_meeting(meeting),
    )
    mine = [
        x
        for x in LOADED
        if x.assessment.unit.issuing_body == government.id and x.assessment.year == int(year)
    ]
    assert mine
    assert sum(p.template == "bao-cao.docx" for p in planned) == len(mine)


def test_every_sample_body_mails_each_recipient_of_its_noi_nhan() -> None:
    """Each body's Nơi nhận lines (but Lưu and "Như Điều 3") have a fictional address under
    example.org (RFC 2606), so issuing from any sample body sends its letters."""
    from docgen.recipients import is_reference_line, recipients

    bodies = inputs.load_bodies(REPO / "samples" / "bodies")
    assert len(bodies) == 10
    for body in bodies.values():
        lines = [line for line in body.recipients if not is_reference_line(line)]
        named = {r.name for r in recipients(lines)}
        assert named and named <= set(body.emails), (body.id, named - set(body.emails))
        assert all(a.endswith(".example.org") and "@" in a for a in body.emails.values())
