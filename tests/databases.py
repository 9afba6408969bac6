"""Registries for tests: a database at the latest schema that knows the sample issuing bodies,
in a new SQLite file or in a throwaway PostgreSQL database on the machine's server."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import URL
from sqlalchemy.orm import sessionmaker

from api.registry import db
from api.registry import numbering as registry
from docgen import inputs
from tests.conftest import REPO, need

BODIES = inputs.load_bodies(REPO / "samples" / "bodies")

# Where the machine's PostgreSQL answers (.ci/run makes sure it runs); HOSO_TEST_POSTGRESQL
# names another server as a libpq connection string to its maintenance database.
SERVERS = [
    os.environ.get("HOSO_TEST_POSTGRESQL", ""),
    "host=127.0.0.1 port=5432 user=postgres dbname=postgres",
    "host=/var/run/postgresql user=postgres dbname=postgres",
]


def prepare(url: str) -> str:
    """`url` brought to the latest schema and told the sample bodies; returns `url`."""
    db.upgrade(url)
    engine = db.engine(url)
    with sessionmaker(engine).begin() as session:
        registry.add_issuing_bodies(session, BODIES.values())
    engine.dispose()
    return url


def sqlite_registry(folder: Path) -> str:
    """A registry in a new SQLite file `folder`/hoso.db."""
    folder.mkdir(parents=True, exist_ok=True)
    return prepare(f"sqlite:///{folder / 'hoso.db'}")


def _maintenance() -> psycopg.Connection[tuple[object, ...]] | None:
    for server in filter(None, SERVERS):
        try:
            return psycopg.connect(server, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError:
            continue
    return None


def _url(info: psycopg.ConnectionInfo, database: str) -> str:
    """The SQLAlchemy URL of `database` on the server `info` describes (TCP or socket)."""
    socket = info.host.startswith("/")
    return URL.create(
        "postgresql+psycopg",
        username=info.user,
        password=info.password or None,
        host=None if socket else info.host,
        port=None if socket else info.port,
        database=database,
        query={"host": info.host, "port": str(info.port)} if socket else {},
    ).render_as_string(hide_password=False)


@contextmanager
def postgresql_registry() -> Iterator[str]:
    """A registry in a new PostgreSQL database, dropped afterwards."""
    admin = _maintenance()
    need(admin is not None, "no PostgreSQL answers on 127.0.0.1:5432 or /var/run/postgresql")
    assert admin is not None
    name = f"hoso_test_{secrets.token_hex(4)}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield prepare(_url(admin.info, name))
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
