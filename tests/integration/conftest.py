"""What the document tests share: one LibreOffice pool and the sample dossier of UBND thành
phố Hải Phòng for 2026, built once for every module that reads it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from docgen import generate
from docgen.convert import ConverterPool
from tests.conftest import need


@pytest.fixture(scope="session")
def pool() -> Iterator[ConverterPool]:
    need(shutil.which("soffice") is not None, "LibreOffice missing: make setup installs it")
    need(shutil.which("pdftotext") is not None, "poppler-utils missing: make setup installs it")
    with ConverterPool(size=2, timeout=60) as p:
        yield p


@pytest.fixture(scope="session")
def dossier_dir(pool: ConverterPool, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.integration.test_documents import ISSUED, plan_hai_phong, verify_url

    out = tmp_path_factory.mktemp("dossier")
    generate.build(plan_hai_phong(), pool, out, issued_at=ISSUED, verify_url=verify_url)
    return out / "2026" / "ubnd-hai-phong"
