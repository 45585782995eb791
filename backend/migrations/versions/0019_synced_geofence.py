"""synced geofence: what the geofence decided about each document, kept with it so that
every verdict is composed from stored state

Documents applied before this revision get what their hazard row says (status, distance,
suggested grid, boundary version); the location's accuracy and the containing grids
follow at their next revision or boundary re-check.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("synced_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("geofence", JSON, nullable=True))
    connection = op.get_bind()
    hazards = connection.execute(sa.text(
        "SELECT doc_id, geofence_status, geofence_distance_m, suggested_grid_id, "
        "boundary_version "
        "FROM hazard WHERE geofence_status IS NOT NULL"
    )).all()  # fmt: skip
    update = sa.text("UPDATE synced_document SET geofence = :g WHERE doc_id = :d").bindparams(
        sa.bindparam("g", type_=JSON)
    )
    rows = [
        {"d": doc_id, "g": {"status": status, "boundary_version": version,
                            "distance_m": None if distance is None else round(distance, 1),
                            "accuracy_m": None, "suggested_grid_id": suggested,
                            "containing_grids": []}}
        for doc_id, status, distance, suggested, version in hazards
    ]  # fmt: skip
    if rows:  # one executemany, not a statement per hazard
        connection.execute(update, rows)


def downgrade() -> None:
    with op.batch_alter_table("synced_document", schema=None) as batch_op:
        batch_op.drop_column("geofence")
