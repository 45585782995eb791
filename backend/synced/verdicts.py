"""The one place a verdict is composed, and the one path verdicts are written by.

A verdict is composed from what the server stored about the document — its registry
row (schema result, what the geofence decided) — and, for documents carrying photos,
their processing results. The follower, the photo worker and the boundary re-check all
compose through :func:`compose_verdict` and write through :class:`VerdictWriter`, so a
verdict never loses a part another writer added, and an unchanged one is not rewritten.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from backend.synced.models import SyncedDocument
from sync.contract import ErrorDetail, SchemaCheck
from sync.couch import CouchClient, JsonObject
from sync.verdicts import VERDICT_KEEP, verdict_doc


def stored_schema(row: SyncedDocument) -> SchemaCheck:
    """The schema result the registry keeps for the document's applied revision."""
    errors = [ErrorDetail(path=e["path"], message=e["message"]) for e in row.errors]
    return SchemaCheck(row.doc_type, row.valid, row.schema_version, row.upgraded_from, errors)


def compose_verdict(
    *,
    doc_id: str,
    rev: str,
    doc_type: str,
    grid_id: str,
    received_at: datetime,
    schema: SchemaCheck,
    geofence: Mapping[str, Any] | None,
    names: Mapping[str, dict[str, str]],
    photos: Sequence[dict[str, Any]] | None = None,
    track: dict[str, Any] | None = None,
) -> JsonObject:
    """The verdict on one revision. ``geofence``: what the geofence decided (as stored
    with the document); ``names``: every grid's names (a suggested grid is named, since
    the tablet holds only its own grid's); ``photos``: the photo part, for a document
    carrying photos; ``track``: what a track said."""
    extras: dict[str, Any] = {}
    if geofence is not None:
        suggested = geofence.get("suggested_grid_id")
        extras["geofence"] = {
            **geofence, "suggested_grid_name": names.get(suggested) if suggested else None
        }  # fmt: skip
    if photos is not None:
        extras["photos"] = list(photos)
    if track is not None:
        extras["track"] = track
    return verdict_doc(doc_id=doc_id, rev=rev, doc_type=doc_type, grid_id=grid_id,
                       received_at=received_at.isoformat(timespec="milliseconds"),
                       schema=schema, extra=extras)  # fmt: skip


def stored_verdict(
    row: SyncedDocument,
    names: Mapping[str, dict[str, str]],
    *,
    photos: Sequence[dict[str, Any]] | None = None,
) -> JsonObject:
    """The verdict composed from the registry row alone (and the document's photos)."""
    return compose_verdict(doc_id=row.doc_id, rev=row.rev, doc_type=row.doc_type,
                           grid_id=row.grid_id, received_at=row.received_at,
                           schema=stored_schema(row), geofence=row.geofence, names=names,
                           photos=photos)  # fmt: skip


class VerdictWriter:
    """Writes verdicts to their grid database, skipping those already as composed.

    :meth:`holding` is the database's lock: whoever changes what a verdict is composed
    from (the follower applying a page, the photo worker storing a result) holds it from
    reading that state until the verdict is written, so a verdict composed from older
    state never overwrites one composed from newer."""

    def __init__(self, couch: CouchClient) -> None:
        self.couch = couch
        self._locks: dict[str, asyncio.Lock] = {}

    def holding(self, db: str) -> asyncio.Lock:
        return self._locks.setdefault(db, asyncio.Lock())

    async def write(
        self, db: str, verdicts: list[JsonObject], *, probably_new: Collection[str] = ()
    ) -> list[str]:
        """Ids of the verdicts written (the others were stored as they are)."""
        if not verdicts:
            return []
        return await self.couch.ensure_docs(db, verdicts, keep=VERDICT_KEEP,
                                            probably_new=probably_new)  # fmt: skip
