"""JSON endpoints of signing agents (api/workflow/agents.py): a signer asks for a pairing
code, `hoso agent pair` exchanges it for the agent's own token, the signer lists their agents
and revokes one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.routes.deps import ActorDep, ServicesDep
from api.routes.gate import GatedRoute
from api.routes.models import ErrorPublic
from api.workflow import agents

router = APIRouter(route_class=GatedRoute, prefix="/api", tags=["signing agents"])
REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "no valid token, or a wrong pairing code"},
    403: {"model": ErrorPublic, "description": "only a signer pairs agents"},
    404: {"model": ErrorPublic, "description": "no such agent of this signer"},
    422: {"model": ErrorPublic, "description": "invalid input, each problem located"},
}


class PairingOut(BaseModel):
    code: str = Field(description="the one-time code, e.g. ABCD-EFGH")
    expires_at: dt.datetime


class PairIn(BaseModel):
    code: str = Field(min_length=4, max_length=32, description="the code the Ký số page showed")
    name: str = Field(min_length=1, max_length=128, description="this PC's name, e.g. may-ct")


class PairedOut(BaseModel):
    token: str = Field(description="the agent's own token (shown this once)")
    login: str
    name: str = Field(description="the signer's name")


class AgentOut(BaseModel):
    id: int
    login: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@router.post(
    "/agents/pairing",
    response_model=PairingOut,
    status_code=201,
    responses=REFUSED,
    summary="A one-time code to pair a signing agent",
)
def pairing(actor: ActorDep, services: ServicesDep) -> PairingOut:
    """Mã ghép nối: valid ten minutes and once (`hoso agent pair CODE --url …`)."""
    made = agents.pairing_code(services, actor)
    return PairingOut(code=made.code, expires_at=made.expires_at)


@router.post(
    "/agents/pair",
    response_model=PairedOut,
    status_code=201,
    responses=REFUSED,
    summary="Exchange a pairing code for the agent's own token",
)
def pair(body: PairIn, services: ServicesDep) -> PairedOut:
    """Ghép nối máy ký: no other credential than the code itself."""
    token, signer = agents.pair(services, body.code, name=body.name)
    return PairedOut(token=token, login=signer.login, name=signer.name)


@router.get("/agents", response_model=list[AgentOut], responses=REFUSED, summary="Paired agents")
def listed(actor: ActorDep, services: ServicesDep) -> list[AgentOut]:
    """Máy ký đã ghép nối: the signer's own (an administrator sees everyone's)."""
    return [AgentOut(**vars(a)) for a in agents.agents(services, actor)]


@router.delete(
    "/agents/{agent_id:int}", status_code=204, responses=REFUSED, summary="Revoke a signing agent"
)
def revoke(
    agent_id: Annotated[int, Path(ge=1, le=2**31 - 1)], actor: ActorDep, services: ServicesDep
) -> None:
    """Thu hồi máy ký: its token stops working at once."""
    agents.revoke(services, actor, agent_id)
