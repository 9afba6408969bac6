"""Signing with the key elsewhere: each signer's remote signing service, the signatures
prepared for a key the server never holds (used once, before they expire), and the remote
signings waiting for a confirmation on the signer's phone; a draft returned with the signer's
comments.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_MOMENT = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "remote_signing",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.String(512), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret", sa.LargeBinary(), nullable=False),
        sa.Column("credential_id", sa.String(255), nullable=False),
    )
    op.create_table(
        "prepared_signatures",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("draft_sha256", sa.String(64), nullable=False),
        sa.Column("prepared_sha256", sa.String(64), nullable=False),
        sa.Column("document_digest", sa.LargeBinary(), nullable=False),
        sa.Column("region_start", sa.Integer(), nullable=False),
        sa.Column("region_end", sa.Integer(), nullable=False),
        sa.Column("signed_attributes", sa.LargeBinary(), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("chain", _JSON, nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("expires_at", _MOMENT, nullable=False),
        sa.Column("used_at", _MOMENT, nullable=True),
    )
    op.create_index("ix_prepared_signatures_document_id", "prepared_signatures", ["document_id"])
    op.create_table(
        "remote_jobs",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("document_ids", _JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("finished_at", _MOMENT, nullable=True),
    )

    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("returned_comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("returned_at", _MOMENT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("returned_at")
        batch.drop_column("returned_comment")
    op.drop_table("remote_jobs")
    op.drop_index("ix_prepared_signatures_document_id", "prepared_signatures")
    op.drop_table("prepared_signatures")
    op.drop_table("remote_signing")
