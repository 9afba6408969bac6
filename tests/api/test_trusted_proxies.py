"""The client's address behind a reverse proxy (Settings.trusted_proxies): a sign-in through a
trusted proxy is counted at the address it forwards (X-Forwarded-For); the same header from a
client that is no trusted proxy is ignored, so nobody picks the address their failures are
counted at. Served by uvicorn on loopback as `hoso serve` serves (proxy_headers off: the app
decides)."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from api.registry.db import SignInAttempt
from tests.api.service import Service, running
from tests.signing_setting import Setting

FORWARDED = "203.0.113.7"  # TEST-NET-3 (RFC 5737)


def _failed_sign_in(service: Service, login: str) -> str:
    """The address the failed sign-in of `login` was counted at."""
    with httpx.Client(base_url=service.url, timeout=60) as browser:
        form = browser.get("/dang-nhap").text
        token = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = browser.post(
            "/dang-nhap",
            data={"csrf": token, "login": login, "password": "sai-mat-khau"},
            headers={"X-Forwarded-For": FORWARDED},
        )
        assert r.status_code in (401, 403, 200), r.text
    with service.services.sessions() as session:
        address = session.scalar(
            select(SignInAttempt.address)
            .where(SignInAttempt.login == login)
            .order_by(SignInAttempt.id.desc())
        )
    assert address is not None
    return address


def test_a_trusted_proxy_forwards_the_clients_address(setting: Setting, tmp_path: Path) -> None:
    with running(setting, tmp_path, trusted_proxies="127.0.0.1") as service:
        assert _failed_sign_in(service, "chutich.haiphong") == FORWARDED


def test_a_forwarded_address_from_an_untrusted_client_is_ignored(
    setting: Setting, tmp_path: Path
) -> None:
    # A service of its own: a failure counted at 127.0.0.1 must not crowd the shared one's.
    with running(setting, tmp_path) as service:
        assert _failed_sign_in(service, "chutich.haiphong") == "127.0.0.1"
