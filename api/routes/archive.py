"""The archivist's export: `GET /api/archive/export`, a body's documents of a year or of a
dossier with their ND 30 metadata and verification reports, as one ZIP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.routes.deps import ActorDep, ServicesDep, TrustDep
from api.routes.gate import GatedRoute
from api.routes.models import REFUSED, ErrorPublic
from api.workflow import documents as workflow
from api.workflow.users import allow

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["workflow"])


ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}}, "description": "the export (ZIP)"},
    **REFUSED,
    503: {"model": ErrorPublic, "description": "the service has no trust roots configured"},
}


@router.get("/archive/export", response_class=Response, responses=ZIP_RESPONSE)
def export(
    actor: ActorDep,
    services: ServicesDep,
    trust: TrustDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    dossier: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """The archivist exports their body's documents of a year or of a dossier: the PDFs, the
    ND 30 Phụ lục VI metadata (JSON and XML), SHA-256 checksums and each verification report."""
    allow(actor, "xuất hồ sơ lưu trữ", ("archivist",))  # before the trust roots are read
    data = workflow.export(services, actor, year=year, dossier=dossier, trust_roots=trust.get())
    name = f"hoso-{year or (dossier or '').replace('/', '-')}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
