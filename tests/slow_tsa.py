"""A slow timestamp authority: an HTTP proxy on loopback that passes every request to the
development PKI and its answer back, waiting first when it is an RFC 3161 request. The real TSA
answers in milliseconds; a national one on a busy morning takes seconds, and the pages must
show progress meanwhile. The tests that watch a signing job point the service's `tsa_url` here
(`slow_tsa`), or a whole `hoso serve`'s HOSO_PKI_URL (`slow_pki`), for as long as they need.
Left out: any change to the requests or answers (the signature is as real as ever)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from api.workflow.services import Services
from signing import pki


@contextmanager
def slow_pki(base: str, *, seconds: float) -> Iterator[str]:
    """The PKI at `base`, its TSA taking `seconds` to answer; yields the proxy's base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            asked = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
            if self.command == "POST" and self.path.endswith("/tsa/tsa"):
                time.sleep(seconds)
            kind = self.headers.get("Content-Type")
            answer = httpx.request(
                self.command,
                base + self.path,
                content=asked or None,
                headers={"Content-Type": kind} if kind else {},
                timeout=60,
            )
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("content-type", ""))
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: pytest shows what matters

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def slow_tsa(services: Services, *, seconds: float) -> Iterator[str]:
    """`services` timestamp through a TSA that takes `seconds` to answer; yields its URL."""
    real = services.tsa_url
    base, tail = real.split(f"/{pki.ARCH}/", 1)
    with slow_pki(base, seconds=seconds) as proxy:
        services.tsa_url = f"{proxy}/{pki.ARCH}/{tail}"
        try:
            yield services.tsa_url
        finally:
            services.tsa_url = real
