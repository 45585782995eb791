"""hazard change order: live maps catch up on changes they missed

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 10:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.create_index("ix_hazard_updated_order", ["updated_at", "doc_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.drop_index("ix_hazard_updated_order")
