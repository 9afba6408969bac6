"""`hoso serve`: the whole service (the pages, the JSON API, public verification, recipients'
links) under uvicorn, on loopback unless told otherwise, in one process or `--workers N`
sharing the registry. Thin: each worker builds its app with `api.app:app_from_env`, the one
way the service is assembled, so what runs here is what the tests run."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.console import err, errors, out
from api.settings import get_settings
from docgen.errors import HosoError

APP = "api.app:app_from_env"


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="processes serving requests (one registry)")
    ] = 1,
) -> None:
    """Serve the web pages (/dang-nhap), the REST API (/docs), the verification pages
    (/v/<mã>) and the recipients' links (/r/<mã>)."""
    import uvicorn

    from api.registry import db
    from api.routes import json_log, request_id
    from api.workflow.trust import trust_roots

    settings = get_settings()
    with errors():
        # Once, before any worker starts: a wrong database URL stops here with one line, and
        # SQLite is switched to write-ahead logging, which several workers need.
        db.upgrade(settings.database())
    try:
        trust_roots(settings)
    except HosoError as exc:  # the service still starts; each verification will say why
        err.print(f"cảnh báo: {exc.message_vi}", markup=False, soft_wrap=True)
    shown_host = f"[{host}]" if ":" in host else host
    base = f"http://{shown_host}:{port}"
    out.print(f"API và tài liệu OpenAPI: {base}/docs", soft_wrap=True)
    out.print(
        f"Trang xác minh: {base}/xac-minh, văn bản: {base}/v/<mã>", markup=False, soft_wrap=True
    )
    out.print(
        f"Mã QR trên văn bản dẫn tới: {settings.verify_url('<mã>')}", markup=False, soft_wrap=True
    )
    out.print(f"Giao diện web: {base}/dang-nhap", soft_wrap=True)
    out.print(f"Kiểm tra dịch vụ: {base}/healthz, {base}/readyz", soft_wrap=True)
    runs = (
        "các tiến trình này chạy việc nền"
        if settings.queue_embedded
        else "việc nền do `hoso worker` chạy"
    )
    out.print(
        f"Hàng đợi việc: {db.shown_url(settings.queue())} ({runs})", markup=False, soft_wrap=True
    )
    out.print("Ctrl+C để dừng.")
    uvicorn.run(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The app decides whom to believe (Settings.trusted_proxies), not uvicorn's default
        # (which trusts 127.0.0.1's X-Forwarded-For).
        proxy_headers=False,
        log_config=json_log.log_config()
        if settings.log_format == "json"
        else request_id.log_config(),
        log_level="info",
    )
