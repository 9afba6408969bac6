"""What each document of a dossier says: the context every template is filled with (pure).

Data in (issuing bodies, scored results, references to documents already issued), plain dicts
out. Drafts leave the số and the day and month blank for the văn thư to fill at issuance
(ND 30: the number is given when the document is issued, after the chair has signed). A document
that cites another (the QĐ cites the Tờ trình, each GCN the QĐ) needs that reference, and says so
when it is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docxtpl import RichText

from docgen import vn
from docgen.errors import TemplateError
from docgen.model import MODE_LABELS, UNIT_TYPE_LABELS, IssuingBody, Signer
from docgen.scoring import AssessmentResult

BLANK = "\u00a0" * 6
MOVEMENT = "điển hình về phong trào toàn dân bảo vệ an ninh Tổ quốc"
BASES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Căn cứ Nghị định số 06/2014/NĐ-CP ngày 21 tháng 01 năm 2014 của Chính phủ về biện pháp "
    "vận động quần chúng bảo vệ an ninh quốc gia, giữ gìn trật tự, an toàn xã hội;",
    "Căn cứ Quyết định số 3554/QĐ-BCA-V05 ngày 19 tháng 5 năm 2025 của Bộ trưởng Bộ Công an "
    "ban hành Bộ tiêu chí, Quy định trình tự, thủ tục, thẩm quyền xét, công nhận xã, phường, "
    "đặc khu, cơ quan, doanh nghiệp, cơ sở giáo dục điển hình về phong trào toàn dân bảo vệ an "
    "ninh Tổ quốc;",
)


@dataclass(frozen=True)
class Reference:
    """A document already issued that another cites: 'Tờ trình số 15/TTr-CATP ngày …'."""

    number: int
    notation: str  # "TTr-CATP"
    date: dt.date
    issuer: str  # "Công an thành phố Hải Phòng"

    def cite(self) -> str:
        return (
            f"số {vn.document_number(self.number, None, self.notation, prefix=False)} "
            f"{vn.nd30_date(self.date)}"
        )


def number_line(type_code: str, body_code: str, number: int | None = None) -> str:
    """What follows 'Số: ' in the header: '06/KH-UBND', or a blank number for a draft."""
    return vn.document_number(number, type_code, body_code, prefix=False)


def date_line(place: str, day: dt.date | None, year: int) -> str:
    """'Hải Phòng, ngày 08 tháng 01 năm 2026', or with day and month blank for a draft."""
    if day is None:
        return vn.nfc(f"{place}, ngày{BLANK}tháng{BLANK}năm {year}")
    return vn.place_date(place, day)


def _signer(body: IssuingBody, signer_id: str | None) -> dict[str, str | None]:
    signers = {s.id: s for s in body.signers}
    signer: Signer = signers[signer_id] if signer_id else body.signers[0]
    return {"authority": signer.authority, "title": signer.title, "name": signer.name}


def _head(body: IssuingBody, year: int) -> dict[str, Any]:
    return {
        "body": {"header_name": body.header_name, "parent_header": body.parent_header},
        "place_date": date_line(body.place, None, year),
        "year": year,
    }


def _short(body: IssuingBody) -> str:
    """'UBND thành phố Hải Phòng': the name as the text of a document cites it."""
    return body.name.replace("Ủy ban nhân dân", "UBND")


def _unit_rows(results: Sequence[AssessmentResult]) -> list[dict[str, str]]:
    return [
        {
            "index": str(n),
            "name": r.assessment.unit.name,
            "kind": UNIT_TYPE_LABELS[r.assessment.unit.type].capitalize(),
            "points": vn.number(r.final),
            "note": MODE_LABELS[r.assessment.mode].capitalize(),
        }
        for n, r in enumerate(results, start=1)
    ]


def _require(value: object, what: str, field: str) -> None:
    if value is None:
        raise TemplateError(f"missing {what} ({field})", message_vi=f"Thiếu {what}", field=field)


def decision(
    body: IssuingBody,
    results: Sequence[AssessmentResult],
    *,
    year: int,
    proposal: Reference | None,
    signer: str | None = None,
) -> dict[str, Any]:
    """Quyết định công nhận with its phụ lục: the recognised units of `results`."""
    _require(proposal, "the Tờ trình the decision answers", "proposal")
    assert proposal is not None
    recognised = [r for r in results if r.verdict.recognised]
    if not recognised:
        raise TemplateError("no recognised unit to put in the decision", field="results")
    head = _signer(body, "chu-tich")
    authority = f"{head['title']} {vn.upper(body.name)}"
    subject = f"Về việc công nhận đơn vị {MOVEMENT} năm {year}"
    return {
        **_head(body, year),
        "number": number_line("QĐ", body.abbreviation),
        "subject": subject,
        "authority_line": authority,
        "bases": [*BASES[:-1], BASES[-1]],
        "proposal": f"Theo đề nghị của {proposal.issuer} tại Tờ trình {proposal.cite()}.",
        "articles": [
            {
                "label": "Điều 1.",
                "text": f"Công nhận {len(recognised):02d} đơn vị đạt {MOVEMENT} "
                f"năm {year} (có danh sách kèm theo).",
            },
            {"label": "Điều 2.", "text": "Quyết định này có hiệu lực kể từ ngày ký."},
            {
                "label": "Điều 3.",
                "text": f"Chánh Văn phòng {_short(body)}, {proposal.issuer}, "
                "Thủ trưởng các cơ quan, đơn vị có liên quan và các đơn vị có tên tại Điều 1 chịu "
                "trách nhiệm thi hành Quyết định này./.",
            },
        ],
        "recipients": ["- Như Điều 3;", *body.recipients],
        "signer": _signer(body, signer),
        "annex_title": f"DANH SÁCH ĐƠN VỊ {vn.upper(MOVEMENT)} NĂM {year}",
        "annex_reference": f"(Kèm theo Quyết định số{BLANK}/QĐ-{body.abbreviation} "
        f"ngày{BLANK}tháng{BLANK}năm {year} của Chủ tịch {_short(body)})",
        "units": _unit_rows(recognised),
    }


def certificate(
    body: IssuingBody, result: AssessmentResult, *, year: int, decision_ref: Reference | None
) -> dict[str, Any]:
    """Giấy chứng nhận of one recognised unit, citing the QĐ."""
    _require(decision_ref, "the Quyết định the certificate cites", "decision")
    assert decision_ref is not None
    head = _signer(body, "chu-tich")
    return {
        **_head(body, year),
        "number": f"{BLANK}/GCN-{body.abbreviation}",
        "authority_line": f"{head['title']} {vn.upper(body.name)}",
        "unit_name": vn.upper(result.assessment.unit.name),
        "achievement": f"Đạt danh hiệu đơn vị {MOVEMENT} năm {year}",
        "decision_reference": f"(Theo Quyết định {decision_ref.cite()} của Chủ tịch "
        f"{_short(body)})",
        "signer": head,
    }


def _cell(text: str, *, bold: bool = False) -> RichText:
    rt = RichText()
    rt.add(text, bold=bold, size=22)  # half-points: 11 pt in the table
    return rt


def report_rows(result: AssessmentResult) -> list[dict[str, Any]]:
    """The criteria table of the BC: a row per group, criterion and sub-item."""
    rows: list[dict[str, Any]] = []
    empty = _cell("")
    for g in result.groups:
        rows.append(
            {
                "label": _cell(g.id, bold=True),
                "text": _cell(g.title, bold=True),
                "max": _cell(vn.number(g.max_points), bold=True),
                "self": _cell(vn.number(g.self_points), bold=True),
                "appraised": empty,
                "evidence": "",
            }
        )
        for c in g.criteria:
            rows.append(
                {
                    "label": _cell(str(c.id), bold=True),
                    "text": _cell(f"Tiêu chí {c.id}", bold=True),
                    "max": _cell(vn.number(c.max_points), bold=True),
                    "self": _cell(vn.number(c.self_points), bold=True),
                    "appraised": _cell(
                        "" if c.appraised is None else vn.number(c.appraised), bold=True
                    ),
                    "evidence": "",
                }
            )
            for i in c.items:
                rows.append(
                    {
                        "label": _cell(i.id),
                        "text": _cell(i.text),
                        "max": _cell(vn.number(i.max_points)),
                        "self": _cell(vn.number(i.self_points)),
                        "appraised": _cell("" if i.appraised is None else vn.number(i.appraised)),
                        "evidence": i.evidence,
                    }
                )
    rows.append(
        {
            "label": empty,
            "text": _cell("Tổng điểm", bold=True),
            "max": _cell(vn.number(result.max_points), bold=True),
            "self": _cell(vn.number(result.self_points), bold=True),
            "appraised": _cell(vn.number(result.final) if result.appraised else "", bold=True),
            "evidence": "",
        }
    )
    return rows


def report(body: IssuingBody, result: AssessmentResult, *, year: int) -> dict[str, Any]:
    """Báo cáo kết quả thực hiện Bộ tiêu chí và kết quả tự chấm điểm of one unit, sent upward."""
    a = result.assessment
    unit_header = vn.upper(a.unit.name)
    if a.unit.type in ("xa", "phuong", "dac_khu"):
        unit_header = f"ỦY BAN NHÂN DÂN {unit_header}"
    code = a.unit.abbreviation or ("UBND" if a.unit.type in ("xa", "phuong", "dac_khu") else None)
    _require(code, "the unit's abbreviation for its số ký hiệu", "unit.abbreviation")
    assert code is not None
    verdict = (
        "đủ điều kiện đề nghị công nhận"
        if result.verdict.recognised
        else "chưa đủ điều kiện đề nghị công nhận"
    )
    return {
        "body": {"header_name": unit_header, "parent_header": None},
        "place_date": date_line(a.unit.place or body.place, None, year),
        "year": year,
        "number": number_line("BC", code),
        "subject": f"Kết quả thực hiện Bộ tiêu chí và kết quả tự chấm điểm xây dựng đơn vị "
        f"{MOVEMENT} năm {year}",
        "addressee": body.name,
        "paragraphs": [
            f"Thực hiện Kế hoạch của {_short(body)} về xây dựng xã, phường, cơ quan, doanh "
            f"nghiệp, cơ sở giáo dục {MOVEMENT} năm {year}; căn cứ Bộ tiêu chí ban hành kèm theo "
            f"Quyết định số 3554/QĐ-BCA-V05 ngày 19 tháng 5 năm 2025 của Bộ trưởng Bộ Công an, "
            f"{a.unit.name} báo cáo kết quả thực hiện và tự chấm điểm "
            f"({MODE_LABELS[a.mode]}) như sau:",
        ],
        "rows": report_rows(result),
        "closing": [
            f"Tổng số điểm tự chấm: {vn.points(result.self_points)}/"
            f"{vn.points(result.max_points)}"
            + (f"; sau thẩm định: {vn.points(result.final)}" if result.appraised else "")
            + f". Đối chiếu Bộ tiêu chí, đơn vị {verdict}.",
        ],
        "recipients": ["- Như trên;", f"- Lưu: VT, {code}."],
        "signer": {
            "authority": None,
            "title": "THỦ TRƯỞNG ĐƠN VỊ" if code != "UBND" else "CHỦ TỊCH",
            "name": a.unit.head or "",
        },
    }


def proposal(
    police: IssuingBody, government: IssuingBody, results: Sequence[AssessmentResult], *, year: int
) -> dict[str, Any]:
    """Tờ trình of the Công an to the UBND proposing the units to recognise."""
    recognised = [r for r in results if r.verdict.recognised]
    return {
        **_head(police, year),
        "number": number_line("TTr", police.abbreviation),
        "subject": f"Đề nghị xét, công nhận đơn vị {MOVEMENT} năm {year}",
        "addressee": government.name,
        "paragraphs": [
            f"Căn cứ Quyết định số 3554/QĐ-BCA-V05 ngày 19 tháng 5 năm 2025 của Bộ trưởng Bộ "
            f"Công an và Kế hoạch của {_short(government)} về xây dựng xã, phường, cơ quan, "
            f"doanh nghiệp, cơ sở giáo dục {MOVEMENT} năm {year};",
            f"Trên cơ sở hồ sơ đề nghị và kết quả họp đánh giá, thẩm định, {police.name} kính "
            f"trình {government.name} xem xét, công nhận {len(recognised):02d} đơn vị đạt "
            f"{MOVEMENT} năm {year}, gồm:",
        ],
        "units": _unit_rows(recognised),
        "closing": [f"{police.name} kính trình {government.name} xem xét, quyết định./."],
        "recipients": ["- Như trên;", *police.recipients],
        "signer": _signer(police, None),
    }
