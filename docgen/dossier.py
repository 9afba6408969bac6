"""What each document of a dossier says: the context every template is filled with (pure).

Data in (issuing bodies, scored results, references to documents already issued), plain dicts
out. Drafts leave the số and the day and month blank for the văn thư to fill at issuance
(ND 30: the number is given when the document is issued, after the chair has signed). A document
that cites another (the QĐ cites the Tờ trình, each GCN the QĐ) needs that reference, and says so
when it is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from docxtpl import RichText

from docgen import plan as plans
from docgen import vn
from docgen.errors import ConfigError, TemplateError
from docgen.meeting import Meeting as Meeting  # with its rules; re-exported for callers
from docgen.model import (
    MODE_LABELS,
    RATING_LABELS,
    UNIT_TYPE_LABELS,
    IssuingBody,
    Signer,
    verdict_label,
)
from docgen.scoring import AssessmentResult

BLANK = "\u00a0" * 6
ANNEX_NUMBER_BLANK = "\u00a0" * 5
"""The phụ lục's blank after "Kèm theo Quyết định số": a space and a two-digit số (01–99, a
QĐ's số in its year) in 13–14 pt Liberation Serif, so that the filled "số 01/QĐ" has one space,
not `BLANK`'s two; a longer số is set smaller (`signing.issue.fill_fields`)."""
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

    @classmethod
    def parse(cls, text: str, day: str, issuer: str, *, field: str) -> Reference:
        """'15/TTr-CATP' and '2026-11-20' → a Reference; ConfigError naming `field` otherwise."""
        number, _, notation = text.partition("/")
        try:
            return cls(int(number), vn.nfc(notation), vn.parse_date(day), issuer)
        except ValueError:
            raise ConfigError(
                f"--{field} needs a số ký hiệu like 15/TTr-CATP and --{field}-date like "
                f"20/11/2026 or 2026-11-20 (got {text!r}, {day!r})",
                message_vi=f"--{field} cần số ký hiệu dạng 15/TTr-CATP và --{field}-date dạng "
                f"20/11/2026 hoặc 2026-11-20 (đã nhập {text!r}, {day!r})",
                field=field,
            ) from None

    def cite(self) -> str:
        return (
            f"số {vn.document_number(self.number, None, self.notation, prefix=False)} "
            f"{vn.nd30_date(self.date)}"
        )


def number_line(type_code: str, body_code: str, number: int | None = None) -> str:
    """The header's số line (ô 3): 'Số: 06/KH-UBND', or 'Số: ' + `BLANK` + '/KH-UBND' for a
    draft (`generate.on_page` leaves the label to the field the văn thư fills)."""
    return vn.document_number(number, type_code, body_code)


def date_line(place: str, day: dt.date | None, year: int) -> str:
    """'Hải Phòng, ngày 08 tháng 01 năm 2026', or with day and month blank for a draft."""
    if day is None:
        return vn.nfc(f"{place}, ngày{BLANK}tháng{BLANK}năm {year}")
    return vn.place_date(place, day)


Issuer = Literal["collective", "head"]
"""Who issues a document (ND 30 Phụ lục I, ô 7a): the collective body in its own name, signed
"TM. ỦY BAN NHÂN DÂN" (the Kế hoạch, the Thông báo), or its head in his own authority, signed
"CHỦ TỊCH", or "KT. CHỦ TỊCH" by a deputy (the Quyết định công nhận, its phụ lục, the GCN)."""


def signer_block(
    body: IssuingBody, signer_id: str | None, *, issuer: Issuer = "collective"
) -> dict[str, Any]:
    """Ô 7 of `body`'s signer `signer_id` (default its head, listed first) for a document
    `issuer` issues: quyền hạn, a second quyền hạn line when a deputy signs for the chair of a
    collective body (TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH), chức vụ and name.

    A body led by one person (a Công an) has no TM.: its head signs in his own name."""
    signers = {s.id: s for s in body.signers}
    if signer_id is not None and signer_id not in signers:
        raise TemplateError(
            f"'{signer_id}' is not a signer of {body.name} (signers: {', '.join(signers)})",
            message_vi=f"'{signer_id}' không phải người ký của {body.name}",
            field="signer",
        )
    head = body.signers[0]
    signer: Signer = signers[signer_id] if signer_id else head
    collective = head.authority if (head.authority or "").startswith("TM.") else None
    lines: list[str] = []
    if issuer == "collective" and collective:
        lines.append(collective)
    if signer.id != head.id:
        own = signer.authority
        lines.append(own if own and not own.startswith("TM.") else f"KT. {head.title}")
    return {
        "authority": lines[0] if lines else None,
        "deputy": lines[1] if len(lines) > 1 else None,
        "title": signer.title,
        "name": signer.name,
    }


def authority_line(body: IssuingBody, issuer: Issuer) -> str:
    """The thẩm quyền ban hành of a Quyết định (mẫu 1.2): the head's title and the body, or the
    body alone when it issues collectively."""
    name = vn.upper(body.name)
    return f"{body.signers[0].title} {name}" if issuer == "head" else name


def issuer_name(body: IssuingBody, issuer: Issuer) -> str:
    """Who issued, as running text cites it: 'Chủ tịch UBND thành phố Hải Phòng'."""
    short = _short(body)
    return f"{vn.position(body.signers[0].title)} {short}" if issuer == "head" else short


def _head(body: IssuingBody, year: int) -> dict[str, Any]:
    return {
        "body": _header(body),
        "place_date": date_line(body.place, None, year),
        "year": year,
    }


def _header(body: IssuingBody) -> dict[str, str | None]:
    """Ô 2: the parent body (cơ quan chủ quản) and the body, each breaking only between the
    parts of its name that belong together (`vn.header_name`)."""
    parent = body.parent_header
    return {
        "header_name": vn.header_name(body.header_name),
        "parent_header": vn.header_name(parent) if parent else None,
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


def _require(value: object, what: str, field: str, *, what_vi: str) -> None:
    if value is None:
        raise TemplateError(f"missing {what} ({field})", message_vi=f"Thiếu {what_vi}", field=field)


def head_of(body: IssuingBody) -> str:
    """The head of a body as running text names him: 'Giám đốc Công an thành phố Hải Phòng',
    'Trưởng Công an phường Bỉm Sơn' (not 'Trưởng Công an Công an phường …')."""
    position = vn.position(body.signers[0].title)
    if position.endswith("Công an") and body.name.startswith("Công an"):
        return position + body.name.removeprefix("Công an")
    return f"{position} {body.name}"


def _executors(body: IssuingBody, proposal: Reference, police: IssuingBody | None) -> list[str]:
    # A xã or phường has one office for its HĐND and UBND (Luật Tổ chức CQĐP 2025).
    office = "HĐND và " if body.level == "xa" else ""
    return [
        f"Chánh Văn phòng {office}{_short(body)}",
        head_of(police) if police is not None else proposal.issuer,
        "Thủ trưởng các cơ quan, đơn vị có liên quan",
    ]


def to_recognise(results: Sequence[AssessmentResult]) -> list[AssessmentResult]:
    """The units the Tờ trình proposes and the Quyết định recognises, each with a new GCN: those
    that qualify in a build year. A unit in its maintenance year already holds the title: it is
    announced in the Thông báo, kept or not (seeds/003 §III.1.2), never recognised anew."""
    return [r for r in results if r.verdict.recognised and r.assessment.mode != "duy_tri"]


def article_3(
    body: IssuingBody,
    results: Sequence[AssessmentResult],
    *,
    proposal: Reference,
    police: IssuingBody | None = None,
) -> list[str]:
    """Who Điều 3 of the Quyết định charges with carrying it out, one entry each: the Chánh Văn
    phòng, the head of the Công an that proposed, the heads of the bodies concerned, and every
    unit of the attached list. A "- Như Điều 3;" line of the Nơi nhận stands for exactly these
    (`docgen.recipients`); the decision's context carries the list as "article_3".
    """
    recognised = [r.assessment.unit.name for r in to_recognise(results)]
    return [*_executors(body, proposal, police), *recognised]


def referenced(context: Mapping[str, Any]) -> list[str]:
    """The bodies a "Như Điều 3" or "Như trên" line of a document's Nơi nhận stands for, from
    the document's context: Điều 3's list for the Quyết định, the Kính gửi addressee for a
    document sent to one (Tờ trình, Báo cáo, Bản đăng ký); none otherwise."""
    if "article_3" in context:
        return list(context["article_3"])
    if context.get("addressee"):
        return [str(context["addressee"])]
    return []


def decision(
    body: IssuingBody,
    results: Sequence[AssessmentResult],
    *,
    year: int,
    proposal: Reference | None,
    signer: str | None = None,
    issuer: Issuer = "head",
    police: IssuingBody | None = None,
) -> dict[str, Any]:
    """Quyết định công nhận with its phụ lục: the recognised units of `results`. Issued by the
    Chủ tịch in his own authority by default (`issuer`), as the seeds' QĐ are; the authority
    line, the signature block and the phụ lục's "(Kèm theo …)" all follow `issuer`."""
    _require(
        proposal,
        "the Tờ trình the decision answers",
        "proposal",
        what_vi="Tờ trình mà Quyết định trả lời (số ký hiệu và ngày)",
    )
    assert proposal is not None
    recognised = to_recognise(results)
    if not recognised:
        raise TemplateError(
            "no recognised unit to put in the decision",
            field="results",
            message_vi="Không có đơn vị nào được công nhận để đưa vào Quyết định",
        )
    subject = f"Về việc công nhận đơn vị {MOVEMENT} năm {year}"
    return {
        **_head(body, year),
        "number": number_line("QĐ", body.abbreviation),
        "subject": subject,
        "authority_line": authority_line(body, issuer),
        "bases": [vn.keep_codes(line) for line in BASES],
        "proposal": vn.keep_codes(
            f"Theo đề nghị của {head_of(police) if police else proposal.issuer} tại "
            f"Tờ trình {proposal.cite()}."
        ),
        "articles": [
            {
                "label": "Điều 1.",
                "text": f"Công nhận {len(recognised):02d} đơn vị đạt {MOVEMENT} "
                f"năm {year} (có danh sách kèm theo).",
            },
            {"label": "Điều 2.", "text": "Quyết định này có hiệu lực kể từ ngày ký."},
            {
                "label": "Điều 3.",
                "text": f"{', '.join(_executors(body, proposal, police))} và các đơn vị có tên "
                "trong danh sách kèm theo chịu trách nhiệm thi hành Quyết định này./.",
            },
        ],
        "article_3": article_3(body, results, proposal=proposal, police=police),
        "recipients": ["- Như Điều 3;", *body.recipients],
        "signer": signer_block(body, signer, issuer=issuer),
        "annex_title": f"DANH SÁCH ĐƠN VỊ {vn.upper(MOVEMENT)} NĂM {year}",
        "annex_reference": f"(Kèm theo Quyết định số{ANNEX_NUMBER_BLANK}/QĐ-{body.abbreviation} "
        f"ngày{BLANK}tháng{BLANK}năm {year} của {issuer_name(body, issuer)})",
        "units": _unit_rows(recognised),
    }


def certificate(
    body: IssuingBody,
    result: AssessmentResult,
    *,
    year: int,
    decision_ref: Reference | None,
    signer: str | None = None,
    issuer: Issuer = "head",
) -> dict[str, Any]:
    """Giấy chứng nhận of one recognised unit, citing the QĐ as issued (its số and ngày from
    the registry: a GCN is not made before its QĐ is issued), signed as the QĐ is."""
    _require(
        decision_ref,
        "the issued Quyết định the certificate cites",
        "decision",
        what_vi="Quyết định đã ban hành mà Giấy chứng nhận trích dẫn",
    )
    assert decision_ref is not None
    return {
        **_head(body, year),
        "number": number_line("GCN", body.abbreviation),
        "authority_line": authority_line(body, issuer),
        "unit_name": vn.upper(result.assessment.unit.name),
        "achievement": f"Đạt {MOVEMENT} năm {year}",
        "decision_reference": vn.keep_codes(
            f"(Theo Quyết định {decision_ref.cite()} của {issuer_name(body, issuer)})"
        ),
        "signer": signer_block(body, signer, issuer=issuer),
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


def _kept(paragraphs: list[str]) -> list[str]:
    """`paragraphs` with their số ký hiệu unbreakable (`vn.keep_codes`)."""
    return [vn.keep_codes(p) for p in paragraphs]


def plan_cite(body: IssuingBody, plan_ref: Reference | None) -> str:
    """The Kế hoạch as a document cites it: by số and ngày once issued ('Kế hoạch số
    06/KH-UBND ngày 08 tháng 01 năm 2026 của UBND thành phố Hải Phòng'), by its issuer alone
    while it is a draft."""
    if plan_ref is None:
        return f"Kế hoạch của {_short(body)}"
    return vn.keep_codes(f"Kế hoạch {plan_ref.cite()} của {_short(body)}")


def _own_place(name: str, local: bool, body: IssuingBody) -> str:
    """The địa danh of a unit's own documents when its file names none (ND 30 Phụ lục I, ô 4):
    a xã, phường or đặc khu writes its own name ("An Biên, ngày …"); any other unit the place of
    the body it reports to."""
    if not local:
        return body.place
    for level in ("Xã ", "Phường ", "Đặc khu "):
        if name.startswith(level):
            return name.removeprefix(level)
    return name


def _unit_side(body: IssuingBody, result: AssessmentResult, year: int) -> dict[str, Any]:
    """Header, place, code and signer of a document the unit itself issues (BC, Bản đăng ký)."""
    a = result.assessment
    local = a.unit.type in ("xa", "phuong", "dac_khu")
    header_name = vn.upper(a.unit.name)
    if local:
        header_name = f"ỦY BAN NHÂN DÂN {header_name}"
    code = a.unit.abbreviation or ("UBND" if local else None)
    _require(
        code,
        "the unit's abbreviation for its số ký hiệu",
        "unit.abbreviation",
        what_vi="chữ viết tắt của đơn vị trong số ký hiệu",
    )
    assert code is not None
    return {
        "body": {"header_name": vn.header_name(header_name), "parent_header": None},
        "place_date": date_line(a.unit.place or _own_place(a.unit.name, local, body), None, year),
        "year": year,
        "code": code,
        "addressee": body.name,
        "recipients": ["- Như trên;", f"- Lưu: VT, {code}."],
        "signer": {
            "authority": "TM. ỦY BAN NHÂN DÂN" if local else None,
            "deputy": None,
            "title": a.unit.head_title or HEAD_TITLES[a.unit.type],
            "name": a.unit.head or "",
        },
    }


HEAD_TITLES = {
    "xa": "CHỦ TỊCH",
    "phuong": "CHỦ TỊCH",
    "dac_khu": "CHỦ TỊCH",
    "co_quan": "GIÁM ĐỐC",
    "doanh_nghiep": "GIÁM ĐỐC",
    "co_so_giao_duc": "HIỆU TRƯỞNG",
}
"""The chức vụ a unit's head signs with when its file gives none (`Unit.head_title`)."""


def in_sentence(unit_name: str, unit_type: str) -> str:
    """A xã's or phường's name inside a sentence: 'phường Ngô Quyền' (the level is a common
    noun; only the place is a name). Other units keep their name as written."""
    if unit_type in ("xa", "phuong", "dac_khu"):
        return unit_name[:1].lower() + unit_name[1:]
    return unit_name


def report(
    body: IssuingBody,
    result: AssessmentResult,
    *,
    year: int,
    plan_ref: Reference | None = None,
) -> dict[str, Any]:
    """Báo cáo kết quả thực hiện Bộ tiêu chí và kết quả tự chấm điểm of one unit, sent upward."""
    a = result.assessment
    side = _unit_side(body, result, year)
    verdict = (
        "đủ điều kiện đề nghị công nhận"
        if result.verdict.recognised
        else "chưa đủ điều kiện đề nghị công nhận"
    )
    return {
        **side,
        "number": number_line("BC", side["code"]),
        "subject": f"Kết quả thực hiện Bộ tiêu chí và kết quả tự chấm điểm xây dựng đơn vị "
        f"{MOVEMENT} năm {year}",
        "paragraphs": _kept(
            [
                f"Thực hiện {plan_cite(body, plan_ref)} về xây dựng xã, phường, cơ quan, doanh "
                f"nghiệp, cơ sở giáo dục {MOVEMENT} năm {year}; căn cứ Bộ tiêu chí ban hành "
                "kèm theo Quyết định số 3554/QĐ-BCA-V05 ngày 19 tháng 5 năm 2025 của Bộ trưởng "
                f"Bộ Công an, {in_sentence(a.unit.name, a.unit.type)} báo cáo kết quả thực hiện "
                f"và tự chấm điểm ({MODE_LABELS[a.mode]}) như sau:",
            ]
        ),
        "rows": report_rows(result),
        "closing": [
            f"Tổng số điểm tự chấm: {vn.points(result.self_points)}/"
            f"{vn.points(result.max_points)}"
            + (f"; sau thẩm định: {vn.points(result.final)}" if result.appraised else "")
            + f". Đối chiếu Bộ tiêu chí, đơn vị {verdict}./.",
        ],
    }


def registration(
    body: IssuingBody,
    result: AssessmentResult,
    *,
    year: int,
    plan_ref: Reference | None = None,
) -> dict[str, Any]:
    """Bản đăng ký: the unit registers early in the year, stating last year's results."""
    a = result.assessment
    side = _unit_side(body, result, year)
    antt = "đạt" if a.gates.antt_last_year else "chưa đạt"
    return {
        **side,
        "number": number_line("BĐK", side["code"]),
        "subject": f"Xây dựng đơn vị {MOVEMENT} năm {year}",
        "paragraphs": _kept(
            [
                f"Căn cứ Quyết định số 3554/QĐ-BCA-V05 ngày 19 tháng 5 năm 2025 của Bộ trưởng Bộ "
                f"Công an và {plan_cite(body, plan_ref)} về xây dựng xã, phường, cơ quan, doanh "
                f"nghiệp, cơ sở giáo dục {MOVEMENT} năm {year};",
                f"Năm {year - 1}, {in_sentence(a.unit.name, a.unit.type)} {antt} tiêu chuẩn "
                "“An toàn về an ninh, trật tự”; "
                f"phong trào toàn dân bảo vệ an ninh Tổ quốc được đánh giá, phân loại đạt loại "
                f"{RATING_LABELS[a.gates.movement_rating_last_year]}.",
                f"{a.unit.name} đăng ký xây dựng đơn vị {MOVEMENT} năm {year} "
                f"({MODE_LABELS[a.mode]}) theo Bộ tiêu chí và cam kết tổ chức thực hiện đầy đủ các "
                "nội dung của Bộ tiêu chí./.",
            ]
        ),
    }


def proposal(
    police: IssuingBody,
    government: IssuingBody,
    results: Sequence[AssessmentResult],
    *,
    year: int,
    plan_ref: Reference | None = None,
) -> dict[str, Any]:
    """Tờ trình of the Công an to the UBND proposing the units to recognise."""
    recognised = to_recognise(results)
    return {
        **_head(police, year),
        "number": number_line("TTr", police.abbreviation),
        "subject": f"Đề nghị xét, công nhận đơn vị {MOVEMENT} năm {year}",
        "addressee": government.name,
        "paragraphs": _kept(
            [
                f"Căn cứ Quyết định số 3554/QĐ-BCA-V05 ngày 19 tháng 5 năm 2025 của Bộ trưởng Bộ "
                f"Công an và {plan_cite(government, plan_ref)} về xây dựng xã, phường, cơ quan, "
                f"doanh nghiệp, cơ sở giáo dục {MOVEMENT} năm {year};",
                f"Trên cơ sở hồ sơ đề nghị và kết quả họp đánh giá, thẩm định, {police.name} kính "
                f"trình {government.name} xem xét, công nhận {len(recognised):02d} đơn vị đạt "
                f"{MOVEMENT} năm {year}, gồm:",
            ]
        ),
        "units": _unit_rows(recognised),
        "closing": [f"{police.name} kính trình {government.name} xem xét, quyết định./."],
        "recipients": ["- Như trên;", *_besides(police.recipients, _short(government))],
        "signer": signer_block(police, None),
    }


def _besides(lines: Sequence[str], addressee: str) -> list[str]:
    """`lines` without the one naming the addressee again ("- UBND thành phố (để b/c);" beside
    "- Như trên;" when the Tờ trình is sent to UBND thành phố Hải Phòng): one body, one copy."""

    def name(line: str) -> str:
        return line.removeprefix("- ").split("(")[0].rstrip(" ;.")

    return [line for line in lines if not (name(line) and addressee.startswith(name(line)))]


def minutes(
    police: IssuingBody, results: Sequence[AssessmentResult], *, year: int, meeting: Meeting | None
) -> dict[str, Any]:
    """Biên bản họp đánh giá, thẩm định: the meeting, every unit's scores and the vote."""
    _require(
        meeting,
        "the appraisal meeting (time, place, attendees, secretary, vote)",
        "meeting",
        what_vi="cuộc họp thẩm định (thời gian, địa điểm, thành phần, thư ký, biểu quyết)",
    )
    assert meeting is not None
    chair = signer_block(police, None)

    def votes(r: AssessmentResult) -> int:
        given = meeting.votes or {}
        return given.get(r.assessment.unit.name, meeting.votes_for)

    def share(count: int) -> str:
        return vn.number(Decimal(count * 100) / meeting.votes_total, max_decimals=1)

    present = "; ".join(meeting.attendees) + "."
    if meeting.absent:
        present += " Vắng mặt: " + "; ".join(meeting.absent) + "."
    start = meeting.start
    return {
        "body": _header(police),
        "number": number_line("BB", police.abbreviation),
        "subject": f"Họp đánh giá, thẩm định đơn vị {MOVEMENT} năm {year}",
        "fields": [
            {
                "label": "Thời gian bắt đầu:",
                "text": f"{start:%H} giờ {start:%M} phút, {vn.nd30_date(start.date())}.",
            },
            {"label": "Địa điểm:", "text": f"{meeting.place}."},
            {"label": "Thành phần tham dự:", "text": present},
            {
                "label": "Chủ trì:",
                "text": f"{chair['name']}, {head_of(police)}.",
            },
            {
                "label": "Thư ký:",
                "text": ", ".join(x for x in (meeting.secretary, meeting.secretary_position) if x)
                + ".",
            },
            {
                "label": "Nội dung:",
                "text": "Hội nghị nghe báo cáo kết quả tự chấm điểm, thẩm "
                "định hồ sơ và biểu quyết đề nghị công nhận từng đơn vị như sau:",
            },
        ],
        "units": [
            {
                "index": str(n),
                "name": r.assessment.unit.name,
                "self": vn.number(r.self_points),
                # Only a unit the meeting appraised has a Thẩm định score.
                "appraised": vn.number(r.final) if r.appraised else "",
                "vote": (
                    f"{votes(r)}/{meeting.votes_total} ({share(votes(r))}%) "
                    # A maintenance unit keeps its title; it is not proposed anew.
                    + (
                        "đề nghị giữ vững"
                        if r.assessment.mode == "duy_tri"
                        else "đề nghị công nhận"
                    )
                    if r.verdict.recognised
                    else verdict_label(r.assessment.mode, False)  # "Không giữ vững" in duy trì
                ),
            }
            for n, r in enumerate(results, start=1)
        ],
        "closing": [
            *(
                f"{r.assessment.unit.name} "
                + (
                    "không giữ vững danh hiệu"
                    if r.assessment.mode == "duy_tri"
                    else "chưa đủ điều kiện đề nghị công nhận"
                )
                + f": {'; '.join(r.verdict.shortfalls) or 'chưa đạt Bộ tiêu chí'}."
                for r in results
                if not r.verdict.recognised
            ),
            f"Cuộc họp kết thúc vào {meeting.end:%H} giờ {meeting.end:%M} phút cùng "
            "ngày, biên bản đã được thông qua trước hội nghị./.",
        ],
        "secretary": {"title": "THƯ KÝ", "name": meeting.secretary},
        "chair": {"title": "CHỦ TỌA", "name": chair["name"]},
        "recipients": ["- Lưu: VT, Hồ sơ."],
    }


def notice(body: IssuingBody, results: Sequence[AssessmentResult], *, year: int) -> dict[str, Any]:
    """Thông báo of the units in their maintenance year (seeds/003 §III.1.2): each named, kept
    or not kept, and why a unit did not keep the title."""
    maintained = [r for r in results if r.assessment.mode == "duy_tri"]
    rows = _unit_rows(maintained)
    for row, r in zip(rows, maintained, strict=True):
        row["note"] = "Giữ vững" if r.verdict.recognised else "Không giữ vững"
    lost = [r for r in maintained if not r.verdict.recognised]
    kept = len(maintained) - len(lost)
    return {
        **_head(body, year),
        "number": number_line("TB", body.abbreviation),
        "subject": f"Kết quả duy trì danh hiệu đơn vị {MOVEMENT} năm {year}",
        "paragraphs": [
            f"Căn cứ kết quả đánh giá, thẩm định năm {year}, {body.name} thông báo kết quả duy "
            f"trì danh hiệu đơn vị {MOVEMENT} của {len(maintained):02d} đơn vị trong năm duy "
            f"trì ({kept:02d} đơn vị giữ vững, {len(lost):02d} đơn vị không giữ vững) như sau:",
        ],
        "units": rows,
        "closing": [
            *(
                f"{r.assessment.unit.name} không giữ vững danh hiệu: "
                f"{'; '.join(r.verdict.shortfalls) or 'chưa đạt Bộ tiêu chí'}."
                for r in lost
            ),
            "Đề nghị các đơn vị tiếp tục phát huy kết quả đạt được./.",
        ],
        "recipients": list(body.recipients),
        "signer": signer_block(body, None),
    }


@dataclass(frozen=True)
class Deadlines:
    """The dates a Kế hoạch sets (seeds/001 III.2: register before 20/02, report before 05/11)."""

    register_by: dt.date
    report_by: dt.date


def plan(
    body: IssuingBody,
    *,
    year: int,
    plan_file: plans.PlanFile | None = None,
    police: IssuingBody | None = None,
) -> dict[str, Any]:
    """Kế hoạch of a body for a year (`docgen.plan`): its plan file, or the seeds' defaults."""
    return {
        **_head(body, year),
        "number": number_line("KH", body.abbreviation),
        **plans.context(body, plan_file or plans.default(body, year), police),
        "recipients": list(body.recipients),
        "signer": signer_block(body, None),
    }
