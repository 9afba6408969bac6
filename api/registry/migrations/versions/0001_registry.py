"""The registry: issuing bodies, users and their certificates, units and assessments, documents,
the number counters, recipients and the append-only audit log.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

Moment = sa.DateTime(timezone=True)
JSONData = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ROLES = "role IN ('clerk', 'signer', 'van_thu', 'archivist', 'admin')"
STATUSES = "status IN ('draft', 'signed', 'issued', 'archived', 'revoked', 'replaced')"

REFUSAL = "the audit log is append-only"
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
    for verb in ("UPDATE", "DELETE")
]
POSTGRESQL_TRIGGERS = [
    "CREATE FUNCTION audit_entries_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$",
    "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse()",
    "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse()",
]


def upgrade() -> None:
    op.create_table(
        "issuing_bodies",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("abbreviation", sa.String(32), nullable=False),
        sa.Column("place", sa.String(128), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["issuing_bodies.id"], name="fk_issuing_bodies_parent_id_issuing_bodies"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_issuing_bodies"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("issuing_body_id", sa.String(64), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.CheckConstraint(ROLES, name="ck_users_role"),
        sa.ForeignKeyConstraint(
            ["issuing_body_id"],
            ["issuing_bodies.id"],
            name="fk_users_issuing_body_id_issuing_bodies",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("token_hash", name="uq_users_token_hash"),
    )
    op.create_table(
        "signer_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("not_after", Moment, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_signer_certificates_user_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_signer_certificates"),
        sa.UniqueConstraint("sha256", name="uq_signer_certificates_sha256"),
    )
    op.create_index("ix_signer_certificates_user_id", "signer_certificates", ["user_id"])
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuing_body_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("unit_type", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuing_body_id"],
            ["issuing_bodies.id"],
            name="fk_units_issuing_body_id_issuing_bodies",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("issuing_body_id", "name", name="uq_units_issuing_body_id_name"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("input", JSONData, nullable=False),
        sa.Column("result", JSONData, nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_assessments_unit_id_units"),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
        sa.UniqueConstraint("unit_id", "year", name="uq_assessments_unit_id_year"),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuing_body_id", sa.String(64), nullable=False),
        sa.Column("type_code", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("notation", sa.String(64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("verification_code", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("signer_info", sa.String(255), nullable=True),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.CheckConstraint(STATUSES, name="ck_documents_status"),
        sa.ForeignKeyConstraint(
            ["issuing_body_id"],
            ["issuing_bodies.id"],
            name="fk_documents_issuing_body_id_issuing_bodies",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"], ["documents.id"], name="fk_documents_replaced_by_id_documents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint(
            "issuing_body_id",
            "type_code",
            "year",
            "number",
            name="uq_documents_issuing_body_id_type_code_year_number",
        ),
        sa.UniqueConstraint("verification_code", name="uq_documents_verification_code"),
        sa.UniqueConstraint("sha256", name="uq_documents_sha256"),
    )
    op.create_table(
        "number_counters",
        sa.Column("issuing_body_id", sa.String(64), nullable=False),
        sa.Column("type_code", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuing_body_id"],
            ["issuing_bodies.id"],
            name="fk_number_counters_issuing_body_id_issuing_bodies",
        ),
        sa.PrimaryKeyConstraint("issuing_body_id", "type_code", "year", name="pk_number_counters"),
    )
    op.create_table(
        "recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("opened_at", Moment, nullable=True),
        sa.Column("acknowledged_at", Moment, nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_recipients_document_id_documents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_recipients"),
        sa.UniqueConstraint("token_hash", name="uq_recipients_token_hash"),
    )
    op.create_index("ix_recipients_document_id", "recipients", ["document_id"])
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("detail", JSONData, nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_audit_entries_document_id_documents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
    )
    op.create_index("ix_audit_entries_document_id", "audit_entries", ["document_id"])
    triggers = (
        POSTGRESQL_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    )
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER audit_entries_no_change ON audit_entries")
        op.execute("DROP FUNCTION audit_entries_refuse()")
    for table in (
        "audit_entries",
        "recipients",
        "number_counters",
        "documents",
        "assessments",
        "units",
        "signer_certificates",
        "users",
        "issuing_bodies",
    ):
        op.drop_table(table)
