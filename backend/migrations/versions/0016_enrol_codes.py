"""enrol codes: single-use, expiring codes exchanged once for a tablet's credentials;
devices keep a hash of their current password to prove a revocation to the tablet

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.sqltypes

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrol_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", backend.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"]),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    with op.batch_alter_table("enrol_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrol_code_device_id"), ["device_id"], unique=False)
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credential_hash", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_column("credential_hash")
    with op.batch_alter_table("enrol_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrol_code_device_id"))
    op.drop_table("enrol_code")
