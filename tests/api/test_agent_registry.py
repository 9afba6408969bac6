"""Pairing agents and ending what is stale, on SQLite and on PostgreSQL: a code pairs once
even when two agents race with it; a revoked agent's token opens nothing; a remote job
left pending by a dead worker is concluded once, and one within its time is left alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from api.registry.db import RemoteJob, User
from api.workflow import agents, stale
from api.workflow.users import Actor, authenticate
from docgen.errors import HosoError, Unauthenticated
from tests.api.service import Service, running
from tests.databases import postgresql_registry
from tests.signing_setting import Setting


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def registry(
    request: pytest.FixtureRequest, setting: Setting, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    with ExitStack() as stack:
        database = {}
        if request.param == "postgresql":
            database["database_url"] = stack.enter_context(postgresql_registry())
        yield stack.enter_context(running(setting, tmp_path_factory.mktemp("agents"), **database))


def chair(service: Service) -> Actor:
    with service.services.sessions() as session:
        user = session.scalars(select(User).where(User.login == "chutich.haiphong")).one()
        return Actor.of(user)


def test_a_code_pairs_once_even_when_two_agents_race(registry: Service) -> None:
    services = registry.services
    code = agents.pairing_code(services, chair(registry)).code

    def attempt(name: str) -> str:
        try:
            return agents.pair(services, code, name=name)[0]
        except HosoError as exc:
            return exc.code

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(attempt, ["may-1", "may-2", "may-3", "may-4"]))
    tokens = [o for o in outcomes if o != "unauthenticated"]
    assert len(tokens) == 1, outcomes
    with services.sessions() as session:
        actor = authenticate(session, tokens[0])
    assert actor.login == "chutich.haiphong" and actor.agent is not None

    [view] = [a for a in agents.agents(services, None) if a.id == actor.agent]
    agents.revoke(services, None, view.id)
    with services.sessions() as session, pytest.raises(Unauthenticated):
        authenticate(session, tokens[0])


def test_a_lost_remote_job_is_concluded_once(registry: Service) -> None:
    services = registry.services
    now = dt.datetime.now(dt.UTC)
    late = now - dt.timedelta(seconds=services.confirm_timeout) - stale.JOB_GRACE
    with services.sessions.begin() as session:
        session.add(RemoteJob(id="lost-job", user_id=chair(registry).id, created_at=late))
        session.add(RemoteJob(id="young-job", user_id=chair(registry).id, created_at=now))
    assert stale.conclude_stale(services, "lost-job") is True
    assert stale.conclude_stale(services, "lost-job") is False  # once
    assert stale.conclude_stale(services, "young-job") is False
    with services.sessions() as session:
        lost, young = session.get(RemoteJob, "lost-job"), session.get(RemoteJob, "young-job")
        assert lost is not None and young is not None
        assert (lost.state, lost.result["code"]) == ("failed", "remote_job_lost")
        assert young.state == "pending"
