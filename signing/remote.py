"""Keys held by a remote signing service (adapter): the signer's certificate, and signature
values for prepared signatures (signing/external.py), confirmed by the signer where the key is.

`RemoteKey` is the one small port the workflow knows: `credential()` (the certificate and its
chain) and `sign(...)` (one value per prepared signature, all under one confirmation). `CSCKey`
implements it for the Cloud Signature Consortium API v1.0.4.0 with pyHanko's `CSCSigner` (one
`signatures/signHash` with every hash of a batch) behind an authorization manager that waits
for the signer's confirmation: `credentials/authorize` answers either the SAD at once, or HTTP
202 with a `transactionID` that `credentials/authorize/status` is polled with (the shape of the
phone confirmation of VNPT SmartCA, Viettel MySign and the like; CSC v1 leaves the wait to the
vendor). A provider of another shape (VNPT SmartCA's own transaction API) is another class with
the same two methods; the workflow does not change.

Errors: a refusal on the phone is SignatureRefused, no confirmation in time ConfirmationTimeout,
a wrong PIN or OTP KeyUnavailable (field "pin" or "otp"), a service that does not answer or
answers nonsense SigningError; each with its Vietnamese message. The client secret and the PIN
are never part of a message.

Left out: OAuth2 authorization-code flows (the provider's own consent page): the service logs
in with its client id and secret (`auth/login`, HTTP Basic), as CSC v1 allows.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from asn1crypto import x509
from pyhanko.sign.signers import csc_signer
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationInfo,
    CSCAuthorizationManager,
    CSCCredentialInfo,
    CSCServiceSessionInfo,
    CSCSigner,
)

from docgen.errors import ConfirmationTimeout, KeyUnavailable, SignatureRefused, SigningError

DIGEST = "sha256"


@dataclass(frozen=True)
class Credential:
    """The signer's certificate at the provider, and the CA certificates that go with it."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


class RemoteKey(Protocol):
    """A key the server never holds: where it is, the signer confirms each use."""

    def credential(self) -> Credential:
        """The certificate of the key (and its chain), as the provider has it now."""
        ...

    def sign(
        self,
        data: Sequence[bytes],
        *,
        description: str,
        pin: str | None = None,
        otp: str | None = None,
    ) -> list[bytes]:
        """Signature values (SHA-256, the key's usual padding) of each of `data` (the signed
        attributes of prepared signatures), all under one confirmation by the signer, in the
        same order. `description` is what the signer's phone shows."""
        ...


@dataclass(frozen=True)
class CSCProvider:
    """How to reach a CSC service for one signer (registered per user:
    api/workflow/remote_signing.py)."""

    url: str
    """Base URL: the part before /csc/v1/…"""
    client_id: str
    client_secret: str = field(repr=False)
    credential_id: str
    """The signer's credential at the service."""
    confirm_timeout: float = 120.0
    """Seconds the signer has to confirm on their phone."""
    poll_interval: float = 1.0
    """Seconds between two questions about a pending confirmation."""


_WRONG = {
    "invalid_pin": ("pin", "wrong PIN", "Sai mã PIN của dịch vụ ký số"),
    "invalid_otp": ("otp", "wrong OTP", "Sai mã OTP của dịch vụ ký số"),
}


def _refusal(status: int, body: dict[str, Any]) -> SigningError:
    error = str(body.get("error", ""))
    text = str(body.get("error_description", ""))[:200]
    if error in _WRONG:
        where, message, message_vi = _WRONG[error]
        return KeyUnavailable(message, message_vi=message_vi, field=where)
    if error == "access_denied":
        return SignatureRefused(
            "the signer refused the signature on their phone",
            message_vi="Người ký đã từ chối ký trên ứng dụng ký số",
            field="confirmation",
        )
    if error == "expired_token":
        return _timeout()
    return SigningError(
        f"the signing service refused: HTTP {status} {error} {text}".strip(),
        message_vi=f"Dịch vụ ký số từ chối: HTTP {status} {error} {text}".strip(),
        field="provider",
    )


def _timeout() -> ConfirmationTimeout:
    return ConfirmationTimeout(
        "the signer did not confirm on their phone in time",
        message_vi="Hết thời gian chờ xác nhận trên ứng dụng ký số: chưa ký, hãy thử lại",
        field="confirmation",
    )


class _Client:
    """One conversation with the service: the token, then the calls, each checked."""

    def __init__(self, provider: CSCProvider, session: aiohttp.ClientSession) -> None:
        self.provider = provider
        self.session = session
        self.token: str | None = None

    def info(self) -> CSCServiceSessionInfo:
        return CSCServiceSessionInfo(
            self.provider.url.rstrip("/"), self.provider.credential_id, oauth_token=self.token
        )

    async def call(self, endpoint: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        url = self.info().endpoint_url(endpoint)  # type: ignore[no-untyped-call]
        headers = self.info().auth_headers
        if endpoint == "auth/login":
            secret = f"{self.provider.client_id}:{self.provider.client_secret}"
            headers = {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
        try:
            async with self.session.post(url, json=body, headers=headers) as response:
                data = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SigningError(
                f"the signing service at {self.provider.url} does not answer: {exc}",
                message_vi=f"Không kết nối được dịch vụ ký số {self.provider.url}: {exc}",
                field="provider",
            ) from exc
        if not isinstance(data, dict):
            data = {}
        if status >= 400:
            raise _refusal(status, data)
        return status, data

    async def login(self) -> None:
        _, data = await self.call("auth/login", {"rememberMe": False})
        self.token = str(data.get("access_token", "")) or None

    async def credential(self) -> CSCCredentialInfo:
        _, data = await self.call(
            "credentials/info",
            {"credentialID": self.provider.credential_id, "certificates": "chain"},
        )
        try:
            return csc_signer._process_certificate_info_response(data)
        except Exception as exc:  # pyHanko's SigningError, not ours
            raise SigningError(
                f"the signing service's credential is unusable: {exc}",
                message_vi=f"Thông tin chứng thư số từ dịch vụ ký số không dùng được: {exc}",
                field="provider",
            ) from exc


class _ConfirmedAuthorization(CSCAuthorizationManager):
    """SAD for the batch's hashes, once the signer confirms: polls a pending transaction until
    it is confirmed, refused, or the time is up."""

    def __init__(
        self,
        client: _Client,
        credential: CSCCredentialInfo,
        *,
        description: str,
        pin: str | None,
        otp: str | None,
    ) -> None:
        super().__init__(client.info(), credential)
        self.client, self.description, self.pin, self.otp = client, description, pin, otp

    async def authorize_signature(self, hash_b64s: list[str]) -> CSCAuthorizationInfo:
        provider = self.client.provider
        request = self.format_csc_auth_request(
            pin=self.pin, otp=self.otp, hash_b64s=hash_b64s, description=self.description
        )
        status, data = await self.client.call("credentials/authorize", request)
        deadline = time.monotonic() + provider.confirm_timeout
        while status == 202:
            if time.monotonic() >= deadline:
                raise _timeout()
            await asyncio.sleep(provider.poll_interval)
            status, data = await self.client.call(
                "credentials/authorize/status", {"transactionID": data.get("transactionID")}
            )
        if "SAD" not in data:
            raise SigningError(
                "the signing service gave no SAD", message_vi="Dịch vụ ký số không trả SAD"
            )
        return self.parse_csc_auth_response(data)


class CSCKey:
    """A RemoteKey at a CSC API v1.0.4.0 service."""

    def __init__(self, provider: CSCProvider) -> None:
        self.provider = provider

    def credential(self) -> Credential:
        async def run() -> CSCCredentialInfo:
            async with aiohttp.ClientSession(timeout=_timeout_of(self.provider)) as session:
                client = _Client(self.provider, session)
                await client.login()
                return await client.credential()

        info = asyncio.run(run())
        return Credential(info.signing_cert, tuple(info.chain))

    def sign(
        self,
        data: Sequence[bytes],
        *,
        description: str,
        pin: str | None = None,
        otp: str | None = None,
    ) -> list[bytes]:
        async def run() -> list[bytes]:
            async with aiohttp.ClientSession(timeout=_timeout_of(self.provider)) as session:
                client = _Client(self.provider, session)
                await client.login()
                info = await client.credential()
                if len(data) > info.max_batch_size:
                    raise SigningError(
                        f"the service signs at most {info.max_batch_size} documents at once",
                        message_vi=f"Dịch vụ ký số chỉ ký tối đa {info.max_batch_size} văn bản "
                        "một lần",
                        field="document_ids",
                    )
                manager = _ConfirmedAuthorization(
                    client, info, description=description, pin=pin, otp=otp
                )
                # One signHash for the whole batch: CSCSigner commits when the batch is full.
                signer = CSCSigner(session, manager, batch_size=len(data))
                results = await asyncio.gather(
                    *(signer.async_sign_raw(d, DIGEST) for d in data), return_exceptions=True
                )
            ours = [r for r in results if isinstance(r, SigningError)]
            if ours:  # the confirmation's own error, for every document of the batch
                raise ours[0]
            failed = [r for r in results if isinstance(r, BaseException)]
            if failed:
                raise SigningError(
                    f"the signing service did not sign: {failed[0]}",
                    message_vi=f"Dịch vụ ký số không ký được: {failed[0]}",
                    field="provider",
                ) from failed[0]
            return [r for r in results if isinstance(r, bytes)]

        return asyncio.run(run())


def _timeout_of(provider: CSCProvider) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=max(30.0, provider.poll_interval * 5))
