"""A document's file for the signed-in pages: the PDF, and each page as a PNG image made by
poppler's `pdftoppm` (adapter), for whoever may see the document."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from api.pages.ui import PageActor, refused
from api.registry.db import Document
from api.routes.deps import Id
from api.routes.errors import http_status
from api.routes.gate import GatedRoute
from api.workflow import access
from api.workflow.page_images import page_png
from api.workflow.services import Services
from docgen.errors import HosoError

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)

Page = Annotated[int, PathParam(ge=1, le=10_000)]


# --- previews of a document's file ----------------------------------------------------------------

_PAGES: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_PAGES_LOCK = threading.Lock()
PAGE_CACHE = 256
"""Page images kept in memory (about 30–80 KB each at 60 dpi), by file and page."""


def _etag(document: Document, suffix: str) -> str:
    digest = document.archived_sha256 or document.sha256 or ""
    return f'"{digest[:32]}-{suffix}"'


def _fresh(request: Request, etag: str) -> bool:
    return etag in request.headers.get("if-none-match", "")


CACHING = "private, no-cache"
"""The browser keeps a preview and asks again each time: a draft's file changes when it is
signed or issued, its address does not."""


@router.get("/tai-lieu/{document_id:int}.pdf", response_model=None)
def document_pdf(request: Request, actor: PageActor, document_id: Id) -> Response:
    """The document's current file, shown in the browser (the PDF viewer)."""
    svc: Services = request.app.state.services
    try:
        document = access.get_document(svc, actor, document_id)
        etag = _etag(document, "pdf")
        if _fresh(request, etag):
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHING})
        document, pdf = access.document_file(svc, actor, document_id)
    except HosoError as exc:
        return refused(request, actor, exc)
    name = f"{document.kind or 'van-ban'}-{document.id}.pdf"
    headers = {
        "Content-Disposition": f'inline; filename="{name}"',
        "ETag": _etag(document, "pdf"),
        "Cache-Control": CACHING,
        "X-Content-Type-Options": "nosniff",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/tai-lieu/{document_id:int}/trang/{page}.png", response_model=None)
def document_page(request: Request, actor: PageActor, document_id: Id, page: Page) -> Response:
    """Page `page` of the document's current file as an image (60 dpi); 404 past the last."""
    svc: Services = request.app.state.services
    try:
        document = access.get_document(svc, actor, document_id)
    except HosoError as exc:
        return Response(status_code=http_status(exc))
    if page < 1 or (document.page_count is not None and page > document.page_count):
        return Response(status_code=404)
    etag = _etag(document, f"p{page}")
    headers = {"ETag": etag, "Cache-Control": CACHING, "X-Content-Type-Options": "nosniff"}
    if _fresh(request, etag):
        return Response(status_code=304, headers=headers)
    key = (etag, page)
    with _PAGES_LOCK:
        png = _PAGES.get(key)
    if png is None:
        try:
            document, pdf = access.document_file(svc, actor, document_id)
        except HosoError as exc:
            return Response(status_code=http_status(exc))
        png = page_png(pdf, page)
        if png is None:
            return Response(status_code=404)
        with _PAGES_LOCK:
            _PAGES[key] = png
            while len(_PAGES) > PAGE_CACHE:
                _PAGES.popitem(last=False)
    return Response(png, media_type="image/png", headers=headers)


@router.get("/favicon.ico", response_model=None)
def favicon() -> Response:
    """No icon: an empty answer, so that browsers stop asking and log no 404 on every page.
    (Belongs with the common layout; here until it has one.)"""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})
