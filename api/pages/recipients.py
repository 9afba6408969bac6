"""The văn thư's printable list of an issued document's recipients: each Nơi nhận with its
personal link and a QR code large enough to scan from paper, one recipient per block, never
split across pages (static/print.css). For a body that hands the links over on paper, or
files the list with the document. Who may see it is api/workflow/delivery.py's rule (the văn thư of
the issuing body); the on-screen list, with copying all links at once, is the Văn bản page's
(routes/ui_office.py). Also the văn thư's "Gửi lại" of a notification not delivered, from the
list of such letters on the Phát hành and Văn bản pages (templates/app/_mails.html)."""

from __future__ import annotations

import re
from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.pages.ui import CsrfChecked, refused, render
from api.routes.deps import Id, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.models import document_public
from api.routes.session import PageActor
from api.workflow import access, delivery, outbox
from docgen.errors import HosoError

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)


@router.get("/van-ban/{document_id:int}/noi-nhan/in", response_class=HTMLResponse)
def recipients_print(
    request: Request, document_id: Id, actor: PageActor, services: ServicesDep
) -> HTMLResponse:
    """The recipients of document `document_id` with their links and QR codes, for print."""
    try:
        document = access.get_document(services, actor, document_id)
        sent = delivery.deliveries(services, actor, document_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    recipients = [
        {
            "name": d.name,
            "line": d.line,
            "link": d.link,
            "qr": segno.make(d.link, error="m").svg_data_uri(scale=4, border=2),
        }
        for d in sent
    ]
    context = {
        "d": document,
        "reference": document_public(document).reference,
        "recipients": recipients,
    }
    return render(request, "app/recipients_print.html", context, actor=actor)


_BACK = re.compile(r"/(phat-hanh|van-ban/[0-9]{1,12})")
"""The pages the list of undelivered letters is on: where "Gửi lại" returns to."""


@router.post("/thu-thong-bao/{letter_id}/gui-lai", response_class=HTMLResponse, response_model=None)
def resend_letter(
    request: Request,
    letter_id: Id,
    actor: PageActor,
    services: ServicesDep,
    _: CsrfChecked,
    back: Annotated[str, Form(max_length=64)] = "/phat-hanh",
) -> Response:
    """Send a notification not delivered again now (the văn thư's "Gửi lại")."""
    try:
        outbox.resend(services, actor, letter_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    page = back if _BACK.fullmatch(back) else "/phat-hanh"
    return RedirectResponse(f"{page}?gui-lai={letter_id}#thu-chua-gui", status_code=303)
