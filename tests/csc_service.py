"""A remote signing service for tests, written from the CSC API v1.0.4.0 specification: the
keys in SoftHSM2 (tests/softhsm.py), the certificates from the development PKI, served on a
free loopback port by aiohttp in a thread of the test process.

Endpoints (all POST, JSON, under /csc/v1/): `info`, `auth/login` (HTTP Basic with the client
id and secret → bearer token), `credentials/list`, `credentials/info`, `credentials/authorize`
and `signatures/signHash`. The phone confirmation is the asynchronous step the test drives:
`credentials/authorize` checks the PIN (when the credential has one), then answers HTTP 202
with a `transactionID`; the test sees it in `pending()` and calls `confirm(id)` or
`refuse(id)`, or leaves it (a timeout); `credentials/authorize/status` answers 202 while it
waits, the SAD once confirmed, `access_denied` once refused. A SAD is bound to the hashes it
was asked for and used once.

Every request the service receives is kept in `requests` (path, headers, JSON body), so a
test can assert what the hoso server sent: hashes, never a key. TEST MATERIAL ONLY.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pkcs11
from aiohttp import web
from asn1crypto import algos, pem
from pkcs11 import Mechanism, ObjectClass

from tests import softhsm
from tests.conftest import need
from tests.signing_setting import Setting, free_port

if TYPE_CHECKING:
    from tests.api.service import Service

SHA256_RSA = "1.2.840.113549.1.1.11"
SHA256 = "2.16.840.1.101.3.4.2.1"
ENDPOINTS = (
    "info",
    "auth/login",
    "credentials/list",
    "credentials/info",
    "credentials/authorize",
    "credentials/authorize/status",
    "signatures/signHash",
)


@dataclass
class Account:
    """A signer's credential at the service: which key of which token, and its PIN, if any."""

    token: str
    key_label: str
    pin: str | None = None


@dataclass
class Transaction:
    credential: str
    hashes: list[str]
    state: str = "pending"  # "pending", "confirmed", "refused"
    sad: str | None = None
    description: str = ""


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class CSCService:
    pki_folder: Path
    client_id: str
    client_secret: str
    accounts: dict[str, Account]
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    transactions: dict[str, Transaction] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    sads: dict[str, Transaction] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- what the test drives -------------------------------------------------------------

    def pending(self) -> dict[str, Transaction]:
        with self.lock:
            return {k: t for k, t in self.transactions.items() if t.state == "pending"}

    def wait_pending(self, timeout: float = 30.0) -> str:
        """The id of the next confirmation waiting on the "phone"."""
        import time

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.pending()
            if found:
                return next(iter(found))
            time.sleep(0.05)
        raise AssertionError("no confirmation became pending")

    def confirm(self, transaction: str) -> None:
        with self.lock:
            found = self.transactions[transaction]
            found.state, found.sad = "confirmed", secrets.token_urlsafe(16)
            self.sads[found.sad] = found

    def refuse(self, transaction: str) -> None:
        with self.lock:
            self.transactions[transaction].state = "refused"

    # --- the API ---------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        routes = {
            "info": self.info,  # ENDPOINTS, in this order
            "auth/login": self.login,
            "credentials/list": self.credentials_list,
            "credentials/info": self.credentials_info,
            "credentials/authorize": self.authorize,
            "credentials/authorize/status": self.status,
            "signatures/signHash": self.sign_hash,
        }
        for name, handler in routes.items():
            app.router.add_post(f"/csc/v1/{name}", self._recorded(name, handler))
        return app

    def _recorded(self, name: str, handler: Any) -> Any:
        async def handle(request: web.Request) -> web.Response:
            try:
                body = await request.json()
            except ValueError:
                body = {}
            with self.lock:
                self.requests.append(Recorded(name, dict(request.headers), body))
            if name not in ("info", "auth/login"):
                bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
                if bearer not in self.tokens:
                    return _error(401, "invalid_token", "no valid bearer token")
            result: web.Response = await handler(request, body)
            return result

        return handle

    async def info(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        return web.json_response(
            {
                "specs": "1.0.4.0",
                "name": "TEST CSC",
                "authType": ["basic"],
                "methods": [*ENDPOINTS],
            }
        )

    async def login(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        expected = f"{self.client_id}:{self.client_secret}".encode()
        given = request.headers.get("Authorization", "").removeprefix("Basic ")
        if base64.b64decode(given or b"") != expected:
            return _error(401, "invalid_client", "wrong client id or secret")
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": 3600})

    async def credentials_list(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        return web.json_response({"credentialIDs": sorted(self.accounts)})

    async def credentials_info(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        account = self.accounts.get(str(body.get("credentialID")))
        if account is None:
            return _error(400, "invalid_request", "Invalid parameter credentialID")
        chain = [account.key_label, softhsm.CA_LABEL]
        return web.json_response(
            {
                "key": {"status": "enabled", "algo": [SHA256_RSA], "len": 2048},
                "cert": {"status": "valid", "certificates": [self._cert(c) for c in chain]},
                "authMode": "explicit" if account.pin else "oauth2code",
                "SCAL": "2",
                "multisign": 10,
            }
        )

    def _cert(self, label: str) -> str:
        path = self.pki_folder / "certs" / f"{label}.cert.pem"
        return base64.b64encode(pem.unarmor(path.read_bytes())[2]).decode()

    async def authorize(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        credential = str(body.get("credentialID"))
        account = self.accounts.get(credential)
        if account is None:
            return _error(400, "invalid_request", "Invalid parameter credentialID")
        if account.pin is not None and body.get("PIN") != account.pin:
            return _error(400, "invalid_pin", "Invalid PIN")
        hashes = [str(h) for h in body.get("hash", [])]
        if not hashes or int(body.get("numSignatures", 0)) != len(hashes):
            return _error(400, "invalid_request", "numSignatures and hash disagree")
        transaction = secrets.token_urlsafe(12)
        with self.lock:
            self.transactions[transaction] = Transaction(
                credential, hashes, description=str(body.get("description", ""))
            )
        return web.json_response({"transactionID": transaction}, status=202)

    async def status(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        with self.lock:
            found = self.transactions.get(str(body.get("transactionID")))
        if found is None:
            return _error(400, "invalid_request", "Invalid parameter transactionID")
        if found.state == "refused":
            return _error(400, "access_denied", "The user refused the signature")
        if found.state == "pending":
            return web.json_response({"transactionID": body["transactionID"]}, status=202)
        return web.json_response({"SAD": found.sad, "expiresIn": 300})

    async def sign_hash(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        with self.lock:
            transaction = self.sads.pop(str(body.get("SAD")), None)  # a SAD is used once
        hashes = [str(h) for h in body.get("hash", [])]
        if transaction is None:
            return _error(400, "invalid_request", "Invalid SAD")
        if hashes != transaction.hashes or transaction.credential != body.get("credentialID"):
            return _error(400, "invalid_request", "hashes or credential not authorised")
        if body.get("signAlgo") != SHA256_RSA or body.get("hashAlgo") != SHA256:
            return _error(400, "invalid_request", "unsupported signAlgo or hashAlgo")
        account = self.accounts[transaction.credential]
        values = await asyncio.to_thread(self._sign, account, hashes)
        return web.json_response({"signatures": values})

    def _sign(self, account: Account, hashes: list[str]) -> list[str]:
        lib = pkcs11.lib(str(softhsm.MODULE))
        token = lib.get_token(token_label=account.token)
        with token.open(user_pin=softhsm.USER_PIN) as session:
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=account.key_label)
            values = []
            for h in hashes:
                info = algos.DigestInfo(
                    {"digest_algorithm": {"algorithm": "sha256"}, "digest": base64.b64decode(h)}
                )
                raw = key.sign(info.dump(), mechanism=Mechanism.RSA_PKCS)  # type: ignore[attr-defined]
                values.append(base64.b64encode(raw).decode())
            return values


def _error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


@contextmanager
def serve(service: CSCService) -> Iterator[CSCService]:
    """`service` listening on a free loopback port (its `url` set) until the block ends. Its
    event loop lives in its own thread from the start: the test's thread may run a loop of its
    own (Playwright's)."""
    port = free_port()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(service.app())
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30), "the CSC test service did not start"
    service.url = f"http://127.0.0.1:{port}"
    try:
        yield service
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@contextmanager
def registered(
    service: Service,
    setting: Setting,
    folder: Path,
    *,
    token: str,
    labels: Sequence[str],
    client_id: str,
    secret: str,
) -> Iterator[CSCService]:
    """A CSC service whose SoftHSM2 `token` (in `folder`) holds the keys of `labels`, the first
    one the chair's credential "khoi", served and registered in `service`'s registry as
    chutich.haiphong's provider; on leaving, every provider registration is removed, so that
    other modules' pages show no remote signing."""
    from sqlalchemy import delete

    from api.registry.db import RemoteSigning
    from api.workflow import remote_signing

    need(shutil.which("softhsm2-util") is not None, "softhsm2 missing: make setup installs it")
    with softhsm.tokens(folder, setting.folder, {token: list(labels)}):
        accounts = {"khoi": Account(token, labels[0])}
        with serve(CSCService(setting.folder, client_id, secret, accounts)) as running:
            with service.services.sessions.begin() as session:
                remote_signing.register_provider(
                    session,
                    service.services.link_secret,
                    "chutich.haiphong",
                    url=running.url,
                    client_id=client_id,
                    client_secret=secret,
                    credential_id="khoi",
                )
            try:
                yield running
            finally:
                with service.services.sessions.begin() as session:
                    session.execute(delete(RemoteSigning))
