"""Whether a document's references agree with where it arrived and who wrote it.

A tablet may only speak for its own grid and itself: a document names the grid of the
database it arrived in, the device of the CouchDB user who wrote it, and an id in that
device's own namespace; a rectification report or a checklist answer refers only to a
hazard of the same grid database. A mismatch is not refused (CouchDB already checked who
may write there): the document is recorded invalid with the reason, so it never becomes
evidence on the ledger.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import replace
from typing import Any

from sync.contract.check import SchemaCheck
from sync.contract.schemas import ErrorDetail


def referenced_hazards(doc: dict[str, Any]) -> set[str]:
    """The hazard ids a document refers to (a report's hazard, checklist answers')."""
    refs = set()
    if isinstance(doc.get("hazard_id"), str):
        refs.add(doc["hazard_id"])
    for answer in doc.get("answers") or []:
        if isinstance(answer, dict) and isinstance(answer.get("hazard_id"), str):
            refs.add(answer["hazard_id"])
    return refs


def scope_errors(
    doc: dict[str, Any], *, grid_id: str, device_prefix: str, hazards_here: Collection[str]
) -> list[ErrorDetail]:
    """What in ``doc`` names another grid, device or database's hazard."""
    return list(_mismatches(doc, grid_id, device_prefix, hazards_here))


def _mismatches(
    doc: dict[str, Any], grid_id: str, device_prefix: str, hazards_here: Collection[str]
) -> Iterator[ErrorDetail]:
    if doc.get("grid_id") != grid_id:
        yield ErrorDetail(path="/grid_id", message=f"names grid {doc.get('grid_id')!r} but "
                          f"arrived in the database of grid {grid_id!r}")  # fmt: skip
    device_id = doc.get("device_id")
    if doc.get("author") != f"{device_prefix}{device_id}":
        yield ErrorDetail(path="/device_id", message=f"device {device_id!r} is not the one "
                          f"whose credentials wrote it ({doc.get('author')!r})")  # fmt: skip
    id_parts = str(doc.get("_id", "")).split(":")
    if len(id_parts) < 3 or id_parts[1] != device_id:
        yield ErrorDetail(path="/_id", message="the id is not in the namespace of its device")
    for hazard_id in sorted(referenced_hazards(doc) - set(hazards_here)):
        yield ErrorDetail(path="/hazard_id", message=f"hazard {hazard_id!r} is not a hazard "
                          "of this grid database")  # fmt: skip


def with_scope(check: SchemaCheck, errors: list[ErrorDetail]) -> SchemaCheck:
    """The check, invalid with these errors added (unchanged when there are none)."""
    if not errors:
        return check
    return replace(check, valid=False, errors=[*check.errors, *errors])
