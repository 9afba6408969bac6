"""The admin's API: the users (list, change a role, disable, enable, rotate a token) and the
audit log's export per body and period. The use cases (api/workflow/user_admin.py,
api/workflow/audit_log.py)
refuse everyone but an admin."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api.routes.deps import ActorDep, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.models import REFUSED
from api.workflow import audit_log, user_admin

router = APIRouter(route_class=GatedRoute, prefix="/api/admin", tags=["administration"])
Login = Annotated[str, Path(max_length=64, description="the user's login")]


class UserAdminPublic(BaseModel):
    """A user as the admin sees them: never a token or password."""

    login: str
    name: str
    role: str
    role_vi: str
    issuing_body: str | None
    issuing_body_name: str | None = Field(
        default=None, description="the body's name, e.g. Ủy ban nhân dân thành phố Hải Phòng"
    )
    disabled_at: dt.datetime | None
    has_password: bool
    has_token: bool


class RoleChange(BaseModel):
    role: Literal["clerk", "signer", "van_thu", "archivist", "admin"]


class TokenPublic(BaseModel):
    login: str
    token: str = Field(description="the new API token, shown this once; the old one is void")


def _public(row: user_admin.UserRow) -> UserAdminPublic:
    return UserAdminPublic.model_validate(row, from_attributes=True)


@router.get("/users", response_model=list[UserAdminPublic], responses=REFUSED)
def users(actor: ActorDep, services: ServicesDep) -> list[UserAdminPublic]:
    """Every user, by body then login."""
    return [_public(r) for r in user_admin.list_users(services.sessions, actor)]


@router.post("/users/{login}/role", response_model=UserAdminPublic, responses=REFUSED)
def role(
    login: Login, change: RoleChange, actor: ActorDep, services: ServicesDep
) -> UserAdminPublic:
    """Give the user another role; their web sessions end."""
    return _public(user_admin.change_role(services.sessions, actor, login, role=change.role))


@router.post("/users/{login}/disable", response_model=UserAdminPublic, responses=REFUSED)
def disable(login: Login, actor: ActorDep, services: ServicesDep) -> UserAdminPublic:
    """Disable the user: every session and their token end now; sign-in is refused."""
    return _public(user_admin.set_disabled(services.sessions, actor, login, disabled=True))


@router.post("/users/{login}/enable", response_model=UserAdminPublic, responses=REFUSED)
def enable(login: Login, actor: ActorDep, services: ServicesDep) -> UserAdminPublic:
    """Enable a disabled user again (they need a new token: rotate it)."""
    return _public(user_admin.set_disabled(services.sessions, actor, login, disabled=False))


@router.post("/users/{login}/token", response_model=TokenPublic, responses=REFUSED)
def token(login: Login, actor: ActorDep, services: ServicesDep) -> TokenPublic:
    """A new API token for the user; the old one stops working at once."""
    return TokenPublic(login=login, token=user_admin.rotate_token(services.sessions, actor, login))


@router.get(
    "/audit",
    response_class=Response,
    responses={**REFUSED, 200: {"content": {"text/csv": {}, "application/json": {}}}},
)
def audit(
    actor: ActorDep,
    services: ServicesDep,
    body: Annotated[str | None, Query(max_length=64, description="issuing body id")] = None,
    since: Annotated[dt.datetime | None, Query(description="from (ISO 8601, inclusive)")] = None,
    until: Annotated[dt.datetime | None, Query(description="to (ISO 8601, exclusive)")] = None,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    """The audit log of a body (or all) in a period, as CSV or JSON."""
    found = audit_log.entries(
        services.sessions, actor, body=body, since=_aware(since), until=_aware(until)
    )
    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return Response(
        audit_log.export_bytes(found, format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="nhat-ky.{format}"'},
    )


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """A time without zone is Vietnam's (UTC+7), as people there write it."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))
