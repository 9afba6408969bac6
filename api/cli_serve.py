"""`hoso serve`: the API and the public verification pages on one uvicorn worker, on loopback
unless told otherwise. Thin: the app is `api.app.create_app` of the usual settings."""

from __future__ import annotations

from typing import Annotated

import typer

from api.console import err, out
from api.settings import get_settings
from docgen.errors import HosoError


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
) -> None:
    """Serve the REST API (OpenAPI docs at /docs) and the verification pages (/v/<mã>)."""
    import uvicorn

    from api.app import create_app, database_registry
    from api.trust import trust_roots

    settings = get_settings()
    try:
        trust_roots(settings)
    except HosoError as exc:  # the service still starts; each verification will say why
        err.print(f"cảnh báo: {exc.message_vi}", markup=False)
    shown_host = f"[{host}]" if ":" in host else host
    base = f"http://{shown_host}:{port}"
    out.print(f"API và tài liệu OpenAPI: {base}/docs", soft_wrap=True)
    out.print(
        f"Trang xác minh: {base}/xac-minh, văn bản: {base}/v/<mã>", markup=False, soft_wrap=True
    )
    out.print(
        f"Mã QR trên văn bản dẫn tới: {settings.verify_url('<mã>')}", markup=False, soft_wrap=True
    )
    out.print("Ctrl+C để dừng.")
    app = create_app(settings, registry=database_registry(settings))
    uvicorn.run(app, host=host, port=port, log_level="info")
