"""Crash safety of issuing and archiving: the test hook that kills the process at a chosen
point, and the journal and sweep that clear what a killed process left in the store.

An issue (`api.registry.numbering.record_issue`) or an archiving
(`api.workflow.archive.archive_document`) puts
its file into the store before its transaction commits, so a record never lacks its file. A
process killed between the two leaves a file without a record (and a kill during the write, a
temporary file beside it). Both run inside `store_writes`, so `LocalStore.put` journals each
hash in <store>/pending/ before linking its file. `sweep`, while no such transaction runs,
reads the journal: a journaled file the registry names was committed; one it does not name was
left by a killed process and moves to <store>/quarantine/ (kept, not deleted: it may be a
signed file worth a look); the journal is then emptied and stale temporary files deleted. A file
without record that was not journaled (put outside an issue, or copied in by hand) stays, and
`hoso archive check` (`api.workflow.archive_check.check_store`, which sweeps first) names it.

"While no such transaction runs": `store_writes` holds the store's latch, shared, until its
transaction ends, and the sweep takes it exclusively, so it never takes away the file of an
issue that has not committed yet. On SQLite the latch is the database's one write lock, which
every writing transaction takes at BEGIN (IMMEDIATE); on PostgreSQL a transaction-level advisory
lock.

`point("registry.after-number")` kills the process with SIGKILL when it was armed at that point
(`arm`, given `Settings.crash_at`, i.e. HOSO_CRASH_AT, by `build_services`); it does nothing
otherwise: this module reads no environment. The points: registry.after-number,
registry.before-commit, store.mid-write (half the bytes in the temporary file),
store.after-link, archive.before-commit. Only tests arm it (tests/hardening/test_crashes.py).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:  # SQLAlchemy loads only when a sweep or latch runs
    from sqlalchemy.orm import Session, sessionmaker


class Journaled(Protocol):
    """What a sweep needs of a store (`api.registry.store.LocalStore`, which calls `point` and
    so is not imported here)."""

    def marked(self) -> list[str]: ...
    def exists(self, digest: str) -> bool: ...
    def set_aside(self, digest: str) -> object: ...
    def unmark(self, digest: str) -> None: ...
    def clear_temporary(self) -> object: ...


__all__ = [
    "POINTS",
    "RENEW",
    "Journaled",
    "arm",
    "journaling",
    "point",
    "store_writes",
    "superseded",
    "sweep",
]

RENEW: Final = "renew"
"""The audit action of a timestamp renewal (api/workflow/preservation.py), whose detail keeps
the previous archived copy's hash as `previous_sha256`."""

POINTS: Final = (
    "registry.after-number",
    "registry.before-commit",
    "store.mid-write",
    "store.after-link",
    "archive.before-commit",
)
"""Where `point` is called: the moments of an issue and an archiving a test kills at."""

_LATCH: Final = 0x686F736F  # "hoso": the advisory lock's key on PostgreSQL
_journaling: ContextVar[bool] = ContextVar("hoso_store_journaling", default=False)


_armed: str | None = None


def arm(name: str | None) -> None:
    """Make `point(name)` kill this process (None: no point does). Called with
    `Settings.crash_at` (HOSO_CRASH_AT) by whatever builds the services; only tests set it."""
    global _armed
    _armed = name


def point(name: str) -> None:
    """Kill this process at once (SIGKILL: no cleanup, no flush) if it was armed at `name`."""
    if _armed is not None and _armed == name:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def store_writes(session: Session) -> Iterator[None]:
    """Within: `LocalStore.put` journals what it writes, and no sweep runs until `session`'s
    transaction ends (the latch, shared, is held that long)."""
    _hold_latch(session, exclusive=False)
    token = _journaling.set(True)
    try:
        yield
    finally:
        _journaling.reset(token)


def journaling() -> bool:
    """Whether a `put` now is within `store_writes`."""
    return _journaling.get()


def _hold_latch(session: Session, *, exclusive: bool) -> None:
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(text(f"SELECT {lock}(:key)"), {"key": _LATCH})


def sweep(sessions: sessionmaker[Session], store: Journaled) -> tuple[str, ...]:
    """Move every journaled file of `store` that no document names into its quarantine folder,
    empty the journal and delete stale temporary files, while no issue or archiving is under
    way. Returns the hashes moved, sorted."""
    from sqlalchemy import select

    from api.registry.db import Document

    with sessions.begin() as session:
        session.connection()  # begins now: on SQLite BEGIN IMMEDIATE, the write lock
        _hold_latch(session, exclusive=True)
        marked = store.marked()
        named: set[str | None] = set()
        for start in range(0, len(marked), 500):  # SQLite's parameter limit
            chunk = marked[start : start + 500]
            rows = session.execute(
                select(Document.sha256, Document.archived_sha256).where(
                    Document.sha256.in_(chunk) | Document.archived_sha256.in_(chunk)
                )
            )
            for issued, archived in rows:
                named |= {issued, archived}
        named |= superseded(session)
        moved = tuple(d for d in marked if d not in named and store.exists(d))
        for digest in moved:
            store.set_aside(digest)
        for digest in marked:
            store.unmark(digest)
        store.clear_temporary()
    return moved


def superseded(session: Session) -> set[str]:
    """The archived copies a renewal replaced (the audit log's "renew" entries): records still,
    kept in the store beside the renewed copy, never a file to set aside."""
    from sqlalchemy import select

    from api.registry.db import AuditEntry

    details = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == RENEW))
    return {str(d["previous_sha256"]) for d in details if d and d.get("previous_sha256")}
