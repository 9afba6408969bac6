"""Notifications: users' e-mail addresses, the outbox of e-mails (recorded with the event they
tell about, delivered after it), and the name and position a recipient types when
acknowledging receipt.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(320), nullable=True))
    with op.batch_alter_table("recipients") as batch:
        batch.add_column(sa.Column("acknowledged_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("acknowledged_position", sa.String(255), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column(
            "issuing_body_id",
            sa.String(64),
            sa.ForeignKey(
                "issuing_bodies.id", name="fk_notifications_issuing_body_id_issuing_bodies"
            ),
            nullable=True,
        ),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("documents.id", name="fk_notifications_document_id_documents"),
            nullable=True,
        ),
        sa.Column(
            "recipient_id",
            sa.Integer(),
            sa.ForeignKey("recipients.id", name="fk_notifications_recipient_id_recipients"),
            nullable=True,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_notifications_user_id_users"),
            nullable=True,
        ),
        sa.Column("to_name", sa.String(255), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("tried_at", MOMENT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("dedup_key", name="uq_notifications_dedup_key"),
    )
    op.create_index("ix_notifications_document_id", "notifications", ["document_id"])
    op.create_index("ix_notifications_sent_at", "notifications", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_sent_at", "notifications")
    op.drop_index("ix_notifications_document_id", "notifications")
    op.drop_table("notifications")
    with op.batch_alter_table("recipients") as batch:
        batch.drop_column("acknowledged_position")
        batch.drop_column("acknowledged_by")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
