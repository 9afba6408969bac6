"""The registry on a real SQLite file: numbers per issuing body, type and year with no gap, a
failed issue that leaves nothing behind, the append-only audit log, the migration, and eight
processes issuing at once."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from api.registry import db
from api.registry import numbering as registry
from api.registry.db import AuditEntry, Document, NumberCounter
from docgen import inputs
from docgen.errors import KeyUnavailable, NumberingError
from tests.conftest import REPO
from tests.databases import sqlite_registry
from tests.registry_load import issue_concurrently

BODIES = inputs.load_bodies(REPO / "samples" / "bodies")


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A registry at the latest schema in a new SQLite file, knowing the sample bodies."""
    return sqlite_registry(tmp_path / "data")


@pytest.fixture
def sessions(url: str) -> sessionmaker[Session]:
    return db.session_factory(url)


def issue(
    sessions: sessionmaker[Session],
    body: str = "ubnd-hai-phong",
    code: str = "QĐ",
    *,
    issued_on: dt.date = dt.date(2026, 1, 8),
    **details: Any,
) -> registry.IssuedDocument:
    """One issue whose `make` returns a few unique bytes instead of signing."""
    return registry.record_issue(
        sessions,
        body=body,
        type_code=code,
        issued_on=issued_on,
        make=lambda n: f"{body}/{code}/{issued_on}/{n}".encode(),
        actor="test",
        **details,
    )


def test_numbers_run_per_body_type_and_year_and_restart_each_year(
    sessions: sessionmaker[Session],
) -> None:
    series = [
        ("ubnd-hai-phong", "QĐ", dt.date(2026, 1, 8)),
        ("ubnd-hai-phong", "QĐ", dt.date(2026, 1, 9)),
        ("ubnd-hai-phong", "QĐ", dt.date(2026, 3, 2)),
        ("ubnd-hai-phong", "TB", dt.date(2026, 3, 2)),
        ("ca-hai-phong", "QĐ", dt.date(2026, 3, 2)),
        ("ubnd-hai-phong", "QĐ", dt.date(2027, 1, 1)),
        ("ubnd-hai-phong", "QĐ", dt.date(2026, 12, 31)),
    ]
    done = [issue(sessions, body, code, issued_on=day) for body, code, day in series]
    assert [d.number for d in done] == [1, 2, 3, 1, 1, 1, 4]
    assert [d.reference for d in done][:5] == [
        "01/QĐ-UBND",
        "02/QĐ-UBND",
        "03/QĐ-UBND",
        "01/TB-UBND",
        "01/QĐ-CATP",
    ]


def test_an_issue_records_the_document_and_an_audit_entry(
    sessions: sessionmaker[Session],
) -> None:
    done = issue(
        sessions, subject="Về việc công nhận", page_count=2, verification_code="ABCDE-FGHIJ"
    )
    assert done.sha256 == hashlib.sha256(done.pdf).hexdigest()
    with sessions() as session:
        document = session.get_one(Document, done.document_id)
        assert (document.number, document.notation, document.year) == (1, "QĐ-UBND", 2026)
        assert (document.status, document.sha256) == ("issued", done.sha256)
        assert (document.issued_on, document.page_count) == (dt.date(2026, 1, 8), 2)
        assert document.verification_code == done.verification_code == "ABCDE-FGHIJ"
        assert document.created_at.tzinfo is not None
        (entry,) = session.scalars(select(AuditEntry))
        assert (entry.actor, entry.action, entry.document_id) == ("test", "issue", document.id)
        assert entry.detail["reference"] == "01/QĐ-UBND"
        assert entry.detail["sha256"] == done.sha256
        assert entry.at.tzinfo is not None


def test_a_failed_issue_consumes_no_number_and_leaves_nothing(
    sessions: sessionmaker[Session],
) -> None:
    def refused(number: int) -> bytes:
        raise KeyUnavailable("wrong passphrase")

    with pytest.raises(KeyUnavailable):
        registry.record_issue(
            sessions,
            body="ubnd-hai-phong",
            type_code="QĐ",
            issued_on=dt.date(2026, 1, 8),
            make=refused,
            actor="test",
        )
    with sessions() as session:
        for table in (Document, AuditEntry, NumberCounter):
            assert session.scalar(select(func.count()).select_from(table)) == 0
    assert issue(sessions).number == 1


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [("ubnd-khong-co", "QĐ", "body"), ("ubnd-hai-phong", "QĐ-UBND", "type_code")],
    ids=["unknown body", "ký hiệu for a type"],
)
def test_what_cannot_be_numbered_is_refused_plainly(
    sessions: sessionmaker[Session], body: str, code: str, field: str
) -> None:
    with pytest.raises(NumberingError) as caught:
        issue(sessions, body, code)
    assert caught.value.field == field


def test_a_printed_code_is_issued_once(sessions: sessionmaker[Session]) -> None:
    issue(sessions, verification_code="ABCDE-FGHIJ")
    with pytest.raises(NumberingError, match="registered already"):
        issue(sessions, issued_on=dt.date(2026, 1, 9), verification_code="ABCDE-FGHIJ")
    assert issue(sessions).number == 2


def test_a_signed_draft_becomes_the_issued_document(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        draft = Document(
            issuing_body_id="ubnd-hai-phong",
            type_code="QĐ",
            year=2025,
            notation="QĐ-UBND",
            subject="Về việc công nhận",
            status="draft",
        )
        session.add(draft)
    with pytest.raises(NumberingError, match="only a signed draft"):
        issue(sessions, document_id=draft.id)
    with sessions.begin() as session:
        session.get_one(Document, draft.id).status = "signed"
    done = issue(sessions, document_id=draft.id)
    assert (done.document_id, done.verification_code) == (draft.id, draft.verification_code)
    with sessions() as session:
        document = session.get_one(Document, draft.id)
        assert (document.status, document.number, document.year) == ("issued", 1, 2026)
        assert session.scalar(select(func.count()).select_from(Document)) == 1


def test_the_audit_log_refuses_update_and_delete(sessions: sessionmaker[Session]) -> None:
    issue(sessions)
    for statement in (
        "UPDATE audit_entries SET actor = 'someone else'",
        "DELETE FROM audit_entries",
    ):
        with pytest.raises(DBAPIError, match="append-only"), sessions.begin() as session:
            session.execute(text(statement))
    with sessions() as session:
        assert session.scalars(select(AuditEntry.actor)).all() == ["test"]


def test_the_migration_creates_every_table_as_the_models_say(url: str) -> None:
    engine = db.engine(url)
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert tables == set(db.Base.metadata.tables) | {"alembic_version"}
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.Base.metadata) == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
    assert db.upgrade(url) == latest_revision()  # again: nothing to do


def test_instants_are_stored_in_utc_and_naive_ones_refused(
    sessions: sessionmaker[Session],
) -> None:
    hanoi = dt.timezone(dt.timedelta(hours=7))
    when = dt.datetime(2026, 1, 8, 9, 30, tzinfo=hanoi)
    with sessions.begin() as session:
        session.add(AuditEntry(at=when, actor="test", action="note"))
    with sessions() as session:
        stored = session.scalars(select(AuditEntry.at)).one()
        assert stored == when and stored.tzinfo == dt.UTC
    with pytest.raises(Exception, match="naive"), sessions.begin() as session:
        session.add(AuditEntry(at=dt.datetime(2026, 1, 8), actor="test", action="note"))


def test_bodies_are_added_parents_first_and_once(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions.begin() as session:
        assert registry.add_issuing_bodies(session, BODIES.values()) == []
        assert session.get_one(db.IssuingBody, "ubnd-yet-kieu").parent_id == "ubnd-hai-phong"
    with db.session_factory(f"sqlite:///{tmp_path / 'other.db'}").begin() as session:
        db.Base.metadata.create_all(session.connection())
        child_first = [BODIES["ubnd-yet-kieu"], BODIES["ubnd-hai-phong"]]
        assert registry.add_issuing_bodies(session, child_first) == [
            "ubnd-hai-phong",
            "ubnd-yet-kieu",
        ]


def test_eight_processes_issue_1000_numbers_without_gap_on_sqlite(url: str) -> None:
    """The issue's check on the embedded default; its `make` does not sign (tests/registry_load)."""
    run = issue_concurrently(url, workers=8, per_worker=125, body="ubnd-hai-phong")
    assert sorted(run.numbers) == list(range(1, 1001)), Counter(run.numbers).most_common(3)
    with db.session_factory(url)() as session:
        numbers = session.scalars(select(Document.number)).all()
        assert sorted(n for n in numbers if n is not None) == list(range(1, 1001))
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 1000


def latest_revision() -> str:
    """The newest migration's revision id ("0004" of 0004_sent_for_signing.py)."""
    return max(p.name.split("_")[0] for p in (db.MIGRATIONS / "versions").glob("[0-9]*.py"))


def test_a_signer_registers_a_signature_image_and_a_bad_one_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    from api.registry.db import User
    from api.workflow.users import add_user, register_signature_image
    from docgen.errors import HosoError, SigningError
    from signing import images

    with sessions.begin() as session:
        add_user(
            session, login="chutich", name="Trần Minh Khôi", role="signer", body="ubnd-hai-phong"
        )
        add_user(session, login="vanthu", name="Phạm Thu Hà", role="van_thu", body="ubnd-hai-phong")
    own = images.signature_png("Trần Minh Khôi", width=640)
    with sessions.begin() as session:
        register_signature_image(session, "chutich", own)
    red = images.seal_png("Ủy ban nhân dân thành phố Hải Phòng")  # a seal, not a signature
    with pytest.raises(SigningError) as refused, sessions.begin() as session:
        register_signature_image(session, "chutich", red)
    assert refused.value.field == "image" and "is not blue" in refused.value.message
    with pytest.raises(HosoError) as not_signer, sessions.begin() as session:
        register_signature_image(session, "vanthu", own)
    assert not_signer.value.field == "login"
    with sessions() as session:
        kept = {u.login: u.signature_png for u in session.scalars(select(User))}
    assert kept == {"chutich": own, "vanthu": None}
