"""hazard query indexes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 06:51:19.014403
"""

from collections.abc import Sequence

from alembic import op

import backend.sqltypes  # noqa: F401 — column types of the models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.create_index("ix_hazard_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index("ix_hazard_received_order", ["received_at", "doc_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.drop_index("ix_hazard_received_order")
        batch_op.drop_index("ix_hazard_lat_lon")
