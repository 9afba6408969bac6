"""User administration (quản trị người dùng): list the users, change a role, disable and enable
a user, rotate an API token. The use cases of the admin's API, page and of `hoso users`.

Disabling ends everything at once: the session version moves on (every web session of the
user, copied cookies too, stops working: api/pages/ui.py), the token's hash is dropped (the token
stops working), and sign-in refuses the account until it is enabled again. Rotating a token
replaces its hash: the old one stops working with the commit. Each change is an audit entry.

`actor` None is the operator at the command line (`hoso users`), who holds the data folder and
the database anyway; through the API and the pages only an admin may do these.

Left out: deleting a user (their name stays on the documents and audit entries they made).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, sessionmaker

from api.registry.db import ROLES, AuditEntry, IssuingBody, User
from api.workflow.users import ROLE_VI, Actor, allow, body_name, token_hash
from docgen.errors import Conflict, HosoError, NotFound

__all__ = ["UserRow", "change_role", "list_users", "rotate_token", "set_disabled"]

ACTION_VI = "quản trị người dùng"


@dataclass(frozen=True)
class UserRow:
    """One user as the admin sees them (never their token or password)."""

    login: str
    name: str
    role: str
    role_vi: str
    issuing_body: str | None
    issuing_body_name: str | None
    """The body as a person reads it: "Ủy ban nhân dân thành phố Hải Phòng"."""
    disabled_at: dt.datetime | None
    has_password: bool
    has_token: bool


def _row(user: User) -> UserRow:
    return UserRow(
        login=user.login or str(user.id),
        name=user.name,
        role=user.role,
        role_vi=ROLE_VI[user.role],
        issuing_body=user.issuing_body_id,
        issuing_body_name=(
            body_name(object_session(user), user.issuing_body_id)
            if user.issuing_body_id is not None
            else None
        ),
        disabled_at=user.disabled_at,
        has_password=user.password_hash is not None,
        has_token=user.token_hash is not None,
    )


def _by(actor: Actor | None) -> str:
    if actor is None:
        return "cli"
    allow(actor, ACTION_VI, ("admin",))
    return actor.audit


def _user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login.strip().lower()).with_for_update())
    if user is None:
        raise NotFound(
            f"no user {login!r}", message_vi=f"Không có người dùng {login!r}", field="login"
        )
    return user


def _audit(session: Session, by: str, action: str, user: User, **detail: object) -> None:
    session.add(AuditEntry(actor=by, action=action, detail={"login": user.login, **detail}))


def list_users(sessions: sessionmaker[Session], actor: Actor | None) -> list[UserRow]:
    """Every user, by body then login."""
    _by(actor)
    with sessions() as session:
        session.connection(execution_options={"sqlite_begin": "DEFERRED"})
        users = session.scalars(select(User).order_by(User.issuing_body_id, User.login))
        return [_row(u) for u in users]


def change_role(
    sessions: sessionmaker[Session], actor: Actor | None, login: str, *, role: str
) -> UserRow:
    """Give `login` another role; their sessions end (their pages change with the role)."""
    by = _by(actor)
    if role not in ROLES:
        raise HosoError(
            f"role {role!r}: one of {', '.join(ROLES)}",
            message_vi=f"Vai trò {role!r} không có; chỉ: {', '.join(ROLE_VI.values())}",
            field="role",
        )
    with sessions.begin() as session:
        user = _user(session, login)
        if actor is not None and user.id == actor.id:
            raise Conflict(
                "an admin does not change their own role",
                message_vi="Quản trị viên không tự đổi vai trò của mình",
                field="login",
            )
        if role != "admin" and user.issuing_body_id is None:
            raise HosoError(
                f"{user.login} works for no issuing body: only the admin role fits",
                message_vi=f"{user.name} không thuộc cơ quan nào: chỉ có thể là quản trị",
                field="role",
            )
        if (
            user.issuing_body_id is not None
            and session.get(IssuingBody, user.issuing_body_id) is None
        ):  # pragma: no cover - the foreign key keeps it
            raise NotFound(
                f"no issuing body {user.issuing_body_id}",
                field="body",
                message_vi=f"Không có cơ quan {user.issuing_body_id}",
            )
        before = user.role
        user.role = role  # checked against ROLES above
        user.session_version = (user.session_version or 0) + 1
        _audit(session, by, "user_role", user, before=before, after=role)
        return _row(user)


def set_disabled(
    sessions: sessionmaker[Session], actor: Actor | None, login: str, *, disabled: bool
) -> UserRow:
    """Disable `login` (their sessions and token end now, sign-in is refused) or enable them
    again (they then need a new token: `rotate_token`)."""
    by = _by(actor)
    with sessions.begin() as session:
        user = _user(session, login)
        if actor is not None and user.id == actor.id:
            raise Conflict(
                "an admin does not disable themselves",
                message_vi="Quản trị viên không tự vô hiệu hóa tài khoản của mình",
                field="login",
            )
        if disabled:
            user.disabled_at = dt.datetime.now(dt.UTC)
            user.token_hash = None
            user.session_version = (user.session_version or 0) + 1
        else:
            user.disabled_at = None
        _audit(session, by, "user_disable" if disabled else "user_enable", user)
        return _row(user)


def rotate_token(sessions: sessionmaker[Session], actor: Actor | None, login: str) -> str:
    """A new API token for `login`, shown this once; the old one stops working now."""
    by = _by(actor)
    token = secrets.token_urlsafe(32)
    with sessions.begin() as session:
        user = _user(session, login)
        if user.disabled_at is not None:
            raise Conflict(
                f"{user.login} is disabled: enable them first",
                message_vi=f"Tài khoản {user.login} đang bị vô hiệu hóa: hãy kích hoạt lại trước",
                field="login",
            )
        user.token_hash = token_hash(token)
        _audit(session, by, "token_rotate", user)
    return token
