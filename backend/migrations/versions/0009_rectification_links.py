"""rectification links

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 06:41:16.898874
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes  # noqa: F401 — column types of the models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rectification_report_id", sa.String(length=200), nullable=True)
        )

    with op.batch_alter_table("synced_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refers_to", sa.String(length=200), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_synced_document_refers_to"), ["refers_to"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("synced_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_synced_document_refers_to"))
        batch_op.drop_column("refers_to")

    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_column("rectification_report_id")
