"""track workers: the grid worker who carried the tablet when a track arrived

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_track_segment_worker_account_id_account"


def upgrade() -> None:
    with op.batch_alter_table("track_segment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker_account_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_track_segment_worker_account_id"), ["worker_account_id"], unique=False
        )
        batch_op.create_foreign_key(FOREIGN_KEY, "account", ["worker_account_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("track_segment", schema=None) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_track_segment_worker_account_id"))
        batch_op.drop_column("worker_account_id")
