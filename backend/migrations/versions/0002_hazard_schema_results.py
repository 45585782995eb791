"""hazard schema results

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 05:15:49.957139
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("valid", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("schema_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("upgraded_from", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "errors",
                sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
        batch_op.alter_column("title", existing_type=sa.VARCHAR(length=200), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.alter_column("title", existing_type=sa.VARCHAR(length=200), nullable=False)
        batch_op.drop_column("errors")
        batch_op.drop_column("upgraded_from")
        batch_op.drop_column("schema_version")
        batch_op.drop_column("valid")
