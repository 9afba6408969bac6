"""Who the caller is: `GET /api/me`, the user of the token (or of the session)."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes.deps import ActorDep
from api.routes.gate import GatedRoute
from api.routes.models import REFUSED, UserPublic
from api.workflow.users import ROLE_VI

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["workflow"])


@router.get("/me", response_model=UserPublic, responses=REFUSED, summary="Who I am")
def me(actor: ActorDep) -> UserPublic:
    return UserPublic(
        login=actor.login,
        name=actor.name,
        role=actor.role,
        role_vi=ROLE_VI[actor.role],
        issuing_body=actor.body,
    )
