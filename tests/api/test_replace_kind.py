"""`replace` takes as successor an issued document of the same body and of the same type only
(a Kế hoạch is replaced by a Kế hoạch, never by a Quyết định), on a real registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.registry.db import Document
from api.settings import Settings
from api.workflow import documents as workflow
from api.workflow.services import build_services
from api.workflow.users import add_user
from docgen.errors import StateError
from tests.databases import sqlite_registry

BODY = "ubnd-hai-phong"


def test_a_successor_of_another_type_is_refused(tmp_path: Path, throwaway_roots: Path) -> None:
    url = sqlite_registry(tmp_path / "registry")
    settings = Settings(
        data_dir=tmp_path / "data", trust_roots_dir=throwaway_roots, database_url=url
    )
    services = build_services(settings)
    try:
        with services.sessions.begin() as session:
            user, _ = add_user(  # the văn thư, as the use cases see her
                session, login="vanthu.a", name="Phạm Thu Hà", role="van_thu", body=BODY
            )
            rows = [
                Document(
                    issuing_body_id=BODY,
                    type_code=code,
                    year=2026,
                    number=number,
                    notation=f"{code}-UBND",
                    issued_on=dt.date(2026, 12, 1),
                    status="issued",
                    kind=kind,
                    verification_code=f"TEST{n:04d}",
                )
                for n, (code, kind, number) in enumerate(
                    [("KH", "ke-hoach", 1), ("QĐ", "quyet-dinh", 1), ("KH", "ke-hoach", 2)]
                )
            ]
            session.add_all(rows)
            session.flush()
            plan, decision, new_plan = (d.id for d in rows)
            actor = user
        with pytest.raises(StateError) as refused:
            workflow.replace(services, actor, plan, by=decision, reason="Thay thế")
        assert refused.value.field == "by"
        assert refused.value.message_vi == "Văn bản thay thế phải cùng loại với văn bản bị thay thế"
        with services.sessions() as session:
            kept = session.get(Document, plan)
            assert kept is not None and kept.status == "issued" and kept.replaced_by_id is None
        done = workflow.replace(services, actor, plan, by=new_plan, reason="Thay thế")
        assert (done.status, done.replaced_by_id) == ("replaced", new_plan)
    finally:
        services.sessions.kw["bind"].dispose()
