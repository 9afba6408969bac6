"""`hoso serve`: uvicorn on the given loopback port, saying where the docs and the pages are."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.signing_setting import free_port


def test_hoso_serve_answers_where_it_says(tmp_path: Path, throwaway_roots: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HOSO_DATA_DIR": str(tmp_path),
        "HOSO_TRUST_ROOTS_DIR": str(throwaway_roots),
        "COLUMNS": "60",  # long URLs must not be wrapped
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        base = f"http://127.0.0.1:{port}"
        assert lines[0] == f"API và tài liệu OpenAPI: {base}/docs\n", lines
        assert f"{base}/v/<mã>" in lines[1]
        assert lines[2] == "Mã QR trên văn bản dẫn tới: http://127.0.0.1:8000/v/<mã>\n"
        deadline = time.monotonic() + 30
        while True:
            try:
                docs = httpx.get(f"{base}/docs", timeout=5)
                break
            except httpx.ConnectError:
                assert proc.poll() is None and time.monotonic() < deadline, "no answer"
                time.sleep(0.1)
        assert docs.status_code == 200 and "swagger-ui" in docs.text
        page = httpx.get(f"{base}/v/ABCDE-FGHIJ", timeout=5)
        assert page.status_code == 404 and "Không tìm thấy văn bản" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()
