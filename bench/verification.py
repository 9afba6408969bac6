"""Verification throughput: documents per second of in-process `verify_pdf` against the same
verifications through `POST /api/verify` on a real uvicorn on loopback, side by side.

Both sides verify one document with the same concurrency, `CLIENTS` threads: in process, threads
calling `verify_pdf`; over HTTP, clients each with a keep-alive connection to one uvicorn worker
(a process of its own, started with `--factory`), which runs each verification in its thread
pool. Both are therefore bounded by one interpreter's lock; what the HTTP side adds is the
upload (multipart, streamed to a temporary file), the JSON answer and the event loop. The PKI's
OCSP responder and timestamp authority run in a third process, so neither side serves them.

Two documents: the issued Quyết định (B-LT: verified from the validation data it carries) and
the same record sealed for the archive (B-LTA). Then the issued one alone, offline: the median
time of one in-process verification and the wall time of `hoso verify --offline`. Runs
alternate, in-process then HTTP, so that drift in the machine's speed hits both alike.
Targets: HTTP ≥ 70 % of in-process throughput; one file ≤ 300 ms, the command ≤ 1.5 s.

`python bench/verification.py`, or `verification()` from bench/run.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CLIENTS = 4
DOCS = 24  # per run, spread over the clients
ROUNDS = 3
TARGET = 0.70

# The development PKI's services in a process of their own (`hoso pki serve` without the CLI).
PKI_SERVER = """
import logging, sys, threading
from pathlib import Path
from signing import pki
logging.getLogger("werkzeug").setLevel(logging.WARNING)
with pki.serve(pki.load(Path(sys.argv[1])), port=int(sys.argv[2])):
    print("ready", flush=True)
    threading.Event().wait()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def process(args: list[str], *, env: dict[str, str], ready: Callable[[], bool]) -> Iterator[None]:
    """Run `args` until the block ends; wait until `ready()` first."""
    proc = subprocess.Popen(args, env={**os.environ, **env}, cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{args[:4]} did not start (exit code {proc.poll()})")
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def answers(url: str) -> Callable[[], bool]:
    import httpx

    def check() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code < 500
        except httpx.HTTPError:
            return False

    return check


def documents(folder: Path, pki_url: str) -> tuple[bytes, bytes]:
    """The issued Quyết định of UBND TP Hải Phòng and its archived (B-LTA) copy, made with
    the PKI served at `pki_url`."""
    from docgen import generate, inputs, render, stamp
    from docgen.convert import ConverterPool
    from signing import archive, images, issue, pki, sign

    body = inputs.load_bodies(REPO / "samples" / "bodies")["ubnd-hai-phong"]
    arch = pki.load(folder)
    chair = body.signers[0]
    ctx = dict(generate.sample_contexts()["quyet-dinh.docx"])
    ctx["signer"] = {"authority": chair.authority, "title": chair.title, "name": chair.name}
    ctx["body"] = {**ctx["body"], "header_name": body.name.upper()}  # the seal's body
    with ConverterPool(size=1) as pool:
        draft = stamp.stamp(pool.convert(render.render("quyet-dinh.docx", generate.on_page(ctx))))
    certs = folder / "certs"
    context = sign.validation_context([pki.root_certificate(arch)])
    tsa = pki.service_urls(pki_url)["tsa"]
    signed = sign.sign_draft(
        draft,
        sign.load_pkcs12((certs / f"{body.id}--{chair.id}.p12").read_bytes(), pki.TEST_PASSPHRASE),
        signature=images.signature_image(images.signature_png(chair.name)),
        placement=sign.find_placement(draft, title=chair.title, name=chair.name),
        tsa_url=tsa,
        context=context,
    )
    issued = issue.issue(
        signed,
        sign.load_pkcs12((certs / f"{body.id}.p12").read_bytes(), pki.TEST_PASSPHRASE),
        number=6,
        day=dt.date(2026, 12, 5),
        seal_image=images.seal_image(images.seal_png(body.name)),
        tsa_url=tsa,
        context=context,
    )
    return issued, archive.seal_for_archive(issued, tsa_url=tsa, context=context)


def docs_per_second(run_one: Callable[[], Any]) -> float:
    """`DOCS` calls of `run_one` from `CLIENTS` threads; documents per second."""
    with ThreadPoolExecutor(CLIENTS) as pool:
        start = time.perf_counter()
        list(pool.map(lambda _: run_one(), range(DOCS)))
        return DOCS / (time.perf_counter() - start)


def verification() -> None:
    import threading

    import httpx
    from asn1crypto import pem

    from docgen import inputs
    from signing import pki
    from signing.verify import Indication, verify_pdf

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    bodies_dir = REPO / "samples" / "bodies"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        pki_port, api_port = free_port(), free_port()
        pki_url = f"http://127.0.0.1:{pki_port}"
        body = inputs.load_bodies(bodies_dir)["ubnd-hai-phong"]
        arch = pki.init(data / "pki", {body.id: body}, url=pki_url)
        roots_dir = data / "roots"
        roots_dir.mkdir()
        root = pki.root_certificate(arch)
        (roots_dir / "root.pem").write_bytes(pem.armor("CERTIFICATE", root.dump()))
        env = {
            "HOSO_DATA_DIR": str(data),
            "HOSO_TRUST_ROOTS_DIR": str(roots_dir),
            "HOSO_PKI_URL": pki_url,
        }
        base = f"http://127.0.0.1:{api_port}"
        with process(
            [sys.executable, "-c", PKI_SERVER, str(data / "pki"), str(pki_port)],
            env=env,
            ready=answers(pki.service_urls(pki_url)["crl"]),
        ):
            issued, archived = documents(data / "pki", pki_url)
            uvicorn = [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:app_from_env",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(api_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ]
            with process(uvicorn, env=env, ready=answers(f"{base}/openapi.json")):
                local = threading.local()

                def client() -> httpx.Client:
                    if not hasattr(local, "client"):
                        local.client = httpx.Client(base_url=base, timeout=300)
                    c: httpx.Client = local.client
                    return c

                rows = []
                for label, pdf in (
                    ("issued QĐ, B-LT", issued),
                    ("archived QĐ, B-LTA (offline)", archived),
                ):

                    def in_process(pdf: bytes = pdf) -> None:
                        report = verify_pdf(pdf, [root])
                        assert report.indication is Indication.TOTAL_PASSED, report.message

                    def over_http(pdf: bytes = pdf) -> None:
                        r = client().post(
                            "/api/verify", files={"file": ("qd.pdf", pdf, "application/pdf")}
                        )
                        assert r.status_code == 200, r.text
                        assert r.json()["indication"] == "TOTAL_PASSED", r.json()["message"]

                    in_process()  # warm-up: imports, the first OCSP answer, the roots
                    for _ in range(CLIENTS):
                        over_http()
                    local_runs, http_runs = [], []
                    for _ in range(ROUNDS):
                        local_runs.append(docs_per_second(in_process))
                        http_runs.append(docs_per_second(over_http))
                    rows.append(
                        (
                            label,
                            len(pdf),
                            statistics.median(local_runs),
                            statistics.median(http_runs),
                        )
                    )
            single = one_file(issued, root, env=env, folder=data)
    print(
        f"\nverification, {CLIENTS} concurrent threads or clients, {DOCS} documents × "
        f"{ROUNDS} runs, alternating (median)"
    )
    print(f"{'document':<34}{'KiB':>6}{'in-process':>12}{'HTTP':>9}{'HTTP/in-proc':>14}")
    for label, size, local_rate, http_rate in rows:
        print(
            f"{label:<34}{size / 1024:>6.0f}{local_rate:>10.2f}/s{http_rate:>7.2f}/s"
            f"{http_rate / local_rate:>13.0%}"
        )
    worst = min(h / loc for _, _, loc, h in rows)
    print(f"HTTP throughput / in-process: {worst:.0%} at worst (target ≥ {TARGET:.0%})")
    in_process_ms, cli_s = single
    print(
        f"the issued QĐ alone, offline: {in_process_ms:.0f} ms per file in process "
        f"(target ≤ {FILE_TARGET_MS} ms), `hoso verify --offline` {cli_s:.2f} s wall "
        f"(target ≤ {CLI_TARGET_S} s)"
    )


FILE_TARGET_MS = 300
CLI_TARGET_S = 1.5


def one_file(pdf: bytes, root: Any, *, env: dict[str, str], folder: Path) -> tuple[float, float]:
    """The issued file verified offline one at a time: the median of 7 in-process runs (ms)
    and of 3 runs of the `hoso verify --offline` command, start to exit (s)."""
    from signing.verify import verify_pdf

    times = []
    for _ in range(7):
        start = time.perf_counter()
        assert verify_pdf(pdf, [root], online=False).passed
        times.append((time.perf_counter() - start) * 1000)
    path = folder / "issued.pdf"
    path.write_bytes(pdf)
    hoso = str(Path(sys.executable).parent / "hoso")
    walls = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [hoso, "verify", "--offline", str(path)],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        walls.append(time.perf_counter() - start)
    return statistics.median(times), statistics.median(walls)


if __name__ == "__main__":
    verification()
