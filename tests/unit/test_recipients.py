from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docgen import criteria, dossier
from docgen.inputs import load_bodies
from docgen.model import DEFAULT_POLICY, Assessment, IssuingBody
from docgen.recipients import Recipient, is_archive_line, is_reference_line, recipients
from docgen.scoring import AssessmentResult, score
from tests.conftest import full_marks

BODIES = load_bodies(Path(__file__).resolve().parents[2] / "samples" / "bodies")


@pytest.mark.parametrize("body", BODIES.values(), ids=list(BODIES))
def test_every_sample_list_gives_one_recipient_per_line_but_the_archive_line(
    body: IssuingBody,
) -> None:
    found = recipients(body.recipients)
    *sent, archive = body.recipients
    assert is_archive_line(archive)
    assert [r.line for r in found] == sent
    for r in found:
        assert not r.name.startswith("-") and not r.name.endswith((";", ".")), r.name
        assert r.name == unicodedata.normalize("NFC", r.name)
        assert r.line.startswith(f"- {r.name}")
        assert not is_archive_line(r.name) and not is_reference_line(r.name)


def test_the_lists_as_written() -> None:
    assert [r.name for r in recipients(BODIES["ubnd-hai-phong"].recipients)] == [
        "Bộ Công an (qua V05)",
        "TTTU, TT HĐND TP",
        "UB MTTQ VN thành phố",
        "CT, các PCT UBND TP",
        "Các sở, ban, ngành TP",
        "UBND các xã, phường, đặc khu",
        "Cơ quan, doanh nghiệp, cơ sở giáo dục",
        "CVP, các PCVP UBND TP",
        "Các phòng: NC, XV, NV&KTGS",
    ]
    assert recipients(["- Bộ Công an (qua V05);"]) == [
        Recipient(line="- Bộ Công an (qua V05);", name="Bộ Công an (qua V05)")
    ]


@pytest.mark.parametrize(
    "line",
    ["- Lưu: VT, L.Thụy.", "- Lưu: VT (02).", "- Lưu: VT.", "- Lưu VT, NC.", "- LƯU: VT", "- Lưu."],
)
def test_the_archive_line_is_never_a_recipient(line: str) -> None:
    assert is_archive_line(line)
    assert recipients(["- Công an phường;", line]) == [
        Recipient("- Công an phường;", "Công an phường")
    ]


def test_a_person_named_luu_is_a_recipient() -> None:
    assert not is_archive_line("- Đ/c Lưu Văn Hòa;")
    assert not is_archive_line("- Lưu Quang Minh (để biết);")


@pytest.mark.parametrize(
    "line",
    ["- Như Điều 3;", "- Như Điều 2;", "- Như trên;", "- như điều 3;", "- NHƯ ĐIỀU 3;",
     "- Như Điều 3 (để thực hiện);", "-Như  Điều 3 ;"],
)  # fmt: skip
def test_reference_lines(line: str) -> None:
    decomposed = unicodedata.normalize("NFD", line)
    assert is_reference_line(line) and is_reference_line(decomposed)
    assert not is_reference_line("- UBND huyện Như Thanh;")
    assert not is_reference_line("- Như Xuân;")


def _result(name: str, *, recognised: bool) -> AssessmentResult:
    cs = criteria.load("xa_phuong")
    gates = {"antt_last_year": recognised, "movement_rating_last_year": "kha"}
    raw = full_marks(cs, unit={"name": name, "type": "xa", "issuing_body": "ubnd-hai-phong"})
    result = score(Assessment.model_validate({**raw, "gates": gates}), cs, DEFAULT_POLICY)
    assert result.verdict.recognised is recognised
    return result


def test_nhu_dieu_3_expands_to_what_article_3_of_the_decision_names() -> None:
    body = BODIES["ubnd-hai-phong"]
    proposal = dossier.Reference(
        15, "TTr-CATP", dt.date(2026, 11, 20), "Công an thành phố Hải Phòng"
    )
    results = [_result("Xã Yết Kiêu", recognised=True), _result("Xã Lê Lợi", recognised=False)]
    named = dossier.article_3(body, results, proposal=proposal)
    assert named == [
        "Chánh Văn phòng UBND thành phố Hải Phòng",
        "Công an thành phố Hải Phòng",
        "Thủ trưởng các cơ quan, đơn vị có liên quan",
        "Xã Yết Kiêu",
    ]
    lines = ["- Như Điều 3;", *body.recipients]
    found = recipients(lines, article_3=named)
    assert [r.name for r in found[:4]] == named
    assert {r.line for r in found[:4]} == {"- Như Điều 3;"}
    assert [r.line for r in found[4:]] == list(body.recipients[:-1])


def test_the_decision_context_carries_article_3_and_its_text_names_the_same_bodies() -> None:
    from docgen import generate

    ctx = generate.sample_contexts()["quyet-dinh.docx"]
    named = dossier.referenced(ctx)
    article = next(a["text"] for a in ctx["articles"] if a["label"] == "Điều 3.")
    executors = [n for n in named if n.startswith(("Chánh", "Công an", "Thủ trưởng"))]
    assert len(executors) == 3
    assert article.startswith(", ".join(executors) + " và các đơn vị có tên trong danh sách")
    assert len(recipients(ctx["recipients"], article_3=named)) >= len(named)


def test_nhu_tren_expands_to_the_addressee() -> None:
    ctx = {"addressee": "Ủy ban nhân dân thành phố Hải Phòng", "recipients": ["- Như trên;"]}
    assert dossier.referenced(ctx) == ["Ủy ban nhân dân thành phố Hải Phòng"]
    assert dossier.referenced({"recipients": []}) == []
    found = recipients(ctx["recipients"], article_3=dossier.referenced(ctx))
    assert found == [Recipient("- Như trên;", "Ủy ban nhân dân thành phố Hải Phòng")]


def test_a_reference_without_its_bodies_is_refused() -> None:
    with pytest.raises(ValueError, match="Như Điều 3"):
        recipients(["- Như Điều 3;", "- Lưu: VT."])


def test_blank_lines_and_duplicates() -> None:
    found = recipients(
        ["", "   ", "- Công an phường;", "-", "- Công an phường.", "- CÔNG AN PHƯỜNG;",
         "- Như Điều 3;"],
        article_3=["Công an phường", "Phòng PV01"],
    )  # fmt: skip
    assert [r.name for r in found] == ["Công an phường", "Phòng PV01"]
    # A tone mark makes another place: Yên and Yến are both kept.
    assert len(recipients(["- UBND xã Yên;", "- UBND xã Yến;"])) == 2


# --- properties ----------------------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40
)
lines = st.lists(names.map(lambda n: f"- {n};"), max_size=12)
archive_lines = st.sampled_from(
    ["- Lưu: VT, L.Thụy.", "- Lưu: VT (02).", "- Lưu: VT.", "- Lưu VT, NC.", "- Lưu: VT, Hồ sơ."]
)


@given(lines, archive_lines, st.integers(min_value=0, max_value=12))
def test_no_archive_line_ever_becomes_a_recipient(
    written: list[str], archive: str, at: int
) -> None:
    written = [w for w in written if not is_reference_line(w)]
    with_archive = [*written[:at], archive, *written[at:]]
    found = recipients(with_archive)
    assert found == recipients(written)
    assert all(not is_archive_line(r.name) and not r.name.startswith("Lưu:") for r in found)


@given(lines)
def test_order_is_kept_and_each_recipient_comes_from_its_line(written: list[str]) -> None:
    written = [w for w in written if not is_reference_line(w)]
    found = recipients(written)
    positions = [written.index(r.line) for r in found]
    assert positions == sorted(positions)
    assert len({r.name.casefold() for r in found}) == len(found)


@given(lines)
def test_names_are_nfc_and_cleaning_twice_changes_nothing(written: list[str]) -> None:
    written = [w for w in written if not is_reference_line(w)]
    found = recipients(written)
    assert all(r.name == unicodedata.normalize("NFC", r.name) for r in found)
    again = recipients([r.name for r in found])
    assert [r.name for r in again] == [r.name for r in found]
    decomposed = recipients([unicodedata.normalize("NFD", w) for w in written])
    assert [r.name for r in decomposed] == [r.name for r in found]
