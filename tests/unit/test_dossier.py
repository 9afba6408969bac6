from __future__ import annotations

import datetime as dt

import pytest

from docgen import dossier, generate


def test_draft_lines_leave_the_number_and_day_blank() -> None:
    assert dossier.number_line("QĐ", "UBND", 7) == "07/QĐ-UBND"
    blank = dossier.number_line("QĐ", "UBND")
    assert blank.endswith("/QĐ-UBND") and not any(c.isdigit() for c in blank)
    line = dossier.date_line("Hải Phòng", None, 2026)
    assert line.startswith("Hải Phòng, ngày") and line.endswith("năm 2026")
    assert not any(c.isdigit() for c in line.removesuffix("2026"))
    assert (
        dossier.date_line("Hải Phòng", dt.date(2026, 1, 8), 2026)
        == "Hải Phòng, ngày 08 tháng 01 năm 2026"
    )


def test_reference_cites_number_and_date_the_nd30_way() -> None:
    ref = dossier.Reference(5, "TTr-CAP", dt.date(2026, 11, 3), "Công an phường Bỉm Sơn")
    assert ref.cite() == "số 05/TTr-CAP ngày 03 tháng 11 năm 2026"


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("Phường Đoàn Kết", "phuong-doan-ket"),
        ("Trường THPT Thành phố Lai Châu", "truong-thpt-thanh-pho-lai-chau"),
        ("Công ty Cổ phần Xi măng Bỉm Sơn", "cong-ty-co-phan-xi-mang-bim-son"),
    ],
)
def test_folder_names(name: str, folder: str) -> None:
    assert generate.slug(name) == folder


def test_minutes_need_the_meeting() -> None:
    ctx = generate.sample_contexts()["bien-ban.docx"]
    assert ctx["secretary"]["title"] == "THƯ KÝ" and ctx["chair"]["title"] == "CHỦ TỌA"
    assert "place_date" not in ctx  # ND 30 mẫu 1.9: no date line in the header
    with pytest.raises(dossier.TemplateError, match="appraisal meeting"):
        dossier.minutes(*_police_and_results(), year=2026, meeting=None)


def _police_and_results() -> tuple[object, list[object]]:
    from docgen.model import IssuingBody, Signer

    body = IssuingBody(
        id="ca",
        name="Công an xã X",
        header_name="CÔNG AN XÃ X",
        abbreviation="CAX",
        place="X",
        kind="cong_an",
        level="xa",
        province="Y",
        signers=(Signer(id="truong", name="A", title="TRƯỞNG CÔNG AN"),),
        recipients=("- Lưu: VT.",),
        source="test",
    )
    return body, []


def test_the_signer_block_is_the_chosen_signers_and_an_unknown_one_is_refused() -> None:
    from docgen import inputs
    from tests.conftest import REPO

    body = inputs.load_bodies(REPO / "samples" / "bodies")["ubnd-hai-phong"]
    assert dossier.signer_block(body, None) == dossier.signer_block(body, "chu-tich")
    assert dossier.signer_block(body, None)["authority"] == "TM. ỦY BAN NHÂN DÂN"
    deputy = dossier.signer_block(body, "pho-chu-tich")
    assert (deputy["authority"], deputy["title"]) == ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    with pytest.raises(dossier.TemplateError) as refused:
        dossier.signer_block(body, "giam-doc")
    assert refused.value.field == "signer" and "chu-tich, pho-chu-tich" in refused.value.message
