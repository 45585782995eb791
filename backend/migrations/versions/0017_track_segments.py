"""track segments: the patrol tracks tablets record, one row per track document

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "track_segment",
        sa.Column("doc_id", sa.String(length=200), nullable=False),
        sa.Column("db", sa.String(length=128), nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("inspection_id", sa.String(length=200), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("started_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("outside_share", sa.Float(), nullable=True),
        sa.Column(
            "line", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("rev", sa.String(length=64), nullable=False),
        sa.Column("received_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["place.id"]),
        sa.PrimaryKeyConstraint("doc_id"),
    )
    with op.batch_alter_table("track_segment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_track_segment_grid_started", ["grid_id", "started_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_track_segment_inspection_id"), ["inspection_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("track_segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_track_segment_inspection_id"))
        batch_op.drop_index("ix_track_segment_grid_started")
    op.drop_table("track_segment")
