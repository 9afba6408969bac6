"""The way a signer signs (cách ký), remembered per user so the Ký số page preselects it:

    remote   their remote signing service (CSC), confirmed on the phone
    agent    `hoso agent` on their own PC with their USB token
    key      a key the server opens: the development PKI's key file, or the server's token

The page offers only the ways the signer has (`offered`); the choice is remembered when they
pick it on the page and whenever they sign one way (`remember`), so the next visit opens on it.

Left out: remembering per device (a chair on his phone and at his desk has one choice).
"""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import update

from api.registry.db import User
from api.workflow.services import Services
from api.workflow.users import Actor
from docgen.errors import HosoError

Way = Literal["remote", "agent", "key"]
WAYS: tuple[Way, ...] = get_args(Way)
WAY_VI: dict[Way, str] = {
    "remote": "Dịch vụ ký số từ xa (xác nhận trên điện thoại)",
    "agent": "Token USB trên máy tính của tôi (hoso agent)",
    "key": "Khóa do máy chủ mở (tệp khóa thử nghiệm hoặc token của máy chủ)",
}


def offered(*, remote: bool, key_upload: bool) -> tuple[Way, ...]:
    """The ways a signer has: remote with a registered provider, the agent always, a key the
    server opens only where the service takes keys (the development PKI)."""
    return tuple(w for w in WAYS if (w != "remote" or remote) and (w != "key" or key_upload))


def chosen(remembered: str | None, ways: tuple[Way, ...]) -> Way | None:
    """The way to preselect: the remembered one if still offered, else the first offered."""
    for way in ways:
        if way == remembered:
            return way
    return ways[0] if ways else None


def remembered(svc: Services, actor: Actor) -> str | None:
    with svc.sessions() as session:
        user = session.get(User, actor.id)
        return user.signing_way if user is not None else None


def remember(svc: Services, actor: Actor, way: str) -> None:
    """Keep `way` as the signer's choice; anything but one of WAYS is refused."""
    if way not in WAYS:
        raise HosoError(
            f"way {way!r}: one of {', '.join(WAYS)}",
            message_vi="Cách ký không hợp lệ (từ xa, máy ký hoặc khóa)",
            field="way",
        )
    with svc.sessions.begin() as session:
        session.execute(update(User).where(User.id == actor.id).values(signing_way=way))
