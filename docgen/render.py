"""Fills a .docx template with a context through docxtpl, in a sandboxed Jinja environment with
autoescaping and strict undefined variables (adapter).

Same template and context → same bytes: the zip entries are rewritten in a fixed order with a
fixed timestamp (python-docx stamps them with the current time). What goes in the context, and
which documents a dossier holds, is `docgen.dossier`'s job.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from docx import Document
from docx.oxml import parse_xml
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from docgen import resources
from docgen.errors import TemplateError

TEMPLATES = resources.templates_dir()
FIXED_TIME = (2026, 1, 1, 0, 0, 0)


@cache
def environment() -> SandboxedEnvironment:
    """The Jinja environment every template renders in: sandboxed, autoescaping, strict."""
    return SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)


def template_path(name: str | Path) -> Path:
    """A template of templates/vi/ by its bare file name, or any .docx given as a `Path`: a
    name with a folder in it (`../x.docx`, `/etc/x.docx`) is refused, never joined."""
    if isinstance(name, Path):
        path = name
    elif not name or "\\" in name or Path(name).name != name or name in (".", ".."):
        raise TemplateError(
            f"template name {name!r} is not a file name of {TEMPLATES}",
            message_vi=f"Tên mẫu {name!r} không phải tên tệp trong thư mục mẫu",
            field=name,
        )
    else:
        path = TEMPLATES / name
    if not path.is_file():
        raise TemplateError(
            f"template {name} not found in {TEMPLATES}",
            field=str(name),
            message_vi=f"Không có mẫu {name} trong {TEMPLATES}",
        )
    return path


def variables(name: str | Path) -> set[str]:
    """The top-level variables template `name` uses."""
    tpl = DocxTemplate(template_path(name))
    return set(tpl.get_undeclared_template_variables(environment()))


def text(name: str | Path) -> str:
    """The text of template `name` as Jinja reads it (body, then headers and footers, as
    `variables` reads them), one line a paragraph, NFC: what a check on the words around a
    placeholder looks at."""
    tpl = DocxTemplate(template_path(name))
    document = Document(str(tpl.template_file))
    parts = [tpl.xml_to_string(document.element.body)]
    for rel in document.part.rels.values():
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and rel.target_part.blob:
            parts.append(tpl.xml_to_string(parse_xml(rel.target_part.blob)))
    xml = "".join(tpl.patch_xml(part) for part in parts)
    return unicodedata.normalize("NFC", re.sub(r"<[^>]+>", "", xml.replace("</w:p>", "\n")))


def labelled_twice(name: str | Path, context: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(placeholder, label) for each placeholder of template `name` whose value in `context`
    begins with its own label ("Số: " of `number`, which the số field's stamp relies on) and
    which the template writes after that label again: "Số: {{ number }}" prints "Số: Số: …"."""
    found = []
    body = text(name)
    for key, value in context.items():
        label = re.match(r"(\w+):\s", value) if isinstance(value, str) else None
        if label is None:
            continue
        placeholder = r"\{\{-?\s*" + re.escape(key) + r"\s*(?:\|[^}]*)?-?\}\}"
        if re.search(rf"\b{label[1]}\s*:?\s*{placeholder}", body, re.IGNORECASE):
            found.append((key, f"{label[1]}:"))
    return found


def _stable_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for name in sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(name))
    return out.getvalue()


def render(name: str | Path, context: Mapping[str, Any]) -> bytes:
    """The .docx of template `name` filled with `context`; TemplateError names what failed."""
    tpl = DocxTemplate(template_path(name))
    try:
        tpl.render(dict(context), jinja_env=environment(), autoescape=True)
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"{name}: {exc.message}",
            field=str(name),
            message_vi=f"Mẫu {name}: biến không có trong dữ liệu ({exc.message})",
        ) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(
            f"{name}: {exc}", field=str(name), message_vi=f"Mẫu {name} bị lỗi: {exc}"
        ) from exc
    buffer = io.BytesIO()
    tpl.save(buffer)
    return _stable_zip(buffer.getvalue())


def described(docx: bytes, *, title: str, subject: str, draft: bool) -> bytes:
    """`docx` with its Title and Subject filled (Word's File › Info, and the PDF's title after
    conversion) and, for a draft, marked "DỰ THẢO" as its PDF is: in the metadata (Category)
    and at the top of its first page, in the header, where the PDF's layout is not touched."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    document = Document(io.BytesIO(docx))
    props = document.core_properties
    props.title, props.subject = title, subject
    props.category = "DỰ THẢO" if draft else ""
    if draft:
        section = document.sections[0]
        header = (
            section.first_page_header if section.different_first_page_header_footer else None
        ) or section.header
        p = header.paragraphs[0] if not header.paragraphs[0].text else header.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = p.add_run("DỰ THẢO")
        run.bold, run.font.size = True, Pt(13)
        run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
    out = io.BytesIO()
    document.save(out)
    return _stable_zip(out.getvalue())
