"""The workflow: which dossier, unit and template a document comes from, whom it is sent to,
who signed it, the hash of its archived (sealed) file apart from the issued one, and users'
logins.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

JSONData = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key or a unique constraint to a table in place.
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("dossier", sa.String(128), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(32), nullable=True))
        batch.add_column(sa.Column("title", sa.String(255), nullable=True))
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("signer_title", sa.String(128), nullable=True))
        batch.add_column(sa.Column("signer_name", sa.String(255), nullable=True))
        batch.add_column(sa.Column("signed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("send_to", JSONData, nullable=True))
        batch.add_column(sa.Column("archived_sha256", sa.String(64), nullable=True))
        batch.create_foreign_key("fk_documents_unit_id_units", "units", ["unit_id"], ["id"])
        batch.create_foreign_key(
            "fk_documents_signed_by_id_users", "users", ["signed_by_id"], ["id"]
        )
        batch.create_unique_constraint("uq_documents_archived_sha256", ["archived_sha256"])
        batch.create_index("ix_documents_dossier", ["dossier"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("login", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_users_login", ["login"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_login", type_="unique")
        batch.drop_column("login")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_dossier")
        batch.drop_constraint("uq_documents_archived_sha256", type_="unique")
        batch.drop_constraint("fk_documents_signed_by_id_users", type_="foreignkey")
        batch.drop_constraint("fk_documents_unit_id_units", type_="foreignkey")
        for column in (
            "archived_sha256",
            "send_to",
            "signed_by_id",
            "signer_name",
            "signer_title",
            "unit_id",
            "title",
            "kind",
            "dossier",
        ):
            batch.drop_column(column)
