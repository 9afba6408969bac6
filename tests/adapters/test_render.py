"""docxtpl in a sandbox: autoescaping, strict variables, refused attribute access, stable bytes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document

from docgen import generate, render
from docgen.errors import TemplateError


def template(tmp_path: Path, text: str) -> Path:
    doc = Document()
    doc.add_paragraph(text)
    path = tmp_path / "t.docx"
    doc.save(path)
    return path


def document_xml(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return z.read("word/document.xml").decode()


def test_values_are_escaped_not_injected(tmp_path: Path) -> None:
    evil = 'Phường <w:t>X</w:t> & "Y"'
    xml = document_xml(render.render(template(tmp_path, "{{ name }}"), {"name": evil}))
    assert "Phường &lt;w:t&gt;X&lt;/w:t&gt; &amp;" in xml
    assert "<w:t>X</w:t>" not in xml


def test_the_sandbox_refuses_attribute_tricks(tmp_path: Path) -> None:
    path = template(tmp_path, "{{ name.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateError, match=r"unsafe|access"):
        render.render(path, {"name": "x"})


def test_unknown_variables_and_missing_templates_are_named(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"'unit_name' is undefined"):
        render.render(template(tmp_path, "{{ unit_name }}"), {})
    with pytest.raises(TemplateError, match=r"template khong-co\.docx not found"):
        render.render("khong-co.docx", {})


def test_every_template_renders_to_the_same_bytes_twice() -> None:
    for name, ctx in generate.sample_contexts().items():
        assert render.render(name, ctx) == render.render(name, ctx), name
        assert render.variables(name) <= set(ctx), name
