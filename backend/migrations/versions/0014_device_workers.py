"""device workers: the grid worker who carries each tablet

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 11:31:06.733379
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_device_worker_account_id_account"


def upgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_account_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_device_worker_account_id"), ["worker_account_id"], unique=False
        )
        batch_op.create_foreign_key(FOREIGN_KEY, "account", ["worker_account_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_device_worker_account_id"))
        batch_op.drop_column("worker_account_id")
