"""Signing agents (`hoso agent`) paired with the service, each with a token of its own.

A signer asks the Ký số page for a pairing code: short (8 letters and digits, no look-alikes),
valid `PAIRING_TTL` and once; only its SHA-256 is kept. `hoso agent pair CODE` on the signer's
PC exchanges it for the agent's token, random and shown once (the registry keeps its SHA-256),
which `users.authenticate` accepts as the signer with `Actor.agent` set: the routes let such an
actor only fetch the drafts waiting for the signer and prepare and finish their signatures
(api/routes/deps.py, `AgentActorDep`). The signer and an administrator list the agents and
revoke them; a revoked token fails its very next request.

Left out: limiting how often codes may be tried (a code has 40 bits and lives ten minutes);
naming which draft each agent signed (the audit entry names the signer and the certificate).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from api.registry.db import AgentPairing, AgentToken, AuditEntry, User
from api.workflow.services import Services
from api.workflow.users import Actor, allow, token_hash
from docgen.errors import Forbidden, HosoError, NotFound, Unauthenticated

PAIRING_TTL = dt.timedelta(minutes=10)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand
CODE_LENGTH = 8


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Pairing:
    """A pairing code as the Ký số page shows it: "ABCD-EFGH", until `expires_at`."""

    code: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class AgentView:
    """A paired agent, as the signer and an administrator see it."""

    id: int
    login: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _code_hash(code: str) -> str:
    letters = "".join(c for c in code.upper() if c.isalnum())
    return hashlib.sha256(f"pairing:{letters}".encode()).hexdigest()


def pairing_code(svc: Services, actor: Actor, *, at: dt.datetime | None = None) -> Pairing:
    """A new one-time code with which the signer's `hoso agent` pairs (valid PAIRING_TTL)."""
    allow(actor, "ghép nối máy ký", ("signer",))
    if actor.agent is not None:
        raise agent_only()
    letters = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    expires = (at or now()) + PAIRING_TTL
    with svc.sessions.begin() as session:
        session.add(
            AgentPairing(code_hash=_code_hash(letters), user_id=actor.id, expires_at=expires)
        )
    return Pairing(f"{letters[:4]}-{letters[4:]}", expires)


def pair(
    svc: Services, code: str, *, name: str, at: dt.datetime | None = None
) -> tuple[str, Actor]:
    """The agent's token (shown this once) for a valid, unused, unexpired `code`; the code is
    then used up. Unauthenticated, the same for every reason, otherwise."""
    label = " ".join(name.split())[:128]
    if not label:
        raise HosoError(
            "name: say which PC this agent runs on",
            message_vi="Cần đặt tên cho máy ký (name)",
            field="name",
        )
    moment = at or now()
    with svc.sessions.begin() as session:
        # One UPDATE uses the code up: two agents racing with one code, only one pairs.
        taken = session.execute(
            update(AgentPairing)
            .where(
                AgentPairing.code_hash == _code_hash(code),
                AgentPairing.used_at.is_(None),
                AgentPairing.expires_at > moment,
            )
            .values(used_at=moment)
            .returning(AgentPairing.user_id)
        ).scalar_one_or_none()
        user = session.get(User, taken) if taken is not None else None
        if user is None or user.disabled_at is not None or user.role != "signer":
            raise Unauthenticated(
                "this pairing code is wrong, used or expired: ask the Ký số page for a new one",
                message_vi="Mã ghép nối sai, đã dùng hoặc đã hết hạn: tạo mã mới trên trang Ký số",
                field="code",
            )
        token = secrets.token_urlsafe(32)
        agent = AgentToken(user_id=user.id, token_hash=token_hash(token), name=label)
        session.add(agent)
        session.flush()
        session.add(
            AuditEntry(
                actor=f"user:{user.login}",
                action="agent_paired",
                detail={"login": user.login, "agent": agent.id, "name": label},
            )
        )
        return token, Actor.of(user)


def _allowed(actor: Actor | None, action: str) -> str:
    """Who acts, as the audit log names them; None is the operator at the command line."""
    if actor is None:
        return "cli"
    if actor.agent is not None:
        raise agent_only()
    allow(actor, action, ("signer", "admin"))
    return actor.audit


def agents(svc: Services, actor: Actor | None, *, login: str | None = None) -> list[AgentView]:
    """The agents of the signer; for an administrator or the command line (`actor` None),
    those of `login`, or everyone's."""
    _allowed(actor, "xem máy ký")
    query = select(AgentToken, User.login).join(User, User.id == AgentToken.user_id)
    if actor is not None and actor.role == "signer":
        query = query.where(AgentToken.user_id == actor.id)
    elif login is not None:
        query = query.where(User.login == login.strip().lower())
    with svc.sessions() as session:
        rows = session.execute(query.order_by(AgentToken.id)).all()
    return [
        AgentView(a.id, who or "", a.name, a.created_at, a.last_used_at, a.revoked_at)
        for a, who in rows
    ]


def revoke(
    svc: Services, actor: Actor | None, agent_id: int, *, at: dt.datetime | None = None
) -> AgentView:
    """Revoke agent `agent_id` (a signer their own; an administrator or the command line any):
    its token works no more, from its next request."""
    by = _allowed(actor, "thu hồi máy ký")
    with svc.sessions.begin() as session:
        found = session.execute(
            select(AgentToken, User.login)
            .join(User, User.id == AgentToken.user_id)
            .where(AgentToken.id == agent_id)
        ).first()
        if found is None or (
            actor is not None and actor.role == "signer" and found[0].user_id != actor.id
        ):
            raise NotFound(
                f"no agent {agent_id}", message_vi=f"Không có máy ký {agent_id}", field="agent"
            )
        agent, login = found
        if agent.revoked_at is None:
            agent.revoked_at = at or now()
            session.add(
                AuditEntry(
                    actor=by,
                    action="agent_revoked",
                    detail={"login": login, "agent": agent.id, "name": agent.name},
                )
            )
        return AgentView(
            agent.id,
            login or "",
            agent.name,
            agent.created_at,
            agent.last_used_at,
            agent.revoked_at,
        )


def agent_only() -> Forbidden:
    """The refusal of an agent's token outside its scope."""
    return Forbidden(
        "a signing agent's token may only fetch waiting drafts and prepare and finish their "
        "signatures",
        message_vi="Mã của máy ký chỉ dùng để lấy văn bản chờ ký, chuẩn bị và hoàn tất chữ ký",
        field="authorization",
    )
