"""`hoso serve` as a user starts it: the installed console script in a subprocess on a free
loopback port, its output kept for the test to read; and signing in through the /dang-nhap
form with its CSRF token, as a browser does."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.signing_setting import free_port

HOSO = Path(sys.executable).parent / "hoso"


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    """Everything the service printed (stdout and stderr), once it has stopped."""


@contextmanager
def hoso_serve(env: dict[str, str], *args: str) -> Iterator[Served]:
    """`hoso serve --port <free> *args` with `env`, until its /healthz answers; stopped after."""
    port = free_port()
    proc = subprocess.Popen(
        [str(HOSO), "serve", "--port", str(port), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", proc)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{served.url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, f"hoso serve exited: {proc.communicate()[0]}"
            assert time.monotonic() < deadline, "hoso serve did not answer in 120 s"
            time.sleep(0.2)
        yield served
    finally:
        proc.terminate()
        try:
            text, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            text, _ = proc.communicate()
        served.output.extend(text.splitlines())


def sign_in(client: httpx.Client, login: str, password: str) -> httpx.Response:
    """The sign-in form filled and sent with its CSRF token; the answer (303 when accepted)."""
    form = client.get("/dang-nhap")
    assert form.status_code == 200, form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None, form.text
    data = {"csrf": csrf.group(1), "login": login, "password": password}
    return client.post("/dang-nhap", data=data, follow_redirects=False)
