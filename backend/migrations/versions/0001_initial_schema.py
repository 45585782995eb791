"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 05:06:48.878197
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "place",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column(
            "boundary",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("couch_db", sa.String(length=128), nullable=True),
        sa.Column("created_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["place.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("couch_db"),
    )
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_place_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_place_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "quarantined_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("db", sa.String(length=128), nullable=False),
        sa.Column("doc_id", sa.String(length=500), nullable=False),
        sa.Column("rev", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "errors",
            sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"),
            nullable=False,
        ),
        sa.Column("quarantined_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("db", "doc_id", "rev"),
    )
    with op.batch_alter_table("quarantined_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantined_change_db"), ["db"], unique=False)

    op.create_table(
        "sync_checkpoint",
        sa.Column("db", sa.String(length=128), nullable=False),
        sa.Column(
            "seq", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=True
        ),
        sa.Column("updated_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("db"),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("couch_user", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["grid_id"],
            ["place.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("couch_user"),
    )
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_grid_id"), ["grid_id"], unique=False)

    op.create_table(
        "hazard",
        sa.Column("doc_id", sa.String(length=200), nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("reported_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("rev", sa.String(length=64), nullable=False),
        sa.Column("rev_generation", sa.Integer(), nullable=False),
        sa.Column(
            "doc", sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql"), nullable=False
        ),
        sa.Column("received_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"],
            ["place.id"],
        ),
        sa.PrimaryKeyConstraint("doc_id"),
    )
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_grid_id"), ["grid_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_grid_id"))

    op.drop_table("hazard")
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_grid_id"))

    op.drop_table("device")
    op.drop_table("sync_checkpoint")
    with op.batch_alter_table("quarantined_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantined_change_db"))

    op.drop_table("quarantined_change")
    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_parent_id"))
        batch_op.drop_index(batch_op.f("ix_place_kind"))

    op.drop_table("place")
