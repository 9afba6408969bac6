"""`hoso agent`: signing on the signer's own PC with their PKCS#11 token (a CA's USB token;
SoftHSM2 in tests). It fetches the drafts waiting for this signer from the service's JSON API,
shows each one's trích yếu, asks for the PIN here (once for the whole run), prepares each
draft's signature on the server, signs the hash on the token and sends back only the
signature value and the certificate. The PIN and the key never leave the PC.

The agent checks what it signs: the hash it is given must be the SHA-256 of the signed
attributes it is given (the server could not make it sign another hash in their name), and
the certificate it presents is the token's.

Left out: pairing with a one-time code and an agent token of its own (the agent uses the
signer's API token, from HOSO_AGENT_TOKEN); showing the draft's pages; a tray icon.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from docgen.errors import HosoError, SigningError

if TYPE_CHECKING:  # httpx is imported by the command only: `hoso` starts fast
    import httpx


@dataclass(frozen=True)
class AgentRun:
    """What one run signed, and what failed with its Vietnamese reason."""

    signed: tuple[int, ...] = ()
    failed: tuple[tuple[int, str], ...] = field(default_factory=tuple)


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = {}
        raise HosoError(
            f"the service refused: HTTP {response.status_code} {body.get('message', '')}",
            message_vi=str(body.get("message_vi") or f"Dịch vụ từ chối: {response.status_code}"),
            field=str(body.get("field", "")),
        )
    return response.json()


def waiting(client: httpx.Client) -> list[dict[str, Any]]:
    """The drafts waiting for this signer."""
    found: list[dict[str, Any]] = _answer(client.get("/api/signatures/waiting"))
    return found


def sign_waiting(
    client: httpx.Client,
    *,
    module: Path,
    token_label: str,
    key_label: str,
    pin: Callable[[], str],
    choose: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] = lambda found: found,
) -> AgentRun:
    """Sign the drafts `choose` keeps of those waiting, with the key on the token; `pin` is
    asked once, after the drafts are shown."""
    from signing import token

    drafts = choose(waiting(client))
    if not drafts:
        return AgentRun()
    signed: list[int] = []
    failed: list[tuple[int, str]] = []
    with token.open_token(
        module, token_label=token_label, key_label=key_label, pin=pin().encode()
    ) as signer:
        assert signer.signing_cert is not None
        certificate = base64.b64encode(signer.signing_cert.dump()).decode()
        chain = [base64.b64encode(c.dump()).decode() for c in signer.cert_registry]
        for draft in drafts:
            try:
                prepared = _answer(
                    client.post(
                        f"/api/documents/{draft['id']}/signature/prepare",
                        json={"certificate": certificate, "chain": chain},
                    )
                )
                attributes = base64.b64decode(prepared["signed_attributes"])
                if hashlib.sha256(attributes).digest() != base64.b64decode(
                    prepared["to_be_signed"]
                ):
                    raise SigningError(
                        "the hash to sign is not that of the signed attributes",
                        message_vi="Mã băm cần ký không khớp dữ liệu ký: không ký",
                        field="to_be_signed",
                    )
                value = asyncio.run(signer.async_sign_raw(attributes, "sha256"))
                _answer(
                    client.post(
                        f"/api/signatures/{prepared['prepared_id']}/finish",
                        json={
                            "certificate": certificate,
                            "signature_value": base64.b64encode(value).decode(),
                        },
                    )
                )
                signed.append(int(draft["id"]))
            except HosoError as exc:
                failed.append((int(draft["id"]), exc.message_vi))
    return AgentRun(tuple(signed), tuple(failed))


def command(
    url: Annotated[str, typer.Option(help="the hoso service, e.g. https://hoso.example.vn")],
    token_label: Annotated[str, typer.Option("--token", help="the USB token's label")],
    key: Annotated[str, typer.Option(help="the label of the signer's key on the token")],
    module: Annotated[
        Path | None, typer.Option(help="the token's PKCS#11 driver; default HOSO_PKCS11_MODULE")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="sign every waiting draft, no question")] = (
        False
    ),
) -> None:
    """Sign the drafts waiting for you with your own USB token, on this PC: only signature
    values and your certificate go to the service (HOSO_AGENT_TOKEN: your API token)."""
    import os
    import sys

    import httpx

    from api.cli.console import errors, out
    from api.settings import get_settings
    from docgen.errors import ConfigError

    with errors():
        api_token = os.environ.get("HOSO_AGENT_TOKEN")
        if not api_token:
            raise ConfigError(
                "set HOSO_AGENT_TOKEN to your API token",
                message_vi="Cần đặt HOSO_AGENT_TOKEN là mã truy cập của người ký",
                field="HOSO_AGENT_TOKEN",
            )

        def choose(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
            if not found:
                out.print("Không có văn bản nào chờ ký.")
                return []
            for draft in found:
                out.print(f"[{draft['id']}] {draft['title']}: {draft['subject']}", markup=False)
            if yes or typer.confirm(f"Ký {len(found)} văn bản trên?"):
                return found
            return []

        def pin() -> str:
            if sys.stdin.isatty():
                text: str = typer.prompt("Mã PIN của token", hide_input=True)
                return text
            return sys.stdin.readline().rstrip("\n")

        headers = {"Authorization": f"Bearer {api_token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=180) as client:
            run = sign_waiting(
                client,
                module=module or get_settings().pkcs11_module,
                token_label=token_label,
                key_label=key,
                pin=pin,
                choose=choose,
            )
    for document_id in run.signed:
        out.print(f"Đã ký văn bản {document_id}.")
    for document_id, why in run.failed:
        out.print(f"Không ký được văn bản {document_id}: {why}", markup=False)
    if run.failed:
        raise typer.Exit(1)
