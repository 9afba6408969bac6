"""A slow timestamp authority: an HTTP proxy on loopback that waits, then passes each RFC 3161
request to the development TSA and its answer back. The real TSA answers in milliseconds; a
national one on a busy morning takes seconds, and the pages must show progress meanwhile. The
tests that watch a signing job point the service's `tsa_url` here for as long as they need.
Left out: any change to the requests or answers (the signature is as real as ever)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from api.workflow.services import Services


@contextmanager
def slow_tsa(services: Services, *, seconds: float) -> Iterator[str]:
    """`services` timestamp through a TSA that takes `seconds` to answer; yields its URL."""
    real = services.tsa_url

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            asked = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(seconds)
            kind = self.headers.get("Content-Type", "application/timestamp-query")
            answer = httpx.post(real, content=asked, headers={"Content-Type": kind}, timeout=60)
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("content-type", ""))
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: pytest shows what matters

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    services.tsa_url = url
    try:
        yield url
    finally:
        services.tsa_url = real
        server.shutdown()
        server.server_close()
