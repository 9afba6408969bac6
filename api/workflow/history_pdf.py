"""The Phiếu theo dõi: a document's trail (api/workflow/history.py) as a PDF of its own, sealed by
the
issuing body — like the certificate of completion an e-signature service attaches.

`trail_pdf` lays the trail out (reportlab, Liberation Serif for the Vietnamese marks, A4);
`seal_trail` adds the organisation's PAdES signature with a timestamp (B-T) in an invisible
field, so anyone can check who vouches for the page and that it is unchanged. The văn thư seals
with the body's certificate registered to them (`sealed_trail`, the use case).

Left out: a visible seal image (the Phiếu is a record of the registry, not a văn bản under
ND 30, so no số and no dấu image), long-term validation data.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from xml.sax.saxutils import escape

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator import ValidationContext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from api.workflow import users
from api.workflow.history import History, document_history
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from signing import fonts
from signing import sign as signing

__all__ = ["TRAIL_FIELD", "seal_trail", "sealed_trail", "trail_pdf"]

TRAIL_FIELD = "xac_thuc_phieu_theo_doi"
VIETNAM = dt.timezone(dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")


@cache
def _fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("HosoSerif", str(fonts.SERIF)))
    pdfmetrics.registerFont(TTFont("HosoSerifBold", str(fonts.SERIF_BOLD)))
    return "HosoSerif", "HosoSerifBold"


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(VIETNAM).strftime("%H:%M:%S %d/%m/%Y")


def trail_pdf(history: History) -> bytes:
    """The Phiếu theo dõi of `history`, unsealed."""
    regular, bold = _fonts()
    text = ParagraphStyle("text", fontName=regular, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=text, fontSize=8.5, leading=11)
    head = ParagraphStyle("head", parent=text, fontName=bold, fontSize=14, leading=18)

    def p(value: str, style: ParagraphStyle = text) -> Paragraph:
        return Paragraph(escape(value), style)

    story: list[object] = [
        p(history.issuing_body.upper(), text),
        Spacer(1, 4 * mm),
        p("PHIẾU THEO DÕI VĂN BẢN", head),
        p(f"{history.title}{' số ' + history.reference if history.reference else ''}"),
        p(f"Trích yếu: {history.subject}"),
        p(f"Trạng thái: {history.status_vi} · Mã xác minh: {history.verification_code}"),
        p(f"SHA-256 tệp hiện hành: {history.sha256 or '—'}", small),
    ]
    if history.archived_sha256:
        story.append(p(f"SHA-256 bản lưu trữ: {history.archived_sha256}", small))
    story.append(p(f"Lập lúc: {_when(history.made_at)} (giờ Việt Nam)", small))
    story.append(Spacer(1, 5 * mm))
    rows: list[list[object]] = [
        [p("Thời điểm", small), p("Việc", small), p("Người thực hiện", small), p("Ghi chú", small)]
    ]
    for event in history.events:
        note = event.note
        if event.certificate is not None:
            c = event.certificate
            note = (
                f"{note}\nChứng thư số: {c.subject}\nSố sê-ri: {c.serial}\nSHA-256: {c.sha256}"
            ).strip()
        rows.append(
            [
                p(_when(event.at), small),
                p(event.action_vi, small),
                p(event.actor_name, small),
                Paragraph(escape(note).replace("\n", "<br/>"), small),
            ]
        )
    table = Table(rows, colWidths=[30 * mm, 35 * mm, 40 * mm, 75 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    if history.recipients:
        story += [Spacer(1, 5 * mm), p("Nơi nhận", head)]
        lines: list[list[object]] = [[p("Nơi nhận", small), p("Mở", small), p("Xác nhận", small)]]
        for r in history.recipients:
            lines.append(
                [p(r.name, small), p(_when(r.opened_at), small), p(_when(r.acknowledged_at), small)]
            )
        recipients = Table(lines, colWidths=[90 * mm, 45 * mm, 45 * mm], repeatRows=1)
        recipients.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story.append(recipients)
    out = io.BytesIO()
    made = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Phiếu theo dõi {history.reference or history.verification_code}",
        author=history.issuing_body,
        invariant=True,
    )
    made.build(story)
    return out.getvalue()


def seal_trail(
    pdf: bytes, organisation: signers.Signer, *, tsa_url: str, context: ValidationContext
) -> bytes:
    """`pdf` with the organisation's PAdES B-T signature in an invisible field."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    pdf_signer = signing.pades_signer(
        organisation,
        field=TRAIL_FIELD,
        context=context,
        stamp_style=None,
        new_field_spec=fields.SigFieldSpec(TRAIL_FIELD),
        reason="Xác thực phiếu theo dõi văn bản",
    )
    return signing.run_signer(pdf_signer, writer, tsa_url)


def sealed_trail(
    svc: Services, actor: Actor, document_id: int, organisation: signers.Signer
) -> bytes:
    """The văn thư's sealed Phiếu theo dõi of a document of their body, with the body's
    certificate registered to them."""
    history = document_history(svc, actor, document_id)
    with svc.sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        from api.workflow.access import visible

        body = visible(session, actor, document_id).issuing_body_id
        allow(actor, "đóng dấu phiếu theo dõi", ("van_thu",), body=body, session=session)
        assert organisation.signing_cert is not None
        users.require_own_certificate(session, actor, organisation.signing_cert)
    return seal_trail(trail_pdf(history), organisation, tsa_url=svc.tsa_url, context=svc.context())
