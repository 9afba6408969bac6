"""Operations: users an admin has disabled (`users.disabled_at`), the sign-in attempts the
throttle counts (api/workflow/throttle.py: per login and per address, indexed by time), and an index
on the audit log's time for exports by period.

The audit log's triggers refusing UPDATE, DELETE (and on PostgreSQL TRUNCATE) are migration
0001's; this one leaves them alone.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sign_in_attempts"),
    )
    op.create_index("ix_sign_in_attempts_login_at", "sign_in_attempts", ["login", "at"])
    op.create_index("ix_sign_in_attempts_address_at", "sign_in_attempts", ["address", "at"])
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_at", "audit_entries")
    op.drop_table("sign_in_attempts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
