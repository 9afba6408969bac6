"""Template and input safety (issue 7, part 6): a template that reaches for Python internals
through Jinja is refused with a TemplateError naming the attribute; data that looks like Jinja or
WordprocessingML comes out as the same text, never as code or markup; a template name with a
folder in it is refused, never joined; workbook and key uploads are refused above their limits
over HTTP.

Already proven elsewhere, not repeated here: the verification upload limit (tests/api:
test_verify_api.py, and test_server.py refusing 50 MB before its body is sent), escaping of a
value holding `<w:t>` and the `__subclasses__()` chain (tests/adapters/test_render.py), and the
archive store refusing `../x.pdf` and absolute file names (tests/adapters/test_store.py).
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from docx import Document

from api.app import create_app
from api.registry.lookup import InMemoryRegistry
from api.routes.deps import SHEET_LIMIT
from api.routes.keys import KEY_LIMIT
from api.settings import Settings
from api.workflow.services import build_services
from api.workflow.users import add_user
from docgen import render
from docgen.errors import HosoError, TemplateError
from tests.hardening.figures import record

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*install `httpx2` instead")
    from fastapi.testclient import TestClient

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def template(folder: Path, *paragraphs: str) -> Path:
    """A .docx in `folder` with one paragraph per text."""
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    path = folder / "mau.docx"
    doc.save(str(path))
    return path


def paragraphs(docx: bytes) -> list[str]:
    """The text of each paragraph of the document body, as Word would show it."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        root = ElementTree.fromstring(z.read("word/document.xml"))
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


@dataclass
class Unit:
    """A context value with a private attribute, as a model object might have."""

    name: str
    _secret: str = "mật"


# ---- templates that reach for Python internals -------------------------------------------------

ATTACKS = {
    "{{ ''.__class__.__mro__ }}": "__class__",
    "{{ cycler.__init__.__globals__ }}": "__init__",
    "{{ joiner.__init__.__globals__.os.popen('id').read() }}": "__init__",
    "{{ namespace.__init__.__globals__ }}": "__init__",
    "{{ lipsum.__globals__['os'] }}": "__globals__",
    "{{ self.__init__.__globals__ }}": "__init__",
    "{{ name|attr('__class__') }}": "__class__",
    "{{ '{0.__class__.__mro__}'.format(name) }}": "__class__",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}": "__class__",
    "{% set t = name.__class__ %}{{ t }}": "__class__",
    "{{ unit._secret }}": "_secret",
    "{{ unit.__dict__ }}": "__dict__",
}


def test_templates_reaching_for_python_internals_are_refused(tmp_path: Path) -> None:
    context = {"name": "Phường Lê Chân", "unit": Unit("Phường Lê Chân")}
    for text, attribute in ATTACKS.items():
        path = template(tmp_path, "Kính gửi:", text)
        with pytest.raises(TemplateError) as caught:
            render.render(path, context)
        error = caught.value
        assert isinstance(error, HosoError) and error.code == TemplateError.code, text
        assert f"attribute '{attribute}'" in error.message, (text, error.message)
        assert "unsafe" in error.message, (text, error.message)
        assert error.field == str(path), text
    record("input", "template attacks refused", len(ATTACKS))


# ---- data that looks like code or markup -------------------------------------------------------

LITERALS = [
    "{{ 7*7 }}",
    "{% if true %}có{% endif %}",
    "{%p if x %}{%tr for r in rows %}{{r x }}",
    "{{ cycler.__init__.__globals__ }}",
    "<w:t>X</w:t>",
    "</w:t></w:r></w:p><w:p><w:r><w:t>chèn",
    "Công an & Ủy ban <b>",
    "]]>",
    "<![CDATA[x]]>",
    "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;",
    "&amp; &lt; &#x41; &e;",
    "\"ngoặc kép\" 'đơn' \\ `",
]


def test_data_that_looks_like_code_or_markup_is_printed_literally(tmp_path: Path) -> None:
    path = template(tmp_path, "Đơn vị: {{ name }}", "{{ unit.name }}")
    for value in LITERALS:
        docx = render.render(path, {"name": value, "unit": Unit(value)})
        assert paragraphs(docx) == [f"Đơn vị: {value}", value], value
    record("input", "literal-data cases", len(LITERALS))


# ---- template names with folders in them -------------------------------------------------------


def test_template_names_with_a_folder_are_refused(tmp_path: Path) -> None:
    outside = template(tmp_path, "{{ name }}")
    names = [
        "../x.docx",
        "../../templates/vi/quyet-dinh.docx",  # exists: refused for its name, not its absence
        "../vi/quyet-dinh.docx",
        "./quyet-dinh.docx",
        "vi/quyet-dinh.docx",
        "..\\vi\\quyet-dinh.docx",
        str(outside),  # an absolute path given as a name: exists too
        "/etc/passwd",
        "..",
        "",
    ]
    for name in names:
        with pytest.raises(TemplateError, match="is not a file name"):
            render.render(name, {"name": "x"})
        with pytest.raises(TemplateError, match="is not a file name"):
            render.variables(name)
    # A template folder is chosen by passing a Path (`hoso templates check --dir`), as before.
    assert render.render(outside, {"name": "x"})
    assert render.variables("quyet-dinh.docx")
    record("input", "path traversal cases refused", len(names))


# ---- upload limits over HTTP -------------------------------------------------------------------


@pytest.fixture
def work(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app with the workflow on a temporary SQLite registry, and a clerk's and a signer's
    authorisation headers (nothing here reaches a signature, so no trust roots; key files are
    taken, as without trust roots the service would not know whether to take them)."""
    settings = Settings(data_dir=tmp_path / "data", allow_key_upload=True)
    services = build_services(settings)
    tokens: dict[str, str] = {}
    with services.sessions.begin() as session:
        for role, login in (("clerk", "chuyenvien"), ("signer", "chutich")):
            _, tokens[role] = add_user(
                session, login=login, name="Nguyễn Thị Lan", role=role, body="ubnd-hai-phong"
            )
    app = create_app(settings, registry=InMemoryRegistry([]), services=services)
    with TestClient(app) as client:
        yield client, {role: f"Bearer {token}" for role, token in tokens.items()}


def test_a_workbook_over_5_mib_is_refused(work: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = work
    headers = {"Authorization": auth["clerk"]}

    def upload(size: int) -> dict[str, str]:
        files = {"file": ("phieu.xlsx", b"\0" * size, XLSX)}
        r = client.post("/api/assessments/workbook", files=files, headers=headers)
        assert 400 <= r.status_code < 500, r.text
        answer: dict[str, str] = r.json()
        return answer

    over = upload(SHEET_LIMIT + 1)
    assert over["field"] == "file"
    assert over["code"] == "upload_too_large" and f"({SHEET_LIMIT} bytes)" in over["message"]
    at = upload(SHEET_LIMIT)  # at the limit: read, and refused for what it holds
    assert at["code"] == "invalid_assessment", at


def test_a_key_file_over_64_kib_is_refused(work: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = work
    headers = {"Authorization": auth["signer"]}

    def upload(size: int) -> dict[str, str]:
        files = {"p12": ("khoa.p12", b"\0" * size, "application/x-pkcs12")}
        r = client.post(
            "/api/documents/1/sign", files=files, data={"passphrase": "x"}, headers=headers
        )
        assert 400 <= r.status_code < 500, r.text
        answer: dict[str, str] = r.json()
        return answer

    over = upload(KEY_LIMIT + 1)
    assert over["field"] == "p12"
    assert over["code"] == "upload_too_large" and f"({KEY_LIMIT} bytes)" in over["message"]
    at = upload(KEY_LIMIT)  # at the limit: read, and refused as a key that cannot be opened
    assert at["code"] == "key_unavailable", at
