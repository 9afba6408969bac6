"""Jobs without a signed-in owner: public bulk verification (api/workflow/bulk_verify.py) is
owned by whoever holds the job's token, kept here as its SHA-256 only; such a job has no user.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("token_hash", sa.String(64), nullable=True))
    op.create_index("ix_jobs_token_hash", "jobs", ["token_hash"])


def downgrade() -> None:
    op.drop_index("ix_jobs_token_hash", "jobs")
    op.execute("DELETE FROM jobs WHERE user_id IS NULL")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("token_hash")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
