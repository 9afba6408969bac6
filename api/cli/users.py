"""`hoso users`: the people who work in hoso. `add` makes a user and prints their token once
(the registry keeps only its hash); `certificate` registers a signing certificate to a user,
who may then sign with it and with nothing else; `signature` a signer's own signature image;
`remote-signing` a signer's remote signing service (CSC API)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.console import errors, out
from api.settings import get_settings
from docgen.errors import HosoError, NotFound

users_app = typer.Typer(help="Users, their roles and certificates.", no_args_is_help=True)


@users_app.command("add")
def add(
    login: Annotated[str, typer.Argument(help="the name to sign in with, e.g. vanthu.haiphong")],
    name: Annotated[str, typer.Option(help="full name")],
    role: Annotated[str, typer.Option(help="clerk, signer, van_thu, archivist or admin")],
    body: Annotated[str | None, typer.Option(help="id of the issuing body they work for")] = None,
    email: Annotated[
        str | None, typer.Option(help="where notifications go, e.g. ten@co-quan.example.org")
    ] = None,
) -> None:
    """Add a user and print their API token (shown this once)."""
    from api.workflow.services import build_services
    from api.workflow.users import add_user

    with errors():
        services = build_services(get_settings())
        with services.sessions.begin() as session:
            actor, token = add_user(
                session, login=login, name=name, role=role, body=body, email=email
            )
    out.print(f"Đã thêm {actor.name} ({actor.login}, {actor.role}). Mã truy cập: {token}")


@users_app.command("email")
def email(
    login: Annotated[str, typer.Argument(help="the user")],
    address: Annotated[str, typer.Argument(help="their e-mail address; '' removes it")],
) -> None:
    """Set the e-mail address a user's notifications go to."""
    from api.workflow.services import build_services
    from api.workflow.users import set_email

    with errors():
        services = build_services(get_settings())
        with services.sessions.begin() as session:
            set_email(session, login, address or None)
    out.print(f"Đã đặt địa chỉ thư điện tử cho {login}.", markup=False)


@users_app.command("certificate")
def certificate(
    login: Annotated[str, typer.Argument(help="the user")],
    path: Annotated[Path, typer.Argument(help="their certificate (PEM or DER)")],
) -> None:
    """Register a signing certificate to a user."""
    from asn1crypto import pem, x509

    from api.registry import db
    from api.workflow.users import register_certificate

    with errors():
        if not path.is_file():
            raise NotFound(f"no file at {path}", message_vi=f"Không có tệp {path}", field="path")
        data = path.read_bytes()
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        try:
            cert = x509.Certificate.load(data)
            cert.native  # noqa: B018 - parses the whole certificate now, not on first use
        except ValueError as exc:
            raise HosoError(
                f"{path} is not a certificate",
                field="path",
                message_vi=f"{path} không phải chứng thư số",
            ) from exc
        url = get_settings().database()
        db.upgrade(url)
        with db.session_factory(url).begin() as session:
            register_certificate(session, login, cert)
    out.print(f"Đã đăng ký chứng thư số {cert.subject.human_friendly} cho {login}.", markup=False)


@users_app.command("signature")
def signature(
    login: Annotated[str, typer.Argument(help="the signer")],
    path: Annotated[
        Path, typer.Argument(help="their signature image: PNG, transparent background, blue")
    ],
) -> None:
    """Register a signer's own signature image, shown by every signature they make."""
    from api.registry import db
    from api.workflow.users import register_signature_image

    with errors():
        if not path.is_file():
            raise NotFound(f"no file at {path}", message_vi=f"Không có tệp {path}", field="path")
        url = get_settings().database()
        db.upgrade(url)
        with db.session_factory(url).begin() as session:
            register_signature_image(session, login, path.read_bytes())
    out.print(f"Đã đăng ký ảnh chữ ký cho {login}.", markup=False)


@users_app.command("password")
def password(login: Annotated[str, typer.Argument(help="the user")]) -> None:
    """Set a user's password for the web pages: asked for twice, or one line of standard
    input; never an argument, never stored (only its scrypt hash)."""
    import sys

    from api.workflow.services import build_services
    from api.workflow.users import set_password

    with errors():
        if sys.stdin.isatty():
            text = typer.prompt("Mật khẩu mới", hide_input=True, confirmation_prompt=True)
        else:
            text = sys.stdin.readline().rstrip("\n")
        services = build_services(get_settings())
        with services.sessions.begin() as session:
            set_password(session, login, text)
    out.print(f"Đã đặt mật khẩu cho {login}.", markup=False)


@users_app.command("remote-signing")
def remote_signing(
    login: Annotated[str, typer.Argument(help="the signer")],
    url: Annotated[str, typer.Option(help="the CSC API's base URL (before /csc/v1/)")],
    client_id: Annotated[str, typer.Option(help="hoso's client id at that service")],
    credential: Annotated[str, typer.Option(help="the signer's credential id there")],
) -> None:
    """Register a signer's remote signing service (CSC API v1.0.4.0). The client secret comes
    from HOSO_REMOTE_CLIENT_SECRET, else it is asked for (or one line of standard input):
    never an argument; kept encrypted with the service's secret."""
    import os
    import sys

    from api.workflow import remote_signing as remote
    from api.workflow.services import build_services

    with errors():
        secret = os.environ.get("HOSO_REMOTE_CLIENT_SECRET")
        if not secret:
            if sys.stdin.isatty():
                secret = typer.prompt("Khóa bí mật (client secret)", hide_input=True)
            else:
                secret = sys.stdin.readline().rstrip("\n")
        settings = get_settings()
        services = build_services(settings)
        with services.sessions.begin() as session:
            remote.register_provider(
                session,
                services.link_secret,
                login,
                url=url,
                client_id=client_id,
                client_secret=secret,
                credential_id=credential,
            )
    out.print(f"Đã đăng ký dịch vụ ký số từ xa {url} cho {login}.", markup=False)


DEMO_PASSWORD = "hoso-thu-nghiem"  # the demo users' web password: public test material
DEMO_USERS = (  # login, name (fictional), role, body, PKCS#12 of the development PKI or None
    ("chuyenvien.haiphong", "Nguyễn Thị Lan", "clerk", "ubnd-hai-phong", None),
    ("chutich.haiphong", "Trần Minh Khôi", "signer", "ubnd-hai-phong", "ubnd-hai-phong--chu-tich"),
    ("vanthu.haiphong", "Phạm Thu Hà", "van_thu", "ubnd-hai-phong", "ubnd-hai-phong"),
    ("luutru.haiphong", "Đỗ Minh Châu", "archivist", "ubnd-hai-phong", None),
)


def demo_users() -> list[tuple[str, str]]:
    """The demo's users of UBND thành phố Hải Phòng, one per role, with the test password and
    the development PKI's certificates registered (made once; later runs keep them). Returns
    (login, role) of each."""
    from sqlalchemy import select

    from api.registry.db import User
    from api.workflow.services import build_services
    from api.workflow.users import add_user, register_certificate, set_password
    from signing import pki
    from signing import sign as signing

    settings = get_settings()
    services = build_services(settings)
    certs = settings.data_dir / "pki" / "certs"
    with services.sessions.begin() as session:
        for login, name, role, body, p12 in DEMO_USERS:
            if session.scalar(select(User.id).where(User.login == login)) is not None:
                continue
            add_user(session, login=login, name=name, role=role, body=body)
            set_password(session, login, DEMO_PASSWORD)
            if p12 is not None:
                key = signing.load_pkcs12((certs / f"{p12}.p12").read_bytes(), pki.TEST_PASSPHRASE)
                assert key.signing_cert is not None
                register_certificate(session, login, key.signing_cert)
    return [(login, role) for login, _, role, _, _ in DEMO_USERS]


@users_app.command("list")
def list_users() -> None:
    """List the users: login, name, body (its name, then the code `--body` takes), role, state."""
    from api.workflow.services import build_services
    from api.workflow.user_admin import list_users as listed

    with errors():
        rows = listed(build_services(get_settings()).sessions, None)
    out.print("Tài khoản\tHọ tên\tCơ quan\tMã cơ quan (--body)\tVai trò\tTrạng thái", markup=False)
    for r in rows:
        state = "vô hiệu hóa" if r.disabled_at else "hoạt động"
        body = r.issuing_body_name or r.issuing_body or "—"
        out.print(
            f"{r.login}\t{r.name}\t{body}\t{r.issuing_body or '—'}\t{r.role_vi}\t{state}",
            markup=False,
        )


@users_app.command("role")
def role(
    login: Annotated[str, typer.Argument(help="the user")],
    new_role: Annotated[str, typer.Argument(help="clerk, signer, van_thu, archivist or admin")],
) -> None:
    """Give a user another role (their web sessions end)."""
    from api.workflow.services import build_services
    from api.workflow.user_admin import change_role

    with errors():
        row = change_role(build_services(get_settings()).sessions, None, login, role=new_role)
    out.print(f"Đã đổi vai trò của {row.name}: {row.role_vi}.", markup=False)


@users_app.command("disable")
def disable(login: Annotated[str, typer.Argument(help="the user")]) -> None:
    """Disable a user: all their sessions and their token end at once."""
    from api.workflow.services import build_services
    from api.workflow.user_admin import set_disabled

    with errors():
        row = set_disabled(build_services(get_settings()).sessions, None, login, disabled=True)
    out.print(f"Đã vô hiệu hóa tài khoản {row.name} ({row.login}).", markup=False)


@users_app.command("enable")
def enable(login: Annotated[str, typer.Argument(help="the user")]) -> None:
    """Enable a disabled user again (give them a new token with `hoso users token`)."""
    from api.workflow.services import build_services
    from api.workflow.user_admin import set_disabled

    with errors():
        row = set_disabled(build_services(get_settings()).sessions, None, login, disabled=False)
    out.print(f"Đã kích hoạt lại tài khoản {row.name} ({row.login}).", markup=False)


@users_app.command("token")
def token(login: Annotated[str, typer.Argument(help="the user")]) -> None:
    """Rotate a user's API token: the new one is printed once, the old one stops working."""
    from api.workflow.services import build_services
    from api.workflow.user_admin import rotate_token

    with errors():
        new = rotate_token(build_services(get_settings()).sessions, None, login)
    out.print(f"Mã truy cập mới của {login} (mã cũ đã hết hiệu lực): {new}", markup=False)


@users_app.command("agents")
def agents(
    login: Annotated[str | None, typer.Argument(help="the signer; default everyone")] = None,
) -> None:
    """List the signing agents paired with the service (`hoso agent pair`)."""
    from api.workflow import agents as workflow
    from api.workflow.services import build_services

    with errors():
        rows = workflow.agents(build_services(get_settings()), None, login=login)
    for a in rows:
        state = f"thu hồi {a.revoked_at:%d/%m/%Y %H:%M}" if a.revoked_at else "hoạt động"
        used = f"{a.last_used_at:%d/%m/%Y %H:%M}" if a.last_used_at else "chưa dùng"
        out.print(f"{a.id}\t{a.login}\t{a.name}\t{used}\t{state}", markup=False)


@users_app.command("revoke-agent")
def revoke_agent(agent_id: Annotated[int, typer.Argument(help="the agent's number")]) -> None:
    """Revoke a signing agent: its token stops working at once."""
    from api.workflow import agents as workflow
    from api.workflow.services import build_services

    with errors():
        row = workflow.revoke(build_services(get_settings()), None, agent_id)
    out.print(f"Đã thu hồi máy ký {row.id} ({row.name}) của {row.login}.", markup=False)
