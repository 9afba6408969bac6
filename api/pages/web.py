"""The public web pages' Jinja2 environment: templates under templates/, the stylesheet under
static/ (served by the app itself: no CDN, no JavaScript), autoescaping always on, and
undefined variables an error rather than an empty string."""

from __future__ import annotations

from pathlib import Path

import jinja2
from starlette.templating import Jinja2Templates

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
    return Jinja2Templates(env=env)
