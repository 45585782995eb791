"""inspections and sites

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 07:37:31.261888
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection",
        sa.Column("doc_id", sa.String(length=200), nullable=False),
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("site_name", sa.String(length=200), nullable=True),
        sa.Column("site_sector", sa.String(length=32), nullable=True),
        sa.Column("site_credit_code", sa.String(length=18), nullable=True),
        sa.Column("started_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disputes_found", sa.Integer(), nullable=True),
        sa.Column("hazards_reported", sa.Integer(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("geofence_status", sa.String(length=32), nullable=True),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("rev", sa.String(length=64), nullable=False),
        sa.Column("received_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"],
            ["place.id"],
        ),
        sa.PrimaryKeyConstraint("doc_id"),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_grid_started", ["grid_id", "started_at"], unique=False)

    op.create_table(
        "site",
        sa.Column("grid_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=32), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("high_risk", sa.Boolean(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("updated_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"],
            ["place.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("grid_id", "name", name="uq_site_grid_name"),
    )
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_credit_code"), ["credit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_grid_id"), ["grid_id"], unique=False)

    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sector", sa.String(length=32), nullable=True))
    # hazards synced before: their sector is in the stored document
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE hazard SET sector = left(doc::json->>'sector', 32) WHERE valid")
    else:
        op.execute(
            "UPDATE hazard SET sector = substr(json_extract(doc, '$.sector'), 1, 32) WHERE valid"
        )


def downgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.drop_column("sector")

    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_grid_id"))
        batch_op.drop_index(batch_op.f("ix_site_credit_code"))

    op.drop_table("site")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_grid_started")

    op.drop_table("inspection")
