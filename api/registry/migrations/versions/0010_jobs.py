"""The job queue's record: each piece of long work with its owner, inputs, state, progress,
result or error (api/workflow/jobs.py).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

_MOMENT = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("inputs", _JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("error", _JSON, nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("heartbeat_at", _MOMENT, nullable=True),
        sa.Column("finished_at", _MOMENT, nullable=True),
    )
    op.create_index("ix_jobs_user_id", "jobs", ["user_id"])
    op.create_index("ix_jobs_key", "jobs", ["key"])


def downgrade() -> None:
    op.drop_index("ix_jobs_key", "jobs")
    op.drop_index("ix_jobs_user_id", "jobs")
    op.drop_table("jobs")
