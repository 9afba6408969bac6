"""`make bench`, numbering: issues per second with several processes taking numbers of one
series at once, on SQLite and on PostgreSQL.

Each issue is what `api.registry.numbering.record_issue` does — one transaction that takes the next
số,
records the document with its SHA-256 and an audit entry, and commits — with a `make` that
returns a few bytes instead of signing: this measures the registry, not pyHanko (signing is
`bench/run.py signing`). All workers share one series (one body, type and year), the worst
case: each waits for the previous commit. The workers are spawned processes, timed from a
barrier, so their start-up is not counted (tests/registry_load.py).

`bench_numbering(url)` runs on the database at `url`, which must be a scratch database: the
audit log it writes cannot be deleted. `numbering()` makes one SQLite file and one PostgreSQL
database (through the postgres user on 127.0.0.1:5432, as the tests do), prints both rates and
drops them; `python bench/numbering.py` runs it.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy.engine import URL  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from api.registry import db  # noqa: E402
from tests.registry_load import issue_concurrently  # noqa: E402

BENCH_BODY = db.IssuingBody(
    id="bench", name="Cơ quan thử tốc độ", abbreviation="BENCH", place="Hải Phòng"
)
POSTGRESQL = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def bench_numbering(url: str, workers: int = 8, per_worker: int = 125) -> float:
    """Issues per second of `workers` processes issuing `per_worker` documents each of one new
    series in the (scratch) database at `url`; checks that the numbers run 1…N without gap."""
    db.upgrade(url)
    engine = db.engine(url)
    with Session(engine) as session, session.begin():
        if session.get(db.IssuingBody, BENCH_BODY.id) is None:
            session.merge(BENCH_BODY)
    engine.dispose()
    type_code = f"B{secrets.token_hex(3).upper()}"  # a new series on every run
    run = issue_concurrently(
        url, workers=workers, per_worker=per_worker, body=BENCH_BODY.id, type_code=type_code
    )
    total = workers * per_worker
    if sorted(run.numbers) != list(range(1, total + 1)):
        raise AssertionError(f"numbers with a gap or a duplicate in {db.shown_url(url)}")
    return total / run.seconds


@contextmanager
def scratch_sqlite() -> Iterator[str]:
    """A SQLite file in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="hoso-bench-") as folder:
        yield f"sqlite:///{folder}/hoso.db"


@contextmanager
def scratch_postgresql(server: str = POSTGRESQL) -> Iterator[str]:
    """A new database on the PostgreSQL server `server` (a libpq connection string to its
    maintenance database, as a user who may create databases), dropped afterwards."""
    import psycopg
    from psycopg import sql

    name = f"hoso_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        info = admin.info
        try:
            yield URL.create(
                "postgresql+psycopg",
                username=info.user,
                password=info.password or None,
                host=info.host,
                port=info.port,
                database=name,
            ).render_as_string(hide_password=False)
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def numbering(workers: int = 8, per_worker: int = 125) -> None:
    """The `make bench` section: the rate on a scratch SQLite file and PostgreSQL database."""
    import psycopg

    print(f"Numbering: {workers} processes × {per_worker} issues of one series (no signing)")
    with scratch_sqlite() as url:
        rate = bench_numbering(url, workers, per_worker)
    print(f"  SQLite (WAL, BEGIN IMMEDIATE): {rate:8.0f} issues/s")
    try:
        with scratch_postgresql() as url:
            rate = bench_numbering(url, workers, per_worker)
        print(f"  PostgreSQL (row lock):         {rate:8.0f} issues/s")
    except psycopg.OperationalError as exc:
        print(f"  PostgreSQL: not measured, no server answers ({str(exc).splitlines()[0]})")


if __name__ == "__main__":
    numbering()
