"""Many files checked at once on the public page, in a real browser: /xac-minh takes several
files, the job's page shows its progress and turns by itself (static/tien-do.js, under the
pages' CSP) into the table of verdicts: the issued QĐ valid, its tampered copy and a scanned
page invalid. No serious accessibility problem on either page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.api.service import Service
from tests.signing_setting import Setting, issued, signed_by
from tests.ui import axe
from tests.ui.conftest import Visit

pytestmark = pytest.mark.slow


def test_many_files_at_once(
    visit: Visit, service: Service, setting: Setting, tmp_path: Path
) -> None:
    # In a thread of its own: signing runs an event loop, and Playwright's is running here.
    with ThreadPoolExecutor(1) as thread:
        pdf = thread.submit(
            lambda: issued(setting, signed_by(setting, "ubnd-hai-phong--chu-tich"))
        ).result()
    changed = bytearray(pdf)
    changed[changed.index(b"stream") + 20] ^= 0xFF
    files = {
        "quyet-dinh-06.pdf": pdf,
        "ban-sua-doi.pdf": bytes(changed),
        "bien-ban-scan.pdf": b"not a PDF at all\n" * 40,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    page = visit.page
    page.goto("/xac-minh")
    page.get_by_label("Chọn các tệp PDF cần kiểm tra (giữ Ctrl").set_input_files(
        [str(tmp_path / name) for name in files]
    )
    assert not [v for v in axe.audit(page) if v.impact in axe.BLOCKING]
    visit.shot("xac-minh-nhieu-tep")
    page.get_by_role("button", name="Kiểm tra các tệp").click()
    page.wait_for_url("**/xac-minh/viec/*")
    # The progress line first (unless the job was quicker than the page), then the table.
    page.get_by_role("table").wait_for(timeout=120_000)
    assert "/xac-minh/viec/" in page.url
    rows = page.get_by_role("row").all_inner_texts()
    by_file = {r.split("\t")[0].strip(): r for r in rows[1:]}
    assert set(by_file) == set(files)
    assert "Hợp lệ" in by_file["quyet-dinh-06.pdf"]
    assert "Không hợp lệ" in by_file["ban-sua-doi.pdf"]
    assert "Không hợp lệ" in by_file["bien-ban-scan.pdf"]
    assert page.get_by_text("1/3 tệp có chữ ký số hợp lệ").is_visible()
    assert not [v for v in axe.audit(page) if v.impact in axe.BLOCKING]
    visit.shot("xac-minh-nhieu-tep-ket-qua")
