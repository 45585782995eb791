"""photos

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 06:22:55.337237
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hazard_photo",
        sa.Column("hazard_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("declared_sha256", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("time_difference_s", sa.Float(), nullable=True),
        sa.Column(
            "flags",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("reused_from", sa.String(length=200), nullable=True),
        sa.Column("db", sa.String(length=128), nullable=False),
        sa.Column("couch_digest", sa.String(length=100), nullable=True),
        sa.Column("updated_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("hazard_id", "name"),
    )
    with op.batch_alter_table("hazard_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_photo_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_hazard_photo_status"), ["status"], unique=False)

    op.create_table(
        "photo",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("taken_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("exif_lat", sa.Float(), nullable=True),
        sa.Column("exif_lon", sa.Float(), nullable=True),
        sa.Column("exif_gps", sa.String(length=16), nullable=False),
        sa.Column("dhash", sa.String(length=16), nullable=False),
        sa.Column("rejected_reason", sa.String(length=300), nullable=True),
        sa.Column("processed_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_dhash"), ["dhash"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_dhash"))

    op.drop_table("photo")
    with op.batch_alter_table("hazard_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_photo_status"))
        batch_op.drop_index(batch_op.f("ix_hazard_photo_sha256"))

    op.drop_table("hazard_photo")
