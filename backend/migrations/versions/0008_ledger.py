"""ledger

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 06:36:43.640950
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_entry",
        sa.Column("hazard_id", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("status_after", sa.String(length=32), nullable=False),
        sa.Column("at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("id", sa.String(length=260), nullable=False),
        sa.Column("actor_account_id", sa.Integer(), nullable=True),
        sa.Column(
            "assignment",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["actor_account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_hazard_id"), ["hazard_id"], unique=False)

    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "ledger_status", sa.String(length=32), nullable=False, server_default="reported"
            )
        )
        batch_op.add_column(
            sa.Column("ledger_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("responsible_person", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("responsible_unit", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("measures", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("deadline", backend.sqltypes.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_hazard_ledger_status"), ["ledger_status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_ledger_status"))
        batch_op.drop_column("deadline")
        batch_op.drop_column("measures")
        batch_op.drop_column("responsible_unit")
        batch_op.drop_column("responsible_person")
        batch_op.drop_column("ledger_version")
        batch_op.drop_column("ledger_status")

    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_hazard_id"))

    op.drop_table("ledger_entry")
