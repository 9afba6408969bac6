"""The verification endpoint under load (issue 7, part 5): 32 clients at once against uvicorn on
127.0.0.1, sending for HOSO_LOAD_SECONDS (default 60) or until HOSO_LOAD_REQUESTS requests
(default 400), whichever comes first, then waiting for the answers still due, while a thread
issues documents of a fresh year into the same SQLite registry through `record_issue`. Every
answer must be 200 with TOTAL_PASSED and the registry's number of the issued Quyết định; p50
and p99 latency and the throughput are recorded. On two cores one process verifies about one
file a second, so 32 clients wait about 30 s each: the test takes HOSO_LOAD_SECONDS plus that.

The issuing thread's `make` returns a few unique bytes instead of signing (as in
tests/registry_load.py): what matters here is writers taking the registry's lock while readers
look documents up, not more signing on two cores already busy verifying."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.registry import numbering as registry
from api.registry.numbering import DatabaseLookup
from api.settings import Settings
from api.workflow.services import Services, build_services
from tests.api.service import BODY, CHAIR_P12, serve
from tests.hardening.figures import record
from tests.signing_setting import Setting, free_port, issued, signed_by, write_root

pytestmark = pytest.mark.slow

CLIENTS = 32
SECONDS = float(os.environ.get("HOSO_LOAD_SECONDS", "60"))
REQUESTS = int(os.environ.get("HOSO_LOAD_REQUESTS", "400"))
YEAR = 2031  # a year no other test issues in


@dataclass
class Server:
    url: str
    services: Services
    pdf: bytes
    reference: str


@pytest.fixture(scope="module")
def server(setting: Setting, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The verification app on its own SQLite registry, in which the issued Quyết định is
    recorded (so every answer finds it), served by uvicorn."""
    folder = tmp_path_factory.mktemp("load")
    settings = Settings(
        data_dir=folder / "data",
        trust_roots_dir=write_root(folder / "roots", setting.root.dump()),
        upload_limit=2 * 1024 * 1024,
    )
    services = build_services(settings)
    pdf = issued(setting, signed_by(setting, CHAIR_P12))
    done = registry.record_issue(
        services.sessions,
        body=BODY,
        type_code="QĐ",
        issued_on=dt.date(2026, 12, 5),
        make=lambda _: pdf,
        actor="load-test",
    )
    app = create_app(settings, registry=DatabaseLookup(services.sessions), services=services)
    port = free_port()
    with serve(app, port):
        yield Server(f"http://127.0.0.1:{port}", services, pdf, done.reference)


@dataclass
class Run:
    """What the clients saw: one latency per answer, and what was wrong with any of them."""

    deadline: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_request(self) -> bool:
        """Whether a client may send one more request (and, if so, it is counted)."""
        with self.lock:
            if time.monotonic() >= self.deadline or self.sent >= REQUESTS:
                return False
            self.sent += 1
            return True


def client(server: Server, run: Run) -> None:
    with httpx.Client(base_url=server.url, timeout=300) as http:
        while run.next_request():
            start = time.perf_counter()
            try:
                r = http.post(
                    "/api/verify",
                    content=server.pdf,
                    headers={"content-type": "application/pdf"},
                )
                problem = _problem(r, server.reference)
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            with run.lock:
                run.latencies.append(time.perf_counter() - start)
                if problem:
                    run.errors.append(problem)


def _problem(r: httpx.Response, reference: str) -> str:
    if r.status_code != 200:
        return f"{r.status_code}: {r.text[:200]}"
    data = r.json()
    if data["indication"] != "TOTAL_PASSED":
        return f"{data['indication']}: {data['message']}"
    if (data.get("registry") or {}).get("number") != reference:
        return f"registry: {data.get('registry')}"
    return ""


def issue_until(stop: threading.Event, services: Services) -> list[int]:
    """Issue documents of YEAR, one transaction each, until `stop`; the numbers taken."""
    token = os.urandom(8)
    numbers: list[int] = []
    while not stop.wait(0.1):
        done = registry.record_issue(
            services.sessions,
            body=BODY,
            type_code="QĐ",
            issued_on=dt.date(YEAR, 3, 1),
            make=lambda number: b"load/%d/" % number + token,
            actor="load-test",
        )
        numbers.append(done.number)
    return numbers


def test_verification_under_32_clients_while_documents_are_issued(
    server: Server, tmp_path: Path
) -> None:
    stop = threading.Event()
    with ThreadPoolExecutor(1) as issuer:
        issuing = issuer.submit(issue_until, stop, server.services)
        start = time.monotonic()
        run = Run(deadline=start + SECONDS)
        try:
            with ThreadPoolExecutor(CLIENTS) as pool:
                for outcome in [pool.submit(client, server, run) for _ in range(CLIENTS)]:
                    outcome.result()
            seconds = time.monotonic() - start
        finally:
            stop.set()
        numbers = issuing.result()

    assert not run.errors, f"{len(run.errors)} error(s), first: {run.errors[0]}"
    count = len(run.latencies)
    assert count == run.sent and count >= CLIENTS, count
    assert numbers == list(range(1, len(numbers) + 1)) and numbers, numbers
    ms = sorted(1000 * x for x in run.latencies)
    p50 = statistics.median(ms)
    p99 = statistics.quantiles(ms, n=100, method="inclusive")[98]
    record("load", "clients", CLIENTS)
    record("load", "seconds", round(seconds, 1))
    record("load", "requests", count)
    record("load", "errors", len(run.errors))
    record("load", "p50 ms", round(p50))
    record("load", "p99 ms", round(p99))
    record("load", "requests/s", round(count / seconds, 2))
    record("load", "documents issued meanwhile", len(numbers))
