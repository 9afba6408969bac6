"""`hoso agent`: signing on the signer's own PC with their PKCS#11 token (a CA's USB token;
SoftHSM2 in tests). It fetches the drafts waiting for this signer from the service's JSON API,
shows each one's trích yếu, asks for the PIN here (once for the whole run), prepares each
draft's signature on the server, signs the hash on the token and sends back only the
signature value and the certificate. The PIN and the key never leave the PC.

The agent checks what it signs: the hash it is given must be the SHA-256 of the signed
attributes it is given (the server could not make it sign another hash in their name), and
the certificate it presents is the token's.

Pairing: `hoso agent pair CODE --url …` exchanges the one-time code the Ký số page shows for
the agent's own token (api/workflow/agents.py), saved with the service's address in
`agent.json` in the user's config folder, readable by them only (0600); the signer revokes it
on the Ký số page. HOSO_AGENT_TOKEN, when set, is used instead (a signer's API token, for
scripts).

Left out: showing the draft's pages; a tray icon; keeping the token in the OS keyring.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@dataclass(frozen=True)
class Pairing:
    """What `hoso agent pair` saves on the signer's PC."""

    url: str
    token: str
    login: str


def config_file() -> Path:
    """Where the pairing is kept: agent.json in the user's config folder (XDG_CONFIG_HOME on
    Linux, %APPDATA% on Windows)."""
    return Path(typer.get_app_dir("hoso")) / "agent.json"


def save_pairing(pairing: Pairing, path: Path) -> None:
    """Write `pairing` to `path`, readable by this user only, whole or not at all."""
    import json
    import os

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(vars(pairing), file)
    os.chmod(temporary, 0o600)  # an older file of that name kept its mode through O_CREAT
    os.replace(temporary, path)


def load_pairing(path: Path) -> Pairing | None:
    import json

    from docgen.errors import ConfigError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Pairing(str(data["url"]), str(data["token"]), str(data["login"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path} is damaged: pair again (hoso agent pair CODE --url …)",
            message_vi=f"Tệp {path} bị hỏng: ghép nối lại (hoso agent pair MÃ --url …)",
            field="agent.json",
        ) from exc


def pair(client: httpx.Client, code: str, *, name: str) -> Pairing:
    """Exchange the Ký số page's one-time `code` for this agent's own token."""
    answer = _answer(client.post("/api/agents/pair", json={"code": code, "name": name}))
    return Pairing(str(client.base_url).rstrip("/"), str(answer["token"]), str(answer["login"]))


@contextmanager
def reaching(url: str) -> Iterator[None]:
    """The service that cannot be reached, as one readable error naming its address."""
    import httpx

    try:
        yield
    except httpx.HTTPError as exc:
        raise HosoError(
            f"cannot reach the hoso service at {url}: {exc.__class__.__name__}: {exc}",
            message_vi=f"Không kết nối được dịch vụ hoso tại {url}",
            field="url",
        ) from exc


agent_app = typer.Typer(
    help="Sign on your own PC with your USB token (pair once, then sign what waits).",
    invoke_without_command=True,
)


@agent_app.command("pair")
def pair_command(
    code: Annotated[str, typer.Argument(help="the pairing code the Ký số page shows")],
    url: Annotated[str, typer.Option(help="the hoso service, e.g. https://hoso.example.vn")],
    name: Annotated[str | None, typer.Option(help="this PC's name; default its host name")] = (
        None
    ),
) -> None:
    """Pair this PC with the service once; the agent's token is saved for your user only."""
    import platform

    import httpx

    from api.cli.console import errors, out

    with errors(), reaching(url), httpx.Client(base_url=url, timeout=60) as client:
        pairing = pair(client, code, name=name or platform.node() or "may-ky")
        path = config_file()
        save_pairing(pairing, path)
    out.print(f"Đã ghép nối máy ký với {pairing.url} cho {pairing.login}.", markup=False)
    out.print(f"Mã của máy ký lưu tại {path} (chỉ người dùng này đọc được).", markup=False)


@agent_app.callback()
def command(
    context: typer.Context,
    url: Annotated[
        str | None, typer.Option(help="the hoso service; default the one paired with")
    ] = None,
    token_label: Annotated[str | None, typer.Option("--token", help="the USB token's label")] = (
        None
    ),
    key: Annotated[str | None, typer.Option(help="the label of your key on the token")] = None,
    module: Annotated[
        Path | None, typer.Option(help="the token's PKCS#11 driver; default HOSO_PKCS11_MODULE")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="sign every waiting draft, no question")] = (
        False
    ),
) -> None:
    """Sign the drafts waiting for you with your own USB token, on this PC: only signature
    values and your certificate go to the service (paired with `hoso agent pair`, or
    HOSO_AGENT_TOKEN: your API token)."""
    if context.invoked_subcommand is not None:
        return
    import os
    import sys

    import httpx

    from api.cli.console import errors, out
    from api.settings import get_settings
    from docgen.errors import ConfigError

    with errors():
        api_token = os.environ.get("HOSO_AGENT_TOKEN")
        paired = None if api_token else load_pairing(config_file())
        if not api_token and paired is None:
            raise ConfigError(
                "this PC is not paired: run hoso agent pair CODE --url … with the code the Ký "
                "số page shows (or set HOSO_AGENT_TOKEN to your API token)",
                message_vi="Máy này chưa ghép nối: chạy hoso agent pair MÃ --url … với mã trên "
                "trang Ký số (hoặc đặt HOSO_AGENT_TOKEN là mã truy cập của người ký)",
                field="HOSO_AGENT_TOKEN",
            )
        service = url or (paired.url if paired is not None else None)
        if not service:
            raise ConfigError(
                "--url: the hoso service's address is needed",
                message_vi="Cần --url: địa chỉ dịch vụ hoso",
                field="url",
            )
        if not token_label or not key:
            raise ConfigError(
                "--token and --key: the USB token's label and your key's",
                message_vi="Cần --token (nhãn token USB) và --key (nhãn khóa của bạn)",
                field="token" if not token_label else "key",
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

        bearer = api_token or (paired.token if paired is not None else "")
        headers = {"Authorization": f"Bearer {bearer}"}
        with (
            reaching(service),
            httpx.Client(base_url=service, headers=headers, timeout=180) as client,
        ):
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
