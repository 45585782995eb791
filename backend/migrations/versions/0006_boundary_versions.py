"""boundary versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 06:05:06.799138
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "boundary_version",
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("datum", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("force_reason", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "problem_counts",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "problems",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("boundary_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_boundary_version_active"), ["active"], unique=False)

    op.create_table(
        "place_boundary",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column(
            "geometry",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["boundary_version.id"],
        ),
        sa.PrimaryKeyConstraint("version_id", "place_id"),
    )


def downgrade() -> None:
    op.drop_table("place_boundary")
    with op.batch_alter_table("boundary_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_boundary_version_active"))

    op.drop_table("boundary_version")
