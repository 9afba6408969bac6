"""Password guessing against the real service: 16 clients post wrong passwords for one login to
/dang-nhap over HTTP (uvicorn on loopback) for a few seconds. Before the throttle, 16 clients
made 711 guesses in 15 s and the right password still worked after 40 wrong ones (issue 16).
Now only the first few guesses are checked at all (the threshold, plus those already in flight
when it was reached), every other one is refused unchecked, and the right password is refused
too until the lockout ends."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from api.app import workflow_app
from api.settings import Settings
from api.workflow.users import add_user, set_password
from tests.api.service import serve
from tests.hardening.figures import record
from tests.signing_setting import free_port

pytestmark = pytest.mark.slow

CLIENTS, SECONDS = 16, 4.0
PASSWORD = "mat-khau-dung-roi"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _attempt(client: httpx.Client, password: str) -> int:
    page = client.get("/dang-nhap")
    found = CSRF.search(page.text)
    assert found
    data = {"csrf": found.group(1), "login": "vanthu.hp", "password": password}
    return client.post("/dang-nhap", data=data).status_code


def test_sixteen_guessing_clients_get_a_handful_of_checks(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")  # signing in needs no trust roots
    app = workflow_app(settings)
    with app.state.services.sessions.begin() as session:
        add_user(
            session, login="vanthu.hp", name="Phạm Thu Hà", role="van_thu", body="ubnd-hai-phong"
        )
        set_password(session, "vanthu.hp", PASSWORD)
    port = free_port()
    answers: Counter[int] = Counter()
    lock = threading.Lock()

    def guess(n: int) -> None:
        deadline = time.monotonic() + SECONDS
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            i = 0
            while time.monotonic() < deadline:
                status = _attempt(client, f"doan-sai-{n}-{i}")
                i += 1
                with lock:
                    answers[status] += 1

    with serve(app, port):
        threads = [threading.Thread(target=guess, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            right = _attempt(client, PASSWORD)
    checked, refused = answers[401], answers[429]
    print(f"\n{CLIENTS} clients, {SECONDS:.0f} s: {checked} guesses checked, {refused} refused")
    assert set(answers) <= {401, 429}
    assert refused > checked
    assert checked <= 5 + CLIENTS  # the threshold, and at most one in flight per client
    assert right == 429  # the right password, during the lockout
    record("sign-in", "guessing clients / seconds", f"{CLIENTS} / {SECONDS:.0f}")
    record("sign-in", "guesses checked / refused unchecked", f"{checked} / {refused}")
    record("sign-in", "the right password during the lockout", "refused (429)")
