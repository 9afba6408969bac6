"""Lưu trữ: the archivist's page. Search the issued documents of their body (năm, loại, số,
trích yếu), download the export of a year or a dossier, and run the integrity check of the
store against the registry.

Thin: the search and the check are `api.workflow.archive.find_records` and
`api.workflow.archive_check.check_store`,
the export is `api.workflow.documents.export` (which decides who may export). A refusal or a bad
field is
shown beside its form in Vietnamese, never as a traceback.

Left out: the PDFs themselves (/tai-lieu/{id}.pdf, served by the document pages), sealing for
the archive (the văn thư's) and timestamp renewal (`hoso archive renew`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.pages.ui import CsrfChecked, PageActor, problem, refused, render
from api.registry.db import STATUS_VI
from api.routes.deps import ServicesDep, TrustDep
from api.routes.errors import http_status
from api.routes.gate import GatedRoute
from api.workflow import archive, archive_check
from api.workflow import documents as workflow
from api.workflow.services import Services
from api.workflow.users import Actor, allow
from docgen import vn
from docgen.errors import HosoError
from docgen.generate import slug

router = APIRouter(route_class=GatedRoute, tags=["web pages"], include_in_schema=False)

TYPES = [(code, vn.type_name(code)) for code in dict.fromkeys(workflow.TYPE_CODES.values())]
_NUMBER = re.compile(r"(?P<number>[0-9]{1,6})(?:/(?P<notation>\S{1,32}))?")
_TEXT_LIMIT = 200  # characters of a search field kept


@dataclass(frozen=True)
class _Search:
    """The search form as typed (strings, shown back in the form)."""

    nam: str = ""
    loai: str = ""
    so: str = ""
    trich_yeu: str = ""

    def run(self, services: Services, actor: Actor) -> archive.Found:
        """The records of the actor's body that match; HosoError naming a field typed wrong."""
        year = _year(self.nam, field="nam") if self.nam else None
        if self.loai and self.loai not in dict(TYPES):
            raise HosoError(
                f"unknown type code {self.loai!r}",
                message_vi="Loại văn bản không có trong danh sách",
                field="loai",
            )
        number, notation = None, None
        if self.so:
            found = _NUMBER.fullmatch(self.so)
            if found is None:
                raise HosoError(
                    f"số {self.so!r}: a number, or a số ký hiệu like 01/QĐ-UBND",
                    message_vi="Số văn bản là một số, ví dụ 01, hoặc số ký hiệu như 01/QĐ-UBND",
                    field="so",
                )
            number, notation = int(found["number"]), found["notation"]
        return archive.find_records(
            services.sessions,
            body=actor.body,
            year=year,
            type_code=self.loai or None,
            number=number,
            notation=notation,
            subject=self.trich_yeu,
        )


def _year(text: str, *, field: str) -> int:
    if not re.fullmatch(r"[0-9]{4}", text) or not 2000 <= int(text) <= 2100:
        raise HosoError(
            f"{field}: {text!r} is not a year",
            message_vi="Năm là số có bốn chữ số, ví dụ 2028",
            field=field,
        )
    return int(text)


def _clean(text: str) -> str:
    return vn.nfc(text).strip()[:_TEXT_LIMIT]


def _page(
    request: Request,
    actor: Actor,
    services: Services,
    *,
    status: int = 200,
    **shown: Any,
) -> HTMLResponse:
    """The Lưu trữ page with what `shown` gives (a search, an export's refusal, a report)."""
    try:
        years, dossiers = archive.holdings(services.sessions, body=actor.body)
    except HosoError:  # the registry cannot be read: the forms stay empty, the page still shows
        years, dossiers = [], []
    context: dict[str, Any] = {
        "search": _Search(),
        "found": None,
        "search_error": None,
        "years": years,
        "dossiers": dossiers,
        "chosen": {"nam": "", "ho_so": ""},
        "export_error": None,
        "report": None,
        "check_error": None,
        "types": TYPES,
        "status_vi": STATUS_VI,
        **shown,
    }
    return render(request, "app/archive.html", context, actor=actor, status=status)


@router.get("/luu-tru", response_class=HTMLResponse)
def archive_page(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    nam: str = "",
    loai: str = "",
    so: str = "",
    trich_yeu: str = "",
) -> HTMLResponse:
    """Tra cứu: every criterion optional; without one, the body's latest records."""
    try:
        allow(actor, "tra cứu hồ sơ lưu trữ", ("archivist",))
    except HosoError as exc:
        return refused(request, actor, exc)
    search = _Search(_clean(nam), _clean(loai), _clean(so), _clean(trich_yeu))
    try:
        found = search.run(services, actor)
    except HosoError as exc:
        error = problem(exc)
        return _page(request, actor, services, search=search, search_error=error, status=422)
    return _page(request, actor, services, search=search, found=found)


@router.get("/luu-tru/xuat", response_class=Response)
def export(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    trust: TrustDep,
    nam: str = "",
    ho_so: str = "",
) -> Response:
    """The ZIP of a year (?nam=2028) or of a dossier (?ho_so=2028/ubnd-hai-phong)."""
    try:
        allow(actor, "xuất hồ sơ lưu trữ", ("archivist",))  # before the trust roots are read
    except HosoError as exc:
        return refused(request, actor, exc)
    chosen = {"nam": _clean(nam), "ho_so": _clean(ho_so)}
    try:
        year = _year(chosen["nam"], field="nam") if chosen["nam"] else None
        dossier = chosen["ho_so"] or None
        data = workflow.export(services, actor, year=year, dossier=dossier, trust_roots=trust.get())
    except HosoError as exc:
        error = problem(exc)
        status = http_status(exc)
        return _page(request, actor, services, chosen=chosen, export_error=error, status=status)
    name = f"hoso-{year if year is not None else slug(dossier or '')}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/luu-tru/kiem-tra", response_class=HTMLResponse)
def integrity_check(
    request: Request,
    actor: PageActor,
    services: ServicesDep,
    trust: TrustDep,
    _: CsrfChecked,
) -> HTMLResponse:
    """Kiểm tra toàn vẹn: every file of the body's documents re-hashed and re-validated, and
    the store compared with the registry."""
    try:
        allow(actor, "kiểm tra toàn vẹn kho lưu trữ", ("archivist",))
    except HosoError as exc:
        return refused(request, actor, exc)
    try:
        report = archive_check.check_store(
            services.sessions,
            services.archive,
            trust_roots=trust.get(),
            online=True,
            body=actor.body,
            drafts=services.drafts,
        )
    except HosoError as exc:
        error = problem(exc)
        return _page(request, actor, services, check_error=error, status=http_status(exc))
    return _page(request, actor, services, report=report)
