"""JSON log lines (HOSO_LOG_FORMAT=json): the real uvicorn with `api.routes.json_log.log_config()`
writes one JSON object per access line with the request id the client got back, the user the
request acted as and the endpoint that served it; a recipient's link token stays cut."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import workflow_app
from api.routes import json_log
from api.settings import Settings
from api.workflow.users import add_user
from tests.signing_setting import free_port


def test_access_lines_are_json_with_request_id_user_and_action(
    tmp_path: Path, throwaway_roots: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = workflow_app(Settings(data_dir=tmp_path / "data", trust_roots_dir=throwaway_roots))
    with app.state.services.sessions.begin() as session:
        _, token = add_user(
            session,
            login="chuyenvien.hp",
            name="Nguyễn Thị Lan",
            role="clerk",
            body="ubnd-hai-phong",
        )
    names = ("", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).level) for n in names}
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=json_log.log_config())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            r = client.get("/api/documents", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200
            given = r.headers["x-request-id"]
            anonymous = client.get("/api/links/bi-mat-cua-noi-nhan-123456")
            assert anonymous.status_code in (404, 422)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        for name, (handlers, level) in saved.items():  # uvicorn configured logging globally
            logging.getLogger(name).handlers[:] = handlers
            logging.getLogger(name).setLevel(level)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    (mine,) = [line for line in lines if line.get("request_id") == given]
    assert mine["user"] == "chuyenvien.hp"
    assert mine["action"] == "documents.list_documents"
    assert (mine["method"], mine["path"], mine["status"]) == ("GET", "/api/documents", 200)
    (link,) = [line for line in lines if str(line.get("path", "")).startswith("/api/links/")]
    assert link["path"] == "/api/links/…" and link["user"] == "-"
