"""hazard geofence

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 06:03:22.214421
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes  # noqa: F401 — column types of the models

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geofence_status", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("geofence_distance_m", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("suggested_grid_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("boundary_version", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_hazard_geofence_status"), ["geofence_status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_geofence_status"))
        batch_op.drop_column("boundary_version")
        batch_op.drop_column("suggested_grid_id")
        batch_op.drop_column("geofence_distance_m")
        batch_op.drop_column("geofence_status")
