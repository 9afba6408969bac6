from __future__ import annotations

import datetime as dt

import pytest

from docgen import dossier, generate
from tests import sample_data


def test_draft_lines_leave_the_number_and_day_blank() -> None:
    assert dossier.number_line("QĐ", "UBND", 7) == "Số: 07/QĐ-UBND"
    blank = dossier.number_line("QĐ", "UBND")
    assert blank == f"Số: {dossier.BLANK}/QĐ-UBND"
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
    deputy = dossier.signer_block(body, "pho-chu-tich", issuer="head")
    assert (deputy["authority"], deputy["title"]) == ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    with pytest.raises(dossier.TemplateError) as refused:
        dossier.signer_block(body, "giam-doc")
    assert refused.value.field == "signer" and "chu-tich, pho-chu-tich" in refused.value.message


HAI_PHONG_QD = "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG"


@pytest.mark.parametrize(
    ("issuer", "signer", "authority_line", "block", "annex_by"),
    [
        # ND 30 Phụ lục I, ô 7a: the Chủ tịch issues in his own authority and signs CHỦ TỊCH;
        # a deputy signs KT. CHỦ TỊCH. TM. only when the UBND issues in its own name.
        ("head", None, HAI_PHONG_QD, [None, None, "CHỦ TỊCH"], "Chủ tịch UBND"),
        (
            "head",
            "pho-chu-tich",
            HAI_PHONG_QD,
            ["KT. CHỦ TỊCH", None, "PHÓ CHỦ TỊCH"],
            "Chủ tịch UBND",
        ),
        (
            "collective",
            None,
            "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG",
            ["TM. ỦY BAN NHÂN DÂN", None, "CHỦ TỊCH"],
            "UBND",
        ),
        (
            "collective",
            "pho-chu-tich",
            "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG",
            ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
            "UBND",
        ),
    ],
)
def test_authority_signature_annex_and_recipients_agree(
    issuer: dossier.Issuer,
    signer: str | None,
    authority_line: str,
    block: list[str | None],
    annex_by: str,
) -> None:
    body, police, results = _hai_phong()
    ref = dossier.Reference(15, "TTr-CATP", dt.date(2026, 11, 27), police.name)
    ctx = dossier.decision(
        body, results, year=2026, proposal=ref, signer=signer, issuer=issuer, police=police
    )
    assert ctx["authority_line"] == authority_line
    s = ctx["signer"]
    assert [s["authority"], s["deputy"], s["title"]] == block
    assert ctx["annex_reference"].endswith(f"của {annex_by} thành phố Hải Phòng)")
    assert ctx["recipients"][0] == "- Như Điều 3;"
    assert ctx["recipients"][-1] == "- Lưu: VT, NC."  # no drafter's initials from seed 000
    gcn = dossier.certificate(
        body,
        results[0],
        year=2026,
        decision_ref=dossier.Reference(1, "QĐ-UBND", dt.date(2026, 12, 5), body.name),
        signer=signer,
        issuer=issuer,
    )
    assert (gcn["authority_line"], gcn["signer"]) == (authority_line, s)
    assert gcn["decision_reference"] == (
        f"(Theo Quyết định số 01/QĐ\u2011UBND ngày 05 tháng 12 năm 2026 của {annex_by} thành phố "
        "Hải Phòng)"
    )


def test_documents_the_ubnd_issues_are_signed_on_its_behalf_and_the_police_head_by_name() -> None:
    body, police, results = _hai_phong()
    plan = dossier.plan(body, year=2026)
    assert plan["signer"]["authority"] == "TM. ỦY BAN NHÂN DÂN"
    proposal = dossier.proposal(police, body, results, year=2026)
    assert (proposal["signer"]["authority"], proposal["signer"]["title"]) == (None, "GIÁM ĐỐC")


def test_article_3_names_the_police_head_and_no_unit_list_it_lacks() -> None:
    body, police, results = _hai_phong()
    ref = dossier.Reference(15, "TTr-CATP", dt.date(2026, 11, 27), police.name)
    text = dossier.decision(body, results, year=2026, proposal=ref, police=police)["articles"][2]
    assert "Giám đốc Công an thành phố Hải Phòng" in text["text"]
    assert "có tên tại Điều 1" not in text["text"]
    bim_son = _bodies()["ca-bim-son"]
    assert dossier.head_of(bim_son) == "Trưởng Công an phường Bỉm Sơn"
    ubnd = _bodies()["ubnd-bim-son"]
    executors = dossier.article_3(ubnd, [], proposal=ref, police=bim_son)
    assert executors[0] == "Chánh Văn phòng HĐND và UBND phường Bỉm Sơn"


def _bodies() -> dict[str, object]:
    return dict(sample_data.bodies())


def _hai_phong() -> tuple[object, object, list[object]]:
    bodies, results = sample_data.bodies(), sample_data.results()
    mine = [
        r
        for r in results
        if r.assessment.unit.issuing_body == "ubnd-hai-phong" and r.verdict.recognised
    ]
    return bodies["ubnd-hai-phong"], bodies["ca-hai-phong"], mine


NB = "\u00a0"


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG", ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HẢI PHÒNG")),
        ("CÔNG AN THÀNH PHỐ HẢI PHÒNG", ("CÔNG AN", "THÀNH PHỐ HẢI PHÒNG")),
        ("ỦY BAN NHÂN DÂN PHƯỜNG BỈM SƠN", ("ỦY BAN NHÂN DÂN", "PHƯỜNG BỈM SƠN")),
        ("UBND TỈNH THANH HÓA", ("UBND", "TỈNH THANH HÓA")),
        ("CÔNG TY CỔ PHẦN XI MĂNG BỈM SƠN", ("CÔNG TY CỔ PHẦN", "XI MĂNG BỈM SƠN")),
        ("BỘ CÔNG AN", ("BỘ", "CÔNG AN")),
    ],
)
def test_a_header_name_breaks_only_between_its_parts(name: str, lines: tuple[str, str]) -> None:
    from docgen import vn

    made = vn.header_name(name)
    assert made.count(" ") == 1  # the one place a line may break
    assert tuple(part.replace(NB, " ") for part in made.split(" ")) == lines


def test_a_code_number_never_breaks_and_dates_are_left_alone() -> None:
    from docgen import vn

    text = vn.keep_codes("Nghị định số 06/2014/NĐ-CP ngày 21/01/2014 và Tờ trình số 15/TTr-CATP.")
    assert "06/2014/NĐ\u2011CP" in text and "15/TTr\u2011CATP." in text
    assert "ngày 21/01/2014 và" in text  # spaces around it still break


def test_unit_documents_name_the_unit_lowercase_mid_sentence_and_its_head_by_title() -> None:
    body, _police, results = _hai_phong()
    ngo_quyen = next(r for r in results if r.assessment.unit.name == "Phường Ngô Quyền")
    text = dossier.registration(body, ngo_quyen, year=2026)["paragraphs"]
    assert text[1].startswith("Năm 2025, phường Ngô Quyền đạt")
    assert text[2].startswith("Phường Ngô Quyền đăng ký")  # a sentence still starts capitalised
    report = dossier.report(body, ngo_quyen, year=2026)
    assert ", phường Ngô Quyền báo cáo" in report["paragraphs"][0]
    assert report["closing"][-1].endswith("./.")
    assert report["signer"]["name"] == "Lương Văn Sơn"
    school = _scored("truong-thpt-bim-son-2026.yaml")
    signer = dossier.registration(_bodies()["ubnd-bim-son"], school, year=2026)["signer"]
    assert (signer["authority"], signer["title"]) == (None, "HIỆU TRƯỞNG")


def test_a_local_unit_dates_its_documents_at_its_own_place() -> None:
    """ND 30 Phụ lục I, ô 4: a phường writes its own name as địa danh ("Ngô Quyền, ngày …"),
    not its city's; a school, with no place of its own in its file, its body's."""
    body, _police, results = _hai_phong()
    ngo_quyen = next(r for r in results if r.assessment.unit.name == "Phường Ngô Quyền")
    for made in (dossier.registration, dossier.report):
        assert made(body, ngo_quyen, year=2026)["place_date"].startswith("Ngô Quyền, ngày")
    school = _scored("truong-thpt-bim-son-2026.yaml")
    bim_son = _bodies()["ubnd-bim-son"]
    place = dossier.registration(bim_son, school, year=2026)["place_date"]
    assert place.startswith(f"{bim_son.place}, ngày")


def test_the_proposal_sends_the_addressee_one_copy() -> None:
    body, police, results = _hai_phong()
    lines = dossier.proposal(police, body, results, year=2026)["recipients"]
    assert lines[0] == "- Như trên;"
    assert not any("UBND thành phố" in line for line in lines)
    assert "- Bộ Công an (qua V05);" in lines


def test_documents_cite_the_plan_by_number_and_date_once_issued() -> None:
    body, police, results = _hai_phong()
    plan = dossier.Reference(6, "KH-UBND", dt.date(2026, 1, 8), body.name)
    cited = "Kế hoạch số 06/KH\u2011UBND ngày 08 tháng 01 năm 2026 của UBND thành phố Hải Phòng về"
    assert (
        cited in dossier.proposal(police, body, results, year=2026, plan_ref=plan)["paragraphs"][0]
    )
    assert (
        cited in dossier.registration(body, results[0], year=2026, plan_ref=plan)["paragraphs"][0]
    )
    assert cited in dossier.report(body, results[0], year=2026, plan_ref=plan)["paragraphs"][0]
    draft = dossier.proposal(police, body, results, year=2026)["paragraphs"][0]
    assert "Kế hoạch của UBND thành phố Hải Phòng về" in draft


def test_no_certificate_before_its_decision_is_issued() -> None:
    before = sample_data.plan_hai_phong(decision=None)
    assert not [p for p in before if p.template == "giay-chung-nhan.docx"]
    after = sample_data.plan_hai_phong(decision=sample_data.DECISION)
    assert len([p for p in after if p.template == "giay-chung-nhan.docx"]) == 2


def test_a_final_document_without_its_signer_name_is_refused() -> None:
    contexts = generate.sample_contexts()
    ctx = dict(contexts["ban-dang-ky.docx"])
    ctx["signer"] = dict(ctx["signer"], name="")
    doc = generate.Planned("2026/x/truong-x/ban-dang-ky", "ban-dang-ky.docx", "Bản đăng ký", ctx)
    with pytest.raises(dossier.TemplateError) as refused:
        generate.unsigned([doc])
    assert refused.value.field == "signer.name" and "họ tên người ký" in refused.value.message_vi
    generate.unsigned(
        [generate.Planned("a", "ban-dang-ky.docx", "Bản đăng ký", contexts["ban-dang-ky.docx"])]
    )


def _scored(name: str) -> object:
    from docgen import inputs
    from tests.conftest import REPO

    path = REPO / "samples" / "assessments" / name
    return inputs.score_all(inputs.load_paths([path]), inputs.load_policies(None))[0]


def test_a_dossier_without_a_qualifying_unit_says_what_it_lacks() -> None:
    bodies, results = sample_data.bodies(), sample_data.results()
    notes = generate.absent(bodies["ubnd-bac-ninh"], results, year=2026)
    assert any("không có Tờ trình, Quyết định công nhận và Giấy chứng nhận" in n for n in notes)
    assert any("không có Thông báo duy trì" in n for n in notes)
    assert generate.absent(bodies["ubnd-hai-phong"], results, year=2026) == []


def test_a_unit_in_its_maintenance_year_is_announced_not_recognised_anew() -> None:
    """seeds/003 §III.1.2: Ngô Quyền (recognised 2025, kept in 2026) is in the Thông báo, not
    in the Tờ trình, the QĐ's phụ lục or Điều 3, and gets no new GCN; An Biên and Yết Kiêu,
    recognised in their build year, are."""
    bodies, results = sample_data.bodies(), sample_data.results()
    planned = sample_data.plan_hai_phong(results)
    by_template = {p.template: p.context for p in planned}
    recognised = {"Phường An Biên", "Xã Yết Kiêu"}
    assert {u["name"] for u in by_template["quyet-dinh.docx"]["units"]} == recognised
    assert {u["name"] for u in by_template["to-trinh.docx"]["units"]} == recognised
    assert "Phường Ngô Quyền" not in by_template["quyet-dinh.docx"]["article_3"]
    certificates = {p.unit for p in planned if p.template == "giay-chung-nhan.docx"}
    assert certificates == recognised
    notice = {u["name"]: u["note"] for u in by_template["thong-bao.docx"]["units"]}
    assert notice == {"Phường Ngô Quyền": "Giữ vững", "Phường Kiến An": "Không giữ vững"}

    # A body whose only unit keeps its title: no Tờ trình, QĐ or GCN, and the clerk is told why.
    maintained = [r for r in results if r.assessment.unit.name == "Phường Ngô Quyền"]
    only = sample_data.plan_hai_phong(maintained)
    assert {p.template for p in only} == {
        "ke-hoach.docx",
        "ban-dang-ky.docx",
        "bao-cao.docx",
        "thong-bao.docx",
    }
    assert generate.absent(bodies["ubnd-hai-phong"], maintained, year=2026) == [
        "Không có đơn vị nào đủ điều kiện công nhận năm 2026 (1 đơn vị đã chấm, 1 đơn vị giữ "
        "vững danh hiệu trong năm duy trì): hồ sơ không có Tờ trình, Quyết định công nhận và "
        "Giấy chứng nhận."
    ]
