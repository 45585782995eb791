"""Whose tracks: one tablet's, one grid worker's, or everyone's — the query parameters
``device`` and ``worker`` shared by the tracks layer, the blind spots and their exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar.params import QueryParameter
from sqlalchemy import ColumnElement
from sqlmodel import col

from backend.tracks.models import TrackSegment

MAX_ACCOUNT_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class TrackFilter:
    device_id: str | None = None
    worker_account_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """What a track segment must match (nothing: every segment)."""
        wanted = []
        if self.device_id is not None:
            wanted.append(col(TrackSegment.device_id) == self.device_id)
        if self.worker_account_id is not None:
            wanted.append(col(TrackSegment.worker_account_id) == self.worker_account_id)
        return wanted

    def audit(self) -> dict[str, Any]:
        return {"device": self.device_id, "worker": self.worker_account_id}


def provide_track_filter(
    device: Annotated[
        str | None, QueryParameter(max_length=64, description="one tablet's tracks only")
    ] = None,
    worker: Annotated[
        int | None,
        QueryParameter(ge=1, le=MAX_ACCOUNT_ID, description="one grid worker's tracks only"),
    ] = None,
) -> TrackFilter:
    return TrackFilter(device, worker)
