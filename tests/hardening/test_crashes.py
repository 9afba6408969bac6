"""Crash safety: processes issuing and archiving are killed (SIGKILL, through the test hook
`api.registry.crash.point` and HOSO_CRASH_AT) after the số is taken, halfway through writing the
file,
after the file is linked into the store and just before the commit. After each kill a new
process carries on. In the end the số are 1…n without gap or duplicate, every registered
document has its file with the right hash, the check sets aside exactly the files the killed
processes left without record (journaled by the store, `api.registry.crash`), and then finds the
store and
the registry clean; a file put there outside an issue is still named.

The workers are `python -c` processes on a SQLite registry; their `make` puts a few unique bytes
into the store instead of signing, and archiving "seals" by appending bytes (no PKI, no TSA):
what is tested is the order of store and registry, not the PDF.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.registry import crash, db
from api.registry import numbering as registry
from api.registry.db import Document, Status
from api.registry.store import LocalStore
from api.workflow import archive_check
from tests.conftest import REPO
from tests.databases import postgresql_registry, sqlite_registry
from tests.hardening.figures import record

BODY = "ubnd-hai-phong"

ISSUE_POINTS = (
    "registry.after-number",
    "store.mid-write",
    "store.after-link",
    "registry.before-commit",
)
ARCHIVE_POINTS = ("store.mid-write", "store.after-link", "archive.before-commit")
LEFT_WITHOUT_RECORD = 4
"""Kills after the link and before the commit, of an issue and of an archiving."""

WORKER = """
import datetime as dt, os, sys
from pathlib import Path
from api.registry import crash, db
from api.registry.store import LocalStore

url, folder, crash_at, what, *args = sys.argv[1:]
sessions = db.session_factory(url)
store = LocalStore(Path(folder))
if what == "issue":
    from api.registry import numbering as registry

    token = os.urandom(8)

    def make(number):
        data = b"issued %d " % number + token + bytes(65536)
        store.put(data)
        return data

    count = int(args[0])
    for i in range(count):
        if crash_at and i == count - 1:  # the last one is killed
            crash.arm(crash_at)
        registry.record_issue(
            sessions, body="BODY", type_code="QĐ", issued_on=dt.date(2026, 6, 1),
            make=make, actor="crash-test",
        )
else:
    from api.workflow import archive

    archive.seal_for_archive = lambda pdf, **_: pdf + b" sealed"
    for document_id in args:
        if crash_at and document_id == args[-1]:
            crash.arm(crash_at)
        archive.archive_document(
            sessions, store, int(document_id), tsa_url="", context=None, actor="crash-test"
        )
""".replace("BODY", BODY)


def _run(url: str, store: Path, what: str, *args: object, crash_at: str | None = None) -> int:
    """Run the worker; with `crash_at`, its last issue or archiving is killed there."""
    env = {k: v for k, v in os.environ.items() if k != "HOSO_CRASH_AT"}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, url, str(store), crash_at or "", what, *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if crash_at is None:
        assert done.returncode == 0, done.stderr
    return done.returncode


def _documents(sessions: sessionmaker[Session]) -> Sequence[Document]:
    with sessions() as session:
        return session.scalars(select(Document).order_by(Document.id)).all()


def _intact(
    names: tuple[str, str],
    status: Status,
    digest: str,
    pdf: bytes,
    trust_roots: object,
    *,
    online: bool,
) -> archive_check.CheckedFile:
    """The check's signature validation, left out: the workers' files are not PDFs."""
    return archive_check.CheckedFile(*names, status, digest, None, None, "intact")


def _inconsistencies(sessions: sessionmaker[Session], store: LocalStore) -> list[str]:
    """What is wrong between registry and store, checked here without `check_store`."""
    found: list[str] = []
    documents = _documents(sessions)
    numbers = sorted(d.number for d in documents if d.number is not None)
    if numbers != list(range(1, len(numbers) + 1)):
        found.append(f"số not 1…n: {numbers}")
    named = set()
    for d in documents:
        for digest in (d.sha256, d.archived_sha256):
            if digest is None:
                continue
            named.add(digest)
            try:
                store.get(digest)  # re-hashes
            except Exception as exc:
                found.append(f"#{d.id}: {exc}")
    found += [f"{digest} without record" for digest in set(store.iter()) - named]
    found += [f"temporary file {p}" for p in store.folder.glob("*/*/.tmp-*")]
    return found


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A registry at the latest schema knowing the sample bodies: a new SQLite file, or a
    throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_registry(tmp_path)
        return
    with postgresql_registry() as location:
        yield location


@pytest.fixture
def sessions(url: str) -> Iterator[sessionmaker[Session]]:
    engine = db.engine(url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def test_killed_issues_and_archivings_leave_registry_and_store_consistent(
    url: str, sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "store"
    store = LocalStore(folder)
    killed = 0
    for point in ISSUE_POINTS:  # two issued, the third killed
        killed += _run(url, folder, "issue", 3, crash_at=point) == -9
    issued = [d.id for d in _documents(sessions) if d.status == "issued"]
    for i, point in enumerate(ARCHIVE_POINTS):  # one archived, the next killed
        killed += _run(url, folder, "archive", *issued[2 * i : 2 * i + 2], crash_at=point) == -9
    assert killed == len(ISSUE_POINTS) + len(ARCHIVE_POINTS)

    # What the kills left: files without record and temporary files; never a record without file.
    left = _inconsistencies(sessions, store)
    assert sum("without record" in p for p in left) == LEFT_WITHOUT_RECORD, left
    assert sum("temporary file" in p for p in left) == 2, left  # one per mid-write kill
    assert len(left) == LEFT_WITHOUT_RECORD + 2, left

    monkeypatch.setattr(archive_check, "_checked", _intact)
    first = archive_check.check_store(sessions, store, trust_roots=[])
    assert first.clean, first.problems
    assert len(first.set_aside) == LEFT_WITHOUT_RECORD
    assert all((folder / "quarantine" / f"{h}.pdf").is_file() for h in first.set_aside)
    assert store.marked() == []

    # Restarted, the work carries on: more issues, and every document archived.
    _run(url, folder, "issue", 2)
    _run(url, folder, "archive", *(d.id for d in _documents(sessions) if d.status == "issued"))
    documents = _documents(sessions)
    assert len(documents) == 2 * len(ISSUE_POINTS) + 2
    assert {d.status for d in documents} == {"archived"}
    inconsistencies = _inconsistencies(sessions, store)
    again = archive_check.check_store(sessions, store, trust_roots=[])
    inconsistencies += [p.message for p in again.problems]
    inconsistencies += [f"{h} set aside after the restart" for h in again.set_aside]
    assert not inconsistencies
    assert again.documents == len(documents)

    record("crashes", "crash points tried", len(ISSUE_POINTS) + len(ARCHIVE_POINTS))
    record("crashes", "runs killed", killed)
    record("crashes", "inconsistencies found (must be 0)", len(inconsistencies))


def test_the_sweep_waits_for_an_issue_that_has_put_its_file_but_not_committed(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "store")
    put = threading.Event()

    def make(number: int) -> bytes:
        data = b"in flight %d" % number
        store.put(data)
        put.set()
        threading.Event().wait(0.5)  # the sweep starts meanwhile, and must wait
        return data

    def issue() -> None:
        registry.record_issue(
            sessions,
            body=BODY,
            type_code="QĐ",
            issued_on=dt.date(2026, 6, 1),
            make=make,
            actor="test",
        )

    issuing = threading.Thread(target=issue)
    issuing.start()
    assert put.wait(30)
    swept = crash.sweep(sessions, store)
    issuing.join(30)
    assert swept == ()
    (document,) = _documents(sessions)
    assert document.sha256 is not None and store.get(document.sha256)


def test_a_file_put_outside_an_issue_is_still_named_not_set_aside(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path / "store")
    stray = store.put(b"a file no document names")
    monkeypatch.setattr(archive_check, "_checked", _intact)
    report = archive_check.check_store(sessions, store, trust_roots=[])
    assert [p.subject for p in report.problems] == [stray]
    assert report.set_aside == () and store.exists(stray)


def test_the_crash_hook_does_nothing_unless_asked() -> None:
    crash.arm("elsewhere")
    try:
        for name in crash.POINTS:
            crash.point(name)  # still alive
    finally:
        crash.arm(None)
