"""Alembic's entry point for hoso's migrations.

Run through `api.registry.db.upgrade(url)` (or `hoso db upgrade`), which configures Alembic in code
— no
alembic.ini — and hands over an open connection in a transaction in
`config.attributes["connection"]`; the whole upgrade commits or rolls back as one. The same
migrations serve SQLite and PostgreSQL.

A new migration is written by hand beside 0001 (versions/0002_<what>.py with
`down_revision = "0001"`), with `op.batch_alter_table` for changes to existing tables, which
SQLite can only make by copying the table. The test of the migrations compares the migrated
schema with the models in api/registry/db.py, so a model changed without its migration fails there.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from api.registry.db import Base


def run() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run hoso's migrations with `hoso db upgrade` (api.registry.db.upgrade)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
