"""The registry on PostgreSQL: the same migrations as on SQLite, the audit trigger, and eight
processes issuing at once. Each test gets a database of its own, created through the postgres
user (trust authentication, as on the CI machine) and dropped afterwards."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.registry import db
from api.registry import numbering as registry
from api.registry.db import AuditEntry, Document, NumberCounter
from docgen.errors import KeyUnavailable
from tests.databases import postgresql_registry
from tests.registry_load import issue_concurrently

pytestmark = pytest.mark.slow


@pytest.fixture
def url() -> Iterator[str]:
    """A new database at the latest schema, knowing the sample bodies; dropped afterwards."""
    with postgresql_registry() as location:
        yield location


@pytest.fixture
def sessions(url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.engine(url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def test_the_migrations_give_the_models_schema_on_postgresql(url: str) -> None:
    engine = db.engine(url)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == set(db.Base.metadata.tables) | {
            "alembic_version"
        }
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.Base.metadata) == []
    engine.dispose()
    assert db.upgrade(url) == latest_revision()


def test_the_audit_log_refuses_update_delete_and_truncate_on_postgresql(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        session.add(AuditEntry(at=dt.datetime.now(dt.UTC), actor="test", action="note"))
    for statement in (
        "UPDATE audit_entries SET actor = 'someone else'",
        "DELETE FROM audit_entries",
        "TRUNCATE audit_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as session:
            session.execute(text(statement))
    with sessions() as session:
        assert session.scalars(select(AuditEntry.actor)).all() == ["test"]


def test_a_failed_issue_consumes_no_number_on_postgresql(sessions: sessionmaker[Session]) -> None:
    def refused(number: int) -> bytes:
        raise KeyUnavailable("wrong passphrase")

    arguments = {"body": "ubnd-hai-phong", "type_code": "QĐ", "actor": "test"}
    with pytest.raises(KeyUnavailable):
        registry.record_issue(sessions, issued_on=dt.date(2026, 1, 8), make=refused, **arguments)
    with sessions() as session:
        for table in (Document, AuditEntry, NumberCounter):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    numbers = [
        registry.record_issue(
            sessions, issued_on=day, make=lambda n, d=day: f"{d}/{n}".encode(), **arguments
        ).number
        for day in (dt.date(2026, 1, 8), dt.date(2026, 1, 9), dt.date(2027, 1, 4))
    ]
    assert numbers == [1, 2, 1]


def test_eight_processes_issue_1000_numbers_without_gap_on_postgresql(url: str) -> None:
    """The issue's check on PostgreSQL; its `make` does not sign (see tests/registry_load)."""
    run = issue_concurrently(url, workers=8, per_worker=125, body="ubnd-hai-phong")
    assert sorted(run.numbers) == list(range(1, 1001)), Counter(run.numbers).most_common(3)
    engine = db.engine(url)
    with Session(engine) as session:
        numbers = session.scalars(select(Document.number)).all()
        assert sorted(n for n in numbers if n is not None) == list(range(1, 1001))
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1000
    engine.dispose()


def latest_revision() -> str:
    """The newest migration's revision id ("0004" of 0004_sent_for_signing.py)."""
    return max(p.name.split("_")[0] for p in (db.MIGRATIONS / "versions").glob("[0-9]*.py"))
