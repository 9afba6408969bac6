"""The public web pages' Jinja2 environment: templates under templates/, the stylesheet under
static/ (served by the app itself: no CDN, no JavaScript), autoescaping always on, and
undefined variables an error rather than an empty string."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from api.registry.lookup import RegistryRecord, status_vi
from api.routes.errors import size_text
from api.workflow import wording
from docgen import vn

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# Pages load nothing but their own stylesheet and scripts (a recipient's page reports its
# opening, static/link.js), post forms only to the service itself, and may
# not be framed (the verdict must not be shown inside someone else's page).
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nd30_date"] = vn.nd30_date
    env.filters["when"] = wording.when
    env.filters["subject_vi"] = wording.subject_vi
    return Jinja2Templates(env=env)


HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "the page"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"content": {"text/html": {}}, "description": "no document has this code (a page)"},
}
UPLOAD_REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"content": {"text/html": {}}, "description": why}
    for status, why in (
        (413, "the file is larger than the upload limit (a page)"),
        (415, "not a PDF (a page)"),
        (422, "no file, an empty file, a broken form (a page)"),
    )
}


def page(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HTMLResponse:
    """A page with what every page shows (the upload limit) and the pages' security policy."""
    settings = request.app.state.settings
    response = templates.TemplateResponse(
        request,
        name,
        {
            "limit": size_text(settings.upload_limit)[1],
            "batch_files": settings.batch_files,
            "batch_limit": size_text(settings.batch_limit)[1],
            **context,
        },
        status_code=status,
    )
    response.headers["Content-Security-Policy"] = CSP
    return response


def record_context(record: RegistryRecord) -> dict[str, Any]:
    return {
        "record": record,
        "status": status_vi(record),
        "status_tone": wording.status_tone(record),
    }
