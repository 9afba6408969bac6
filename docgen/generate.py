"""Which documents a body's dossier for a year holds, and building them: plan (pure), then
render, convert, stamp and write (adapters), writing nothing until every document is built.

For an issuing body (a UBND) and a year: the Kế hoạch; per unit the Bản đăng ký and the Báo
cáo tự chấm điểm; the Biên bản of the Công an's appraisal meeting and its Tờ trình; the Quyết
định công nhận with its phụ lục, a Giấy chứng nhận per recognised unit, and the Thông báo of the
units keeping the title. Output: <out>/<year>/<body>/<document>.{docx,pdf} and
<out>/<year>/<body>/<unit>/<document>.{docx,pdf}.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docgen import dossier, lines, render, stamp
from docgen import plan as plans
from docgen.convert import ConverterPool
from docgen.errors import ConfigError, TemplateError
from docgen.kinds import KINDS
from docgen.model import IssuingBody
from docgen.scoring import AssessmentResult


@dataclass(frozen=True)
class Planned:
    """One document to build: where it goes, from which template, with what context."""

    path: str  # relative, without suffix: "2026/ubnd-hai-phong/quyet-dinh"
    template: str
    title: str
    context: Mapping[str, Any]
    unit: str | None = None
    """The unit a per-unit document is about (Bản đăng ký, Báo cáo, Giấy chứng nhận)."""

    @property
    def kind(self) -> str:
        """Its kind (`docgen.kinds.KINDS`): the last part of its path."""
        return self.path.rpartition("/")[2]


def slug(text: str) -> str:
    """'Phường Đoàn Kết' → 'phuong-doan-ket': a folder name that survives any file system."""
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    ascii_text = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text).split())


def plan(
    body: IssuingBody,
    police: IssuingBody,
    results: Sequence[AssessmentResult],
    *,
    year: int,
    proposal: dossier.Reference | None,
    decision: dossier.Reference | None,
    meeting: dossier.Meeting | None,
    plan_file: plans.PlanFile | None = None,
    partial: bool = False,
    signer: str | None = None,
    plan_ref: dossier.Reference | None = None,
) -> list[Planned]:
    """Every document of `body`'s dossier for `year`; TemplateError if what one cites is missing
    — or, when `partial`, without the documents whose meeting or Tờ trình is not known yet (a
    dossier grows as the process goes). The GCN come only with `decision`, the issued QĐ they
    cite: never before the QĐ is issued.

    The Kế hoạch; per unit the Bản đăng ký and the Báo cáo; the Công an's Biên bản and Tờ trình;
    the Quyết định with its phụ lục, a Giấy chứng nhận per recognised unit, and the Thông báo of
    the units that keep the title. `signer` is who of `body` signs the Quyết định (default its
    head; a deputy signs KT.). `plan_ref` is the Kế hoạch as issued, which the Bản đăng ký, the
    Báo cáo and the Tờ trình then cite by số and ngày.
    """
    dossier.signer_block(body, signer)  # an unknown signer is refused before any work
    mine = [
        r
        for r in results
        if r.assessment.unit.issuing_body == body.id and r.assessment.year == year
    ]
    if not mine:
        raise ConfigError(
            f"no assessment of {year} belongs to '{body.id}'",
            field="body",
            message_vi=f"Không có kết quả chấm điểm năm {year} nào thuộc {body.name}",
        )
    base = f"{year}/{body.id}"

    def unit_dir(r: AssessmentResult) -> str:
        return f"{base}/{slug(r.assessment.unit.name)}"

    planned = [
        Planned(
            f"{base}/ke-hoach",
            KINDS["ke-hoach"].template,
            KINDS["ke-hoach"].title,
            dossier.plan(body, year=year, plan_file=plan_file, police=police),
        )
    ]
    for r in mine:
        name = r.assessment.unit.name
        planned.append(
            Planned(
                f"{unit_dir(r)}/ban-dang-ky",
                KINDS["ban-dang-ky"].template,
                f"{KINDS['ban-dang-ky'].title} · {name}",
                dossier.registration(body, r, year=year, plan_ref=plan_ref),
                unit=name,
            )
        )
        planned.append(
            Planned(
                f"{unit_dir(r)}/bao-cao",
                KINDS["bao-cao"].template,
                f"{KINDS['bao-cao'].title} · {name}",
                dossier.report(body, r, year=year, plan_ref=plan_ref),
                unit=name,
            )
        )
    if meeting is not None or not partial:
        planned.append(
            Planned(
                f"{base}/bien-ban",
                KINDS["bien-ban"].template,
                KINDS["bien-ban"].title,
                dossier.minutes(police, mine, year=year, meeting=meeting),
            )
        )
    recognised = dossier.to_recognise(mine)  # a maintenance unit is in the Thông báo only
    if recognised:
        planned.append(
            Planned(
                f"{base}/to-trinh",
                KINDS["to-trinh"].template,
                KINDS["to-trinh"].title,
                dossier.proposal(police, body, mine, year=year, plan_ref=plan_ref),
            )
        )
    if recognised and (proposal is not None or not partial):
        planned.append(
            Planned(
                f"{base}/quyet-dinh",
                KINDS["quyet-dinh"].template,
                KINDS["quyet-dinh"].title,
                dossier.decision(
                    body, mine, year=year, proposal=proposal, signer=signer, police=police
                ),
            )
        )
    # A GCN cites its QĐ as issued (số and ngày from the registry): none before the QĐ is.
    if recognised and decision is not None:
        planned += [
            Planned(
                f"{unit_dir(r)}/giay-chung-nhan",
                KINDS["giay-chung-nhan"].template,
                f"{KINDS['giay-chung-nhan'].title} · {r.assessment.unit.name}",
                dossier.certificate(body, r, year=year, decision_ref=decision, signer=signer),
                unit=r.assessment.unit.name,
            )
            for r in recognised
        ]
    if any(r.assessment.mode == "duy_tri" for r in mine):  # kept or not, each is announced
        planned.append(
            Planned(
                f"{base}/thong-bao",
                KINDS["thong-bao"].template,
                KINDS["thong-bao"].title,
                dossier.notice(body, mine, year=year),
            )
        )
    return planned


def absent(body: IssuingBody, results: Sequence[AssessmentResult], *, year: int) -> list[str]:
    """Why documents a dossier usually holds are not in `body`'s dossier for `year`, in
    Vietnamese for the clerk: no unit qualifies (no Tờ trình, Quyết định or GCN), no unit in its
    maintenance year (no Thông báo). A dossier never lacks them silently."""
    mine = [
        r
        for r in results
        if r.assessment.unit.issuing_body == body.id and r.assessment.year == year
    ]
    notes = []
    if mine and not dossier.to_recognise(mine):
        kept = sum(r.verdict.recognised for r in mine)
        notes.append(
            f"Không có đơn vị nào đủ điều kiện công nhận năm {year} ({len(mine)} đơn vị đã "
            "chấm"
            + (f", {kept} đơn vị giữ vững danh hiệu trong năm duy trì" if kept else "")
            + "): hồ sơ không có Tờ trình, Quyết định công nhận và Giấy chứng nhận."
        )
    if mine and not any(r.assessment.mode == "duy_tri" for r in mine):
        notes.append(
            f"Không có đơn vị nào trong năm duy trì năm {year}: hồ sơ không có Thông báo duy trì."
        )
    return notes


def typeset(context: Mapping[str, Any]) -> dict[str, Any]:
    """`context` as the page sets it: the trích yếu broken into balanced lines (`lines`); the
    context itself, and the registry's subject made from it, keep the plain text."""
    out = dict(context)
    if isinstance(out.get("subject"), str):
        out["subject"] = lines.balanced(out["subject"])
    return out


def on_page(context: Mapping[str, Any]) -> dict[str, Any]:
    """`typeset(context)` as the PDF is made from it: a draft's "Số: " and blank give way to
    `stamp.NUMBER_BLANK`, where the stamp's field draws "Số:" and the văn thư's fill "Số: 1234",
    so that the filled line has one space after "Số:" whatever the số's length (the ký hiệu
    after it stays the chair's signed text)."""
    out = typeset(context)
    number, draft = out.get("number"), f"Số: {dossier.BLANK}/"
    if isinstance(number, str) and number.startswith(draft):
        out["number"] = stamp.NUMBER_BLANK + number.removeprefix(draft[:-1])
    return out


def build(
    planned: Sequence[Planned],
    pool: ConverterPool,
    out: Path,
    *,
    issued_at: dt.datetime,
    verify_url: Callable[[str], str],
    draft: bool = True,
    pdfa: bool = False,
    progress: Callable[[Planned], None] = lambda _: None,
) -> list[Path]:
    """Render, convert and stamp every planned document, then move them all into `out` at once.

    Everything is built in a staging folder beside `out`; a failure leaves `out` untouched.
    The PDFs carry `issued_at` as their creation time, the QR code of `verify_url(code)`, and
    the "DỰ THẢO" watermark when `draft`.
    """
    if not draft:
        unsigned(planned)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".hoso-staging-", dir=out))
    written: list[Path] = []
    try:
        for doc in planned:
            subject = str(doc.context.get("subject") or doc.context.get("unit_name") or "")
            # The clerk's .docx and the page's differ only where the số's label goes (`on_page`);
            # a draft's mark in its header shows in both.
            docx, page = (
                render.described(
                    render.render(doc.template, how(doc.context)),
                    title=doc.title,
                    subject=subject,
                    draft=draft,
                )
                for how in (typeset, on_page)
            )
            code = stamp.verification_code(docx)
            pdf = stamp.stamp(
                stamp.fix_times(pool.convert(page, pdfa=pdfa, name=Path(doc.path).name), issued_at),
                code=code,
                url=verify_url(code),
                draft=draft,
            )
            for suffix, data in ((".docx", docx), (".pdf", pdf)):
                target = staging / f"{doc.path}{suffix}"
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            progress(doc)
        for doc in planned:
            for suffix in (".docx", ".pdf"):
                final = out / f"{doc.path}{suffix}"
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / f"{doc.path}{suffix}", final)
                written.append(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


SIGNATURES = ("signer", "secretary", "chair")
"""The context keys of a document's signature blocks (ô 7; the Biên bản's thư ký and chủ tọa)."""


def unsigned(planned: Sequence[Planned]) -> None:
    """TemplateError naming the first document whose signature block has no name: a final
    document is what its signer signs, and a block without a name cannot be signed (ND 30
    Phụ lục I, ô 7b)."""
    for doc in planned:
        for key in SIGNATURES:
            block = doc.context.get(key)
            if isinstance(block, Mapping) and not str(block.get("name") or "").strip():
                where = "unit.head in the unit's file" if doc.unit else "the body's signers"
                raise TemplateError(
                    f"{doc.title}: the signature block '{key}' has no signer's name; a final "
                    f"document needs it ({where})",
                    message_vi=f"{doc.title}: chưa có họ tên người ký; văn bản chính thức phải "
                    "ghi họ tên người ký"
                    + (" (unit.head trong tệp của đơn vị)" if doc.unit else ""),
                    field=f"{key}.name",
                )


def sample_contexts() -> dict[str, dict[str, Any]]:
    """A context for every template, built from the data model with placeholder values; what
    `hoso templates check` compares each template's variables against."""
    from decimal import Decimal

    from docgen import criteria
    from docgen.model import DEFAULT_POLICY, Assessment, Signer
    from docgen.scoring import score

    signers = (
        Signer(
            id="chu-tich", name="Nguyễn Văn A", title="CHỦ TỊCH", authority="TM. ỦY BAN NHÂN DÂN"
        ),
    )
    body = IssuingBody(
        id="x",
        name="Ủy ban nhân dân xã X",
        header_name="ỦY BAN NHÂN DÂN XÃ X",
        abbreviation="UBND",
        place="X",
        kind="ubnd",
        level="xa",
        province="Y",
        signers=signers,
        recipients=("- Lưu: VT.",),
        source="test",
    )
    cs = criteria.load("co_quan")
    answers = {
        i: {
            "met": True,
            "figures": {f.id: Decimal(100) for f in (item.rule.figures if item.rule else ())},
        }
        for i, item in cs.items().items()
    }
    unit = {
        "name": "Trường X",
        "type": "co_quan",
        "issuing_body": "x",
        "abbreviation": "TX",
        "head": "Nguyễn Văn C",
    }
    assessment = Assessment.model_validate(
        {
            "unit": unit,
            "year": 2026,
            "mode": "xay_dung",
            "items": answers,
            "gates": {"antt_last_year": True, "movement_rating_last_year": "kha"},
        }
    )
    result = score(assessment, cs, DEFAULT_POLICY)
    ref = dossier.Reference(1, "TTr-CA", dt.date(2026, 1, 1), "Công an xã X")
    meeting = dossier.Meeting(
        start=dt.datetime(2026, 11, 25, 8, 0),
        end=dt.datetime(2026, 11, 25, 10, 30),
        place="Hội trường",
        attendees=("Đại diện Ủy ban nhân dân",),
        secretary="Trần Văn B",
        votes_for=9,
        votes_total=9,
    )
    return {
        "ke-hoach.docx": dossier.plan(body, year=2026),
        "ban-dang-ky.docx": dossier.registration(body, result, year=2026),
        "bien-ban.docx": dossier.minutes(body, [result], year=2026, meeting=meeting),
        "thong-bao.docx": dossier.notice(body, [result], year=2026),
        "bao-cao.docx": dossier.report(body, result, year=2026),
        "to-trinh.docx": dossier.proposal(body, body, [result], year=2026),
        "quyet-dinh.docx": dossier.decision(body, [result], year=2026, proposal=ref),
        "giay-chung-nhan.docx": dossier.certificate(body, result, year=2026, decision_ref=ref),
    }
