"""Who may do what: users, their API tokens, the certificates registered to them, and the one
permission check of the workflow.

A user has one role and works for one issuing body. Their token is random and shown once; the
registry keeps only its SHA-256, so a copy of the database opens no account. Roles:

    clerk      chuyên viên: imports and scores assessments, generates dossiers
    signer     người ký (Chủ tịch, Phó Chủ tịch): signs drafts of their body, with their own
               registered certificate only
    van_thu    văn thư: issues signed documents (số, ngày, the organisation's signature) with
               the body's certificate registered to them, revokes and replaces, sends
    archivist  lưu trữ: exports the archive
    admin      manages users; does none of the above (so no one account can do everything)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace

from asn1crypto import x509
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.registry.db import ROLES, AgentToken, IssuingBody, Role, SignerCertificate, User
from docgen import vn
from docgen.errors import ConfigError, Conflict, Forbidden, HosoError, NotFound, Unauthenticated

ROLE_VI: dict[str, str] = {
    "clerk": "chuyên viên",
    "signer": "người ký",
    "van_thu": "văn thư",
    "archivist": "lưu trữ",
    "admin": "quản trị",
}
_LOGIN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Actor:
    """The user making a request, as the workflow sees them."""

    id: int
    login: str
    name: str
    role: Role
    body: str | None
    agent: int | None = None
    """The signing agent whose token the request carries (api/workflow/agents.py); None: the
    user themselves."""

    @property
    def audit(self) -> str:
        """How the audit log names them: "user:vanthu.haiphong"."""
        return f"user:{self.login}"

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.login or str(user.id), user.name, user.role, user.issuing_body_id)


def allow(
    actor: Actor,
    action: str,
    roles: tuple[Role, ...],
    *,
    body: str | None = None,
    session: Session | None = None,
) -> None:
    """Refuse with Forbidden unless `actor` has one of `roles` and, when `body` is given, works
    for that issuing body; with `session`, the refusal names the bodies by their names."""
    if actor.role not in roles:
        allowed = ", ".join(ROLE_VI[r] for r in roles)
        raise Forbidden(
            f"the role {actor.role} may not do this ({action}); only: {', '.join(roles)}",
            message_vi=f"Vai trò {ROLE_VI[actor.role]} không được {action}; chỉ {allowed}",
            field="role",
        )
    if body is not None and actor.body != body:
        theirs = body_name(session, actor.body) if actor.body else "không cơ quan nào"
        raise Forbidden(
            f"{actor.login} works for '{actor.body}', not for '{body}'",
            message_vi=f"{actor.name} ({theirs}) không thuộc {body_name(session, body)}: "
            f"không được {action}",
            field="issuing_body",
        )


def body_name(session: Session | None, body: str) -> str:
    """How a person reads an issuing body: its name in the registry ("Ủy ban nhân dân thành phố
    Hải Phòng"); its code, quoted, only when the registry does not know it (or is not at hand)."""
    found = session.get(IssuingBody, body) if session is not None else None
    return found.name if found is not None else f"'{body}'"


_EMAIL = re.compile(r"[^@\s<>\"(),;:]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9-]+)+")


def checked_email(value: str) -> str:
    """An e-mail address as hoso keeps it (trimmed, domain in lowercase), or HosoError naming
    `email`."""
    text = value.strip()
    local, _, domain = text.rpartition("@")
    text = f"{local}@{domain.lower()}"
    if len(text) > 320 or not _EMAIL.fullmatch(text):
        raise HosoError(
            f"email {value!r}: not an e-mail address (name@domain)",
            message_vi=f"Địa chỉ thư điện tử {value!r} không hợp lệ (tên@tên-miền)",
            field="email",
        )
    return text


def set_email(session: Session, login: str, email: str | None) -> None:
    """Give user `login` the address notifications go to; None removes it."""
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(
            f"no user {login!r}", message_vi=f"Không có người dùng {login!r}", field="login"
        )
    user.email = checked_email(email) if email is not None else None


def add_user(
    session: Session,
    *,
    login: str,
    name: str,
    role: str,
    body: str | None,
    email: str | None = None,
) -> tuple[Actor, str]:
    """A new user and their token (shown once, never stored); `email` is where notifications
    go (api/workflow/notify.py)."""
    address = checked_email(email) if email is not None else None
    login = login.strip().lower()
    if not _LOGIN.fullmatch(login):
        raise HosoError(
            f"login {login!r}: use 2–64 lowercase letters, digits, '.', '_' or '-'",
            message_vi="Tên đăng nhập chỉ gồm chữ thường không dấu, số, '.', '_' hoặc '-'",
            field="login",
        )
    if role not in ROLES:
        raise HosoError(
            f"role {role!r}: one of {', '.join(ROLES)}",
            field="role",
            message_vi=f"Vai trò {role!r} không có; chỉ: {', '.join(ROLE_VI.values())}",
        )
    if body is None and role != "admin":
        raise HosoError(
            "every user but an admin works for an issuing body",
            field="body",
            message_vi="Mọi người dùng, trừ quản trị viên, phải thuộc một cơ quan",
        )
    if body is not None and session.get(IssuingBody, body) is None:
        raise ConfigError(
            f"unknown issuing body '{body}'", field="body", message_vi=f"Không có cơ quan '{body}'"
        )
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise Conflict(f"login {login!r} is taken", message_vi="Tên đăng nhập đã có", field="login")
    token = secrets.token_urlsafe(32)
    user = User(login=login, name=vn.nfc(name), role=role, issuing_body_id=body, email=address)
    user.token_hash = token_hash(token)
    session.add(user)
    session.flush()
    return Actor.of(user), token


def authenticate(session: Session, token: str | None) -> Actor:
    """The user whose token this is; Unauthenticated otherwise."""
    if token:
        user = session.scalar(select(User).where(User.token_hash == token_hash(token)))
        if user is not None and user.disabled_at is None:
            return Actor.of(user)
        found = _agent(session, token)
        if found is not None:
            return found
    raise Unauthenticated(
        "a valid token is needed (Authorization: Bearer …)",
        message_vi="Cần đăng nhập (mã truy cập không hợp lệ hoặc thiếu)",
        field="authorization",
    )


def _agent(session: Session, token: str) -> Actor | None:
    """The signer whose paired agent holds `token` (`Actor.agent` set), unless the agent is
    revoked or the signer disabled; when it was last used is noted (once a minute at most)."""
    found = session.execute(
        select(AgentToken, User)
        .join(User, User.id == AgentToken.user_id)
        .where(AgentToken.token_hash == token_hash(token))
    ).first()
    if found is None:
        return None
    agent, user = found
    if agent.revoked_at is not None or user.disabled_at is not None:
        return None
    moment = dt.datetime.now(dt.UTC)
    last = agent.last_used_at
    if last is None or moment - last > _NOTED:
        session.execute(
            update(AgentToken).where(AgentToken.id == agent.id).values(last_used_at=moment)
        )
        session.commit()
    return replace(Actor.of(user), agent=agent.id)


_NOTED = dt.timedelta(minutes=1)


def certificate_sha256(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.dump()).hexdigest()


def register_certificate(session: Session, login: str, certificate: x509.Certificate) -> None:
    """Register `certificate` to the user `login`: they may sign only with what is theirs."""
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(
            f"no user {login!r}", message_vi=f"Không có người dùng {login!r}", field="login"
        )
    digest = certificate_sha256(certificate)
    if session.scalar(select(SignerCertificate).where(SignerCertificate.sha256 == digest)):
        raise Conflict(
            "this certificate is registered already",
            message_vi="Chứng thư số này đã được đăng ký",
            field="certificate",
        )
    session.add(
        SignerCertificate(
            user_id=user.id,
            sha256=digest,
            subject=certificate.subject.human_friendly,
            not_after=certificate.not_valid_after,
        )
    )
    session.flush()


def register_signature_image(session: Session, login: str, png: bytes) -> None:
    """Keep `png` as the signer `login`'s own signature image, once it passes ND 30's checks
    (signing.images.signature_image); every signature they make shows it."""
    from signing import images

    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(
            f"no user {login!r}", message_vi=f"Không có người dùng {login!r}", field="login"
        )
    if user.role != "signer":
        raise HosoError(
            f"{login} is not a signer ({user.role}): only signers have a signature image",
            message_vi=f"{user.name} không phải người ký: chỉ người ký mới có ảnh chữ ký",
            field="login",
        )
    images.signature_image(png)
    user.signature_png = png
    session.flush()


def require_own_certificate(session: Session, actor: Actor, certificate: x509.Certificate) -> None:
    """Refuse a certificate that is not registered to `actor` (signing for someone else)."""
    digest = certificate_sha256(certificate)
    owner = session.scalar(
        select(SignerCertificate.user_id).where(SignerCertificate.sha256 == digest)
    )
    if owner != actor.id:
        raise Forbidden(
            f"the certificate of {certificate.subject.human_friendly!r} is not registered to "
            f"{actor.login}",
            message_vi=f"Chứng thư số này không được đăng ký cho {actor.name}",
            field="certificate",
        )


# scrypt parameters (RFC 7914's interactive ones): about 50 ms and 16 MiB per check. hashlib's
# scrypt is the standard library's; no password library is needed for one function.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
PASSWORD_MIN = 10


def password_hash(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def set_password(session: Session, login: str, password: str) -> None:
    """Give `login` a web password (at least PASSWORD_MIN characters); only its hash is kept."""
    if len(password) < PASSWORD_MIN:
        raise HosoError(
            f"the password needs at least {PASSWORD_MIN} characters",
            message_vi=f"Mật khẩu cần ít nhất {PASSWORD_MIN} ký tự",
            field="password",
        )
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None:
        raise NotFound(
            f"no user {login!r}", message_vi=f"Không có người dùng {login!r}", field="login"
        )
    user.password_hash = password_hash(password)
    user.session_version = (user.session_version or 0) + 1  # sessions of the old password end


def end_sessions(session: Session, user_id: int) -> None:
    """End every web session of the user (signing out): the cookies of each, copies included,
    no longer sign anyone in."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_version = (user.session_version or 0) + 1


def sign_in(session: Session, login: str, password: str) -> Actor:
    """The user with this login and password; Unauthenticated (the same for both) otherwise."""
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    stored = user.password_hash if user is not None else None
    ok = False
    if stored is not None and stored.startswith("scrypt$"):
        _, salt, digest = stored.split("$")
        given = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT, dklen=32)
        ok = hmac.compare_digest(given.hex(), digest)
    else:  # the same work for an unknown login: its absence does not show in the timing
        hashlib.scrypt(password.encode(), salt=b"0" * 16, **_SCRYPT, dklen=32)
    if not ok or user is None:
        raise Unauthenticated(
            "wrong login or password",
            message_vi="Sai tên đăng nhập hoặc mật khẩu",
            field="password",
        )
    if user.disabled_at is not None:
        raise Unauthenticated(
            "this account is disabled: ask the administrator",
            message_vi="Tài khoản đã bị vô hiệu hóa: liên hệ quản trị viên",
            field="login",
        )
    return Actor.of(user)


def link_token(secret: bytes, document_id: int, line: int) -> str:
    """The token of a recipient's personal link: unguessable without the service's secret, and
    the same each time, so the văn thư can show a link again."""
    mac = hmac.new(secret, f"recipient:{document_id}:{line}".encode(), hashlib.sha256)
    return mac.hexdigest()[:40]
