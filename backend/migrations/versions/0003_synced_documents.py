"""synced documents

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 05:19:31.609978
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "synced_document",
        sa.Column("doc_id", sa.String(length=200), nullable=False),
        sa.Column("db", sa.String(length=128), nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("rev", sa.String(length=80), nullable=False),
        sa.Column("rev_generation", sa.Integer(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column(
            "errors",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("schema_version", sa.Integer(), nullable=True),
        sa.Column("upgraded_from", sa.Integer(), nullable=True),
        sa.Column(
            "conflict_revs",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("received_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"],
            ["place.id"],
        ),
        sa.PrimaryKeyConstraint("doc_id"),
    )
    with op.batch_alter_table("synced_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_synced_document_db"), ["db"], unique=False)
        batch_op.create_index(batch_op.f("ix_synced_document_doc_type"), ["doc_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_synced_document_grid_id"), ["grid_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("synced_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_synced_document_grid_id"))
        batch_op.drop_index(batch_op.f("ix_synced_document_doc_type"))
        batch_op.drop_index(batch_op.f("ix_synced_document_db"))

    op.drop_table("synced_document")
